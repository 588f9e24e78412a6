"""WebSocket handshake checks: the Origin, when a browser sends one, must be one of ours.

Cross-site WebSocket hijacking needs a browser, and browsers always send Origin; native
clients (mobile apps) send none and authenticate with a token in connection_init."""

from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    def __init__(self, application: Any) -> None:
        allowed = list(settings.ALLOWED_HOSTS) + list(settings.CSRF_TRUSTED_ORIGINS)
        super().__init__(application, allowed)

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return super().valid_origin(parsed_origin)
