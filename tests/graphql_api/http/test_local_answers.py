"""The response cache's in-process copy is bounded by bytes, least recently used first."""

from __future__ import annotations

from graphql_api.http.local_answers import ENTRY_OVERHEAD, LocalAnswers


def _size(key: str, body: int) -> int:
    return body + len(key) + ENTRY_OVERHEAD


def test_the_least_recently_used_entry_goes_when_the_bound_is_passed():
    # given room for two entries of 1,000 bytes
    local: LocalAnswers[str] = LocalAnswers(max_bytes=2 * _size("k1", 1_000))
    local.put("k1", "one", 1_000)
    local.put("k2", "two", 1_000)
    assert local.get("k1") == "one"  # k2 is now the least recently used
    # when
    local.put("k3", "three", 1_000)
    # then
    assert ("k1" in local, "k2" in local, "k3" in local) == (True, False, True)
    assert local.bytes == 2 * _size("k1", 1_000) <= local.max_bytes


def test_an_entry_larger_than_the_bound_is_never_kept():
    # given
    local: LocalAnswers[str] = LocalAnswers(max_bytes=10_000)
    local.put("small", "s", 100)
    # when
    local.put("large", "l", 10_000)
    # then
    assert "large" not in local and local.get("small") == "s"
    assert local.bytes == _size("small", 100)


def test_putting_a_key_again_replaces_its_entry_and_its_size():
    # given
    local: LocalAnswers[str] = LocalAnswers(max_bytes=100_000)
    local.put("k", "old", 5_000)
    # when
    local.put("k", "new", 1_000)
    # then
    assert local.get("k") == "new" and len(local) == 1
    assert local.bytes == _size("k", 1_000)


def test_a_bound_of_zero_keeps_nothing(settings):
    # given
    settings.RESPONSE_CACHE_LOCAL_BYTES = 0
    local: LocalAnswers[str] = LocalAnswers()
    # when
    local.put("k", "v", 10)
    # then
    assert local.get("k") is None and local.bytes == 0
