"""`manage.py load_documents`: Apollo and Relay manifests, and the contract."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from graphql_api.models import TrustedDocument
from graphql_api.persisted.store import contract_entries
from tests.support.graphql import operation_document
from tests.support.persisted import sha256

pytestmark = pytest.mark.django_db

PAGE = "query Page { products(first: 5) { edges { node { name } } } }"
TREE = "query Tree { categories { name } }"


def _write(tmp_path, name: str, data: object):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_an_apollo_manifest_is_stored_by_hash_with_its_names(tmp_path):
    # given
    path = _write(
        tmp_path,
        "web.json",
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": sha256(PAGE), "name": "Page", "type": "query", "body": PAGE},
                {"id": sha256(TREE), "name": "Tree", "type": "query", "body": TREE},
            ],
        },
    )
    # when
    call_command("load_documents", path)
    call_command("load_documents", path)  # idempotent
    # then
    rows = list(TrustedDocument.objects.values_list("sha256", "operation_name", "source", "origin"))
    assert sorted(rows) == sorted(
        [
            (sha256(PAGE), "Page", "manifest", "web.json"),
            (sha256(TREE), "Tree", "manifest", "web.json"),
        ]
    )


def test_a_relay_manifest_is_stored_by_hash(tmp_path):
    call_command("load_documents", _write(tmp_path, "relay.json", {sha256(PAGE): PAGE}))
    assert TrustedDocument.objects.get().text == PAGE


@pytest.mark.parametrize(
    "data",
    [
        {"0123": PAGE},
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{"id": sha256(TREE), "name": "Page", "type": "query", "body": PAGE}],
        },
    ],
    ids=["relay", "apollo"],
)
def test_a_manifest_whose_ids_are_not_the_sha256_of_the_text_is_refused_whole(tmp_path, data):
    with pytest.raises(CommandError, match="is not the SHA-256 of the text"):
        call_command("load_documents", _write(tmp_path, "bad.json", data))
    assert not TrustedDocument.objects.exists()


def test_a_file_that_is_not_a_manifest_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Not a manifest"):
        call_command("load_documents", _write(tmp_path, "list.json", [PAGE]))


def test_without_a_file_the_contract_documents_are_listed():
    # when
    call_command("load_documents")
    # then
    stored = set(TrustedDocument.objects.values_list("sha256", flat=True))
    assert stored == {entry.sha256 for entry in contract_entries()}
    assert sha256(operation_document("storefront", "CatalogPage")) in stored


def test_the_admin_lists_trusted_documents_read_only(admin_client):
    # given
    call_command("load_documents")
    # when
    listing = admin_client.get("/admin/graphql_api/trusteddocument/")
    add = admin_client.get("/admin/graphql_api/trusteddocument/add/")
    # then
    assert listing.status_code == 200 and b"CatalogPage" in listing.content
    assert add.status_code == 403
