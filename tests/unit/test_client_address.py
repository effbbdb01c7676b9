"""Whose address a request is counted under, with and without trusted proxies."""

from __future__ import annotations

import pytest

from bot.client_address import client_address, parse_networks

NGINX = parse_networks("127.0.0.1, ::1")
TWO_PROXIES = parse_networks("127.0.0.1, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        # No proxy trusted: the header is the client's own word and is ignored.
        ("198.51.100.4", ["203.0.113.9"], (), "198.51.100.4"),
        # A peer that is no trusted proxy cannot choose its address either.
        ("198.51.100.4", ["203.0.113.9"], NGINX, "198.51.100.4"),
        # Through nginx: the address nginx added, not one the client wrote before it.
        ("127.0.0.1", ["203.0.113.9, 198.51.100.4"], NGINX, "198.51.100.4"),
        ("127.0.0.1", ["203.0.113.9", "198.51.100.4"], NGINX, "198.51.100.4"),
        # Two trusted proxies in a row: the first untrusted hop from the right.
        ("127.0.0.1", ["6.6.6.6, 198.51.100.4, 10.1.2.3"], TWO_PROXIES, "198.51.100.4"),
        # Nothing forwarded: the proxy itself.
        ("127.0.0.1", [], NGINX, "127.0.0.1"),
        # Garbage where an address should be: the last trusted hop, never the garbage.
        ("127.0.0.1", ["not-an-address"], NGINX, "127.0.0.1"),
        # An IPv6 client is its /64: it may use any of its addresses.
        ("::1", ["[2001:db8::7]"], NGINX, "2001:db8::/64"),
        ("2001:db8:0:0:abcd::1", [], (), "2001:db8::/64"),
        ("::ffff:198.51.100.4", [], (), "198.51.100.4"),
    ],
)
def test_the_client_address(peer, forwarded, proxies, expected):
    assert client_address(peer, forwarded, proxies) == expected


def test_a_malformed_proxy_setting_is_refused_at_start_up():
    from bot.settings import Settings

    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies="127.0.0.1, localhost")
    assert Settings(trusted_proxies=" 10.0.0.0/8 ,::1").proxy_networks == parse_networks(
        "10.0.0.0/8, ::1"
    )
