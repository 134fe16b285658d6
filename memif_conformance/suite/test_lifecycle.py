# SPDX-License-Identifier: Apache-2.0
"""Lifecycle: the peer stops, is killed (also at random moments of traffic
and at each handshake step), restarts, finds a stale socket file, sees us
leave (also in the middle of traffic) and many quick reconnects; each time
the link comes back and carries packets, and the peer neither crashes nor
hangs."""

import os
import random
import socket
import time

import pytest

from memif_conformance import hostile as H
from memif_conformance import hostile_cases as HC
from memif_conformance import packets as P
from memif_conformance.guard import awaiting

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


# ---- SIGKILL of the peer at random moments of traffic and at each handshake step ------------

def killable(caps):
    """The socket kind for kill tests: abstract when the peer can (a killed
    primary leaves no file behind: test_stale_socket_file covers that)."""
    return "abstract" if caps.abstract_sockets else "file"


def traffic_until(lk, back, rnd):
    """Keep packets of random sizes flowing until `back` of them came back."""
    top = min(3000, lk.adapter.capabilities.max_frame) if lk.adapter.capabilities.chaining else 1500
    seq, got = 0, 0
    deadline = time.monotonic() + lk.timeouts.idle
    with awaiting(lambda: f"{back} packets back from the peer before killing it ({got} so far)"):
        while got < back:
            burst = [P.tagged(rnd.randint(60, top), seq=seq + i) for i in range(16)]
            seq += lk.iface.send(burst)
            n = len(lk.iface.recv(max=256, timeout=0.01))
            got += n
            if n:
                deadline = time.monotonic() + lk.timeouts.idle
            assert time.monotonic() < deadline, (f"the peer stopped returning packets after {got} "
                                                 f"(timeouts.idle)")


def test_peer_killed_during_traffic(link, note, caps, peer_role, engine):
    """SIGKILL while packets flow both ways, at a random moment (after a
    random number of packets came back), three times: our side sees the
    link go down with a reason, and a new peer on the same socket serves
    byte for byte.  The seed is in the report's notes."""
    seed = random.randrange(1 << 32)
    rnd = random.Random(seed)
    note(f"kill moments from seed {seed}")
    lk = link(peer_role, engine, socket_kind=killable(caps))
    for round_ in range(3):
        at = rnd.randrange(0, 300)
        traffic_until(lk, at, rnd)
        lk.stop_peer(kill=True)
        reason = lk.wait_down()
        assert reason, "our side recorded no reason for the link going down"
        lk.start_peer()
        lk.wait_connected()
        traffic(lk, f"after the peer was killed with {at} packets back (round {round_}, seed {seed})")


HANDSHAKE_STEPS = ("hello", "init", "regions", "rings", "connect")


@pytest.mark.parametrize("step", HANDSHAKE_STEPS)
def test_peer_killed_during_handshake(link, caps, peer_role, step):
    """SIGKILL the peer in the middle of a handshake (a raw counterpart of
    ours stops after `step`): the connection ends, and a new peer on the
    same socket serves our interface byte for byte (nothing the dead one
    left behind gets in the way)."""
    lk = link(peer_role, socket_kind=killable(caps), start=False)
    if peer_role == "primary":
        lk.start_peer()
        raw, mem = H.RawPeer.connect(lk.socket, lambda: None), H.Memory(**HC.LAYOUT)
        try:
            assert raw.recv(lk.timeouts.connect), "the peer sent no HELLO"
            upto = {"hello": [], "init": HC.good_secondary("init"),
                    "regions": HC.good_secondary("regions"), "rings": HC.good_secondary("rings"),
                    "connect": HC.good_secondary("connect")}[step]
            for s in upto:
                fds = [HC.open_fd(spec, mem)[0] for spec in s.fds]
                raw.send(s.msg, fds)
                assert raw.recv(lk.timeouts.connect), f"the peer did not answer during {step}"
            lk.stop_peer(kill=True)
            assert raw.expect_disconnect(lk.timeouts.connect) is None, "the connection outlived the peer"
        finally:
            raw.close()
            mem.close()
        lk.start_peer()
        lk.open_ours()
    else:
        listener = H.Listener(lk.socket)
        try:
            lk.start_peer()
            with awaiting("the peer (secondary) to connect to our raw listener"):
                raw = listener.accept(timeout=lk.timeouts.connect)
            assert raw is not None, "the peer (secondary) did not connect to our listener"
            want = {"hello": None, "init": H.INIT, "regions": H.ADD_REGION, "rings": H.ADD_RING,
                    "connect": H.CONNECT}[step]
            if want:
                raw.send(H.hello())
                while True:
                    data = raw.recv(lk.timeouts.connect)
                    assert data, f"the peer stopped before {step}"
                    if H.parse(data)[0] == want:
                        break
                    raw.send(H.msg(H.ACK))
            lk.stop_peer(kill=True)
            raw.close()
        finally:
            listener.close()
        lk.open_ours()
        lk.start_peer()
    lk.wait_connected()
    traffic(lk, f"a new peer after the last one was killed during the handshake ({step})")
# ---- what the peer does when we leave, and comes back ----------------------------

REASON = "conformance: maintenance window"


def test_peer_records_our_disconnect_reason(link, caps, peer_role):
    """We send DISCONNECT with a reason of our own: the peer records it (where
    it shows disconnect reasons at all) and serves us again."""
    needs_reconnect(caps, peer_role)
    lk = link(peer_role)
    traffic(lk, "before")
    lk.iface.disconnect(REASON)
    reason = lk.peer.wait_disconnected(lk.timeouts.connect)
    if reason is None:
        pytest.skip("the peer does not report disconnects (no disconnected pattern)")
    if reason:   # an empty reason: the peer shows none (its disconnected pattern has no group)
        assert REASON in reason, (f"we sent DISCONNECT {REASON!r}; the peer reports "
                                  f"{reason!r}")
    lk.wait_connected()          # our secondary connects again by itself; a secondary peer too
    traffic(lk, "after our DISCONNECT")


def test_peer_survives_our_death(link, caps, peer_role, engine):
    """Our side vanishes without a DISCONNECT (the control channel just
    closes, as when a process dies): the peer notices the end of file,
    cleans up and accepts (or reconnects to) us again."""
    needs_reconnect(caps, peer_role)
    lk = link(peer_role, engine)
    traffic(lk, "before")
    lk.iface.disconnect()        # close without a message
    lk.wait_connected()          # it need not say it saw us go (there was no DISCONNECT)
    traffic(lk, "after we died and came back")


CHANGES = [dict(ring_size=64), dict(tx_queues=2, rx_queues=2), dict(buffer_size=512),
           dict(ring_size=256, buffer_size=4096, tx_queues=1, rx_queues=1)]


@pytest.mark.roles("primary")
def test_reconnect_with_changed_parameters(link, caps, vector_set, peer_role):
    """Our secondary comes back with another ring size, other queue counts,
    another buffer size: the primary must drop what it knew of the last
    connection and take the new values."""
    lk = link(peer_role)
    fits = [c for c in CHANGES if c.get("tx_queues", 1) <= caps.max_queues and
            caps.lacks(ring_sizes=c.get("ring_size", 1024),
                       buffer_sizes=c.get("buffer_size", 2048)) is None]
    for i, change in enumerate(fits):
        lk.close_ours()
        lk.open_ours(**change)
        lk.wait_connected()
        rx, tx = lk.iface.queues
        assert (rx, tx) == (change.get("rx_queues", 1), change.get("tx_queues", 1))
        ring = {q["ring_size"] for q in lk.iface.details()["tx_queues"]}
        assert ring == {change.get("ring_size", 1024)}
        lk.buffer_size = change.get("buffer_size", 2048)
        limit = caps.max_frame if caps.chaining else min(caps.max_frame, lk.buffer_size)
        vecs = [v for v in vector_set("l2") if v.length <= limit][:60]
        for q in range(tx):
            lk.assert_vectors(vecs, queue=q, context=f"reconnection {i + 1}: {change}, queue {q}")


def test_several_ids_on_one_socket(link, need, peer_role):
    """Three interfaces with ids 7, 8 and 9 on one socket at once: each of
    ours meets the peer's interface of its id and gets its own packets back."""
    need(ids_per_socket=3)
    ids = (7, 8, 9)
    lk = link(peer_role, id=ids[0], ids=ids, connect=False)
    ifaces = [lk.iface] + [lk.open_ours(share=True, id=i) for i in ids[1:]]
    for iface in ifaces:
        lk.iface = iface
        lk.wait_connected()
    for n, iface in enumerate(ifaces):   # each id its own packets
        lk.iface = iface
        lk.assert_reflects([P.tagged(60 + i * 13, queue=ids[n], seq=i) for i in range(50)],
                           context=f"id {ids[n]}")
    assert all(i.connected for i in ifaces), "an interface went down while another carried traffic"
