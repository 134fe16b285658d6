# SPDX-License-Identifier: Apache-2.0
"""Regions: shared memory laid out as the secondary chooses.

A primary must handle any number of regions and any (region, offset) in a
descriptor (memif-protocol.md 1.5, 1.7): libmemif puts rings in region 0
and buffers in region 1, VPP's copy mode rings and buffers in one region,
zero-copy peers a region per queue and buffers of their own (memory they
often cannot seal against shrinking), handed out anew at every refill, at
any offset, with headroom; a secondary may offer M2S buffers shorter than
its buffer size.  Our secondary lays its memory out each of these ways
against the peer primary, both directions byte-exact over several laps of
the ring; a primary that computes buffer addresses from the slot number,
or fills M2S buffers to its own size, fails here.  As the secondary the
peer exposes its own regions, in zero-copy mode where it has one."""

import pytest

from libmemif_dsa import knobs

pytestmark = pytest.mark.feature("regions")

LAYOUTS = knobs.EXAMPLES


def layout_link(link, caps, peer_role, engine, layout, queues):
    """A peer primary and our secondary laying its memory out as `layout`
    (64-slot rings, `queues` pairs); the peer is told the ring size and queue
    count too: a primary that does not take the secondary's fails
    test_primary_takes_our_ring_size or _queue_counts instead, not here."""
    return link(peer_role, engine, s2m=queues, m2s=queues, ring_size=64,
                ours=dict(layout=LAYOUTS[layout], ring_size=64, tx_queues=queues, rx_queues=queues))


@pytest.mark.roles("primary")
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_our_layout(link, need, caps, vector_set, note, peer_role, engine, layout):
    """Our secondary (2 queue pairs where the peer has them) lays out its
    memory this way; every vector of the l2 set comes back on each queue,
    about two and a half laps of the ring (chained only where the layout's
    M2S offer is shorter than a packet)."""
    if LAYOUTS[layout].get("m2s_length"):
        need(chaining=True)    # its offer is shorter than some packets
    queues = min(2, caps.max_queues)
    lk = layout_link(link, caps, peer_role, engine, layout, queues)
    regions = lk.iface.details()["regions"]
    note(f"{len(regions)} regions of {[r['size'] for r in regions]} bytes")
    vecs = [v for v in vector_set("l2") if v.length <= caps.max_frame]
    for q in range(queues):
        lk.assert_vectors(vecs, queue=q, context=f"layout {layout}, queue {q}")


@pytest.mark.roles("primary")
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_our_layout_chained(link, need, caps, vector_set, note, peer_role, engine, layout):
    """The same layouts carrying the largest frames of the sizes set, chained
    over 2048-byte buffers (laps of a 64-slot ring)."""
    need(chaining=True)
    lk = layout_link(link, caps, peer_role, engine, layout, 1)
    vecs = [v for v in vector_set("sizes")[-20:] if v.length <= caps.max_frame]
    lk.assert_vectors(vecs * 3, context=f"layout {layout}, chained")


@pytest.mark.roles("secondary")
@pytest.mark.parametrize("zero_copy", [False, True], ids=["copy", "zero-copy"])
def test_peer_regions(link, need, caps, vector_set, note, peer_role, engine, zero_copy):
    """The peer secondary's own regions (in zero-copy mode its own buffers,
    which it may not be able to seal: our primary maps them under its
    guard) carry every vector both ways, chained where the peer chains."""
    if zero_copy:
        need(zero_copy=True)
    lk = link(peer_role, engine, ring_size=256, zero_copy=zero_copy)
    d = lk.iface.details()
    note(f"the peer's regions: {[r['size'] for r in d['regions']]} bytes")
    assert d["regions"], "connected without a region"
    limit = caps.max_frame if caps.chaining else min(caps.max_frame, lk.buffer_size)
    vecs = [v for v in vector_set("l2") + vector_set("protocols") + vector_set("sizes")
            if v.length <= limit]
    lk.assert_vectors(vecs * 2, context="the peer's own regions" + (" (zero-copy)" if zero_copy else ""))
