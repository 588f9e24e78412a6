"""The webhook operations the tests run (tests/support/webhook_operations.py) are those of
integrations.graphql word for word, and they validate against the live schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from graphql_api.execution.core_schema import core_schema
from graphql_api.schema import schema
from tests.support.webhook_operations import WEBHOOK_OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
# The contract's copy once it is there, else the shared document it will be copied from.
DOCUMENTS = [
    ROOT / "contract" / "operations" / "integrations.graphql",
    ROOT.parent / "shared" / "operations-next" / "integrations.graphql",
]
DOCUMENT = next((path for path in DOCUMENTS if path.is_file()), None)


@pytest.mark.skipif(DOCUMENT is None, reason="integrations.graphql is not beside this clone")
@pytest.mark.parametrize("name", sorted(WEBHOOK_OPERATIONS))
def test_the_operation_is_the_contracts_word_for_word(name):
    assert WEBHOOK_OPERATIONS[name] in DOCUMENT.read_text()


@pytest.mark.parametrize("name", sorted(WEBHOOK_OPERATIONS))
def test_the_operation_validates_against_the_schema(name):
    errors = validate(core_schema(schema), parse(WEBHOOK_OPERATIONS[name]))
    assert [error.message for error in errors] == []
