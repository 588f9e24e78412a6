"""Documents are parsed once, under limits that hold before the whole text is read: a
hostile text costs at most GRAPHQL_MAX_TOKENS tokens of lexing, wherever it is sent."""

from __future__ import annotations

import json

import pytest
from graphql import GraphQLError
from graphql.language import Lexer

from graphql_api.execution.documents import AST_BYTES_PER_CHARACTER, DocumentCache, documents
from tests.support.daphne import clean_env, running_daphne

pytestmark = pytest.mark.django_db

# 30,000 tokens in 60 kB: within the length and body limits, 6 times the token limit.
TOKEN_BOMB = "{ " + "a " * 30_000 + "}"


@pytest.fixture
def lexed_tokens(monkeypatch) -> list[int]:
    """How many tokens the GraphQL lexer produced (one count per `advance`)."""
    count = [0]
    advance = Lexer.advance

    def counting(self):
        count[0] += 1
        return advance(self)

    monkeypatch.setattr(Lexer, "advance", counting)
    documents().clear()
    return count


def _post(client, query: str, **headers: str):
    return client.post(
        "/graphql/", json.dumps({"query": query}), content_type="application/json", **headers
    )


@pytest.mark.parametrize("cache_ttl", [0, 30], ids=["cache-off", "cache-on"])
def test_a_token_bomb_is_refused_after_lexing_at_most_the_limit(
    client, settings, lexed_tokens, cache_ttl
):
    # given the anonymous response cache on or off (it used to parse the text in full)
    settings.RESPONSE_CACHE_TTL = cache_ttl
    # when
    response = _post(client, TOKEN_BOMB)
    # then
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["GRAPHQL_PARSE_FAILED"]
    assert "5000 tokens" in body["errors"][0]["message"]
    assert lexed_tokens[0] <= 2 * (settings.GRAPHQL_MAX_TOKENS + 1)


def test_a_document_over_the_length_limit_is_refused_without_lexing(client, settings, lexed_tokens):
    settings.GRAPHQL_MAX_DOCUMENT_LENGTH = 100
    response = _post(client, "{ __typename }" + " " * 100)
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == [
        "GRAPHQL_PARSE_FAILED"
    ]
    assert lexed_tokens[0] == 0


def test_a_document_is_parsed_once_for_many_requests(client, lexed_tokens):
    query = "{ products(first: 1) { totalCount } }"
    first = _post(client, query)
    lexed_once = lexed_tokens[0]
    for _ in range(3):
        assert _post(client, query).json() == first.json()
    assert lexed_once > 0 and lexed_tokens[0] == lexed_once


def test_the_document_cache_is_bounded_by_the_bytes_its_entries_hold():
    # given room for about three documents of 100 characters
    cache = DocumentCache(max_bytes=350 * AST_BYTES_PER_CHARACTER)
    texts = [f"{{ __typename }} # {i:03d}" + " " * 76 for i in range(10)]
    # when ten distinct documents are parsed
    for text in texts:
        cache.get(text)
    # then the newest are kept, the oldest evicted, within the bound
    assert len(cache) == 3
    assert cache.bytes <= cache.max_bytes
    assert cache.get(texts[-1]) is cache.get(texts[-1])


def test_a_document_too_large_for_the_cache_is_parsed_but_not_kept():
    cache = DocumentCache(max_bytes=10 * AST_BYTES_PER_CHARACTER)
    parsed = cache.get("{ __typename __typename }")
    assert parsed.document.definitions and len(cache) == 0


@pytest.mark.django_db(transaction=True)
def test_daphne_refuses_a_2_mb_body_and_keeps_serving(tmp_path):
    import urllib.error
    import urllib.request

    env = clean_env(
        DEBUG="0", SECRET_KEY="limits-test", VAR_DIR=str(tmp_path), ALLOWED_HOSTS="127.0.0.1"
    )
    body = json.dumps({"query": "{ " + "a " * 1_000_000 + "}"}).encode()
    with running_daphne(env) as base_url:
        request = urllib.request.Request(
            f"{base_url}/graphql/",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=10) as health:
            assert health.status == 200
    assert refused.value.code == 413
    assert json.loads(refused.value.read())["errors"][0]["extensions"] == {
        "code": "REQUEST_TOO_LARGE"
    }


def test_a_refused_text_is_remembered_without_its_text():
    import gc
    import tracemalloc

    # given twenty distinct texts of 50 kB that do not parse, made while memory is traced
    cache = DocumentCache(max_bytes=32 * 1024 * 1024)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    # when each is refused (and its refusal kept), then let go of by the caller
    for i in range(20):
        text = f"{{ a{i} " + "b " * 25_000
        with pytest.raises(GraphQLError):
            cache.get(text)
    del text
    gc.collect()  # (an exception and its frames form cycles)
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # then what is kept is small beside the texts (1 MB), and a refusal needs no lexing
    assert len(cache) == 20
    assert kept < 50_000
    with pytest.raises(GraphQLError, match="5000 tokens"):
        cache.get("{ a0 " + "b " * 25_000)
