"""GRAPHQL_DOCUMENTS=trusted over HTTP: only the contract's documents and those of loaded
manifests run; anything else is DOCUMENT_NOT_TRUSTED, before parsing or any SQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from graphql_api.persisted.store import trusted_changed
from tests.factories import make_product
from tests.support.graphql import contract_document, operation_document
from tests.support.persisted import (
    fresh_documents,  # noqa: F401 (an autouse fixture)
    hash_and_text,
    hash_only,
    sha256,
    trusted_mode,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("trusted_mode")]

UNTRUSTED = "query Page { products(first: 5) { edges { node { name } } } }"
NOT_TRUSTED = {
    "errors": [
        {
            "message": "This server runs only trusted documents, and this is not one of them: "
            "register it with the client's manifest (manage.py load_documents).",
            "extensions": {"code": "DOCUMENT_NOT_TRUSTED"},
        }
    ]
}


def _post(body: dict[str, Any]) -> Any:
    return Client().post("/graphql/", body, content_type="application/json")


def _warm() -> None:
    """One trusted request, so that the trusted snapshot is loaded."""
    assert "errors" not in _post({"query": operation_document("storefront", "CategoryTree")}).json()


@pytest.mark.parametrize(
    "body",
    [{"query": UNTRUSTED}, hash_only(UNTRUSTED), hash_and_text(UNTRUSTED)],
    ids=["text", "hash", "hash-and-text"],
)
def test_an_untrusted_document_is_refused_without_any_sql(body, django_assert_num_queries):
    # given
    _warm()
    # when
    with django_assert_num_queries(0):
        response = _post(body)
    # then
    assert response.status_code == 200
    assert response.json() == NOT_TRUSTED


def test_an_apq_registration_does_not_make_a_document_trusted(settings):
    # given
    settings.GRAPHQL_DOCUMENTS = "any"
    assert "errors" not in _post(hash_and_text(UNTRUSTED)).json()
    # when
    settings.GRAPHQL_DOCUMENTS = "trusted"
    response = _post(hash_only(UNTRUSTED))
    # then
    assert response.json() == NOT_TRUSTED


def test_a_contract_operation_runs_by_its_text_or_its_hash():
    # given
    make_product(name="Lamp", slug="lamp")
    text = operation_document("storefront", "ProductDetail")
    # when
    by_text = _post({"query": text, "variables": {"slug": "lamp"}})
    by_hash = _post(hash_only(text, variables={"slug": "lamp"}))
    # then
    assert by_text.json()["data"]["product"]["name"] == "Lamp"
    assert by_hash.json() == by_text.json()


def test_a_contract_file_runs_whole_with_an_operation_name():
    make_product(name="Lamp", slug="lamp")
    response = _post(
        {
            "query": contract_document("storefront"),
            "operationName": "ProductDetail",
            "variables": {"slug": "lamp"},
        }
    )
    assert response.json()["data"]["product"]["name"] == "Lamp"


def test_a_document_of_a_loaded_apollo_manifest_runs(tmp_path):
    # given
    _warm()  # a snapshot taken before the load: the load must replace it
    manifest = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": sha256(UNTRUSTED), "name": "Page", "type": "query", "body": UNTRUSTED}
        ],
    }
    path = tmp_path / "storefront-web.json"
    path.write_text(json.dumps(manifest))
    make_product(name="Lamp")
    # when
    call_command("load_documents", str(path))
    trusted_changed()  # on commit, which this test's transaction never reaches
    # then
    expected = {"data": {"products": {"edges": [{"node": {"name": "Lamp"}}]}}}
    assert _post(hash_only(UNTRUSTED)).json() == expected
    assert _post({"query": UNTRUSTED}).json() == expected
