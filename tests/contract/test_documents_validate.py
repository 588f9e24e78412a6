"""Every contract document served so far validates, unchanged, against the live schema."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from graphql_api.execution.core_schema import core_schema
from graphql_api.schema import schema
from tests.support.graphql import CONTRACT, contract_document

SERVED = ["storefront", "account", "shopping", "staff", "realtime", "backoffice", "integrations"]


def test_every_contract_document_is_served():
    names = sorted(path.stem for path in CONTRACT.glob("*.graphql"))
    assert names == sorted(SERVED)


@pytest.mark.parametrize("name", SERVED)
def test_contract_document_validates(name):
    errors = validate(core_schema(schema), parse(contract_document(name)))
    assert [error.message for error in errors] == []
