"""Per-address limits count an IPv6 client by its /64, an IPv4 client by its address."""

from __future__ import annotations

import pytest

from domain.common.addresses import address_bucket


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("not an address", "not an address"),
    ],
)
def test_an_address_is_counted_by_its_bucket(address, bucket):
    assert address_bucket(address) == bucket
