# SPDX-License-Identifier: Apache-2.0
"""Modes: the peer runs in ethernet, ip and punt mode, and carries each
mode's packets untouched: Ethernet frames, raw IPv4/IPv6 packets (the
vectors' l3 sets, malformed ones included), and punt's opaque bytes.
(A mode mismatch is refused: see test_handshake.)"""

import pytest

from memif_conformance import packets as P

pytestmark = pytest.mark.feature("modes")


def punt_packets(vector_set):
    """Punt/inject carries bytes with no assumed header: Ethernet frames, IP
    packets, and byte strings that are neither."""
    l2 = [v.data for v in vector_set("l2")[:16]]
    l3 = [v.data for v in vector_set("l3")[:16]]
    opaque = [b"\x00", b"\xff" * 7, bytes(range(256)), b"punt" * 300, bytes(1500)]
    return l2 + l3 + opaque


@pytest.mark.parametrize("mode", ["ethernet", "ip", "punt"])
def test_mode_carries_its_packets(link, vector_set, caps, peer_role, engine, mode):
    lk = link(peer_role, engine, mode=mode)
    assert lk.iface.details()["mode"] == mode
    if mode == "ethernet":
        vecs = [v for v in vector_set("l2") if v.length <= 1518]
        pkts, names = [v.data for v in vecs], [v.name for v in vecs]
    elif mode == "ip":
        vecs = [v for v in vector_set("l3") + vector_set("l3_odd") if v.length <= 1500]
        pkts, names = [v.data for v in vecs], [v.name for v in vecs]
    else:
        pkts = [p for p in punt_packets(vector_set) if len(p) <= min(caps.max_frame, 1518)]
        names = ()
    lk.assert_reflects(pkts, names=names)


@pytest.mark.parametrize("mode", ["ip"])
def test_ip_mode_tagged_stream(link, peer_role, engine, mode):
    """IPv4 packets of every length from the smallest tagged one to 1500."""
    lk = link(peer_role, engine, mode=mode)
    pkts = [P.tagged(n, seq=n, mode="ip") for n in range(42, 1501, 7)]
    lk.assert_reflects(pkts)
