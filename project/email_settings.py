"""Outgoing e-mail (order confirmations) through Django's e-mail backend: printed to the
console with DEBUG on, sent over SMTP otherwise, all from the environment."""

from __future__ import annotations

from typing import Any

from project.env import env_bool, env_int, env_str

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def email_settings(*, debug: bool) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "EMAIL_BACKEND": env_str("EMAIL_BACKEND", CONSOLE if debug else SMTP),
        "EMAIL_HOST": env_str("EMAIL_HOST", "localhost"),
        "EMAIL_PORT": env_int("EMAIL_PORT", 25),
        "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER"),
        "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD"),
        "EMAIL_USE_TLS": env_bool("EMAIL_USE_TLS", False),
        "EMAIL_USE_SSL": env_bool("EMAIL_USE_SSL", False),
        # Seconds an SMTP connection or command may take; then the send fails and its
        # task retries later.
        "EMAIL_TIMEOUT": env_int("EMAIL_TIMEOUT", 10),
        "DEFAULT_FROM_EMAIL": env_str("DEFAULT_FROM_EMAIL", "shop@localhost"),
    }
    if settings["EMAIL_USE_TLS"] and settings["EMAIL_USE_SSL"]:
        raise SystemExit("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: pick one.")
    if file_path := env_str("EMAIL_FILE_PATH"):  # for the file-based backend
        settings["EMAIL_FILE_PATH"] = file_path
    return settings
