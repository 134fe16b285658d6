# SPDX-License-Identifier: Apache-2.0
"""Ring sizes 2^1..2^14 and buffer sizes 128..65535: negotiated, reported,
and carrying bytes exactly (chains included)."""

import random

import pytest

from memif_helpers import assert_same_packets, transfer


@pytest.mark.parametrize("log2", range(1, 15))
def test_ring_sizes(make_pair, log2):
    size = 1 << log2
    a, b = make_pair(ring_size=size, buffer_size=256)
    assert a.details()["rx_queues"][0]["ring_size"] == size
    assert b.details()["tx_queues"][0]["ring_size"] == size
    rnd = random.Random(log2)
    # more packets than slots, and packets chained over the whole ring
    pkts = [rnd.randbytes(rnd.randint(1, 256 * size)) for _ in range(3 * size if size < 64 else 64)]
    # up to 4 MiB per packet at 2^14 slots: a hang guard, generous for loaded sanitizer runs
    assert_same_packets(pkts, transfer(b, a, pkts, timeout=180))
    assert_same_packets(pkts, transfer(a, b, pkts, timeout=180))


def test_ring_size_negotiation_takes_the_secondarys_choice(make_pair):
    a, b = make_pair(primary=dict(ring_size=64), secondary=dict(ring_size=4096))
    assert a.details()["rx_queues"][0]["ring_size"] == 4096


@pytest.mark.parametrize("bs", [128, 129, 1000, 1024, 2048, 4095, 9000, 9018, 32768, 65535])
def test_buffer_sizes(make_pair, bs):
    a, b = make_pair(buffer_size=bs, ring_size=1024)
    assert b.details()["tx_queues"][0]["buffer_size"] == bs
    rnd = random.Random(bs)
    sizes = [1, bs - 1, bs, bs + 1, 2 * bs, 2 * bs + 1, 65535, 9000, 60]
    pkts = [rnd.randbytes(n) for n in sizes if 0 < n <= 65535]
    assert_same_packets(pkts, transfer(b, a, pkts))
    assert_same_packets(pkts, transfer(a, b, pkts))


def test_packet_larger_than_the_ring_is_refused(make_pair):
    a, b = make_pair(ring_size=4, buffer_size=128)
    with pytest.raises(ValueError, match=r"packets\[0\].*does not fit"):
        b.send([b"x" * (4 * 128 + 1)])
    assert_same_packets([b"y" * 512], transfer(b, a, [b"y" * 512]))
