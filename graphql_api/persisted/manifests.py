"""Client manifests: the documents a client team registers as trusted.

Two formats, told apart by their shape:
- Apollo's persisted-query manifest (`@apollo/generate-persisted-query-manifest`):
  `{"format": "apollo-persisted-query-manifest", "version": 1, "operations":
  [{"id": "<sha256 of body>", "name": "...", "type": "query", "body": "..."}]}`;
- Relay's `{"<hash>": "<text>"}` (relay-compiler's `persistConfig` with
  `"algorithm": "SHA256"`, so that the id is the SHA-256 of the text).
Each id must be the SHA-256 of its text (the store is keyed by it, and clients send it as
the persisted query's hash): a manifest that says otherwise is refused whole."""

from __future__ import annotations

from typing import Any

from graphql_api.execution.documents import digest_of
from graphql_api.persisted.store import Entry

APOLLO_FORMAT = "apollo-persisted-query-manifest"


class ManifestError(ValueError):
    pass


def _checked(document_id: Any, text: Any, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ManifestError(f"{where}: the document's text is missing.")
    if not isinstance(document_id, str) or document_id.lower() != digest_of(text):
        raise ManifestError(
            f"{where}: the id {document_id!r} is not the SHA-256 of the text "
            f"({digest_of(text)}); regenerate the manifest with SHA-256 ids."
        )
    return text


def manifest_entries(data: Any, *, origin: str) -> list[Entry]:
    """The documents of a parsed manifest; raises ManifestError."""
    if isinstance(data, dict) and data.get("format") == APOLLO_FORMAT:
        if data.get("version") != 1:
            version = data.get("version")
            raise ManifestError(f"Apollo manifest version {version!r}: only 1 is known.")
        operations = data.get("operations")
        if not isinstance(operations, list):
            raise ManifestError("An Apollo manifest's `operations` must be a list.")
        entries = []
        for index, operation in enumerate(operations):
            if not isinstance(operation, dict):
                raise ManifestError(f"operations[{index}] must be an object.")
            name = operation.get("name")
            text = _checked(operation.get("id"), operation.get("body"), f"operations[{index}]")
            name = name if isinstance(name, str) else ""
            entries.append(Entry(text=text, origin=origin, operation_name=name))
        return entries
    if isinstance(data, dict) and data and all(isinstance(k, str) for k in data):
        return [
            Entry(text=_checked(key, text, f"{key!r}"), origin=origin, operation_name="")
            for key, text in data.items()
        ]
    raise ManifestError(
        "Not a manifest: expected Apollo's persisted-query manifest or Relay's "
        '{"<sha256>": "<document>"} JSON object.'
    )
