"""Where documents are found by their SHA-256.

Trusted documents: the contract's (contract/operations/*.graphql, read from the files, so
they are trusted whether or not they are listed in the database) and the rows of
`TrustedDocument` (client manifests loaded with `manage.py load_documents`). Each process
keeps a snapshot of them all, so that looking a hash up, or refusing one, costs no SQL. The
snapshot belongs to a token in the cache that every load replaces (`trusted_changed`):
each lookup reads the token (one cache read) and reloads when it moved. The token is read
before the rows, so a load that commits meanwhile moves it again and is seen next time.

Of the contract, the trusted units are what clients send: each operation printed alone with
the fragments it uses (graphql-core's printer, which prints as graphql-js's `print` does,
what Apollo Client and most tools send), and each file's whole text as well (run with an
`operationName`).

Automatic persisted queries (`GRAPHQL_DOCUMENTS=any`): a registration is the text in the
cache under its hash for GRAPHQL_APQ_TTL seconds, never a database row, so registering
random documents grows nothing but the cache, which is bounded (Redis' maxmemory and
expiry; the local-memory cache's own cull). A registration never makes a text trusted."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from graphql_api.execution.documents import digest_of

CONTRACT = Path(__file__).resolve().parents[2] / "contract" / "operations"
TOKEN_KEY = "trusted-documents:token"
APQ_PREFIX = "apq:1:"


@dataclass(frozen=True)
class Entry:
    """A document to trust: its text, and where it comes from."""

    text: str
    origin: str
    operation_name: str

    @property
    def sha256(self) -> str:
        return digest_of(self.text)


def _fragments_used(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    needed: dict[str, FragmentDefinitionNode] = {}
    pending: list[Any] = [operation]

    class Spreads(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            name = node.name.value
            if name not in needed and name in fragments:
                needed[name] = fragments[name]
                pending.append(fragments[name])

    while pending:
        visit(pending.pop(), Spreads())
    return list(needed.values())


def operations_alone(text: str) -> list[tuple[str, str]]:
    """(name, document) of each operation of `text`, printed alone with the fragments it
    uses, in the file's order."""
    document = parse(text)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return [
        (
            d.name.value if d.name else "",
            print_ast(DocumentNode(definitions=(d, *_fragments_used(d, fragments)))),
        )
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


@memoize
def contract_entries() -> tuple[Entry, ...]:
    """The contract's trusted documents: each file whole, and each of its operations."""
    entries: list[Entry] = []
    for path in sorted(CONTRACT.glob("*.graphql")):
        text = path.read_text()
        entries.append(Entry(text=text, origin=path.name, operation_name=""))
        entries.extend(
            Entry(text=alone, origin=path.name, operation_name=name)
            for name, alone in operations_alone(text)
        )
    return tuple(entries)


@dataclass(frozen=True)
class _Snapshot:
    token: str
    texts: dict[str, str]  # sha256 -> text


_snapshot: _Snapshot | None = None


def _rows() -> dict[str, str]:
    from graphql_api.models import TrustedDocument

    return dict(TrustedDocument.objects.values_list("sha256", "text"))


async def _token() -> str:
    token = await cache.aget(TOKEN_KEY)
    if not isinstance(token, str):
        await cache.aadd(TOKEN_KEY, secrets.token_hex(8), timeout=None)
        token = await cache.aget(TOKEN_KEY)
    return token if isinstance(token, str) else ""


async def trusted_texts() -> dict[str, str]:
    """Every trusted document's text by its SHA-256 (this process's snapshot, reloaded
    when a load replaced the token)."""
    global _snapshot
    token = await _token()
    snapshot = _snapshot
    if snapshot is None or snapshot.token != token or not token:
        texts = {entry.sha256: entry.text for entry in contract_entries()}
        texts.update(await sync_to_async(_rows)())
        snapshot = _Snapshot(token=token, texts=texts)
        _snapshot = snapshot
    return snapshot.texts


def trusted_changed() -> None:
    """Call after trusted documents were added or removed (and committed): every process
    reloads its snapshot on its next lookup."""
    cache.set(TOKEN_KEY, secrets.token_hex(8), timeout=None)


def forget_snapshot() -> None:
    """This process's snapshot goes (tests; the next lookup reloads)."""
    global _snapshot
    _snapshot = None


async def registered_text(digest: str) -> str | None:
    """An automatic persisted query's text, registered by an earlier request."""
    text = await cache.aget(APQ_PREFIX + digest)
    return text if isinstance(text, str) else None


async def register(digest: str, text: str) -> None:
    """Register an automatic persisted query (the caller checked `digest`)."""
    await cache.aset(APQ_PREFIX + digest, text, timeout=settings.GRAPHQL_APQ_TTL)
