"""The address a request really came from, for limits per address.

Behind a reverse proxy every request arrives from the proxy's address, and the client's is in
X-Forwarded-For, which the client can also write itself. So the header is believed only as far
as it was written by proxies we trust (MFA_TRUSTED_PROXIES): walking it from the right, the
first address that is not a trusted proxy is the client. A request that did not come from a
trusted proxy is the client itself, whatever its header says.

An IPv6 client is its /64: one home or phone gets a whole /64 and may use any address in it, so
counting single addresses would give it billions of fresh limits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` as networks; raises ValueError on a malformed entry."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    )


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip("[]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Iterable[Network]
) -> bool:
    return address is not None and any(address in network for network in proxies)


IPV6_CLIENT_PREFIX = 64


def _as_client(text: str) -> str:
    """An address as the client it stands for: an IPv6 address as its /64."""
    address = _address(text)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return text


def client_address(peer: str, forwarded_for: Iterable[str], proxies: tuple[Network, ...]) -> str:
    """The client's address (see _as_client): ``peer``, or the nearest untrusted hop its
    trusted proxies name.

    ``forwarded_for`` are the X-Forwarded-For header's values in the order received.
    """
    return _as_client(_client_hop(peer, forwarded_for, proxies))


def _client_hop(peer: str, forwarded_for: Iterable[str], proxies: tuple[Network, ...]) -> str:
    if not _trusted(_address(peer), proxies):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # garbage in the header: the proxy that passed it on is the client
            return peer
        if not _trusted(address, proxies):
            return str(address)
        peer = str(address)
    return peer
