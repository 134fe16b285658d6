# SPDX-License-Identifier: Apache-2.0
"""Lifecycle: disconnect reasons in both directions, a peer killed with
SIGKILL mid-traffic, reconnection, stale socket files, and 1000
connect/disconnect cycles without leaking fds or mappings."""

import gc
import os
import signal

import pytest

from memif_conformance.reflector import start_reflector
from libmemif_dsa import Interface, MemifError
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


@pytest.mark.parametrize("peer_role", ["secondary", "primary"])
def test_peer_killed_mid_traffic(tmp_path, peer_role):
    """SIGKILL the reflector while traffic flows: we notice, keep running,
    and take the next peer (a killed primary leaves its socket file: the
    next one must clear it)."""
    path = str(tmp_path / "kill.sock")
    my_role = "primary" if peer_role == "secondary" else "secondary"
    peer = start_reflector(peer_role, path) if peer_role == "primary" else None
    me = Interface(my_role, path, reconnect_interval=0.02)
    try:
        peer = peer or start_reflector(peer_role, path)
        me.wait_connected(10)
        pkts = [bytes([i % 251]) * (64 + i) for i in range(2000)]
        sent, got = 0, []
        with pytest.raises(MemifError) as e:
            while True:
                sent += me.send(pkts[sent % 2000:sent % 2000 + 64])
                got += me.recv(max=256, timeout=0.5)
                if len(got) >= 500 and peer.proc.poll() is None:
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
