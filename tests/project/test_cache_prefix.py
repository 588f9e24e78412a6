import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from project.cache_prefix import clear_own_entries


@pytest.mark.redis
def test_clearing_the_cache_deletes_only_the_keys_under_its_prefix():
    # given an entry of this checkout's cache and a key another user of the server wrote
    config = settings.CACHES["default"]
    other = redis.Redis.from_url(config["LOCATION"])
    foreign_key = f"not-{config['KEY_PREFIX']}:1:kept"
    other.set(foreign_key, "theirs", ex=60)
    cache.set("ours", "value", timeout=60)
    try:
        # when
        deleted = clear_own_entries()

        # then
        assert deleted >= 1
        assert cache.get("ours") is None
        assert other.get(foreign_key) == b"theirs"
    finally:
        other.delete(foreign_key)
        other.close()
