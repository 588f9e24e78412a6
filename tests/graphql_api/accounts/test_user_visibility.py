"""Who may know of an account: `node(id: "User:n")` answers for others only when that user
wrote a review the caller may see (staff see every account, a user sees themself); and the
public display name is never taken from the email."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client

from domain.accounts.models import User
from tests.factories import make_product, make_review, make_user
from tests.support.graphql import execute, run_graphql
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

USER_NODE = "query ($id: ID!) { node(id: $id) { ... on User { displayName } } }"


@pytest.fixture
def accounts():
    viewers = {
        "anonymous": None,
        "customer": make_user(email="viewer@example.com"),
        "staff": make_user(email="boss@example.com", is_staff=True),
    }
    subjects = {
        "reviewer": make_user(email="rita@example.com", display_name="Rita"),
        "draft_reviewer": make_user(email="dora@example.com", display_name="Dora"),
        "silent": make_user(email="sam@example.com", display_name="Sam"),
        "inactive_staff": make_user(
            email="ivy@example.com", display_name="Ivy", is_staff=True, is_active=False
        ),
    }
    make_review(product=make_product(), author=subjects["reviewer"])
    make_review(product=make_product(is_published=False), author=subjects["draft_reviewer"])
    return viewers, subjects


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("anonymous", {"reviewer"}),
        ("customer", {"reviewer"}),
        ("silent", {"reviewer", "silent"}),  # a user who never reviewed sees themself
        ("staff", {"reviewer", "draft_reviewer", "silent", "inactive_staff"}),
    ],
)
def test_a_user_node_is_visible_to_others_only_through_a_review_they_may_see(
    accounts, viewer, visible
):
    # given
    viewers, subjects = accounts
    caller = subjects[viewer] if viewer in subjects else viewers[viewer]
    # when
    answers = {
        name: execute(USER_NODE, {"id": global_id("User", user.pk)}, viewer=caller)
        for name, user in subjects.items()
    }
    # then
    assert answers == {
        name: {"data": {"node": {"displayName": user.display_name} if name in visible else None}}
        for name, user in subjects.items()
    }


def test_thirty_aliases_no_longer_enumerate_the_user_table():
    # given thirty accounts, two of which reviewed a published product
    users = [make_user(display_name=f"Person {n}") for n in range(30)]
    product = make_product()
    for author in (users[4], users[17]):
        make_review(product=product, author=author)
    aliases = " ".join(
        f'u{n}: node(id: "{global_id("User", user.pk)}") {{ ... on User {{ displayName }} }}'
        for n, user in enumerate(users)
    )
    # when an anonymous caller asks for every one of them at once
    result = run_graphql(Client(), f"{{ {aliases} }}")
    # then only the two reviewers answer
    assert "errors" not in result, result
    answered = {alias: node for alias, node in result["data"].items() if node is not None}
    assert answered == {"u4": {"displayName": "Person 4"}, "u17": {"displayName": "Person 17"}}


def test_registering_without_a_display_name_does_not_publish_the_email():
    # given
    mutation = (
        "mutation ($input: RegisterInput!) { register(input: $input) "
        "{ user { displayName } errors { code } } }"
    )
    # when
    payload = run_graphql(
        Client(),
        mutation,
        {"input": {"email": "jane.doe@example.com", "password": "a-long-pass-phrase-9"}},
    )["data"]["register"]
    # then
    assert payload == {"user": {"displayName": "Customer"}, "errors": []}


def test_accounts_created_without_a_display_name_get_the_neutral_one():
    assert make_user(email="john.smith@example.com").display_name == "Customer"


def test_the_migration_replaces_display_names_taken_from_the_email():
    # given accounts named by the old default, left empty, and named by their owners
    derived = make_user(email="jane.doe@example.com", display_name="jane.doe")
    empty = make_user(email="empty@example.com", display_name="")
    chosen = make_user(email="kim@example.com", display_name="Kim")
    migration = importlib.import_module("domain.accounts.migrations.0003_neutral_display_name")
    # when
    migration.neutral_display_names(apps, None)
    # then
    names = dict(User.objects.values_list("email", "display_name"))
    assert [names[u.email] for u in (derived, empty, chosen)] == ["Customer", "Customer", "Kim"]
