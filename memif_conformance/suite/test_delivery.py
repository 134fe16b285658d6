# SPDX-License-Identifier: Apache-2.0
"""Delivery: every vector comes back from the peer byte for byte, in order,
nothing lost or added, through both of the peer's directions (it receives
what we send and sends it back) in each of its roles."""

import pytest

pytestmark = pytest.mark.feature("delivery")

SETS = [("ethernet", "l2"), ("ethernet", "sizes"), ("ethernet", "odd"), ("ethernet", "protocols"),
        ("ip", "l3"), ("ip", "l3_odd"), ("ip", "protocols_l3")]


def carryable(vecs, caps, buffer_size, note):
    """The vectors this peer can carry: within its maximum frame, and within
    one buffer when it cannot chain.  What is left out is noted."""
    limit = caps.max_frame if caps.chaining else min(caps.max_frame, buffer_size)
    kept = [v for v in vecs if v.length <= limit]
    if len(kept) < len(vecs):
        note(f"{len(vecs) - len(kept)} vectors longer than the peer's limit of {limit} bytes not sent")
    return kept


@pytest.mark.parametrize("mode,vset", SETS, ids=[s for _, s in SETS])
def test_every_vector(link, caps, vector_set, note, peer_role, engine, mode, vset):
    lk = link(peer_role, engine, mode=mode)
    vecs = carryable(vector_set(vset), caps, lk.buffer_size, note)
    lk.assert_reflects([v.data for v in vecs], names=[v.name for v in vecs])


def test_one_packet_at_a_time(link, vector_set, caps, note, peer_role, engine):
    """Ping-pong: each packet alone in the ring, with the peer idle in between."""
    lk = link(peer_role, engine)
    vecs = carryable(vector_set("l2")[:40], caps, lk.buffer_size, note)
    for v in vecs:
        lk.assert_reflects([v.data], names=[v.name])


def test_jumbo_frames(link, need, vector_set, peer_role, engine):
    """9000-byte MTU frames (9014 untagged, 9018 with 802.1Q), chained over
    2048-byte buffers, many in a row so the rings fill and wrap."""
    need(max_frame=9018, chaining=True)
    jumbo = [v for v in vector_set("sizes") if v.length >= 9000]
    assert jumbo, "the sizes set has 9000..9018-byte frames"
    lk = link(peer_role, engine, buffer_size=2048)
    stream = jumbo * 40
    lk.assert_reflects([v.data for v in stream], names=[v.name for v in stream])
