# SPDX-License-Identifier: Apache-2.0
"""Byte-exact delivery of random packets of 1..65535 bytes in both
directions (property-based), chains included, across queues."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memif_helpers import assert_same_packets, transfer

packet_specs = st.lists(st.tuples(st.integers(1, 65535), st.integers(0, 2**32 - 1)),
                        min_size=1, max_size=24)


def materialize(specs):
    return [random.Random(seed).randbytes(n) for n, seed in specs]


@pytest.mark.parametrize("direction", ["secondary->primary", "primary->secondary"])
@pytest.mark.parametrize("buffer_size", [128, 2048, 9216])
def test_random_packets_byte_exact(make_pair, direction, buffer_size):
    a, b = make_pair(buffer_size=buffer_size, ring_size=1024)
    tx, rx = (b, a) if direction.startswith("secondary") else (a, b)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(packet_specs)
    def check(specs):
        pkts = materialize(specs)
        assert_same_packets(pkts, transfer(tx, rx, pkts))

    check()


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 3), packet_specs), min_size=1, max_size=4))
def test_queues_keep_packets_apart_and_in_order(specs_per_queue):
    from libmemif_dsa import Interface
    from memif_helpers import unique_socket
    s = unique_socket()
    with Interface("primary", s) as a, Interface("secondary", s, queues=4, buffer_size=1024) as b:
        a.wait_connected(5)
        b.wait_connected(5)
        for q, specs in specs_per_queue:
            pkts = materialize(specs)
            assert_same_packets(pkts, transfer(b, a, pkts, queue=q))
            assert_same_packets(pkts, transfer(a, b, pkts, queue=q))
