# SPDX-License-Identifier: Apache-2.0
"""Lifecycle: the peer stops, is killed, restarts, finds a stale socket
file, sees us leave (also in the middle of traffic) and many quick
reconnects; each time the link comes back and carries packets, and the
peer neither crashes nor hangs."""

import os
import socket

import pytest

from memif_conformance import packets as P

pytestmark = pytest.mark.feature("lifecycle")


def traffic(lk, tag):
    lk.assert_reflects([P.tagged(60 + i * 13, seq=i) for i in range(100)], context=tag)


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_peer_restart(link, peer_role, engine, how):
    """The peer goes away (SIGTERM, or SIGKILL mid-life) and a new one
    takes its place on the same socket: we see the link drop, then come
    back.  A killed primary leaves its socket file: the new one must cope."""
    lk = link(peer_role, engine)
    traffic(lk, "before the restart")
    lk.stop_peer(kill=how == "killed")
    reason = lk.wait_down()
    assert reason, "our side recorded no reason for the link going down"
    lk.start_peer()
    lk.wait_connected()
    traffic(lk, f"after the peer was {how} and restarted")


@pytest.mark.roles("primary")
def test_stale_socket_file(link, need, peer_role):
    """A socket file left by a dead process (bound, never unlinked) where the
    peer is told to listen: the peer must replace it and serve (DPDK and
    TRex needed a manual rm for this)."""
    need(file_sockets=True)
    lk = link(peer_role, socket_kind="file", start=False)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    stale.bind(lk.socket)
    stale.close()
    assert os.path.exists(lk.socket)
    lk.up()
    traffic(lk, "over a socket path that held a stale file")


def needs_reconnect(caps, peer_role):
    if peer_role == "secondary" and not caps.reconnect:
        pytest.skip("peer lacks reconnect (as secondary, it does not connect again)")


def test_peer_sees_us_leave(link, caps, peer_role, engine):
    """We close our interface: the peer notices (when it reports link state)
    and serves our next interface."""
    needs_reconnect(caps, peer_role)
    lk = link(peer_role, engine)
    traffic(lk, "first interface")
    lk.close_ours()
    reason = lk.peer.wait_disconnected(lk.timeouts.connect)
    if reason is None:
        pytest.skip("the peer does not report disconnects (no disconnected pattern)")
    lk.open_ours()
    lk.wait_connected()
    traffic(lk, "second interface")


def test_peer_survives_us_leaving_under_load(link, caps, peer_role, engine):
    """We leave while the peer is busy sending our packets back (DPDK 22.11
    crashes here); it must stay up and serve our next interface."""
    needs_reconnect(caps, peer_role)
    lk = link(peer_role, engine, ring_size=256)
    pkts = [P.tagged(1400, seq=i) for i in range(256)]
    for _ in range(4):
        lk.iface.send(pkts)           # fill its rx ring; it answers as fast as it can
        lk.iface.recv(max=32, timeout=1.0)
    lk.iface.close()                  # no quiesce: that is the point
    lk.peer.wait_disconnected(lk.timeouts.connect)   # when it reports it; a crash shows below either way
    lk.open_ours()
    lk.wait_connected()
    traffic(lk, "after we left under load")


def test_reconnect_storm(link, caps, peer_role):
    """Ten connect / one packet / disconnect cycles in a row."""
    needs_reconnect(caps, peer_role)
    lk = link(peer_role, ring_size=64, buffer_size=256)
    for i in range(10):
        lk.assert_reflects([P.tagged(64, seq=i)], context=f"cycle {i}")
        lk.close_ours()
        lk.open_ours()
        lk.wait_connected()
    assert lk.peer.alive


@pytest.mark.roles("secondary")
def test_peer_secondary_outlives_our_primary(link, caps, peer_role):
    """Our primary (the listener) goes away for good and comes back on the
    same socket path: the secondary peer must connect again."""
    needs_reconnect(caps, peer_role)
    lk = link(peer_role, socket_kind="file" if caps.file_sockets else "abstract")
    traffic(lk, "before")
    lk.iface.close()
    lk.open_ours()
    lk.wait_connected()
    traffic(lk, "after our primary came back")
    assert lk.peer.alive
