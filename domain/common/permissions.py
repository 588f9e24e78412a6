"""Who the actor is, as every rule of the domain asks it: the one "is this viewer staff?"
rule and the checks the services and selectors make with it.

Staff rights come in scopes (`StaffScope`). A staff member signed in as themself holds every
scope. An API key acts for the staff member who made it, limited to the key's scopes: the
authentication that accepted the key marks the actor with them (`API_KEY_SCOPES_ATTRIBUTE`,
on an instance of the user made for that request alone). So each staff check names the
scope it needs; a check that names none (managing accounts, managing keys) refuses every
key.

The checks raise ValidationError with the common codes (UNAUTHENTICATED, PERMISSION_DENIED),
which every caller (GraphQL, admin, tasks) already knows how to report; the API layer
maps them to the same codes as top-level errors of queries."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from domain.common.error_codes import CommonErrorCode, input_error

API_KEY_SCOPES_ATTRIBUTE = "api_key_scopes"


class StaffScope(StrEnum):
    """What a staff right covers (the names are the API's `ApiKeyScope` values)."""

    CATALOG_READ = "CATALOG_READ"  # staff reads of the catalog (unpublished included)
    CATALOG_WRITE = "CATALOG_WRITE"  # products, images, stock, categories, review moderation
    ORDERS_READ = "ORDERS_READ"  # every customer's orders, and their customers
    ORDERS_WRITE = "ORDERS_WRITE"  # order fulfilment and cancellation by staff
    WEBHOOKS_MANAGE = "WEBHOOKS_MANAGE"  # webhook endpoints and their deliveries


ALL_SCOPES = frozenset(StaffScope)


def is_signed_in(user: Any) -> bool:
    """A real, active account (not None, not anonymous, not deactivated)."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def acts_as_themself(user: Any) -> bool:
    """Signed in, and not through an API key: the one who may read and do what is a
    person's own (their orders, favourites, e-mail), which no key scope covers."""
    return is_signed_in(user) and key_scopes(user) is None


def key_scopes(user: Any) -> frozenset[StaffScope] | None:
    """The scopes of the API key `user` acts through; None when not through a key."""
    return getattr(user, API_KEY_SCOPES_ATTRIBUTE, None)


def staff_scopes(user: Any) -> frozenset[StaffScope]:
    """The staff scopes `user` holds now: none for anyone but staff; every one for staff
    signed in as themself; a key's own for staff acting through a key."""
    if not (is_signed_in(user) and user.is_staff):
        return frozenset()
    scopes = key_scopes(user)
    return ALL_SCOPES if scopes is None else frozenset(scopes)


def is_staff(user: Any, scope: StaffScope | None = None) -> bool:
    """The one staff rule: a signed-in, active account with the staff flag, holding
    `scope` when it acts through an API key (a key never passes a check without one)."""
    if not (is_signed_in(user) and user.is_staff):
        return False
    scopes = key_scopes(user)
    return scopes is None or (scope is not None and scope in scopes)


def require_signed_in(actor: Any, *, message: str = "Sign in first.") -> None:
    if not is_signed_in(actor):
        raise input_error(message, CommonErrorCode.UNAUTHENTICATED)


def require_customer(actor: Any, *, action: str) -> None:
    """For what a person does for themself (ordering, reviewing, favourites): signed in,
    and not through an API key, which acts only within its staff scopes (PERMISSION_DENIED
    naming `action`)."""
    require_signed_in(actor)
    if not acts_as_themself(actor):
        raise input_error(
            f"An API key acts only within its staff scopes; to {action}, sign in.",
            CommonErrorCode.PERMISSION_DENIED,
        )


def require_staff(
    actor: Any, *, scope: StaffScope | None = None, action: str | None = None
) -> None:
    """UNAUTHENTICATED for anonymous actors, PERMISSION_DENIED for signed-in non-staff
    and for an API key without `scope`. `action` ("list unpublished products") names what
    was refused in the message."""
    require_signed_in(
        actor, message=f"Sign in as staff to {action}." if action else "Sign in first."
    )
    if is_staff(actor, scope):
        return
    if actor.is_staff and key_scopes(actor) is not None:
        needed = f"the {scope} scope" if scope is not None else "a staff sign-in, not an API key"
        raise input_error(
            f"This API key may not {action or 'do this'}: it needs {needed}.",
            CommonErrorCode.PERMISSION_DENIED,
        )
    raise input_error(f"Only staff may {action or 'do this'}.", CommonErrorCode.PERMISSION_DENIED)
