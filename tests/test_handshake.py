# SPDX-License-Identifier: Apache-2.0
"""Handshake: both roles, file and abstract sockets, ids, secrets, modes,
queue negotiation, across processes."""

import os

import pytest

from memif_conformance.reflector import start_reflector
from libmemif_dsa import Interface, MemifError, MemifTimeout, Socket
from memif_helpers import assert_same_packets, transfer, unique_socket


def test_handshake_in_one_process(make_pair):
    a, b = make_pair()
    assert a.connected and b.connected
    da, db = a.details(), b.details()
    assert da["role"] == "primary" and db["role"] == "secondary"
    assert da["remote_if_name"] == "memif0" and db["remote_app_name"] == "libmemif-dsa"
    assert a.queues == (1, 1) and b.queues == (1, 1)
    # the secondary's layout: a rings region and a buffers region
    assert [r["size"] for r in db["regions"]] == [2 * (128 + 16 * 1024), 2 * 1024 * 2048]


def test_file_socket(tmp_path, make_pair):
    path = str(tmp_path / "memif.sock")
    a, b = make_pair(socket=path)
    assert os.path.exists(path)
    assert_same_packets([b"x" * 100], transfer(b, a, [b"x" * 100]))
    a.close()
    assert not os.path.exists(path), "the listener removes its socket file when closed"


def test_abstract_socket_leaves_no_file(make_pair, tmp_path):
    a, b = make_pair(socket=unique_socket())
    assert a.details()["socket"].startswith("@")


def test_two_ids_on_one_socket():
    name = unique_socket()
    with Socket(name) as srv, Socket(name) as cli:
        p1 = Interface("primary", srv, id=1)
        p2 = Interface("primary", srv, id=2)
        s2 = Interface("secondary", cli, id=2)
        s1 = Interface("secondary", Socket(name), id=1)
        for i in (p1, p2, s1, s2):
            i.wait_connected(5)
        assert_same_packets([b"to-1"], transfer(s1, p1, [b"to-1"]))
        assert_same_packets([b"to-2"], transfer(s2, p2, [b"to-2"]))
        assert p1.recv(timeout=0) == [] and p2.recv(timeout=0) == []
        s1.close()
        s1.socket.close()


def test_duplicate_id_on_one_socket_is_refused():
    with Socket(unique_socket()) as srv:
        Interface("primary", srv, id=3)
        with pytest.raises(MemifError) as e:
            Interface("primary", srv, id=3)
        assert e.value.name == "MEMIF_ERR_INVAL_ARG"


def test_unmatched_id_is_refused_with_a_reason(sock):
    with Interface("primary", sock, id=1) as a, Interface("secondary", sock, id=2) as b:
        with pytest.raises(MemifTimeout) as e:
            b.wait_connected(0.5)
        assert e.value.reason == "unmatched interface id"
        assert not a.connected


@pytest.mark.parametrize("primary_secret,secondary_secret,reason", [
    ("s3cr3t", "s3cr3t", None),
    ("s3cr3t", None, "secret required"),
    ("s3cr3t", "wrong", "incorrect secret"),
    ("x" * 24, "x" * 24, None),
    ("x" * 24, "x" * 23, "incorrect secret"),
    (None, "anything", None),  # upstream: only a primary with a secret checks
])
def test_secret(sock, primary_secret, secondary_secret, reason):
    with Interface("primary", sock, secret=primary_secret) as a, \
            Interface("secondary", sock, secret=secondary_secret) as b:
        if reason is None:
            b.wait_connected(5)
            a.wait_connected(5)
            return
        with pytest.raises(MemifTimeout) as e:
            b.wait_connected(0.5)
        assert e.value.reason == reason, "the secondary is told why"
        assert a.disconnect_reason == reason, "the primary records why it refused"
        assert not a.connected


@pytest.mark.parametrize("pm,sm", [("ethernet", "ip"), ("ip", "punt"), ("punt", "ethernet")])
def test_mode_mismatch(sock, pm, sm):
    with Interface("primary", sock, mode=pm) as a, Interface("secondary", sock, mode=sm) as b:
        with pytest.raises(MemifTimeout) as e:
            b.wait_connected(0.5)
        assert e.value.reason == "mode mismatch"


@pytest.mark.parametrize("mode", ["ethernet", "ip", "punt"])
def test_each_mode_connects_and_carries_bytes(make_pair, mode):
    a, b = make_pair(mode=mode)
    assert a.details()["mode"] == mode
    payload = [bytes([0x45]) + bytes(range(40))]
    assert_same_packets(payload, transfer(b, a, payload))


@pytest.mark.parametrize("tx,rx", [(1, 4), (3, 1), (8, 2), (255, 1)])
def test_unequal_queue_counts(make_pair, tx, rx):
    a, b = make_pair(secondary=dict(tx_queues=tx, rx_queues=rx), ring_size=64, buffer_size=256)
    assert b.queues == (rx, tx)
    assert a.queues == (tx, rx), "the primary gets the secondary's counts"
    for q in range(tx):
        pkt = [f"s2m queue {q}".encode()]
        assert_same_packets(pkt, transfer(b, a, pkt, queue=q))
    for q in range(rx):
        pkt = [f"m2s queue {q}".encode()]
        assert_same_packets(pkt, transfer(a, b, pkt, queue=q))
    with pytest.raises(MemifError) as e:
        b.send([b"x"], queue=tx)
    assert e.value.name == "MEMIF_ERR_QID"


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_across_two_processes(role, sock):
    """Our interface in one role, `memif-dsa reflect` in the other role in a
    second process."""
    peer_role = "secondary" if role == "primary" else "primary"
    first = None
    if role == "secondary":
        first = start_reflector(peer_role, sock)
    me = Interface(role, sock)
    try:
        peer = first or start_reflector(peer_role, sock)
        me.wait_connected(10)
        peer.wait_for(r"^connected: peer app 'libmemif-dsa'")
        pkts = [bytes([i % 256]) * (1 + i * 37) for i in range(200)]
        assert_same_packets(pkts, transfer(me, me, pkts))
    finally:
        me.close()
        (first or peer).wait_for(r"^disconnected: interface deleted")
        assert (first or peer).stop() == 0


def test_bad_arguments_name_the_argument(sock):
    cases = [
        (dict(role="boss"), "role"),
        (dict(mode="token-ring"), "mode"),
        (dict(id=-1), "id"),
        (dict(id=2**32), "id"),
        (dict(queues=0), "queues"),
        (dict(queues=256), "queues"),
        (dict(ring_size=1000), "ring_size"),
        (dict(ring_size=1 << 16), "ring_size"),
        (dict(buffer_size=0), "buffer_size"),
        (dict(buffer_size=65536), "buffer_size"),
        (dict(secret="x" * 25), "secret"),
        (dict(engine="gpu"), "engine"),
        (dict(rx_mode="sometimes"), "rx_mode"),
    ]
    for kw, name in cases:
        args = dict(role="primary", socket=sock)
        args.update(kw)
        with pytest.raises((ValueError, TypeError)) as e:
            Interface(**args)
        assert name in str(e.value), (kw, str(e.value))


def test_user_errors_on_a_live_interface(make_pair):
    a, b = make_pair()
    with pytest.raises(TypeError, match="packets"):
        b.send(b"not a list")
    with pytest.raises(ValueError, match=r"packets\[1\]"):
        b.send([b"ok", b""])
    with pytest.raises(ValueError, match="max"):
        a.recv(max=0)
    with pytest.raises(ValueError, match="timeout"):
        a.recv(timeout=-1)
    with pytest.raises(ValueError, match="queue"):
        a.recv(queue=-1)
