# SPDX-License-Identifier: Apache-2.0
"""Lifecycle: disconnect reasons in both directions, a peer killed with
SIGKILL at random moments of the traffic and at every step of the
handshake (the peer's trace lines, MEMIF_DSA_DEBUG, say which step it is
at), reconnection, stale socket files, and 1000 connect/disconnect cycles
without leaking fds or mappings."""

import gc
import os
import random
import signal
import time

import pytest

from memif_conformance.reflector import start_reflector
from libmemif_dsa import Interface, MemifError
from libmemif_dsa.interface import dispatch_all
from memif_helpers import assert_same_packets, transfer, unique_socket


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def memif_mappings():
    with open("/proc/self/maps") as f:
        return sum(1 for line in f if "memif region" in line)


@pytest.mark.parametrize("leaving", ["primary", "secondary"])
def test_disconnect_reason_reaches_the_other_side(make_pair, leaving):
    a, b = make_pair()
    gone, stays = (a, b) if leaving == "primary" else (b, a)
    gone.close()
    with pytest.raises(MemifError) as e:
        stays.recv(timeout=2.0)
    assert e.value.name == "MEMIF_ERR_DISCONNECTED"
    assert e.value.reason == "interface deleted"
    assert not stays.connected
    assert stays.stats()["disconnects"] == 1


def test_secondary_reconnects_when_the_primary_comes_back(sock):
    b = Interface("secondary", sock, reconnect_interval=0.02)
    try:
        for round_ in range(3):
            with Interface("primary", sock) as a:
                a.wait_connected(5)
                b.wait_connected(5)
                pkts = [f"round {round_}".encode()]
                assert_same_packets(pkts, transfer(b, a, pkts))
            with pytest.raises(MemifError):
                b.recv(timeout=2.0)
        assert b.stats()["connects"] == 3
    finally:
        b.close()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("peer_role", ["secondary", "primary"])
def test_peer_killed_mid_traffic(tmp_path, peer_role, seed):
    """SIGKILL the reflector at a random moment while traffic flows (after a
    random number of packets came back, a burst possibly half sent): we
    notice, keep running, and take the next peer (a killed primary leaves
    its socket file: the next one must clear it)."""
    rnd = random.Random(seed)
    kill_after = rnd.randint(1, 1500)
    path = str(tmp_path / "kill.sock")
    my_role = "primary" if peer_role == "secondary" else "secondary"
    peer = start_reflector(peer_role, path) if peer_role == "primary" else None
    me = Interface(my_role, path, reconnect_interval=0.02)
    try:
        peer = peer or start_reflector(peer_role, path)
        me.wait_connected(10)
        pkts = [bytes([i % 251]) * rnd.randint(1, 9000) for i in range(2000)]
        sent, got = 0, []
        with pytest.raises(MemifError) as e:
            while True:
                sent += me.send(pkts[sent % 2000:sent % 2000 + rnd.randint(1, 64)])
                got += me.recv(max=256, timeout=0.5)
                if len(got) >= kill_after and peer.proc.poll() is None:
                    peer.proc.send_signal(signal.SIGKILL)
        assert e.value.name == "MEMIF_ERR_DISCONNECTED"
        assert e.value.reason == "peer closed the connection"
        assert peer.proc.wait(10) == -signal.SIGKILL
        assert_same_packets(pkts[:len(got)], got[:len(pkts)])
        # the survivor accepts (or finds) a new peer
        peer = start_reflector(peer_role, path)
        me.wait_connected(10)
        assert_same_packets(pkts[:100], transfer(me, me, pkts[:100]))
        assert me.stats()["connects"] == 2
    finally:
        me.close()
        if peer:
            peer.stop()


# The handshake as the killed peer's trace shows it (control.c's lines):
# (role of the peer, the line it writes when it reaches the step, which
# occurrence).  The peer sends a message and waits for our answer, which we
# hold back until it is killed: the step is exact, no timing involved.
HANDSHAKE_STEPS = [
    ("secondary", "sending INIT", 1),
    ("secondary", "sending ADD_REGION", 1),
    ("secondary", "sending ADD_REGION", 2),
    ("secondary", "sending ADD_RING", 1),
    ("secondary", "sending ADD_RING", 2),
    ("secondary", "sending CONNECT", 1),
    ("secondary", "received CONNECTED", 1),
    ("primary", "sending HELLO", 1),
    ("primary", "sending ACK", 1),
    ("primary", "sending ACK", 3),
    ("primary", "sending ACK", 5),
    ("primary", "sending CONNECTED", 1),
]


def stop(peer):
    """Stop a peer process and close our end of its output pipe (it would
    count as an fd of ours until the object is collected)."""
    peer.stop()
    peer.proc.stdout.close()


def pump_until(peer, text, nth, timeout=10.0):
    """Run our event loop one turn at a time until the peer's trace shows
    `text` for the nth time (the peer then waits for us)."""
    start, found = 0, 0
    deadline = time.monotonic() + timeout
    while found < nth:
        dispatch_all()
        try:
            start = peer.wait_for(r"memif-dsa: .*: " + text + "$", timeout=0.02, start=start) + 1
            found += 1
        except TimeoutError:
            assert peer.proc.poll() is None, "the peer died by itself"
            assert time.monotonic() < deadline, f"the peer never reached {text!r} #{nth}"


@pytest.mark.parametrize("answered", [False, True], ids=["in-flight", "answered"])
@pytest.mark.parametrize("peer_role,step,nth", HANDSHAKE_STEPS,
                         ids=[f"{r}-{s.replace(' ', '-')}-{n}" for r, s, n in HANDSHAKE_STEPS])
def test_peer_killed_at_each_handshake_step(tmp_path, peer_role, step, nth, answered):
    """SIGKILL the peer at one step of the handshake, with its message still
    unread by us (in-flight) or after we answered it: no crash, no leak, not
    connected, and the next peer gets served."""
    path = str(tmp_path / "hs.sock")
    my_role = "primary" if peer_role == "secondary" else "secondary"
    env = dict(os.environ, MEMIF_DSA_DEBUG="1")
    gc.collect()
    fds, maps = open_fds(), memif_mappings()
    peer = None
    me = None
    try:
        if peer_role == "primary":
            peer = start_reflector(peer_role, path, env=env)
        me = Interface(my_role, path, reconnect_interval=0.02, ring_size=16)
        peer = peer or start_reflector(peer_role, path, env=env)
        pump_until(peer, step, nth)
        if answered:
            dispatch_all()
        peer.proc.send_signal(signal.SIGKILL)
        assert peer.proc.wait(10) == -signal.SIGKILL
        for _ in range(20):  # the EOF reaches us
            dispatch_all()
        assert not me.connected
        stop(peer)
        peer = start_reflector(peer_role, path)
        me.wait_connected(10)
        pkts = [b"after the kill" * 100]
        assert_same_packets(pkts, transfer(me, me, pkts))
    finally:
        if me:
            me.close()
        if peer:
            stop(peer)
    gc.collect()
    assert open_fds() == fds
    assert memif_mappings() == maps


def test_kill_cycles_leak_nothing(tmp_path):
    """50 peers killed at random handshake steps or mid-traffic, one after
    the other, against one interface: nothing leaks."""
    rnd = random.Random(50)
    path = str(tmp_path / "cycles.sock")
    env = dict(os.environ, MEMIF_DSA_DEBUG="1")
    gc.collect()
    fds, maps = open_fds(), memif_mappings()
    with Interface("primary", path, ring_size=16) as me:
        for _ in range(50):
            peer = start_reflector("secondary", path, env=env)
            try:
                role, step, nth = rnd.choice([s for s in HANDSHAKE_STEPS if s[0] == "secondary"])
                if rnd.random() < 0.3:
                    me.wait_connected(10)
                    me.send([b"x" * rnd.randint(1, 9000) for _ in range(rnd.randint(1, 32))])
                else:
                    pump_until(peer, step, nth)
                peer.proc.send_signal(signal.SIGKILL)
                peer.proc.wait(10)
                for _ in range(20):
                    dispatch_all()
                assert not me.connected
            finally:
                stop(peer)
    gc.collect()
    assert open_fds() == fds
    assert memif_mappings() == maps


def test_stale_socket_file_is_replaced(tmp_path):
    path = str(tmp_path / "stale.sock")
    peer = start_reflector("primary", path)
    peer.kill()
    assert os.path.exists(path), "SIGKILL leaves the socket file behind"
    with Interface("primary", path) as a, Interface("secondary", path) as b:
        a.wait_connected(5)
        b.wait_connected(5)


def test_live_socket_file_is_not_stolen(tmp_path):
    path = str(tmp_path / "live.sock")
    with Interface("primary", path):
        with pytest.raises(MemifError) as e:
            Interface("primary", path)
        assert "in use" in str(e.value)


def test_socket_path_that_is_not_a_socket(tmp_path):
    path = tmp_path / "plain-file"
    path.write_text("not a socket")
    with pytest.raises(MemifError) as e:
        Interface("primary", str(path))
    assert e.value.name == "MEMIF_ERR_FILE_NOT_SOCK"
    assert path.read_text() == "not a socket"


def test_1000_connect_disconnect_cycles_leak_nothing():
    def cycle(name):
        with Interface("primary", name, ring_size=16, buffer_size=128) as a, \
                Interface("secondary", name, ring_size=16, buffer_size=128) as b:
            a.wait_connected(5)
            b.wait_connected(5)
            b.send([b"ping"])
            assert a.recv(timeout=2) == [b"ping"]

    cycle(unique_socket())  # warm up lazily created objects
    gc.collect()  # objects of earlier tests must not close fds mid-count
    fds, maps = open_fds(), memif_mappings()
    name = unique_socket()
    for _ in range(1000):
        cycle(name)
    gc.collect()
    assert open_fds() == fds
    assert memif_mappings() == maps


def test_close_is_idempotent_and_frees_everything(make_pair):
    gc.collect()
    fds = open_fds()
    a, b = make_pair()
    assert open_fds() > fds
    a.close()
    a.close()
    b.close()
    assert open_fds() == fds
    with pytest.raises(ValueError, match="closed"):
        a.send([b"x"])
