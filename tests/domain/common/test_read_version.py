"""The catalog's read version moves from catalog_write(), once per write, on commit."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from domain.common.read_version import acatalog_version, catalog_write

pytestmark = pytest.mark.django_db


def catalog_version() -> int:
    """The version as the response cache reads it."""
    return async_to_sync(acatalog_version)()


@pytest.mark.parametrize(
    ("note", "moves"),
    [
        ("nothing", True),
        ("public", True),
        ("made_public", True),
        ("private", False),
        ("unchanged", False),
    ],
)
def test_a_write_moves_the_version_unless_it_says_nothing_public_changed(
    django_capture_on_commit_callbacks, note, moves
):
    # given
    before = catalog_version()
    # when a write commits having noted its change
    with django_capture_on_commit_callbacks(execute=True), catalog_write() as write:
        if note == "public":
            write.changed(was_public=True, is_public=True)
        elif note == "made_public":
            write.changed(was_public=False, is_public=True)
        elif note == "private":
            write.changed(was_public=False, is_public=False)
        elif note == "unchanged":
            write.unchanged()
    # then
    assert (catalog_version() > before) is moves


def test_a_write_that_fails_moves_nothing(django_capture_on_commit_callbacks):
    # given
    before = catalog_version()
    # when the write raises after noting a public change
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        catalog_write() as write,
    ):
        write.changed(was_public=True, is_public=True)
        raise RuntimeError("rolled back")
    # then
    assert catalog_version() == before


def test_many_public_changes_in_one_write_move_the_version_once(
    django_capture_on_commit_callbacks,
):
    # given
    before = catalog_version()
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, catalog_write() as write:
        write.changed(was_public=True, is_public=True)
        write.changed(was_public=True, is_public=False)
    # then
    assert len(callbacks) == 1
    assert catalog_version() == before + 1
