"""Interrupt and polling receive modes in all four combinations: packets
arrive either way; a producer signals the eventfd only for a consumer in
interrupt mode (MASK_INT clear)."""

import pytest

from memif_helpers import assert_same_packets, transfer


@pytest.mark.parametrize("primary_mode", ["interrupt", "polling"])
@pytest.mark.parametrize("secondary_mode", ["interrupt", "polling"])
def test_rx_mode_combinations(make_pair, primary_mode, secondary_mode):
    a, b = make_pair(primary=dict(rx_mode=primary_mode), secondary=dict(rx_mode=secondary_mode))
    assert a.details()["rx_queues"][0]["polling"] == (primary_mode == "polling")
    assert b.details()["rx_queues"][0]["polling"] == (secondary_mode == "polling")
    for i in range(20):
        pkts = [bytes([i]) * (60 + i)]
        b.send(pkts)
        assert_same_packets(pkts, a.recv(timeout=2.0))  # blocks on the eventfd or spins
        a.send(pkts)
        assert_same_packets(pkts, b.recv(timeout=2.0))
    assert (b.stats()["interrupts_sent"] > 0) == (primary_mode == "interrupt")
    assert (a.stats()["interrupts_sent"] > 0) == (secondary_mode == "interrupt")


def test_interrupt_wakes_a_blocked_receiver_across_processes(sock):
    from fixtures.reflector import start_reflector
    from libmemif_dsa import Interface
    peer = start_reflector("secondary", sock, rx_mode="interrupt")
    try:
        with Interface("primary", sock, rx_mode="interrupt") as me:
            me.wait_connected(10)
            for i in range(50):
                me.send([bytes([i]) * 64])
                assert me.recv(timeout=5.0) == [bytes([i]) * 64]
            assert me.stats()["interrupts_received"] > 0
    finally:
        peer.stop()
