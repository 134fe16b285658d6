# SPDX-License-Identifier: Apache-2.0
"""Ring-full back-pressure with jumbo frames: whole packets or nothing, no
corruption, duplication or loss; chains that do not fit are rolled back
(VPP's test_memif_jumbo_ring_full, with every byte checked)."""

import struct

import pytest

from memif_helpers import assert_same_packets


def jumbo(seq, size=8960):
    head = struct.pack("!I", seq)
    body = bytes((seq * 131 + i) & 0xFF for i in range(size - 4))
    return head + body


@pytest.mark.parametrize("direction", ["secondary->primary", "primary->secondary"])
def test_jumbo_ring_full(make_pair, direction):
    a, b = make_pair(ring_size=64, buffer_size=2048)
    tx, rx = (b, a) if direction.startswith("secondary") else (a, b)
    frames = [jumbo(i) for i in range(128)]
    got, sent = [], 0
    rounds = 0
    while len(got) < len(frames):
        n = tx.send(frames[sent:sent + 128])
        # 64 slots hold 12 five-buffer frames: the 13th is rolled back
        assert n <= 12
        sent += n
        got += rx.recv(max=256, timeout=1.0)
        rounds += 1
        assert rounds < 100
    assert_same_packets(frames, got)
    st = tx.stats()
    assert st["tx_ring_full"] > 0
    assert st["tx_rollbacks"] > 0, "a chain that hit the ring end was rolled back"
    assert st["tx_packets"] == 128 and rx.stats()["rx_packets"] == 128


def test_ring_full_returns_fewer_and_keeps_order(make_pair):
    a, b = make_pair(ring_size=16, buffer_size=2048)
    pkts = [bytes([i]) * 100 for i in range(40)]
    assert b.send(pkts) == 16, "16 one-buffer packets fill a 16-slot ring"
    assert b.send(pkts[16:]) == 0
    got = a.recv(max=5, timeout=1)
    assert b.send(pkts[16:]) == 5, "freed slots are reusable at once"
    got += a.recv(max=256, timeout=1)
    assert b.send(pkts[21:]) == 16
    got += a.recv(max=256, timeout=1)
    assert b.send(pkts[37:]) == 3
    got += a.recv(max=256, timeout=1)
    assert_same_packets(pkts, got)
