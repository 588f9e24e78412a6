"""Who the actor is, as every rule of the domain asks it: the one "is this viewer staff?"
rule and the checks the services and selectors make with it.

The checks raise ValidationError with the common codes (UNAUTHENTICATED, PERMISSION_DENIED),
which every caller (GraphQL, admin, tasks) already knows how to report; the API layer
maps them to the same codes as top-level errors of queries."""

from __future__ import annotations

from typing import Any

from domain.common.error_codes import CommonErrorCode, input_error


def is_signed_in(user: Any) -> bool:
    """A real, active account (not None, not anonymous, not deactivated)."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_staff(user: Any) -> bool:
    """The one staff rule: a signed-in, active account with the staff flag."""
    return is_signed_in(user) and bool(user.is_staff)


def require_signed_in(actor: Any, *, message: str = "Sign in first.") -> None:
    if not is_signed_in(actor):
        raise input_error(message, CommonErrorCode.UNAUTHENTICATED)


def require_staff(actor: Any, *, action: str | None = None) -> None:
    """UNAUTHENTICATED for anonymous actors, PERMISSION_DENIED for signed-in non-staff.
    `action` ("list unpublished products") names what was refused in the message."""
    require_signed_in(
        actor, message=f"Sign in as staff to {action}." if action else "Sign in first."
    )
    if not is_staff(actor):
        raise input_error(
            f"Only staff may {action or 'do this'}.", CommonErrorCode.PERMISSION_DENIED
        )
