# SPDX-License-Identifier: Apache-2.0
"""Interrupt and polling receive modes, all four combinations of the
peer's and ours.  A consumer in polling mode sets MASK_INT on its ring; a
producer signals the ring's eventfd only when MASK_INT is clear.  So: when
we receive in interrupt mode the peer must signal us (or we would sleep),
and when the peer polls it must mask its rings (we then never signal it)."""

import select
import time

import pytest

from memif_conformance import packets as P
from memif_conformance.guard import awaiting

pytestmark = pytest.mark.feature("interrupt-polling")

MODES = ["interrupt", "polling"]
CAP = {"interrupt": "interrupt_mode", "polling": "polling_mode"}


@pytest.mark.parametrize("peer_rx_mode", MODES, ids=[f"peer-{m}" for m in MODES])
@pytest.mark.parametrize("rx_mode", MODES, ids=[f"ours-{m}" for m in MODES])
def test_rx_mode_combination(link, need, peer_role, engine, peer_rx_mode, rx_mode):
    need(**{CAP[peer_rx_mode]: True})
    lk = link(peer_role, engine, peer_rx_mode=peer_rx_mode, rx_mode=rx_mode)
    for i in range(30):   # one at a time: every reply finds the receiver idle
        lk.assert_reflects([P.tagged(60 + i, seq=i)], context=f"ping {i}")
    lk.assert_reflects([P.tagged(60 + i % 1400, seq=i) for i in range(600)], context="burst")
    lk.iface.poll(0)   # our event loop takes (and counts) any signal still pending
    st = lk.iface.stats()
    if rx_mode == "interrupt":
        assert st["interrupts_received"] > 0, (
            "rule broken: we receive in interrupt mode (MASK_INT clear) but the peer never "
            "signalled our ring's eventfd")
    else:
        assert st["interrupts_received"] == 0, (
            f"rule broken: we poll (MASK_INT set on our rx ring) yet the peer signalled our "
            f"ring's eventfd {st['interrupts_received']} times")


@pytest.mark.parametrize("peer_rx_mode", MODES, ids=[f"peer-{m}" for m in MODES])
def test_peer_ring_flags_follow_its_rx_mode(link, need, peer_role, peer_rx_mode):
    need(**{CAP[peer_rx_mode]: True})
    lk = link(peer_role, peer_rx_mode=peer_rx_mode)
    lk.assert_reflects([P.tagged(100, seq=i) for i in range(50)])
    sent = lk.iface.stats()["interrupts_sent"]
    if peer_rx_mode == "polling":
        assert sent == 0, (f"rule broken: the peer polls, yet its rx ring did not set MASK_INT "
                           f"(we signalled it {sent} times)")
    else:
        assert sent > 0, "rule broken: the peer receives in interrupt mode, yet its rx ring masks interrupts"


def send_one(lk, pkt):
    """Queue one packet, waiting for a free slot (a secondary peer may hand
    us its receive buffers only when it starts receiving)."""
    deadline = time.monotonic() + lk.timeouts.connect
    with awaiting("a free slot in our tx ring"):
        while not lk.iface.send([pkt]):
            assert time.monotonic() < deadline, (f"no free slot in our tx ring within "
                                                 f"{lk.timeouts.connect:g}s: the peer gives us "
                                                 f"no buffers")
            lk.iface.poll(0.01)


def test_peer_signals_after_publishing(link, peer_role):
    """Ours in interrupt mode, one packet at a time: when the peer's signal
    arrives, the packet it announces is already published.  A producer that
    signals first and publishes later leaves a sleeping receiver with a
    packet it never hears about.  (We watch our ring's eventfd without
    consuming it, read the ring index, then let our side take the packet.)"""
    lk = link(peer_role)
    efd, idle = lk.rx_signal_fd(), lk.timeouts.idle

    def signalled(timeout):
        return bool(select.select([efd], [], [], timeout)[0])

    for i in range(20):
        while lk.iface.recv(timeout=0):   # nothing stale: no packet, no pending signal
            pass
        if signalled(0):
            lk.iface.poll(0)
        before = lk.rx_index()
        pkt = P.tagged(60 + i, seq=i)
        send_one(lk, pkt)
        with awaiting(f"the peer's signal for reply {i}"):
            assert signalled(idle), (f"the peer did not signal our ring within {idle:g}s "
                                     f"(timeouts.idle) for reply {i}")
        if lk.rx_index() == before:
            # a signal without a packet: fine if the peer signals again once it
            # publishes; not if it publishes and stays silent
            lk.iface.poll(0)   # our event loop consumes the early signal
            with awaiting(f"a signal after reply {i} was published"):
                again = signalled(idle)
            assert again or lk.rx_index() == before, (
                f"rule broken: the peer signalled our ring before publishing reply {i} and "
                f"did not signal after publishing it (ring index unchanged when the signal "
                f"came, advanced {idle:g}s later without one)")
        got = lk.iface.recv(timeout=idle)
        assert got == lk.expected([pkt]), f"reply {i} did not come back as sent"
