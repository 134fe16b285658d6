# SPDX-License-Identifier: Apache-2.0
"""Queues: 1..N queue pairs, each carrying its own stream in order (the
peer sends back on the queue a packet came in on); unequal counts per
direction (which crashed DPDK's statistics, and let gomemif mix up rings);
the largest count the peer declares.  The secondary chooses the counts."""

import pytest

from memif_conformance import packets as P
from memif_conformance.traffic import spray

pytestmark = pytest.mark.feature("queues")


def streams_for(tx_queues, per_queue, mode="ethernet"):
    return {q: [P.tagged(60 + (seq * 37 + q * 11) % 1400, queue=q, seq=seq, mode=mode)
                for seq in range(per_queue)] for q in range(tx_queues)}


@pytest.mark.parametrize("pairs", [1, 2, 4, 8])
def test_queue_pairs(link, need, caps, peer_role, engine, pairs):
    need(max_queues=pairs)
    lk = link(peer_role, engine, s2m=pairs, m2s=pairs, ring_size=256)
    assert lk.iface.queues == (pairs, pairs)
    streams = streams_for(pairs, 200)
    got = spray(lk.iface, streams, range(pairs), idle=lk.timeouts.idle)
    lk.assert_streams(streams, got, same_queue=caps.same_queue)


def test_many_queues(link, caps, peer_role, engine):
    """As many queue pairs as the peer declares (at most 255, the protocol's
    limit), small rings, a few packets on each."""
    pairs = min(caps.max_queues, 255)
    ring = max(16, caps.ring_sizes[0])
    lk = link(peer_role, engine, s2m=pairs, m2s=pairs, ring_size=ring, buffer_size=2048)
    assert lk.iface.queues == (pairs, pairs)
    streams = streams_for(pairs, 4)
    got = spray(lk.iface, streams, range(pairs), idle=lk.timeouts.idle)
    lk.assert_streams(streams, got, same_queue=caps.same_queue)


UNEQUAL = [(1, 4), (4, 1), (3, 2), (2, 7)]


@pytest.mark.parametrize("s2m,m2s", UNEQUAL, ids=[f"s2m{a}-m2s{b}" for a, b in UNEQUAL])
def test_unequal_queue_counts(link, need, peer_role, engine, s2m, m2s):
    """With fewer queues one way than the other, a reflector cannot always
    answer on the same queue: every packet must still come back exactly
    once, byte for byte, and each queue's packets in the order sent."""
    need(unequal_queues=True, max_queues=max(s2m, m2s))
    lk = link(peer_role, engine, s2m=s2m, m2s=m2s, ring_size=256)
    rx, tx = lk.iface.queues
    assert (rx, tx) == ((m2s, s2m) if lk.role == "secondary" else (s2m, m2s))
    streams = streams_for(tx, 150)
    got = spray(lk.iface, streams, range(rx), idle=lk.timeouts.idle)
    lk.assert_streams(streams, got, same_queue=False)
