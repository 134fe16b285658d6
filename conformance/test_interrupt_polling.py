"""Interrupt and polling receive modes, all four combinations of the
peer's and ours.  A consumer in polling mode sets MASK_INT on its ring; a
producer signals the ring's eventfd only when MASK_INT is clear.  So: when
we receive in interrupt mode the peer must signal us (or we would sleep),
and when the peer polls it must mask its rings (we then never signal it)."""

import pytest

from fixtures import packets as P

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
    st = lk.iface.stats()
    if rx_mode == "interrupt":
        assert st["interrupts_received"] > 0, (
            "rule broken: we receive in interrupt mode (MASK_INT clear) but the peer never "
            "signalled our ring's eventfd")


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
