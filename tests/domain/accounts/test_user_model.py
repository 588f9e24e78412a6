from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import IntegrityError, transaction

from domain.accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_email_is_stored_normalised_and_signs_in_whatever_its_case():
    # given
    make_user(email="  Ada@Example.COM ", password="correct-horse-9")
    # when
    user = authenticate(username="ADA@example.com", password="correct-horse-9")
    # then
    assert user is not None
    assert user.email == "ada@example.com"
    assert user.display_name == "Customer"  # never the email's local part


def test_email_is_unique_whatever_its_case_in_the_database():
    make_user(email="bob@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="BOB@example.com", password="!")
    assert User.objects.filter(email__iexact="bob@example.com").count() == 1


def test_createsuperuser_noinput_reads_email_and_password_from_the_environment(monkeypatch):
    # given
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password")
    # when
    call_command("createsuperuser", "--noinput", verbosity=0)
    # then
    user = authenticate(username="root@example.com", password="a-long-admin-password")
    assert user is not None
    assert (user.is_staff, user.is_superuser) == (True, True)
