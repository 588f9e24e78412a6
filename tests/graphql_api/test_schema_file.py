"""schema.graphql is the live schema, and it does not break the clients of the last release
(schema.released.graphql): see graphql_api/management/schema_evolution.py."""

import re
import warnings
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from graphql import BreakingChangeType, DangerousChangeType, build_schema

from graphql_api.management.commands.export_schema import schema_sdl
from graphql_api.management.schema_evolution import compare

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schema.graphql"
RELEASED_SCHEMA_FILE = ROOT / "schema.released.graphql"


def test_schema_graphql_matches_the_live_schema():
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql is out of date: run `manage.py export_schema`"
    )


def test_no_type_is_described_by_its_model_s_column_list():
    # given the live schema's type descriptions
    described = {
        name: graphql_type.description
        for name, graphql_type in build_schema(schema_sdl()).type_map.items()
        if getattr(graphql_type, "description", None)
    }
    # then none is Django's default model docstring ("Order(id, created_at, ...)"), which
    # shows clients the table's internal columns
    assert [name for name, text in described.items() if re.match(r"^\w+\(id, ", text)] == []


def test_the_live_schema_breaks_no_client_of_the_last_release():
    changes = compare(RELEASED_SCHEMA_FILE.read_text(), schema_sdl())
    assert not changes.breaking, (
        "The schema breaks clients of the last release (schema.released.graphql). Deprecate "
        "the field instead, release, then remove it (README, 'Evolving the schema').\n"
        + changes.report()
    )
    if changes.dangerous:  # allowed: told to whoever reads the test summary
        warnings.warn(
            f"Dangerous schema changes since the release:\n{changes.report()}", stacklevel=1
        )


RELEASED = """
type Query {
  products: [Product!]!
}

type Product {
  name: String!
  title: String! @deprecated(reason: "Use `name`.")
  price(currency: String, inCents: Boolean @deprecated(reason: "Always cents.")): Int!
  status: Status!
}

enum Status {
  DRAFT
  PUBLISHED
  HIDDEN @deprecated(reason: "Use DRAFT.")
}
"""


def test_removing_a_field_breaks_clients():
    # when
    changes = compare(RELEASED, RELEASED.replace("  name: String!\n", ""))

    # then
    assert [(change.type, change.description) for change in changes.breaking] == [
        (BreakingChangeType.FIELD_REMOVED, "Field Product.name was removed.")
    ]


def test_removing_a_field_deprecated_in_the_release_is_allowed():
    # when
    changes = compare(
        RELEASED, RELEASED.replace('  title: String! @deprecated(reason: "Use `name`.")\n', "")
    )

    # then
    assert changes.breaking == []
    assert changes.removed_deprecated == ["Product.title"]


def test_removing_a_deprecated_argument_or_enum_value_is_allowed():
    # when
    current = RELEASED.replace(', inCents: Boolean @deprecated(reason: "Always cents.")', "")
    current = current.replace('  HIDDEN @deprecated(reason: "Use DRAFT.")\n', "")
    changes = compare(RELEASED, current)

    # then
    assert changes.breaking == []
    assert changes.removed_deprecated == ["Product.price(inCents)", "Status.HIDDEN"]


def test_changing_the_type_of_a_deprecated_field_still_breaks_clients():
    # when
    changes = compare(RELEASED, RELEASED.replace("title: String!", "title: Int!"))

    # then
    assert [(change.type, change.description) for change in changes.breaking] == [
        (
            BreakingChangeType.FIELD_CHANGED_KIND,
            "Field Product.title changed type from String! to Int!.",
        )
    ]


def test_adding_a_field_is_allowed():
    # when
    changes = compare(
        RELEASED, RELEASED.replace("  name: String!\n", "  name: String!\n  sku: String\n")
    )

    # then
    assert (changes.breaking, changes.dangerous, changes.removed_deprecated) == ([], [], [])


def test_adding_an_enum_value_is_dangerous_but_allowed():
    # when
    changes = compare(RELEASED, RELEASED.replace("  PUBLISHED\n", "  PUBLISHED\n  ARCHIVED\n"))

    # then
    assert changes.breaking == []
    assert [change.type for change in changes.dangerous] == [
        DangerousChangeType.VALUE_ADDED_TO_ENUM
    ]


@pytest.fixture
def release_files(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    return tmp_path


def test_releasing_writes_the_released_schema(release_files):
    # when
    call_command("export_schema", "--release", "--path", str(release_files / "schema.graphql"))

    # then
    assert (release_files / "schema.released.graphql").read_text() == schema_sdl()
    assert (release_files / "schema.graphql").read_text() == schema_sdl()


def test_releasing_refuses_a_change_that_breaks_clients(release_files):
    # given a release that had a field the live schema no longer has
    released = schema_sdl().replace("type Query {\n", "type Query {\n  gone: Int!\n", 1)
    (release_files / "schema.released.graphql").write_text(released)

    # when / then
    with pytest.raises(CommandError, match="break clients"):
        call_command("export_schema", "--release", "--path", str(release_files / "s.graphql"))
    assert (release_files / "schema.released.graphql").read_text() == released
