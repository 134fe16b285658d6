# SPDX-License-Identifier: Apache-2.0
"""Interrupt and polling receive modes in all four combinations: packets
arrive either way; a producer signals the eventfd only for a consumer in
interrupt mode (MASK_INT clear)."""

import os
import threading
import time

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


def test_interrupts_cross_processes(sock):
    """A reflector in interrupt mode signals every reply; we consume them."""
    from memif_conformance.reflector import start_reflector
    from libmemif_dsa import Interface
    peer = start_reflector("secondary", sock, rx_mode="interrupt")
    try:
        with Interface("primary", sock, rx_mode="interrupt") as me:
            me.wait_connected(10)
            for i in range(50):
                assert transfer(me, me, [bytes([i]) * 64]) == [bytes([i]) * 64]
            st = me.stats()
            assert st["interrupts_sent"] == 50, "the reflector receives in interrupt mode"
            assert st["interrupts_received"] > 0
    finally:
        peer.stop()


def in_epoll_wait(tid):
    """Whether thread `tid` of this process sleeps in epoll_wait/epoll_pwait."""
    with open(f"/proc/self/task/{tid}/syscall") as f:
        nr = f.read().split()[0]
    return nr in ("232", "281", "441")  # x86_64 epoll_wait, epoll_pwait, epoll_pwait2


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="syscall numbers checked are x86_64")
def test_interrupt_wakes_a_blocked_receiver(make_pair):
    """The receiver sleeps in epoll with no deadline near; only the peer's
    eventfd signal can wake it."""
    a, b = make_pair(primary=dict(rx_mode="interrupt"))
    main_tid = threading.get_native_id()
    sent = []

    def sender():
        while not in_epoll_wait(main_tid):
            time.sleep(0)  # yield until the receiver is asleep
        sent.append(b.send([b"wake up"]))

    t = threading.Thread(target=sender)
    t.start()
    got = a.recv(timeout=30.0)
    t.join()
    assert sent == [1] and got == [b"wake up"]
    assert a.stats()["interrupts_received"] == 1
