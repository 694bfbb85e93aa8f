"""The client address behind trusted proxies (ADR 0047): rightmost untrusted, never from anyone else."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from ndop.web.kit.client_address import client_address_from

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))


def test_without_trusted_proxies_forwarding_headers_are_ignored() -> None:
    assert client_address_from("203.0.113.7", "198.51.100.1", ()) == "203.0.113.7"


def test_from_an_untrusted_peer_the_header_is_ignored() -> None:
    assert client_address_from("203.0.113.7", "198.51.100.1", PROXIES) == "203.0.113.7"


def test_from_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client() -> None:
    # the client claimed 1.2.3.4 itself; our two proxies appended what they saw
    assert client_address_from("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.0.0.1", PROXIES) == "198.51.100.9"


def test_ipv6_ports_and_garbage() -> None:
    assert client_address_from("2001:db8:ffff::1", "2001:db8::7", PROXIES) == "2001:db8::7"
    assert client_address_from("10.0.0.1", "198.51.100.9:5555", PROXIES) == "198.51.100.9"
    assert client_address_from("10.0.0.1", "[2001:db8::7]:443", PROXIES) == "2001:db8::7"
    assert client_address_from("10.0.0.1", "not-an-address", PROXIES) == "10.0.0.1"
    assert client_address_from("10.0.0.1", "", PROXIES) == "10.0.0.1"
    assert client_address_from("", "198.51.100.9", PROXIES) == ""


addresses = st.ip_addresses(v=4).map(str)


@given(peer=addresses, spoofed=st.lists(addresses, max_size=4))
def test_an_untrusted_peer_can_never_choose_its_address(peer, spoofed) -> None:
    if any(ipaddress.ip_address(peer) in net for net in PROXIES if net.version == 4):
        return
    assert client_address_from(peer, ", ".join(spoofed), PROXIES) == peer


@given(client=addresses, spoofed=st.lists(addresses, max_size=4), hops=st.integers(1, 3))
def test_whatever_the_client_claims_the_address_our_proxy_saw_wins(client, spoofed, hops) -> None:
    if ipaddress.ip_address(client) in PROXIES[0]:
        return
    chain = [*spoofed, client] + [f"10.0.0.{i}" for i in range(1, hops)]
    assert client_address_from(f"10.0.0.{hops}", ", ".join(chain), PROXIES) == client
