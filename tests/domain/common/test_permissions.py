"""The one staff rule and the checks made with it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from domain.common.permissions import (
    API_KEY_SCOPES_ATTRIBUTE,
    StaffScope,
    is_staff,
    require_customer,
    require_staff,
    staff_scopes,
)
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("none", False),
        ("anonymous", False),
        ("customer", False),
        ("inactive_staff", False),
        ("staff", True),
    ],
)
def test_is_staff_holds_only_for_an_active_staff_account(who, expected):
    # given
    user = {
        "none": lambda: None,
        "anonymous": AnonymousUser,
        "customer": make_user,
        "inactive_staff": lambda: make_staff(is_active=False),
        "staff": make_staff,
    }[who]()
    # when / then
    assert is_staff(user) is expected


@pytest.mark.parametrize(
    ("who", "code", "message"),
    [
        ("anonymous", "unauthenticated", "Sign in as staff to list drafts."),
        ("customer", "permission_denied", "Only staff may list drafts."),
    ],
)
def test_require_staff_refuses_others_with_a_code_naming_the_action(who, code, message):
    # given
    actor = AnonymousUser() if who == "anonymous" else make_user()
    # when
    with pytest.raises(ValidationError) as raised:
        require_staff(actor, action="list drafts")
    # then
    assert (raised.value.code, raised.value.messages) == (code, [message])


def test_require_staff_without_an_action_keeps_the_service_wording():
    # given an anonymous actor and a customer
    # when / then
    with pytest.raises(ValidationError) as anonymous:
        require_staff(AnonymousUser())
    with pytest.raises(ValidationError) as customer:
        require_staff(make_user())
    assert (anonymous.value.messages, customer.value.messages) == (
        ["Sign in first."],
        ["Only staff may do this."],
    )


def test_require_staff_lets_staff_through():
    # given / when / then: no refusal
    require_staff(make_staff(), action="list drafts")


def _through_key(user, *scopes):
    setattr(user, API_KEY_SCOPES_ATTRIBUTE, frozenset(scopes))
    return user


def test_staff_signed_in_as_themself_hold_every_scope():
    # given
    staff = make_staff()
    # when / then
    assert all(is_staff(staff, scope) for scope in StaffScope)
    assert staff_scopes(staff) == frozenset(StaffScope)
    assert staff_scopes(make_user()) == frozenset()


def test_a_key_is_staff_only_for_its_scopes_and_never_for_an_unscoped_check():
    # given a staff member's key with one scope
    actor = _through_key(make_staff(), StaffScope.ORDERS_READ)
    # when / then
    assert is_staff(actor, StaffScope.ORDERS_READ)
    assert not is_staff(actor, StaffScope.CATALOG_READ)
    assert not is_staff(actor)
    assert staff_scopes(actor) == {StaffScope.ORDERS_READ}


def test_a_key_of_someone_no_longer_staff_is_staff_for_nothing():
    # given a key whose maker lost the staff flag
    actor = _through_key(make_staff(), *StaffScope)
    actor.is_staff = False
    # when / then
    assert not any(is_staff(actor, scope) for scope in StaffScope)
    assert staff_scopes(actor) == frozenset()


def test_require_staff_names_the_scope_a_key_lacks():
    # given
    actor = _through_key(make_staff(), StaffScope.CATALOG_READ)
    # when
    with pytest.raises(ValidationError) as scoped:
        require_staff(actor, scope=StaffScope.CATALOG_WRITE, action="create products")
    with pytest.raises(ValidationError) as unscoped:
        require_staff(actor, action="edit accounts")
    # then
    assert (scoped.value.code, scoped.value.messages) == (
        "permission_denied",
        ["This API key may not create products: it needs the CATALOG_WRITE scope."],
    )
    assert (unscoped.value.code, unscoped.value.messages) == (
        "permission_denied",
        ["This API key may not edit accounts: it needs a staff sign-in, not an API key."],
    )
    require_staff(actor, scope=StaffScope.CATALOG_READ)  # let through


def test_require_customer_refuses_any_key_and_lets_a_person_through():
    # given a key holding every scope, and the person who made it
    staff = make_staff()
    actor = _through_key(make_staff(), *StaffScope)
    # when
    with pytest.raises(ValidationError) as refused:
        require_customer(actor, action="place an order")
    # then
    assert (refused.value.code, refused.value.messages) == (
        "permission_denied",
        ["An API key acts only within its staff scopes; to place an order, sign in."],
    )
    require_customer(staff, action="place an order")  # let through
    with pytest.raises(ValidationError) as anonymous:
        require_customer(AnonymousUser(), action="place an order")
    assert anonymous.value.code == "unauthenticated"
