"""API keys: credentials for servers (ERP, search indexers, scripts) that act for the staff
member who made them, limited to the key's scopes.

- A secret is `shk_` and 43 URL-safe characters (`secrets.token_urlsafe(32)`, 256 random
  bits). It is returned once, by `api_key_create`, and never stored: the row keeps its
  first characters (`prefix`, public: shown in lists, and how a presented secret finds its
  row) and the SHA-256 of the whole secret. A plain hash is enough for a random secret of
  that size (no guessing can reverse it, unlike a password), and the hash is compared in
  constant time.
- Who manages keys: staff signed in as themselves (every staff member sees and revokes
  every key: keys act for the shop, and whoever takes over an integration must be able to
  end its key). A key never manages keys: these checks name no scope, which refuses keys.
- A key is accepted (`api_key_user`) only while it is not revoked and its maker is still
  an active staff member; otherwise the caller gets 401, never anything less than that.
  The user it yields is an instance made for that request alone, marked with the key's
  scopes (`domain.common.permissions.API_KEY_SCOPES_ATTRIBUTE`) and id
  (`API_KEY_ID_ATTRIBUTE`: the key is a client of its own for the cost budget).
- `last_used_at` is written at most once per LAST_USED_RESOLUTION seconds per key (a
  cache `add` decides which request writes), not on every request.
- Revoking ends the key's WebSocket connections (they follow their sign-in: see
  domain/accounts/sign_in_changes.py); revoking a revoked key changes nothing and answers
  the key as it is (a retried revoke succeeds)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from domain.accounts.models import ApiKey, User
from domain.accounts.sign_in_changes import sign_in_changed_on_commit
from domain.common.error_codes import CommonErrorCode, field_error
from domain.common.permissions import API_KEY_SCOPES_ATTRIBUTE, StaffScope, require_staff

logger = logging.getLogger(__name__)

SECRET_TAG = "shk_"
PREFIX_LENGTH = len(SECRET_TAG) + 10  # "shk_" and 60 random bits: unique, and public
SECRET_PATTERN = re.compile(r"shk_[A-Za-z0-9_-]{43}")
MAX_NAME = 100
LAST_USED_RESOLUTION = 60  # seconds: `last_used_at` is written at most this often per key
_USE_KEY_PREFIX = "api-key-used"
API_KEY_ID_ATTRIBUTE = "api_key_id"
_SCOPE_VALUES = frozenset(scope.value for scope in StaffScope)
# Compared against when no row has the prefix, so an unknown key costs what a wrong one does.
_NO_SUCH_HASH = hashlib.sha256(b"no such key").hexdigest()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return SECRET_TAG + secrets.token_urlsafe(32)


def api_key_id_of(user: Any) -> int | None:
    """The id of the API key `user` acts through; None when not through a key."""
    return getattr(user, API_KEY_ID_ATTRIBUTE, None)


def _checked_scopes(scopes: Iterable[Any]) -> list[str]:
    """The scopes, each once, in StaffScope's order; a ValidationError on `scopes` when
    none is given or one is unknown."""
    given = [str(getattr(scope, "value", scope)) for scope in scopes]
    if not given:
        raise field_error("scopes", "Give at least one scope.", CommonErrorCode.REQUIRED)
    unknown = sorted(set(given) - _SCOPE_VALUES)
    if unknown:
        raise field_error(
            "scopes",
            "Unknown scope: %(scopes)s.",
            CommonErrorCode.INVALID,
            scopes=", ".join(unknown),
        )
    return [scope.value for scope in StaffScope if scope.value in given]


def _checked_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise field_error("name", "Give the key a name.", CommonErrorCode.REQUIRED)
    if len(name) > MAX_NAME:
        raise field_error(
            "name", "At most %(max)s characters.", CommonErrorCode.INVALID, max=MAX_NAME
        )
    return name


def api_key_create(*, actor: Any, name: str, scopes: Iterable[Any]) -> tuple[ApiKey, str]:
    """A new key of `actor` (staff signed in as themself) and its secret, which is shown
    this once and stored nowhere. Errors on `name` and `scopes` are reported together."""
    require_staff(actor, action="create API keys")
    errors: dict[str, list[ValidationError]] = {}
    checked: dict[str, Any] = {}
    for field, check, value in (("name", _checked_name, name), ("scopes", _checked_scopes, scopes)):
        try:
            checked[field] = check(value)
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    for _attempt in range(3):  # a prefix already taken (60 random bits: never, in practice)
        secret = new_secret()
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=checked["name"],
                    created_by=actor,
                    prefix=secret[:PREFIX_LENGTH],
                    secret_hash=secret_hash(secret),
                    scopes=checked["scopes"],
                )
        except IntegrityError:
            continue
        return key, secret
    raise RuntimeError("could not find a free API key prefix")


def api_key_revoke(*, actor: Any, key_id: int) -> ApiKey:
    """Revoke a key (staff signed in as themself): it stops working at once, over HTTP and
    on the WebSocket connections it opened. A revoked key is answered unchanged."""
    require_staff(actor, action="revoke API keys")
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None:
            raise field_error("key_id", "No such API key.", CommonErrorCode.NOT_FOUND)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            sign_in_changed_on_commit(user_id=key.created_by_id)
    return key


def _acting_user(key: ApiKey) -> User:
    """The key's maker, as an instance of this lookup's own (never shared with another
    request), marked with the key's scopes and id."""
    user = key.created_by
    scopes = frozenset(StaffScope(s) for s in key.scopes if s in _SCOPE_VALUES)
    setattr(user, API_KEY_SCOPES_ATTRIBUTE, scopes)
    setattr(user, API_KEY_ID_ATTRIBUTE, key.pk)
    return user


def _holds(key: ApiKey) -> bool:
    maker = key.created_by
    return key.revoked_at is None and maker.is_active and maker.is_staff


def _record_use(key: ApiKey) -> None:
    """`last_used_at` now, unless it was written less than LAST_USED_RESOLUTION seconds
    ago (the cache remembers that; when the cache is down nothing is written)."""
    try:
        first = cache.add(f"{_USE_KEY_PREFIX}:{key.pk}", 1, timeout=LAST_USED_RESOLUTION)
    except Exception:
        logger.warning("API key use not recorded: cache unavailable", exc_info=True)
        return
    if first:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())


def api_key_user(secret: str) -> User | None:
    """The user a presented secret acts as, or None when it is malformed, unknown, wrong,
    revoked, or its maker is no longer active staff. One query (plus, at most once a
    minute per key, the update of `last_used_at`)."""
    if not SECRET_PATTERN.fullmatch(secret):
        return None
    key = ApiKey.objects.select_related("created_by").filter(prefix=secret[:PREFIX_LENGTH]).first()
    matches = hmac.compare_digest(
        key.secret_hash if key is not None else _NO_SUCH_HASH, secret_hash(secret)
    )
    if key is None or not matches or not _holds(key):
        return None
    _record_use(key)
    return _acting_user(key)


def api_key_user_by_id(key_id: int) -> User | None:
    """As `api_key_user`, for a key already accepted (a WebSocket connection checking its
    sign-in again): None once it no longer holds. Not counted as a use."""
    key = ApiKey.objects.select_related("created_by").filter(pk=key_id).first()
    if key is None or not _holds(key):
        return None
    return _acting_user(key)
