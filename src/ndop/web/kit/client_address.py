"""The address of the client a request came from, behind trusted reverse proxies only (ADR 0047).

`X-Forwarded-For` is believed only from a peer named in NDOP_TRUSTED_PROXIES. Each trusted proxy
appends the address it received the request from, so the list is read from the right: the first
address that is not itself a trusted proxy is the client. Anything to the left of it was written by
the client and is ignored. From any other peer the header is ignored altogether, so a client cannot
choose its own rate-limit bucket by sending one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Any, proxies: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address_from(remote_addr: str, forwarded_for: str, proxies: Iterable[Network]) -> str:
    """The client's address given the peer address and its X-Forwarded-For (pure; for tests too)."""
    proxies = tuple(proxies)
    peer = _parse(remote_addr)
    if peer is None:
        return remote_addr
    if not proxies or not _trusted(peer, proxies) or not forwarded_for.strip():
        return str(peer)
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        address = _parse(hop)
        if address is None:  # a garbled entry: stop at the last address a trusted proxy vouched for
            break
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)


def client_address(request: HttpRequest) -> str:
    """The client's address for rate limits and sign-in records."""
    return client_address_from(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.CONFIG.trusted_proxies,
    )
