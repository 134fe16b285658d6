# SPDX-License-Identifier: Apache-2.0
"""The test knobs (libmemif_dsa.knobs): a secondary's region layouts, a
primary's HELLO limits, ring size 2^15, and disconnecting on purpose (with
a reason, or as if we died).  Each layout carries traffic byte for byte in
both directions, chained, and the wire shows what it promises."""

import struct

import pytest

from memif_conformance import hostile as H
from libmemif_dsa import Interface, MemifError, knobs
from libmemif_dsa.interface import dispatch_all
from memif_helpers import assert_same_packets, transfer, unique_socket
from test_hostile import HostilePrimary, HostileSecondary

LAYOUTS = {**knobs.EXAMPLES,
           "all-at-once": {"arrangement": "region-per-queue", "ring_offset": 200, "buffer_offset": 7,
                           "headroom": 5, "rotate": True, "m2s_length": 777}}
# packets of many sizes: single buffers, chains, every split around 1000/2048
PACKETS = [bytes((i * 7 + j) % 256 for j in range(n))
           for i, n in enumerate([60, 999, 1000, 1001, 2043, 2048, 2049, 5000, 9000, 1])]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layout_carries_traffic_both_ways(make_pair, name):
    a, b = make_pair(ring_size=16, queues=2, secondary=dict(layout=LAYOUTS[name]))
    for q in (0, 1):
        for _ in range(3):  # several laps of the ring: rotation and refills
            assert_same_packets(PACKETS, transfer(b, a, PACKETS, queue=q))
            assert_same_packets(PACKETS, transfer(a, b, PACKETS, queue=q))


def test_secondary_offer_is_what_the_primary_fills(make_pair):
    """M2S descriptors offering 1000 of 2048 bytes: the primary chains at
    1000, and its details() report that as the secondary's buffer size."""
    a, b = make_pair(ring_size=16, secondary=dict(layout={"m2s_length": 1000}))
    assert_same_packets([b"x" * 2500], transfer(a, b, [b"x" * 2500]))
    assert a.details()["tx_queues"][0]["buffer_size"] == 1000
    assert b.stats()["rx_buffers"] == 3


def descs(region, off, n=16):
    """(flags, region, length, offset) of a ring's descriptors."""
    return [struct.unpack_from("<HHII", region, off + 128 + 16 * j) for j in range(n)]


def test_the_wire_shows_the_layout():
    """A raw primary sees the regions, ring offsets, buffer offsets, offer
    and, after a lap of the ring, other buffers in the descriptors."""
    hp = HostilePrimary(queues=2, ring_size=16,
                        layout={"arrangement": "region-per-queue", "ring_offset": 64,
                                "buffer_offset": 13, "headroom": 3, "rotate": True,
                                "m2s_length": 500})
    try:
        regions, rings = hp.handshake()
        assert len(regions) == 8                       # a region per ring, a buffer region per ring
        assert sorted((r[2], r[3]) for r in rings) == [(k, 64) for k in range(4)]
        hp.iface.wait_connected(2)
        _, _, reg, off, _ = next(r for r in rings if r[0] == 0 and r[1] == 0)   # M2S ring 0
        first = descs(regions[reg], off)
        assert {d[1] for d in first} == {6}            # ring 2 of 4: its buffers in region 6
        assert all(d[3] % 2048 == 16 and d[2] == 500 for d in first)  # 13 + 3 headroom; offer
        # the raw primary fills all 16 offered buffers; our secondary takes them and refills
        pkts = [bytes([j]) * (100 + j) for j in range(16)]
        for j, (_, region, _, offset) in enumerate(first):
            regions[region][offset:offset + len(pkts[j])] = pkts[j]
            struct.pack_into("<HHII", regions[reg], off + 128 + 16 * j, 0, region, len(pkts[j]),
                             offset)
        struct.pack_into("<H", regions[reg], off + 64, 16)           # tail: published
        assert_same_packets(pkts, hp.iface.recv(max=64, timeout=2.0))
        again = descs(regions[reg], off)
        assert all(a[3] != b[3] and a[3] % 2048 == 16 for a, b in zip(again, first))
    finally:
        hp.close()


# ---- HELLO limits and ring size 2^15 -------------------------------------------

def test_primary_advertises_its_limits_and_holds_secondaries_to_them():
    name = unique_socket("limits")
    limits = {"max_region": 1, "max_m2s_ring": 0, "max_s2m_ring": 2, "max_log2_ring_size": 9}
    with Interface("primary", name, hello_limits=limits) as iface:
        peer = H.RawPeer.connect(name, dispatch_all)
        try:
            mtype, payload = H.parse(peer.recv())
            assert mtype == H.HELLO
            assert struct.unpack_from("<HHHB", payload, 36) == (1, 0, 2, 9)
        finally:
            peer.close()
        for ring, why in (((True, 3, 9), "too many rings"), ((False, 1, 9), "too many rings"),
                          ((True, 0, 10), "ring size too large")):
            h = HostileSecondary(name, H.Memory(log2=4))
            try:
                h.good_setup(upto="regions")
                s2m, index, log2 = ring
                assert h.step(H.add_ring(s2m, index, 0, 0, log2), [h.mem.efds[0]]) == why
            finally:
                h.close()
        with Interface("secondary", name, queues=4, ring_size=4096) as sec:
            sec.wait_connected(5)
            iface.wait_connected(5)
            assert sec.queues == (1, 3)                   # rx (M2S) 0+1, tx (S2M) 2+1
            assert {q["ring_size"] for q in iface.details()["rx_queues"]} == {512}


@pytest.mark.parametrize("max_log2,want", [(15, 32768), (14, 16384)])
def test_ring_size_two_to_the_fifteen(make_pair, max_log2, want):
    a, b = make_pair(buffer_size=128, primary=dict(hello_limits={"max_log2_ring_size": max_log2}),
                     secondary=dict(ring_size=32768))
    assert {q["ring_size"] for q in a.details()["rx_queues"] + a.details()["tx_queues"]} == {want}
    pkts = [bytes([i % 251]) * 300 for i in range(want // 2)]   # 3 buffers each: more than a lap
    assert_same_packets(pkts, transfer(b, a, pkts))
    assert_same_packets(pkts, transfer(a, b, pkts))


# ---- disconnecting on purpose -------------------------------------------------

def test_disconnect_with_a_reason_and_without(make_pair):
    a, b = make_pair(reconnect_interval=0.05)
    b.disconnect("maintenance window")
    with pytest.raises(MemifError):
        a.recv(timeout=2.0)
    assert a.disconnect_reason == "maintenance window"
    b.wait_connected(5)          # the secondary comes back on its own
    a.wait_connected(5)
    b.disconnect()               # as if it died: no DISCONNECT
    with pytest.raises(MemifError):
        a.recv(timeout=2.0)
    assert a.disconnect_reason == "peer closed the connection"
    with pytest.raises(MemifError, match="DISCONNECTED"):
        a.disconnect("again")    # nothing left to end


# ---- arguments -------------------------------------------------------------------

@pytest.mark.parametrize("kw,name", [
    (dict(layout={"arrangement": "ring-buffer"}), "arrangement"),
    (dict(layout={"ring_offset": 12}), "ring_offset"),
    (dict(layout={"headroom": 2048}), "headroom"),
    (dict(layout={"m2s_length": 2000, "headroom": 100}), "m2s_length"),
    (dict(layout={"rotate": 1}), "rotate"),
    (dict(layout={"colour": "red"}), "colour"),
    (dict(layout=[1]), "layout"),
    (dict(refuse_unsealed="yes"), "refuse_unsealed"),
])
def test_bad_knobs_name_the_argument(kw, name):
    with pytest.raises((ValueError, TypeError)) as e:
        Interface("secondary", unique_socket(), **kw)
    assert name in str(e.value)


@pytest.mark.parametrize("kw,name", [
    (dict(hello_limits={"max_log2_ring_size": 16}), "max_log2_ring_size"),
    (dict(hello_limits={"max_rings": 1}), "max_rings"),
    (dict(hello_limits={"max_region": -1}), "max_region"),
])
def test_bad_limits_name_the_argument(kw, name):
    with pytest.raises((ValueError, TypeError)) as e:
        Interface("primary", unique_socket(), **kw)
    assert name in str(e.value)


def test_knobs_belong_to_one_role():
    with pytest.raises(ValueError, match="layout is the secondary's choice"):
        Interface("primary", unique_socket(), layout={})
    with pytest.raises(ValueError, match="hello_limits are what a primary advertises"):
        Interface("secondary", unique_socket(), hello_limits={})
