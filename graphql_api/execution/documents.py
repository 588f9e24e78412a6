"""Parsed GraphQL documents, each parsed once, under limits that hold before any work.

A document's text is checked for length, then parsed with a token limit (comments
counted), so a hostile text costs at most the parse of `GRAPHQL_MAX_TOKENS` tokens. The
result is kept in a process-wide LRU keyed by the SHA-256 of the text and bounded by an
estimate of the memory its entries hold (about 64 bytes of AST per character of text,
measured on the contract documents), so neither many distinct texts nor one large text can
grow memory without bound. A parse failure is kept too, as its message and location only
(an error object would hold the whole text), so the transport and the operation gate do
not lex a refused text again; a text over the length limit is refused before lexing and not
kept at all. (Strawberry then parses a refused text once more, under the same limits, to
report the error in its own pipeline.)

A text whose SHA-256 is already known (a persisted query, checked against its hash by
graphql_api/persisted/) is not hashed again: `known_digest` carries the pair from the
transport to the operation gate, and `by_digest` finds a parsed text by its hash alone.

Each entry also remembers what is true of the text whatever the request: its operations'
types, whether a string literal holds text the database cannot store, and (filled by
`graphql_api.execution.gate`) its validation errors.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    SourceLocation,
    StringValueNode,
    Visitor,
    parse,
    visit,
)

from graphql_api.common.byte_lru import ByteBoundedLRU
from graphql_api.execution.clean_text import is_storable_text

AST_BYTES_PER_CHARACTER = 64
FAILURE_BYTES = 512  # an error object with its location


# (text, its SHA-256) of the document the current request runs, when the transport knows
# it already: DocumentCache.get then trusts it for that very text object.
known_digest: ContextVar[tuple[str, str] | None] = ContextVar("known_digest", default=None)


@dataclass(eq=False)
class ParsedDocument:
    digest: str
    text: str
    document: DocumentNode
    operation_types: dict[str | None, OperationType]
    literals_storable: bool
    # Validation errors by rule set (see gate.py); written once per key, read many times.
    validation: dict[Any, list[GraphQLError]] = field(default_factory=dict)

    def operation_type(self, operation_name: str | None) -> OperationType | None:
        """The type of the operation a request with this name would run (None: no such
        operation, or a name is needed to choose one)."""
        return self.operation_types.get(operation_name)


@dataclass(frozen=True)
class _Refusal:
    """What is kept of a text that did not parse: not the error, which holds the text."""

    message: str
    locations: tuple[SourceLocation, ...]

    def error(self) -> GraphQLError:
        error = GraphQLError(self.message)
        error.locations = list(self.locations) or None
        return error


class _StringLiterals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.storable = True

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if not is_storable_text(node.value):
            self.storable = False


def _operation_types(document: DocumentNode) -> dict[str | None, OperationType]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    types: dict[str | None, OperationType] = {
        o.name.value: o.operation for o in operations if o.name is not None
    }
    if len(operations) == 1:
        types[None] = operations[0].operation
    return types


def parse_options() -> dict[str, int]:
    """The parser's limits: checked before lexing (length) and while lexing (tokens,
    comments counted), so a refused text costs little."""
    return {
        "max_source_length": settings.GRAPHQL_MAX_DOCUMENT_LENGTH,
        "max_tokens": settings.GRAPHQL_MAX_TOKENS,
    }


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class DocumentCache(ByteBoundedLRU["ParsedDocument | _Refusal"]):
    """An LRU of parsed documents (and of refusals), by digest, bounded by the estimated
    bytes their ASTs hold."""

    def __init__(self, *, max_bytes: int) -> None:
        super().__init__()
        self._max_bytes = max_bytes

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    def get(self, text: str, digest: str | None = None) -> ParsedDocument:
        """The parsed document of `text` (whose SHA-256 is `digest`, when the caller knows
        it); raises GraphQLError when it is too long, has too many tokens, or does not parse
        (the same error strawberry's parse would raise with `parse_options()`)."""
        if digest is None:
            known = known_digest.get()
            digest = known[1] if known is not None and known[0] is text else digest_of(text)
        kept = super().get(digest)
        if kept is not None:
            if isinstance(kept, _Refusal):
                raise kept.error()
            return kept
        try:
            document = parse(text, **parse_options())
        except GraphQLError as error:
            if len(text) <= settings.GRAPHQL_MAX_DOCUMENT_LENGTH:
                refusal = _Refusal(error.message, tuple(error.locations or ()))
                self.put(digest, refusal, FAILURE_BYTES + len(error.message))
            raise
        literals = _StringLiterals()
        visit(document, literals)
        parsed = ParsedDocument(
            digest=digest,
            text=text,
            document=document,
            operation_types=_operation_types(document),
            literals_storable=literals.storable,
        )
        self.put(digest, parsed, len(text) * AST_BYTES_PER_CHARACTER)
        return parsed

    def by_digest(self, digest: str) -> ParsedDocument | None:
        """The parsed document whose text has this SHA-256, if this process holds it."""
        kept = super().get(digest)
        return kept if isinstance(kept, ParsedDocument) else None


_cache: DocumentCache | None = None


def documents() -> DocumentCache:
    """This process's document cache (created on first use, sized from settings)."""
    global _cache
    if _cache is None:
        _cache = DocumentCache(max_bytes=settings.GRAPHQL_DOCUMENT_CACHE_BYTES)
    return _cache
