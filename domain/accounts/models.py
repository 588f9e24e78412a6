"""The user model: people sign in with their email address."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# What an account is called until its owner chooses a name. Never derived from the email:
# a display name is public (next to every review), the email is not.
DEFAULT_DISPLAY_NAME = "Customer"


def normalize_email_address(email: str) -> str:
    """The one spelling we store and compare: trimmed and lower-cased as a whole."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email_address(username or ""))

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        email = normalize_email_address(email)
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A customer or a staff member. The email is unique whatever its case."""

    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=100, default=DEFAULT_DISPLAY_NAME)
    is_staff = models.BooleanField(
        default=False, help_text="Staff may manage the catalog and see every order."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email_address(self.email)


class RefreshToken(models.Model):
    """A refresh token, stored as its SHA-256 only. Each rotation creates the next token of
    the same `family`; presenting a used token again revokes the whole family."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    family = models.UUIDField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"refresh token {self.pk} of user {self.user_id}"


class ApiKey(models.Model):
    """A credential for a server (ERP, search indexer, script) acting for the staff member
    who made it, limited to `scopes` (StaffScope values). The secret itself is never stored:
    only `prefix` (its public start, shown in lists and used to find the row) and the
    SHA-256 of the whole secret, which is random enough that a plain hash cannot be
    reversed by guessing (domain/accounts/api_keys.py)."""

    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        indexes: ClassVar = [models.Index(fields=["-created_at", "-id"], name="apikey_newest")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
