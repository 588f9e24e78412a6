"""Persisted-query request bodies for tests (Apollo's `extensions.persistedQuery`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def hash_only(text: str, **members: Any) -> dict[str, Any]:
    return {"extensions": persisted(sha256(text)), **members}


def hash_and_text(text: str, **members: Any) -> dict[str, Any]:
    return {"query": text, "extensions": persisted(sha256(text)), **members}


@pytest.fixture(autouse=True)
def fresh_documents() -> Iterator[None]:
    """Import into a test module: no parsed document and no trusted snapshot from an
    earlier test, so a hash alone is found only where the test put it."""
    from graphql_api.execution.documents import documents
    from graphql_api.persisted.store import forget_snapshot

    documents().clear()
    forget_snapshot()
    yield
    documents().clear()
    forget_snapshot()


@pytest.fixture
def trusted_mode(settings: Any) -> None:
    settings.GRAPHQL_DOCUMENTS = "trusted"
