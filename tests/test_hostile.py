# SPDX-License-Identifier: Apache-2.0
"""A scripted hostile peer (raw socket, our own test code) sends malformed
messages and bad descriptors: every violation disconnects that interface
with a reason, the process survives, and the interface serves the next,
well-behaved peer."""

import os
import random
import socket
import struct

import pytest

from memif_conformance import hostile as H
from memif_conformance import hostile_cases as C
from libmemif_dsa import Interface, MemifError
from libmemif_dsa.interface import dispatch_all
from memif_helpers import assert_same_packets, transfer, unique_socket


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def serves_a_good_peer(iface, name):
    role = "secondary" if iface.role == "primary" else "primary"
    with Interface(role, name) as good:
        good.wait_connected(5)
        iface.wait_connected(5)
        pkts = [b"still alive" * 10]
        tx, rx = (good, iface) if role == "secondary" else (iface, good)
        assert_same_packets(pkts, transfer(tx, rx, pkts))
    with pytest.raises(MemifError):  # and notices the good peer leave
        iface.recv(timeout=2.0)


# ---- a hostile secondary against our primary ------------------------------

class HostileSecondary:
    """Drives the secondary side of the handshake step by step."""

    def __init__(self, name, mem=None):
        self.peer = H.RawPeer.connect(name, dispatch_all)
        self.mem = mem or H.Memory()
        data = self.peer.recv()
        assert data and H.parse(data)[0] == H.HELLO

    def step(self, data, fds=()):
        """Send one message; the reply (ACK, CONNECTED, DISCONNECT reason, or None on EOF)."""
        self.peer.send(data, fds)
        reply = self.peer.recv()
        assert reply is not None, "no answer"
        if not reply:
            return None
        mtype, payload = H.parse(reply)
        return payload if mtype == H.DISCONNECT else mtype

    def good_setup(self, upto="connect"):
        m = self.mem
        assert self.step(H.init()) == H.ACK
        for i, size in enumerate(m.sizes):
            assert self.step(H.add_region(i, size), [m.fds[i]]) == H.ACK
        if upto == "regions":
            return
        for k in range(m.n_s2m + m.n_m2s):
            s2m = k < m.n_s2m
            idx = k if s2m else k - m.n_s2m
            assert self.step(H.add_ring(s2m, idx, 0, m.ring_off(k), m.log2), [m.efds[k]]) == H.ACK
        if upto == "rings":
            return
        assert self.step(H.connect()) == H.CONNECTED

    def close(self):
        self.peer.close()
        self.mem.close()


@pytest.fixture
def primary():
    name = unique_socket()
    iface = Interface("primary", name)
    yield iface, name
    iface.close()


def play(h, case):
    """Replay a memif_conformance.hostile_cases case; the last answer (DISCONNECT reason, ACK, ...)."""
    answer = None
    for step in case.steps:
        if isinstance(step, C.Poke):
            h.mem.set_ring(step.ring, cookie=step.value)
            continue
        fds = [C.open_fd(spec, h.mem) for spec in step.fds]
        try:
            answer = h.step(step.msg, [fd for fd, _ in fds])
        finally:
            for fd, owned in fds:
                if owned:
                    os.close(fd)
        if answer not in (H.ACK, H.CONNECTED):
            return answer
    return answer


@pytest.mark.parametrize("case", C.by_target("primary"), ids=lambda c: c.name)
def test_hostile_secondary_handshake(primary, case):
    iface, name = primary
    fds = open_fds()
    h = HostileSecondary(name)
    try:
        assert play(h, case) == case.reason, "the peer is told why"
    finally:
        h.close()
    dispatch_all()
    assert not iface.connected
    serves_a_good_peer(iface, name)
    assert open_fds() == fds, "every fd the hostile peer sent was closed"


def test_extra_fds_are_closed(primary):
    iface, name = primary
    fds = open_fds()
    h = HostileSecondary(name)
    extra = [os.eventfd(0) for _ in range(5)]
    assert h.step(H.init(), extra) == H.ACK
    for fd in extra:
        os.close(fd)
    h.close()
    dispatch_all()
    assert open_fds() == fds


def test_too_many_fds_is_malformed(primary):
    iface, name = primary
    h = HostileSecondary(name)
    many = [os.eventfd(0) for _ in range(40)]
    try:
        assert h.step(H.init(), many) == "malformed message received"
    finally:
        for fd in many:
            os.close(fd)
        h.close()


def test_connection_flood_evicts_silent_peers(primary):
    iface, name = primary
    silent = [socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(100)]
    for s in silent:
        s.connect("\0" + name[1:])
        dispatch_all()
    serves_a_good_peer(iface, name)
    for s in silent:
        s.close()


def test_random_garbage_messages(primary):
    iface, name = primary
    rnd = random.Random(1234)
    for _ in range(200):
        h = HostileSecondary(name)
        try:
            for _ in range(rnd.randint(1, 6)):
                mtype = rnd.choice([rnd.randint(0, 12), H.INIT, H.ADD_REGION, H.ADD_RING, H.CONNECT])
                data = struct.pack("<H", mtype) + rnd.randbytes(126)
                try:
                    h.peer.send(data, [h.mem.efds[0]] if rnd.random() < 0.3 else [])
                except (BrokenPipeError, ConnectionResetError):
                    break
                if h.peer.recv(0.05) == b"":
                    break
        finally:
            h.close()
        dispatch_all()
    serves_a_good_peer(iface, name)


# ---- bad descriptors from a connected hostile secondary -------------------

def connected_hostile(name, **mem):
    h = HostileSecondary(name, H.Memory(**mem))
    h.good_setup()
    return h


def s2m_attack(h, iface):
    with pytest.raises(MemifError) as e:
        iface.recv(timeout=1.0)
    return e.value.reason


def m2s_attack(h, iface):
    with pytest.raises(MemifError) as e:
        iface.send([b"x" * 100])
    return e.value.reason


def publish(h, k, head):
    h.mem.set_ring(k, head=head)
    os.eventfd_write(h.mem.efds[k], 1)


DATAPATH_CASES = {
    "S2M region out of range": (
        lambda h: (h.mem.set_desc(0, 0, region=7, length=10), publish(h, 0, 1)),
        s2m_attack, "S2M descriptor outside its region"),
    "S2M offset+length beyond region": (
        lambda h: (h.mem.set_desc(0, 0, region=1, offset=h.mem.sizes[1] - 4, length=8), publish(h, 0, 1)),
        s2m_attack, "S2M descriptor outside its region"),
    "S2M offset+length overflows 32 bits": (
        lambda h: (h.mem.set_desc(0, 0, region=1, offset=0xFFFFFFF0, length=0x20), publish(h, 0, 1)),
        s2m_attack, "S2M descriptor outside its region"),
    "S2M huge length": (
        lambda h: (h.mem.set_desc(0, 0, region=1, offset=0, length=0xFFFFFFFF), publish(h, 0, 1)),
        s2m_attack, "S2M descriptor outside its region"),
    "S2M head jumps beyond the ring": (
        lambda h: publish(h, 0, 17), s2m_attack, "S2M head moved backwards or beyond the ring size"),
    "S2M head moves backwards": (
        lambda h: publish(h, 0, 0xFFFF), s2m_attack, "S2M head moved backwards or beyond the ring size"),
    "chain longer than the ring": (
        lambda h: ([h.mem.set_desc(0, j, flags=1, region=1, offset=j * 2048, length=64) for j in range(16)],
                   publish(h, 0, 16)),
        s2m_attack, "chain longer than the ring"),
    "M2S head beyond the ring": (
        lambda h: h.mem.set_ring(1, head=40), m2s_attack, "M2S head moved backwards or beyond the ring size"),
    "M2S descriptor outside its region": (
        lambda h: (h.mem.set_desc(1, 0, region=1, offset=h.mem.sizes[1] - 10, length=2048), h.mem.set_ring(1, head=1)),
        m2s_attack, "M2S descriptor outside its region"),
    "M2S descriptor in unknown region": (
        lambda h: (h.mem.set_desc(1, 0, region=5, offset=0, length=2048), h.mem.set_ring(1, head=1)),
        m2s_attack, "M2S descriptor outside its region"),
    "M2S zero-capacity buffer": (
        lambda h: (h.mem.set_desc(1, 0, region=1, offset=0, length=0), h.mem.set_ring(1, head=1)),
        m2s_attack, "M2S descriptor outside its region"),
}


@pytest.mark.parametrize("case", sorted(DATAPATH_CASES))
def test_hostile_secondary_descriptors(primary, case):
    iface, name = primary
    corrupt, attack, reason = DATAPATH_CASES[case]
    h = connected_hostile(name)
    try:
        iface.wait_connected(2)
        corrupt(h)
        assert attack(h, iface) == reason
        assert h.peer.expect_disconnect() == reason, "the peer is told why"
        assert iface.stats()["peer_violations"] == 1
    finally:
        h.close()
    serves_a_good_peer(iface, name)


def test_valid_hostile_traffic_is_delivered(primary):
    """The scripted secondary, when it behaves, is a real peer: the data path
    reads its descriptors, chains included."""
    iface, name = primary
    h = connected_hostile(name)
    try:
        iface.wait_connected(2)
        h.mem.write_buf(0, b"A" * 2048)
        h.mem.write_buf(2048, b"B" * 100)
        h.mem.set_desc(0, 0, flags=1, region=1, offset=0, length=2048)
        h.mem.set_desc(0, 1, flags=0, region=1, offset=2048, length=100)
        publish(h, 0, 2)
        assert iface.recv(timeout=1.0) == [b"A" * 2048 + b"B" * 100]
        assert h.mem.ring(0)["tail"] == 2, "slots go back once copied"
        # consumed descriptors lose NEXT (as libmemif's receive does): a
        # secondary that ORs NEXT into reused slots (DPDK 22.11) would
        # otherwise glue its next packets together
        assert h.mem.desc(0, 0)["flags"] == 0
    finally:
        h.close()


def test_stale_next_flags_from_an_or_ing_secondary(primary):
    """A secondary that only ever ORs NEXT into descriptor flags, never
    clears them (DPDK 22.11's transmit): packets stay apart when the ring
    is reused with chains starting at other slots."""
    iface, name = primary
    h = connected_hostile(name)
    try:
        iface.wait_connected(2)
        layouts = [[2] * 8, [1] + [2] * 7 + [1], [2] * 8]  # slots per packet, per ring pass
        head = 0
        for rnd, layout in enumerate(layouts):
            j = 0
            for n in layout:
                for k in range(n):
                    flags = h.mem.desc(0, j)["flags"] | (1 if k + 1 < n else 0)
                    h.mem.write_buf(j * 2048, bytes([rnd * 16 + j]) * 100)
                    h.mem.set_desc(0, j, flags=flags, region=1, offset=j * 2048, length=100)
                    j += 1
            head += 16
            publish(h, 0, head)
            got = iface.recv(max=64, timeout=1.0)
            assert [len(p) for p in got] == [100 * n for n in layout], f"ring pass {rnd}"
    finally:
        h.close()


# ---- a hostile primary against our secondary ------------------------------

class HostilePrimary:
    """A raw listener and our secondary (made with `kw`) connected to it."""

    def __init__(self, **kw):
        self.name = unique_socket()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.srv.bind("\0" + self.name[1:])
        self.srv.listen(4)
        self.iface = Interface("secondary", self.name, reconnect_interval=None, **kw)
        conn, _ = self.srv.accept()
        self.peer = H.RawPeer(conn, dispatch_all)
        self.fds = []

    def recv_with_fds(self):
        for _ in range(200):
            dispatch_all()
            import select
            r, _, _ = select.select([self.peer.sock], [], [], 0.01)
            if r:
                data, fds, _, _ = socket.recv_fds(self.peer.sock, 4096, 8)
                self.fds += fds
                return data, fds
        raise AssertionError("secondary sent nothing")

    def handshake(self, hello=None):
        """Answer the secondary's setup; returns (regions, ring fds)."""
        self.peer.send(hello or H.hello())
        regions, rings = [], []
        while True:
            data, fds = self.recv_with_fds()
            mtype, payload = H.parse(data)
            if mtype == H.INIT:
                pass
            elif mtype == H.ADD_REGION:
                size = struct.unpack_from("<Q", payload, 2)[0]
                import mmap
                regions.append(mmap.mmap(fds[0], size))
            elif mtype == H.ADD_RING:
                flags, index, region, offset, log2 = struct.unpack_from("<HHHIB", payload)
                rings.append((flags & 1, index, region, offset, log2))
            elif mtype == H.CONNECT:
                self.peer.send(H.connected())
                return regions, rings
            else:
                return mtype, payload
            self.peer.send(H.msg(H.ACK))

    def close(self):
        self.iface.close()
        self.peer.close()
        self.srv.close()
        for fd in self.fds:
            os.close(fd)


@pytest.mark.parametrize("case", C.by_target("secondary"), ids=lambda c: c.name)
def test_hostile_primary_handshake(case):
    hp = HostilePrimary()
    try:
        for step in case.steps:
            fds = [C.open_fd(spec) for spec in step.fds]
            hp.peer.send(step.msg, [fd for fd, _ in fds])
            for fd, _ in fds:
                os.close(fd)
        assert hp.peer.expect_disconnect() == case.reason
        assert hp.iface.disconnect_reason == case.reason
    finally:
        hp.close()


def test_hostile_primary_limits_are_honoured():
    """A side never uses more than the peer's HELLO allows."""
    hp = HostilePrimary()
    hp.iface.close()
    hp.iface = Interface("secondary", hp.name, queues=4, ring_size=4096, reconnect_interval=None)
    conn, _ = hp.srv.accept()
    hp.peer = H.RawPeer(conn, dispatch_all)
    try:
        regions, rings = hp.handshake(H.hello(max_s2m=1, max_m2s=0, max_log2=6))
        assert sorted((r[0], r[1]) for r in rings) == [(0, 0), (1, 0), (1, 1)]
        assert {r[4] for r in rings} == {6}
        hp.iface.wait_connected(2)
        assert hp.iface.queues == (1, 2)
    finally:
        hp.close()


def test_one_region_when_the_primary_allows_one():
    """HELLO max_region 0 (one region): rings and buffers share it, as VPP's
    copy mode lays them out."""
    hp = HostilePrimary()
    try:
        regions, rings = hp.handshake(H.hello(max_region=0))
        assert len(regions) == 1 and {r[2] for r in rings} == {0}
        hp.iface.wait_connected(2)
        assert [r["index"] for r in hp.iface.details()["regions"]] == [0]
    finally:
        hp.close()


def m2s_ring(rings):
    return next(r for r in rings if r[0] == 0 and r[1] == 0)


def s2m_ring(rings):
    return next(r for r in rings if r[0] == 1 and r[1] == 0)


def put_ring(regions, ring, head=None, tail=None):
    _, _, region, off, _ = ring
    if head is not None:
        struct.pack_into("<H", regions[region], off + 6, head)
    if tail is not None:
        struct.pack_into("<H", regions[region], off + 64, tail)


def put_desc(regions, ring, j, flags, region_idx, length, offset):
    _, _, region, off, _ = ring
    struct.pack_into("<HHII", regions[region], off + 128 + 16 * j, flags, region_idx, length, offset)


def get_desc(regions, ring, j):
    _, _, region, off, _ = ring
    return struct.unpack_from("<HHII", regions[region], off + 128 + 16 * j)


@pytest.mark.parametrize("case", ["tail beyond refill", "length beyond buffer", "S2M tail beyond head"])
def test_hostile_primary_descriptors(case):
    hp = HostilePrimary()
    try:
        regions, rings = hp.handshake()
        hp.iface.wait_connected(2)
        m2s, s2m = m2s_ring(rings), s2m_ring(rings)
        if case == "tail beyond refill":
            put_ring(regions, m2s, tail=2000)
            with pytest.raises(MemifError) as e:
                hp.iface.recv(timeout=1)
            reason = "M2S tail moved backwards or beyond the slots we gave"
        elif case == "length beyond buffer":
            _, r, _, off = get_desc(regions, m2s, 0)
            put_desc(regions, m2s, 0, 0, r, 5000, off)
            put_ring(regions, m2s, tail=1)
            with pytest.raises(MemifError) as e:
                hp.iface.recv(timeout=1)
            reason = "M2S descriptor length exceeds its buffer"
        else:
            put_ring(regions, s2m, tail=30)
            with pytest.raises(MemifError) as e:
                hp.iface.send([b"x"])
            reason = "S2M tail moved backwards or beyond our head"
        assert e.value.reason == reason
        assert hp.peer.expect_disconnect() == reason
    finally:
        hp.close()


def test_hostile_primary_cannot_redirect_our_reads():
    """A primary that rewrites a descriptor's offset does not make us read
    another buffer: the secondary reads its own buffers by slot."""
    hp = HostilePrimary()
    try:
        regions, rings = hp.handshake()
        hp.iface.wait_connected(2)
        m2s = m2s_ring(rings)
        _, r, _, off = get_desc(regions, m2s, 0)
        regions[r][off:off + 5] = b"right"
        regions[r][0:5] = b"wrong"
        put_desc(regions, m2s, 0, 0, r, 5, 0)  # points at another buffer
        put_ring(regions, m2s, tail=1)
        assert hp.iface.recv(timeout=1) == [b"right"]
        assert hp.iface.connected
    finally:
        hp.close()


def test_disconnect_string_is_sanitized():
    hp = HostilePrimary()
    try:
        hp.peer.send(H.disconnect(b"bad\x01\xffnews"))
        with pytest.raises(MemifError):
            hp.iface.wait_connected(0.5)
        assert hp.iface.disconnect_reason == "bad??news"
    finally:
        hp.close()
