"""API key services and the key lookup of the one authentication entry: who may create and
revoke keys, what a bad input gets, that the secret is stored nowhere, and which keys are
accepted (each as an instance of its own, marked with the key's scopes)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from domain.accounts.api_keys import (
    api_key_create,
    api_key_id_of,
    api_key_revoke,
    api_key_user,
    api_key_user_by_id,
    secret_hash,
)
from domain.accounts.models import ApiKey
from domain.common.permissions import StaffScope, is_staff, key_scopes
from tests.factories import make_api_key, make_staff, make_user

pytestmark = pytest.mark.django_db


def _errors(error: ValidationError) -> list[tuple[str, str, str]]:
    return [
        (field, e.code, e.message % e.params if e.params else e.message)
        for field, errors in error.error_dict.items()
        for e in errors
    ]


def test_a_created_keys_secret_is_stored_nowhere_only_its_prefix_and_hash():
    # given a staff member
    staff = make_staff()
    # when they create a key
    key, secret = api_key_create(
        actor=staff, name=" ERP sync ", scopes=[StaffScope.ORDERS_READ, "CATALOG_READ"]
    )
    # then the secret has its tag, the row keeps its start and its SHA-256 only
    assert secret.startswith("shk_") and len(secret) == 47
    assert key.prefix == secret[:14]
    assert key.secret_hash == secret_hash(secret) != secret
    assert (key.name, key.scopes, key.created_by_id) == (
        "ERP sync",
        ["CATALOG_READ", "ORDERS_READ"],
        staff.pk,
    )
    # and no column of any key row holds the secret or the part after its prefix
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiKey._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert secret not in stored
    assert secret[14:] not in stored
    assert secret[14:30] not in stored


@pytest.mark.parametrize(
    ("name", "scopes", "errors"),
    [
        ("", ["CATALOG_READ"], [("name", "required", "Give the key a name.")]),
        ("   ", ["CATALOG_READ"], [("name", "required", "Give the key a name.")]),
        ("x" * 101, ["CATALOG_READ"], [("name", "invalid", "At most 100 characters.")]),
        ("ERP", [], [("scopes", "required", "Give at least one scope.")]),
        ("ERP", ["CATALOG_READ", "ROOT"], [("scopes", "invalid", "Unknown scope: ROOT.")]),
        (
            "",
            [],
            [
                ("name", "required", "Give the key a name."),
                ("scopes", "required", "Give at least one scope."),
            ],
        ),
    ],
)
def test_bad_input_is_refused_with_every_error_and_nothing_created(name, scopes, errors):
    with pytest.raises(ValidationError) as refused:
        api_key_create(actor=make_staff(), name=name, scopes=scopes)
    assert _errors(refused.value) == errors
    assert ApiKey.objects.count() == 0


def test_a_name_of_100_characters_is_accepted():
    key, _ = api_key_create(actor=make_staff(), name="x" * 100, scopes=["ORDERS_WRITE"])
    assert len(key.name) == 100


@pytest.mark.parametrize(
    ("who", "code", "message"),
    [
        ("anonymous", "unauthenticated", "Sign in as staff to create API keys."),
        ("customer", "permission_denied", "Only staff may create API keys."),
        (
            "api_key",
            "permission_denied",
            "This API key may not create API keys: it needs a staff sign-in, not an API key.",
        ),
    ],
)
def test_only_staff_signed_in_as_themselves_create_keys(who, code, message):
    actor = {
        "anonymous": None,
        "customer": make_user(),
        "api_key": api_key_user(make_api_key()[1]),
    }[who]
    before = ApiKey.objects.count()
    with pytest.raises(ValidationError) as refused:
        api_key_create(actor=actor, name="ERP", scopes=["CATALOG_READ"])
    assert (refused.value.code, refused.value.message) == (code, message)
    assert ApiKey.objects.count() == before


def test_any_staff_member_revokes_any_key_and_a_second_revoke_changes_nothing():
    # given a key made by one staff member
    key, secret = make_api_key()
    # when another revokes it, twice
    first = api_key_revoke(actor=make_staff(), key_id=key.pk)
    second = api_key_revoke(actor=make_staff(), key_id=key.pk)
    # then it is revoked once, and no longer accepted
    assert first.revoked_at is not None
    assert second.revoked_at == first.revoked_at
    assert ApiKey.objects.get(pk=key.pk).revoked_at == first.revoked_at
    assert api_key_user(secret) is None


def test_revoking_an_unknown_key_is_not_found():
    with pytest.raises(ValidationError) as refused:
        api_key_revoke(actor=make_staff(), key_id=987654)
    assert _errors(refused.value) == [("key_id", "not_found", "No such API key.")]


def test_a_key_cannot_revoke_keys_not_even_its_own():
    key, secret = make_api_key()
    with pytest.raises(ValidationError) as refused:
        api_key_revoke(actor=api_key_user(secret), key_id=key.pk)
    assert refused.value.code == "permission_denied"
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_an_accepted_key_acts_as_a_fresh_instance_of_its_maker_limited_to_its_scopes():
    # given a key with one scope
    key, secret = make_api_key(scopes=[StaffScope.CATALOG_READ])
    # when it is presented twice
    first, second = api_key_user(secret), api_key_user(secret)
    # then each time as its maker, on an instance of its own, with the key's scopes
    assert first.pk == second.pk == key.created_by_id
    assert first is not second and first is not key.created_by
    assert key_scopes(first) == frozenset({StaffScope.CATALOG_READ})
    assert api_key_id_of(first) == key.pk
    assert is_staff(first, StaffScope.CATALOG_READ)
    assert not is_staff(first, StaffScope.CATALOG_WRITE)
    assert not is_staff(first)
    # and the maker's own instance is not marked
    assert key_scopes(key.created_by) is None


@pytest.mark.parametrize(
    "presented",
    [
        pytest.param(lambda secret: secret[:-1] + ("A" if secret[-1] != "A" else "B"), id="wrong"),
        pytest.param(lambda secret: "shk_" + "A" * 43, id="unknown"),
        pytest.param(lambda secret: secret[:-1], id="too-short"),
        pytest.param(lambda secret: secret + "A", id="too-long"),
        pytest.param(lambda secret: "xyz_" + secret[4:], id="other-tag"),
        pytest.param(lambda secret: secret[:20] + "!" + secret[21:], id="bad-character"),
        pytest.param(lambda secret: "", id="empty"),
    ],
)
def test_a_wrong_unknown_or_malformed_secret_is_not_accepted(presented):
    _, secret = make_api_key()
    assert api_key_user(presented(secret)) is None


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"is_staff": False}], ids=["deactivated", "no-longer-staff"]
)
def test_a_key_of_a_maker_no_longer_active_staff_is_not_accepted(change):
    key, secret = make_api_key()
    type(key.created_by).objects.filter(pk=key.created_by_id).update(**change)
    assert api_key_user(secret) is None
    assert api_key_user_by_id(key.pk) is None


def test_a_key_is_checked_again_by_id_until_it_is_revoked():
    key, _ = make_api_key(scopes=[StaffScope.ORDERS_READ])
    again = api_key_user_by_id(key.pk)
    assert again is not None and key_scopes(again) == frozenset({StaffScope.ORDERS_READ})
    api_key_revoke(actor=make_staff(), key_id=key.pk)
    assert api_key_user_by_id(key.pk) is None
