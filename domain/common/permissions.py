"""Actor checks shared by the services. They raise ValidationError with the common codes,
which every caller (GraphQL, admin, tasks) already knows how to report."""

from __future__ import annotations

from typing import Any

from domain.common.error_codes import CommonErrorCode, input_error


def is_staff(actor: Any) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_staff)


def require_signed_in(actor: Any) -> None:
    if actor is None or not actor.is_authenticated:
        raise input_error("Sign in first.", CommonErrorCode.UNAUTHENTICATED)


def require_staff(actor: Any) -> None:
    require_signed_in(actor)
    if not actor.is_staff:
        raise input_error("Only staff may do this.", CommonErrorCode.PERMISSION_DENIED)
