from domain.common.error_codes import DocumentedCode


class AccountErrorCode(DocumentedCode):
    INVALID_CREDENTIALS = (
        "invalid_credentials",
        "The email or the password is wrong (the two are never told apart).",
    )
    INVALID_TOKEN = (
        "invalid_token",
        "The token is malformed, expired, revoked or already used.",
    )
    RATE_LIMITED = (
        "rate_limited",
        "Too many failed sign-ins for this email or address, too many wrong current"
        " passwords for this account, or too many registrations from this address; the"
        " message says how long to wait.",
    )
    PASSWORD_TOO_WEAK = "password_too_weak", "The password fails a password rule."
    WRONG_PASSWORD = "wrong_password", "The current password given is wrong."
