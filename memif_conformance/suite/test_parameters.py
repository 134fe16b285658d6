# SPDX-License-Identifier: Apache-2.0
"""Parameters: the secondary chooses ring size, buffer size and queue
counts, the primary's HELLO bounds them, and both ends work at the edges.

Rules checked here (memif 2.0; ../shared/reference/memif-protocol.md 1.3-1.7):
- a primary takes the ring sizes (ADD_RING log2), queue counts (ADD_RING
  per direction) and buffer sizes (M2S descriptor lengths) the secondary
  gives, whatever it was started with: a peer primary runs with its
  defaults while our secondary asks for other values;
- a secondary started with its own values gets them (our primary's
  details() show what it adopted);
- HELLO advertises a version range holding 2.0 and maxima the protocol
  allows (rings <= 256 per direction, log2 ring size 1..15), the log2
  maximum the peer declares; a secondary stays within what our HELLO
  allows (fewer rings, smaller rings);
- edges: rings of 2 and 2^14 slots (2^15 where the peer declares
  max_log2_ring_size 15: VPP takes it, libmemif refuses it), 65535-byte
  buffers, packets up to 65535 bytes chained in every mode the peer runs
  (punt included), a packet filling a whole ring.
Packets are the vectors' TCP/UDP packets (tagged ones where a queue must
be told apart)."""

import pytest

from memif_conformance import packets as P
from memif_conformance.traffic import spray

pytestmark = pytest.mark.feature("parameters")

VERSION = 0x0200


def vectors_up_to(vector_set, caps, limit, sets=("l2", "sizes")):
    """TCP/UDP vectors of at most `limit` bytes (and the peer's max frame)."""
    top = min(limit, caps.max_frame)
    return [v for s in sets for v in vector_set(s) if v.length <= top]


def reflect_vectors(lk, vecs, context, repeat=1):
    stream = list(vecs) * repeat
    lk.assert_reflects([v.data for v in stream], names=[v.name for v in stream], context=context)


def ours_as_secondary(lk, **what):
    """Our secondary's choices, other than the peer's start values; the
    link's buffer size (naming chain boundaries in reports) follows ours."""
    if lk is not None and "buffer_size" in what:
        lk.buffer_size = what["buffer_size"]
    return what


# ---- a peer primary takes what our secondary asks for --------------------------

LOG2 = [1, 2, 6, 10, 12, 14]


@pytest.mark.roles("primary")
@pytest.mark.parametrize("log2", LOG2, ids=[f"ring-{1 << n}" for n in LOG2])
def test_primary_takes_our_ring_size(link, need, caps, vector_set, peer_role, log2):
    """The peer runs with its default ring size; our secondary asks for
    2^log2 slots and gets them; traffic laps the ring several times."""
    want = 1 << log2
    need(ring_sizes=want, max_log2_ring_size=log2)
    lk = link(peer_role, ours=ours_as_secondary(None, ring_size=want))
    sizes = {q["ring_size"] for q in lk.iface.details()["rx_queues"] + lk.iface.details()["tx_queues"]}
    assert sizes == {want}, f"our secondary asked for {want} slots, the rings have {sorted(sizes)}"
    vecs = vectors_up_to(vector_set, caps, want * lk.buffer_size if caps.chaining else lk.buffer_size)
    reflect_vectors(lk, vecs[:200], f"{want}-slot rings (the peer started with 1024)",
                    repeat=max(1, (3 * want) // max(1, len(vecs[:200]))) if want <= 64 else 1)


BUFFERS = [128, 2048, 65535]


@pytest.mark.roles("primary")
@pytest.mark.parametrize("buffer_size", BUFFERS)
def test_primary_takes_our_buffer_size(link, need, caps, vector_set, peer_role, engine,
                                       buffer_size):
    """The peer runs with its default buffer size (2048); it must fill our
    buffers up to what our M2S descriptors offer, chaining at our size."""
    need(buffer_sizes=buffer_size)
    ring = 1024 if buffer_size <= 2048 else 16
    lk = link(peer_role, engine, start=False)
    lk.up(**ours_as_secondary(lk, ring_size=ring, buffer_size=buffer_size))
    limit = ring * buffer_size if caps.chaining else buffer_size
    vecs = vectors_up_to(vector_set, caps, limit, sets=("l2", "sizes", "giant"))
    reflect_vectors(lk, vecs, f"our {buffer_size}-byte buffers (the peer started with 2048)")
    d = lk.iface.details()
    assert d["tx_queues"][0]["buffer_size"] == buffer_size


def queue_streams(tx, per_queue):
    return {q: [P.tagged(60 + (seq * 37 + q * 11) % 1400, queue=q, seq=seq)
                for seq in range(per_queue)] for q in range(tx)}


QUEUES = [(2, 2), (8, 8), ("max", "max"), (1, 3), (3, 1)]


@pytest.mark.roles("primary")
@pytest.mark.parametrize("s2m,m2s", QUEUES, ids=[f"s2m{a}-m2s{b}" for a, b in QUEUES])
def test_primary_takes_our_queue_counts(link, need, caps, peer_role, s2m, m2s):
    """The peer runs with one queue pair; our secondary asks for more, or
    unequal counts, and every queue carries its stream."""
    s2m = min(caps.max_queues, 255) if s2m == "max" else s2m
    m2s = min(caps.max_queues, 255) if m2s == "max" else m2s
    need(max_queues=max(s2m, m2s), **({"unequal_queues": True} if s2m != m2s else {}))
    lk = link(peer_role, ours=dict(tx_queues=s2m, rx_queues=m2s, ring_size=64))
    assert lk.iface.queues == (m2s, s2m), (f"our secondary asked for {s2m} S2M and {m2s} M2S "
                                           f"rings, got (rx, tx) {lk.iface.queues}")
    streams = queue_streams(s2m, 30 if s2m <= 8 else 3)
    got = spray(lk.iface, streams, range(m2s), idle=lk.timeouts.idle)
    lk.assert_streams(streams, got, same_queue=caps.same_queue and s2m == m2s)


# ---- our primary takes what a peer secondary chooses ---------------------------

CHOICES = {
    "ring-64-buffer-512": dict(ring_size=64, buffer_size=512),
    "ring-4096-buffer-128": dict(ring_size=4096, buffer_size=128),
    "queues-3": dict(s2m=3, m2s=3, ring_size=256),
    "queues-s2m3-m2s2": dict(s2m=3, m2s=2, ring_size=256),
}


@pytest.mark.roles("secondary")
@pytest.mark.parametrize("choice", sorted(CHOICES))
def test_we_take_the_secondarys_choice(link, need, caps, note, peer_role, choice):
    """The peer secondary starts with values other than the defaults; our
    primary adopts them: ring sizes and queue counts in details(), the
    buffer size in what its descriptors offer and carry."""
    c = dict(CHOICES[choice])
    s2m, m2s = c.pop("s2m", 1), c.pop("m2s", 1)
    need(ring_sizes=c.get("ring_size", 1024), buffer_sizes=c.get("buffer_size", 2048),
         max_queues=max(s2m, m2s), **({"unequal_queues": True} if s2m != m2s else {}))
    lk = link(peer_role, s2m=s2m, m2s=m2s, **c)
    d = lk.iface.details()
    ring = c.get("ring_size", 1024)
    assert (len(d["rx_queues"]), len(d["tx_queues"])) == (s2m, m2s), (
        f"the peer was given {s2m} S2M and {m2s} M2S queues; our primary has "
        f"{len(d['rx_queues'])} and {len(d['tx_queues'])}")
    assert {q["ring_size"] for q in d["rx_queues"] + d["tx_queues"]} == {ring}
    bs = c.get("buffer_size", 2048)
    streams = {q: [P.tagged(n, queue=q, seq=i) for i, n in enumerate([60, bs, bs + 1, 3 * bs + 7])
                   if n <= caps.max_frame and (caps.chaining or n <= bs)] for q in range(m2s)}
    got = spray(lk.iface, streams, range(s2m), idle=lk.timeouts.idle)
    lk.assert_streams(streams, got, same_queue=caps.same_queue and s2m == m2s)
    seen = lk.iface.details()
    offered = seen["tx_queues"][0]["buffer_size"]
    used = max(q["buffer_size"] for q in seen["rx_queues"])
    note(f"the peer's M2S descriptors offer {offered} bytes, its S2M ones carried up to {used} "
         f"(given buffer size {bs})")
    assert 0 < offered <= bs, (f"the peer secondary was given {bs}-byte buffers but its M2S "
                               f"descriptors offer {offered} bytes")
    assert used <= bs, f"the peer secondary was given {bs}-byte buffers but sent {used}-byte ones"


# ---- HELLO -----------------------------------------------------------------------

@pytest.mark.roles("primary")
def test_hello_maxima_are_sane(link, caps, note, peer_role):
    lk = link(peer_role, start=False)
    raw, (_, vmin, vmax, max_region, max_m2s, max_s2m, max_log2) = lk.raw_hello()
    raw.close()
    note(f"HELLO: versions {vmin:#06x}..{vmax:#06x}, max region {max_region}, max rings m2s "
         f"{max_m2s} s2m {max_s2m}, max log2 ring size {max_log2}")
    assert vmin <= VERSION <= vmax, f"HELLO offers versions {vmin:#06x}..{vmax:#06x}, not 2.0"
    assert max_m2s <= 255 and max_s2m <= 255, (f"HELLO allows {max_m2s + 1} M2S and {max_s2m + 1} "
                                               f"S2M rings: more than a queue id can name")
    assert 1 <= max_log2 <= 15, (f"HELLO max_log2_ring_size {max_log2}: ring indices are 16-bit, "
                                 f"2^15 slots is the most a ring can hold (and 2 the least)")
    assert max_log2 >= caps.max_log2_ring_size, (
        f"the peer declares max_log2_ring_size {caps.max_log2_ring_size} but its HELLO "
        f"advertises {max_log2}")


LIMITS = {
    "ring-size": ({"max_log2_ring_size": 6}, dict(ring_size=1024)),
    "rings": ({"max_m2s_ring": 0, "max_s2m_ring": 1}, dict(s2m=4, m2s=4, ring_size=64)),
    "regions": ({"max_region": 0}, dict(ring_size=256)),
}


@pytest.mark.roles("secondary")
@pytest.mark.parametrize("what", sorted(LIMITS))
def test_secondary_stays_within_our_hello(link, need, caps, peer_role, what):
    """Our primary's HELLO allows less than the peer was started with (fewer
    rings per direction, smaller rings, one region): the peer must use at
    most that (our primary refuses a ring or region beyond it: "too many
    rings", "ring size too large", "too many regions"), and the link must
    work."""
    limits, peer = LIMITS[what]
    if "s2m" in peer:
        need(max_queues=peer["s2m"])
    lk = link(peer_role, connect=False, ours=dict(hello_limits=limits), **peer)
    reason = lk.wait_outcome()
    assert reason is None, (f"the peer did not stay within our HELLO ({limits}): our primary "
                            f"refused it with {reason!r}")
    lk.wait_connected()
    d = lk.iface.details()
    if what == "rings":
        assert (len(d["rx_queues"]), len(d["tx_queues"])) == (2, 1)
    elif what == "regions":
        assert len(d["regions"]) == 1, f"our HELLO allows one region, the peer added {len(d['regions'])}"
    else:
        assert {q["ring_size"] for q in d["rx_queues"] + d["tx_queues"]} == {64}
    rx, tx = lk.iface.queues
    streams = queue_streams(tx, 20)
    got = spray(lk.iface, streams, range(rx), idle=lk.timeouts.idle)
    lk.assert_streams(streams, got, same_queue=caps.same_queue and rx == tx)


# ---- edges -----------------------------------------------------------------------

EDGES = [1, 14, 15]


@pytest.mark.parametrize("log2", EDGES, ids=[f"ring-{1 << n}" for n in EDGES])
def test_ring_size_edges(link, need, caps, vector_set, peer_role, engine, log2):
    """Rings of 2 slots (a packet filling the whole ring included) and of
    2^14 and 2^15 slots, more than a lap of them."""
    ring = 1 << log2
    if log2 == 15:
        need(max_log2_ring_size=15)
    else:
        need(ring_sizes=ring)
    ours = dict(hello_limits={"max_log2_ring_size": 15}) if peer_role == "secondary" and log2 == 15 \
        else None
    bs = 2048 if log2 == 1 else 128
    lk = link(peer_role, engine, ring_size=ring, buffer_size=bs, ours=ours)
    sizes = {q["ring_size"] for q in lk.iface.details()["rx_queues"] + lk.iface.details()["tx_queues"]}
    assert sizes == {ring}, f"rings of {ring} slots asked for, {sorted(sizes)} made"
    if log2 == 1:
        vecs = vectors_up_to(vector_set, caps, 2 * bs if caps.chaining else bs)
        reflect_vectors(lk, vecs, "2-slot rings")
        if caps.chaining and caps.max_frame >= 2 * bs:
            lk.assert_reflects([P.tagged(2 * bs, seq=i) for i in range(3)],
                               context="packets filling the whole 2-slot ring")
        return
    size = 8 * bs if caps.chaining and caps.max_frame >= 8 * bs else bs
    pkts = [P.tagged(size - (i % 7), seq=i) for i in range(ring * 5 // 4 // (size // bs))]
    lk.assert_reflects(pkts, context=f"{ring}-slot rings, {len(pkts)} packets of ~{size} bytes")


def test_buffer_size_65535(link, need, caps, vector_set, peer_role, engine):
    """The largest buffer size there is (a u16 in every API)."""
    need(buffer_sizes=65535, ring_sizes=16)
    lk = link(peer_role, engine, ring_size=16, buffer_size=65535)
    vecs = vectors_up_to(vector_set, caps, 65535, sets=("sizes", "giant"))
    reflect_vectors(lk, vecs, "65535-byte buffers")


MODES = ["ethernet", "ip", "punt"]


@pytest.mark.parametrize("mode", MODES)
def test_largest_packets_chained(link, need, vector_set, peer_role, engine, mode):
    """Packets up to 65535 bytes, chained over 2048-byte buffers (32 of
    them), in every mode the peer runs -- punt too."""
    need(modes=mode, chaining=True, max_frame=65535)
    lk = link(peer_role, engine, mode=mode, ring_size=256, buffer_size=2048)
    vecs = vector_set("giant_l3" if mode == "ip" else "giant")
    reflect_vectors(lk, vecs, f"giant {mode} packets", repeat=3)
