"""What a request asks to run: its text, or a document named by its hash.

A request names a document in one of three ways:
- `query`: the text itself;
- `extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}` (Apollo's automatic
  persisted queries), with or without `query` (an empty `query` counts as none: a
  graphql-ws client must send a string);
- `documentId` (GraphQL over HTTP's persisted documents): `"sha256:<hex>"` or the bare
  64-digit hex, without `query`.

`resolve` answers the text and its SHA-256, or raises `DocumentRefused` with its code:
- a hash with a text: the text must have that hash (PERSISTED_QUERY_HASH_MISMATCH); in
  `any` mode the text is then registered, so that later requests may send the hash alone;
- a hash alone: the document this process parsed, a trusted one, or a registration;
  otherwise PERSISTED_QUERY_NOT_FOUND (message `PersistedQueryNotFound`: what Apollo's
  link looks for before it sends the text);
- in `trusted` mode (GRAPHQL_DOCUMENTS) only trusted documents, by hash or by identical
  text: anything else is DOCUMENT_NOT_TRUSTED, and no registration happens.
No text is parsed here and no SQL runs but the trusted snapshot's (re)load."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from graphql import GraphQLError

from graphql_api.common.errors import ApiErrorCode
from graphql_api.execution.documents import digest_of, documents
from graphql_api.persisted import store

APQ_VERSION = 1
_HEX = re.compile(r"[0-9a-fA-F]{64}")
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"


@dataclass(frozen=True)
class Document:
    text: str
    digest: str  # the SHA-256 of `text`, lowercase hex
    by_hash: bool  # the request named it by hash (a persisted query or documentId)


class DocumentRefused(Exception):
    def __init__(self, code: ApiErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _bad(message: str) -> DocumentRefused:
    return DocumentRefused(ApiErrorCode.BAD_REQUEST, message)


def _persisted_query_hash(extensions: Any) -> str | None:
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict):
        raise _bad("`extensions.persistedQuery` must be an object.")
    if persisted.get("version") != APQ_VERSION:
        raise DocumentRefused(
            ApiErrorCode.PERSISTED_QUERY_VERSION_NOT_SUPPORTED,
            f"Persisted query version {persisted.get('version')!r} is not supported: "
            f"send version {APQ_VERSION}.",
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _HEX.fullmatch(digest):
        raise _bad("`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits.")
    return digest.lower()


def _document_id_hash(document_id: Any) -> str | None:
    if document_id is None:
        return None
    if not isinstance(document_id, str):
        raise _bad("`documentId` must be a string.")
    digest = document_id.removeprefix("sha256:")
    if not _HEX.fullmatch(digest):
        raise _bad('`documentId` must be "sha256:" followed by 64 hexadecimal digits.')
    return digest.lower()


def requested_hash(extensions: Any, document_id: Any) -> str | None:
    """The hash a request names (None: it names none); raises DocumentRefused."""
    by_extension = _persisted_query_hash(extensions)
    by_id = _document_id_hash(document_id)
    if by_extension and by_id and by_extension != by_id:
        raise _bad("`documentId` and `extensions.persistedQuery` name different documents.")
    return by_extension or by_id


def names_persisted_document(extensions: Any, document_id: Any) -> bool:
    """Whether a request names a persisted document by its hash (well formed or not)."""
    try:
        return requested_hash(extensions, document_id) is not None
    except DocumentRefused:
        return True


def envelope_digest(query: str | None, extensions: Any, document_id: Any) -> str | None:
    """The document's digest as a request gives it, before the document is resolved (the
    response cache's fast path): its text's, else the hash it names. None when the two are
    given and disagree (the view refuses that request) or the hash is malformed."""
    try:
        named = requested_hash(extensions, document_id)
    except DocumentRefused:
        return None
    if query:
        text_digest = digest_of(query)
        return text_digest if named in (None, text_digest) else None
    return named


def _not_trusted() -> DocumentRefused:
    return DocumentRefused(
        ApiErrorCode.DOCUMENT_NOT_TRUSTED,
        "This server runs only trusted documents, and this is not one of them: register "
        "it with the client's manifest (manage.py load_documents).",
    )


async def _by_hash(digest: str, *, trusted_only: bool) -> str | None:
    if trusted_only:
        return (await store.trusted_texts()).get(digest)
    parsed = documents().by_digest(digest)
    if parsed is not None:
        return parsed.text
    return (await store.trusted_texts()).get(digest) or await store.registered_text(digest)


def _parses(text: str, digest: str) -> bool:
    try:
        documents().get(text, digest)  # parsed once: the request's execution reuses it
    except GraphQLError:
        return False
    return True


async def resolve(query: str | None, extensions: Any, document_id: Any = None) -> Document:
    """The document to run (see the module docstring); raises DocumentRefused."""
    trusted_only = settings.GRAPHQL_DOCUMENTS == "trusted"
    digest = requested_hash(extensions, document_id)
    if query is not None and not isinstance(query, str):
        raise _bad("`query` must be a string.")
    if query == "" and digest is not None:
        query = None  # graphql-ws clients must send a string: "" with a hash is none
    if digest is None:
        if query is None:
            raise _bad("No GraphQL document in the request: send it as `query`.")
        text_digest = digest_of(query)
        if trusted_only and text_digest not in await store.trusted_texts():
            raise _not_trusted()
        return Document(text=query, digest=text_digest, by_hash=False)
    if query is None:
        text = await _by_hash(digest, trusted_only=trusted_only)
        if text is not None:
            return Document(text=text, digest=digest, by_hash=True)
        if trusted_only:
            raise _not_trusted()
        raise DocumentRefused(ApiErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE)
    if digest_of(query) != digest:
        raise DocumentRefused(
            ApiErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
            "The persisted query's sha256Hash is not the SHA-256 of its `query` text.",
        )
    if trusted_only:
        if digest not in await store.trusted_texts():
            raise _not_trusted()
    elif _parses(query, digest):  # a text that cannot run is not worth keeping
        await store.register(digest, query)
    return Document(text=query, digest=digest, by_hash=True)
