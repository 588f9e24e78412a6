"""The one staff rule and the checks made with it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from domain.common.permissions import is_staff, require_staff
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
