"""Every write of accounts: registration, tokens, password change, sign-in checks, sign-out,
and staff's edits of accounts (the admin calls these too)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from domain.accounts import throttling
from domain.accounts.error_codes import AccountErrorCode
from domain.accounts.models import (
    DEFAULT_DISPLAY_NAME,
    RefreshToken,
    User,
    normalize_email_address,
)
from domain.accounts.sign_in_changes import sign_in_changed_on_commit
from domain.accounts.tokens import access_token_encode, refresh_token_generate, refresh_token_hash
from domain.catalog.models import Product, Review
from domain.catalog.rating_stats import product_rating_stats_refresh
from domain.common.error_codes import CommonErrorCode, field_error, input_error
from domain.common.permissions import key_scopes, require_staff
from domain.common.read_version import catalog_write
from domain.events.models import ProductEventType
from domain.events.services import product_event_record

# Checked against when the email is unknown, so both failures cost one password hash.
_TIMING_DUMMY_HASH = make_password("timing-equaliser-not-a-password")
MAX_DISPLAY_NAME = 100


@dataclass(frozen=True)
class IssuedTokens:
    access: str
    refresh: str
    user: User


def _check_password_rules(field: str, password: str, user: User) -> None:
    """Django's password validators, as a PASSWORD_TOO_WEAK error on `field`."""
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise field_error(
            field, " ".join(error.messages), AccountErrorCode.PASSWORD_TOO_WEAK
        ) from None


def user_register(
    *, email: str, password: str, display_name: str | None = None, client_ip: str | None = None
) -> User:
    """A new customer account. Emails are unique whatever their case.

    An email already taken is told as such (UNIQUE), so every attempt from `client_ip`
    counts against REGISTER_MAX_PER_IP: nobody can test many emails quickly."""
    wait = throttling.registration_attempt(client_ip=client_ip)
    if wait:
        raise input_error(
            f"Too many registrations from this address. Try again in {wait} seconds.",
            AccountErrorCode.RATE_LIMITED,
        )
    email = normalize_email_address(email)
    try:
        validate_email(email)
    except ValidationError:
        raise field_error(
            "email", "Enter a valid email address.", CommonErrorCode.INVALID
        ) from None
    display_name = (display_name or "").strip() or DEFAULT_DISPLAY_NAME
    if len(display_name) > MAX_DISPLAY_NAME:
        raise field_error(
            "display_name",
            f"At most {MAX_DISPLAY_NAME} characters.",
            CommonErrorCode.INVALID,
        )
    candidate = User(email=email, display_name=display_name)
    _check_password_rules("password", password, candidate)
    if User.objects.filter(email=email).exists():
        raise field_error("email", "An account with this email exists.", CommonErrorCode.UNIQUE)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # a concurrent registration of the same email won
        raise field_error(
            "email", "An account with this email exists.", CommonErrorCode.UNIQUE
        ) from None
    return candidate


def user_authenticate(*, email: str, password: str, client_ip: str | None) -> User:
    """The active user with these credentials, or INVALID_CREDENTIALS (the same error, at
    the same cost, for an unknown email, a wrong password and an inactive account), or
    RATE_LIMITED after too many failures."""
    email = normalize_email_address(email or "")
    wait = throttling.sign_in_attempt(email=email, client_ip=client_ip)
    if wait:
        raise input_error(
            f"Too many failed sign-ins. Try again in {wait} seconds.",
            AccountErrorCode.RATE_LIMITED,
            retry_after=wait,
        )
    user = User.objects.filter(email=email).first()
    if user is None:
        check_password(password, _TIMING_DUMMY_HASH)
        valid = False
    else:
        valid = user.check_password(password) and user.is_active
    if not valid:
        raise input_error("The email or password is wrong.", AccountErrorCode.INVALID_CREDENTIALS)
    throttling.sign_in_success_record(email=email, client_ip=client_ip)
    return user


def _refresh_token_issue(*, user: User, family: uuid.UUID) -> str:
    raw, digest = refresh_token_generate()
    RefreshToken.objects.create(
        user=user,
        family=family,
        token_hash=digest,
        expires_at=timezone.now() + timedelta(seconds=settings.JWT_REFRESH_TOKEN_TTL),
    )
    return raw


def token_create(*, email: str, password: str, client_ip: str | None) -> IssuedTokens:
    """Sign in for a bearer-token client: an access token and a new refresh-token family."""
    user = user_authenticate(email=email, password=password, client_ip=client_ip)
    family = uuid.uuid4()
    with transaction.atomic():
        # Under the owner's lock (which every revocation holds), the account is as it was
        # when the password was checked: a passwordChange or a deactivation that committed
        # during the (slow) check must not be followed by a token the change never saw.
        locked = _lock_owner(user.pk)
        if locked is None or not locked.is_active or locked.password != user.password:
            raise input_error(
                "The email or password is wrong.", AccountErrorCode.INVALID_CREDENTIALS
            )
        refresh = _refresh_token_issue(user=user, family=family)
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return IssuedTokens(access=access_token_encode(user, family=family), refresh=refresh, user=user)


def _invalid_token() -> ValidationError:
    return input_error(
        "The refresh token is invalid, expired or already used.", AccountErrorCode.INVALID_TOKEN
    )


def _lock_owner(user_id: int) -> User | None:
    """Lock the user row: every write of a user's refresh tokens (rotation, revocation,
    password change) holds it, so they run one at a time. Without it a rotation that
    commits while a revocation runs leaves its new token valid: under READ COMMITTED the
    revoking UPDATE does not see a row inserted after it started."""
    return User.objects.select_for_update().filter(pk=user_id).first()


def token_refresh(*, refresh_token: str) -> IssuedTokens:
    """Rotate: the presented token is used up and the next one of its family issued.
    Presenting a token that was already used means it was copied: the whole family is
    revoked (the thief and the owner both sign in again)."""
    now = timezone.now()
    digest = refresh_token_hash(refresh_token or "")
    owner_id = RefreshToken.objects.filter(token_hash=digest).values_list("user_id", flat=True)
    with transaction.atomic():
        user = _lock_owner(owner_id.first() or 0)
        # Read again under the owner's lock: a revocation that committed meanwhile is seen.
        token = RefreshToken.objects.select_for_update().filter(token_hash=digest).first()
        if (
            user is None
            or token is None
            or token.revoked_at is not None
            or token.expires_at <= now
            or RefreshToken.objects.filter(family=token.family, revoked_at__isnull=False).exists()
        ):
            raise _invalid_token()
        if token.used_at is not None:
            RefreshToken.objects.filter(family=token.family, revoked_at__isnull=True).update(
                revoked_at=now
            )
            sign_in_changed_on_commit(user_id=user.pk)
            reuse_detected = True
        else:
            reuse_detected = False
            if not user.is_active:
                raise _invalid_token()
            token.used_at = now
            token.save(update_fields=["used_at"])
            refresh = _refresh_token_issue(user=user, family=token.family)
    if reuse_detected:  # outside the atomic block: the revocation must commit
        raise _invalid_token()
    return IssuedTokens(
        access=access_token_encode(user, family=token.family), refresh=refresh, user=user
    )


def token_revoke(*, refresh_token: str) -> None:
    """Sign out one device: its refresh-token family ends, and with it the access tokens
    issued from it (they name their family) and the WebSocket connections they opened."""
    digest = refresh_token_hash(refresh_token or "")
    token = RefreshToken.objects.filter(token_hash=digest).first()
    if token is None:
        raise _invalid_token()
    with transaction.atomic():
        _lock_owner(token.user_id)
        RefreshToken.objects.filter(family=token.family, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        sign_in_changed_on_commit(user_id=token.user_id)


def password_change(
    *, user: Any, old_password: str, new_password: str, sign_in: str | None = None
) -> User:
    """A new password; every refresh token of the user is revoked, and access tokens issued
    before stop working (they carry a fingerprint of the old password).

    After PASSWORD_CHANGE_MAX_FAILURES wrong current passwords within
    PASSWORD_CHANGE_THROTTLE_WINDOW through one sign-in (`sign_in`: the device's token
    family or the browser session, see authentication.sign_in_key), every attempt through
    it is RATE_LIMITED, right password or not, until the window ends; other sign-ins of the
    account keep their own count. An API key cannot change its maker's password."""
    if key_scopes(user) is not None:
        raise input_error(
            "An API key may not change a password: sign in as yourself.",
            CommonErrorCode.PERMISSION_DENIED,
        )
    wait = throttling.password_change_attempt(user_id=user.pk, sign_in=sign_in)
    if wait:
        raise input_error(
            f"Too many wrong passwords. Try again in {wait} seconds.",
            AccountErrorCode.RATE_LIMITED,
            retry_after=wait,
        )
    if not user.check_password(old_password):
        raise field_error(
            "old_password", "The current password is wrong.", AccountErrorCode.WRONG_PASSWORD
        )
    throttling.password_change_success_record(user_id=user.pk, sign_in=sign_in)
    _check_password_rules("new_password", new_password, user)
    _password_replace(user=user, password=new_password)
    return user


def _password_replace(*, user: User, password: str | None) -> None:
    """Set the password (None: an unusable one); every refresh token of the user is
    revoked and every connection signed in with the old password ends."""
    with transaction.atomic():
        _lock_owner(user.pk)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save(update_fields=["password"])
        RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        sign_in_changed_on_commit(user_id=user.pk)


def user_logout(*, user: Any) -> None:
    """One of the user's sessions ended (the caller ended it): the WebSocket connections
    opened with it close; the user's other sessions and devices stay signed in."""
    sign_in_changed_on_commit(user_id=user.pk)


# Fields staff may edit on an account (the admin's change form).
USER_EDITABLE_FIELDS = frozenset(
    {"email", "display_name", "is_active", "is_staff", "is_superuser", "last_login", "date_joined"}
)


def user_update(*, actor: Any, user: User, **changes: Any) -> User:
    """Staff edit an account. A deactivation, or a change of the staff flag, ends the
    user's WebSocket connections (their rights were fixed when they connected); a new
    display name moves the catalog's read version (it is shown beside the user's reviews)."""
    require_staff(actor)
    unknown = set(changes) - USER_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    if "email" in changes:
        changes["email"] = normalize_email_address(changes["email"])
    with catalog_write() as write:  # the display name is part of the public catalog
        before = _lock_owner(user.pk)
        if before is None:
            raise field_error("user_id", "No such user.", CommonErrorCode.NOT_FOUND)
        for field, value in changes.items():
            setattr(user, field, value)
        if changes:
            user.save(update_fields=sorted(changes))
        if (user.is_active, user.is_staff) != (before.is_active, before.is_staff):
            sign_in_changed_on_commit(user_id=user.pk)
        if user.display_name != before.display_name:
            write.changed(was_public=True, is_public=True)  # shown beside the user's reviews
        else:
            write.unchanged()
    return user


def user_password_set(*, user: User, password: str | None) -> User:
    """Set an account's password without the current one (staff, in the admin: callers
    check who may); None sets an unusable one, so that it cannot sign in with a password.
    As with passwordChange, every refresh token of the user is revoked and every
    connection signed in with the old password ends."""
    if password is not None:
        _check_password_rules("password", password, user)
    _password_replace(user=user, password=password)
    return user


def user_delete(*, actor: Any, user_id: int) -> None:
    """Staff delete an account with what it owns: its reviews (the rating columns of their
    products are recomputed, with an UPDATED event each, so subscribers and the cached
    catalog learn of it), its favourites and refresh tokens; its connections end. An
    account with orders is kept (orders are records): deactivate it instead.

    Locks: the products first (as review writes take them), then the user row, under
    which no review or order of theirs can be added; the products of reviews added
    between the two are refreshed too."""
    require_staff(actor)
    reviewed = Review.objects.filter(author_id=user_id).values_list("product_id", flat=True)
    with transaction.atomic():
        list(
            Product.all_objects.select_for_update()
            .filter(pk__in=reviewed)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        user = _lock_owner(user_id)
        if user is None:
            raise field_error("user_id", "No such user.", CommonErrorCode.NOT_FOUND)
        if user.orders.exists():
            raise input_error(
                "This account has orders, which are kept: deactivate it instead.",
                CommonErrorCode.INVALID,
            )
        product_ids = sorted(set(reviewed))
        user.delete()
        if product_ids:
            product_rating_stats_refresh(product_ids=product_ids)
            for product in Product.all_objects.filter(pk__in=product_ids).order_by("pk"):
                product_event_record(
                    product=product,
                    type=ProductEventType.UPDATED,
                    changed_fields=["rating_avg", "review_count"],
                )
        sign_in_changed_on_commit(user_id=user_id)
