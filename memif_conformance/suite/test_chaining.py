# SPDX-License-Identifier: Apache-2.0
"""Chaining: packets longer than one buffer cross buffer boundaries at
every offset (descriptor chains with NEXT), in both of the peer's
directions; a chain may fill the whole ring; chains straddle the ring's
wrap point with short packets after them in the same slots (a stale NEXT
flag would glue packets together).  Chaining broke in DPDK at least four
times and in VPP three (see ../shared/reference/landscape.md §2)."""

import time

import pytest

from memif_conformance import packets as P

pytestmark = pytest.mark.feature("chaining")


@pytest.mark.parametrize("buffer_size", [128, 256])
def test_every_split_point(link, need, peer_role, engine, buffer_size):
    """Every length from 60 bytes to 4 buffers + 1: single buffers and
    chains of 2..5 buffers whose last buffer holds 1..buffer_size bytes."""
    top = 4 * buffer_size + 1
    need(chaining=True, buffer_sizes=buffer_size, max_frame=top)
    lk = link(peer_role, engine, buffer_size=buffer_size)
    pkts = [P.tagged(n, seq=n) for n in range(60, top + 1)]
    lk.assert_reflects(pkts, context=f"{buffer_size}-byte buffers")


@pytest.mark.parametrize("buffer_size", [1024, 2048])
def test_vectors_around_buffer_multiples(link, need, vector_set, note, caps, peer_role, engine,
                                         buffer_size):
    """The sizes vectors within ±2 bytes of every multiple of the buffer
    size, up to 9018 bytes."""
    need(chaining=True, buffer_sizes=buffer_size)
    vecs = [v for v in vector_set("sizes")
            if any(b["buffer"] == buffer_size for b in v.boundary) and v.length <= caps.max_frame]
    assert vecs
    lk = link(peer_role, engine, buffer_size=buffer_size)
    lk.assert_reflects([v.data for v in vecs], names=[v.name for v in vecs])


def test_chain_fills_the_whole_ring(link, need, peer_role, engine):
    """A packet that needs every slot of a 16-slot ring (VPP had a u16
    underflow exactly there), and ones a byte shorter and a slot shorter."""
    ring, bs = 16, 128
    need(chaining=True, ring_sizes=ring, buffer_sizes=bs, max_frame=ring * bs)
    lk = link(peer_role, engine, ring_size=ring, buffer_size=bs)
    lengths = [ring * bs, ring * bs - 1, (ring - 1) * bs, ring * bs, 60, ring * bs]
    for i, n in enumerate(lengths):
        lk.assert_reflects([P.tagged(n, seq=i)], context=f"{n}-byte packet in a {ring}x{bs} ring")


def test_chains_across_the_ring_wrap(link, need, peer_role, engine):
    """Long and short packets alternate through a 16-slot ring, so chains
    start at every slot and wrap; short ones reuse slots that held NEXT."""
    ring, bs = 16, 128
    need(chaining=True, ring_sizes=ring, buffer_sizes=bs, max_frame=5 * bs)
    lk = link(peer_role, engine, ring_size=ring, buffer_size=bs)
    pattern = [3 * bs + 5, 60, 2 * bs, 61, bs + 1, 5 * bs, 62, 4 * bs - 1, 63, bs]
    pkts = [P.tagged(pattern[i % len(pattern)], seq=i) for i in range(400)]
    lk.assert_reflects(pkts, context=f"{ring}-slot ring of {bs}-byte buffers")


def test_chain_with_one_slot_left(link, need, note, peer_role, engine):
    """The peer must send a two-buffer packet into our 16-slot receive ring
    when only one slot is free.  A correct transmitter holds it (or drops
    it); it never writes a slot it was not given.  (DPDK 22.11 counts a
    packet's first slot only when the packet ends: here it overruns.)"""
    ring, bs = 16, 128
    need(chaining=True, ring_sizes=ring, buffer_sizes=bs)
    lk = link(peer_role, engine, ring_size=ring, buffer_size=bs)
    iface = lk.iface
    peer_writes = "tail" if lk.role == "secondary" else "head"

    def filled():  # slots of our receive ring the peer has published (we take none yet)
        return (iface.details()["rx_queues"][0][peer_writes] - start) & 0xFFFF

    def wait_filled(n, timeout):
        deadline = time.monotonic() + timeout
        while filled() < n and time.monotonic() < deadline:
            iface.poll(0.05)  # the peer's signal (interrupt mode) wakes us; we consume nothing

    start = iface.details()["rx_queues"][0][peer_writes]
    pkts = [P.tagged(60, seq=0)] + [P.tagged(2 * bs, seq=i) for i in range(1, 9)] + [P.tagged(61, seq=9)]
    took = iface.send(pkts[:8])                  # 15 slots: 1 + 7 two-buffer packets
    assert took == 8, f"our 16-slot ring took {took} of the first 8 packets (15 slots)"
    wait_filled(15, lk.timeouts.connect)
    assert filled() == 15, f"the peer reflected {filled()} of 15 slots"
    sent = 8
    deadline = time.monotonic() + lk.timeouts.connect
    while sent < len(pkts) and time.monotonic() < deadline:
        sent += iface.send(pkts[sent:])
        iface.poll(0.01)
    assert sent == len(pkts), (f"{sent} of {len(pkts)} packets went out within "
                               f"{lk.timeouts.connect:g}s: the peer stopped returning slots")
    # a peer that drops sends the one-buffer probe into the last slot; one
    # that holds packets sends nothing more until we free slots
    wait_filled(16, min(2.0, lk.timeouts.idle))
    note(f"after the two-buffer packet the peer filled {filled()} of {ring} slots")
    got, late, (marker, back) = lk.roundtrip([])
    got += late
    assert back is not None, "the end-of-stream marker never came back"
    expected = lk.expected(pkts)
    pos = 0
    for p in got:  # in order, byte-exact; a packet the peer dropped may be missing
        while pos < len(expected) and expected[pos] != p:
            pos += 1
        assert pos < len(expected), "a packet came back that was not sent as it is (or out of order)"
        pos += 1
    assert got[:8] == expected[:8], "the packets that fitted came back"
