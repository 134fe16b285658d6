"""Chaining: packets longer than one buffer cross buffer boundaries at
every offset (descriptor chains with NEXT), in both of the peer's
directions; a chain may fill the whole ring; chains straddle the ring's
wrap point with short packets after them in the same slots (a stale NEXT
flag would glue packets together).  Chaining broke in DPDK at least four
times and in VPP three (see ../shared/reference/landscape.md §2)."""

import pytest

from fixtures import packets as P

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
