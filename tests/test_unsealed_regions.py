# SPDX-License-Identifier: Apache-2.0
"""Regions a secondary cannot seal against shrinking (a zero-copy peer's
mempool memory, DPDK's memfds): our primary accepts them by default and
survives a peer that shrinks one while we copy into or out of it -- that
interface disconnects with a reason, the process and every other interface
live -- or refuses them when asked to (refuse_unsealed)."""

import os

import pytest

from memif_conformance import hostile as H
from libmemif_dsa import Interface, MemifError
from memif_helpers import assert_same_packets, transfer, unique_socket
from test_hostile import HostileSecondary, serves_a_good_peer

ENGINES = {"cpu": {}, "dsa-emu": {"engine": "dsa-emu", "dsa_threshold": 0},
           "dsa-emu-async": {"engine": "dsa-emu", "dsa_threshold": 0,
                             "dsa_config": "async=1,latency_ns=20000"}}


@pytest.fixture(params=sorted(ENGINES))
def primary(request):
    name = unique_socket("unsealed")
    iface = Interface("primary", name, **ENGINES[request.param])
    yield iface, name
    iface.close()


@pytest.fixture
def bystander(make_pair):
    """Another pair in this process: it must not notice anything."""
    a, b = make_pair()
    assert_same_packets([b"before" * 20], transfer(b, a, [b"before" * 20]))
    yield a, b
    assert_same_packets([b"after" * 20], transfer(a, b, [b"after" * 20]))


def connect_unsealed(name, iface):
    mem = H.Memory(log2=4, bs=2048, sealable=False)
    peer = HostileSecondary(name, mem)
    peer.good_setup()
    iface.wait_connected(5)
    return peer, mem


def s2m_packet(mem, slot, data):
    """The secondary writes a packet into its S2M slot (not yet published)."""
    off = slot * mem.bs
    mem.write_buf(off, data)
    mem.set_desc(0, slot, length=len(data), offset=off)


def test_unsealed_regions_are_accepted(primary):
    iface, name = primary
    peer, mem = connect_unsealed(name, iface)
    try:
        s2m_packet(mem, 0, b"zero-copy peer" * 10)
        mem.set_ring(0, head=1)
        assert_same_packets([b"zero-copy peer" * 10], iface.recv(timeout=2.0))
    finally:
        peer.close()


@pytest.mark.parametrize("region", [1, 0], ids=["buffers", "rings"])
def test_peer_shrinks_a_region_we_copy_out_of(primary, bystander, region):
    iface, name = primary
    peer, mem = connect_unsealed(name, iface)
    try:
        s2m_packet(mem, 0, b"a" * 1500)
        mem.set_ring(0, head=1)
        assert_same_packets([b"a" * 1500], iface.recv(timeout=2.0))
        s2m_packet(mem, 1, b"b" * 1500)
        mem.set_ring(0, head=2)
        os.ftruncate(mem.fds[region], 0)          # the peer cuts the region under us
        with pytest.raises(MemifError) as e:
            iface.recv(timeout=2.0)
        assert f"memory region {region} shrank under us" in e.value.reason
        assert not iface.connected
    finally:
        peer.close()
    assert f"memory region {region} shrank" in iface.disconnect_reason
    serves_a_good_peer(iface, name)


def test_peer_shrinks_a_region_we_copy_into(primary, bystander):
    iface, name = primary
    peer, mem = connect_unsealed(name, iface)
    try:
        mem.set_ring(1, head=16)                   # every M2S buffer to the primary
        assert iface.send([b"c" * 1000]) == 1
        assert mem.read_buf(16 * mem.bs, 1000) == b"c" * 1000
        os.ftruncate(mem.fds[1], 0)
        with pytest.raises(MemifError) as e:
            iface.send([b"d" * 1000] * 4)
        assert "memory region 1 shrank under us" in e.value.reason
    finally:
        peer.close()
    serves_a_good_peer(iface, name)


def test_unsealed_regions_can_be_refused():
    name = unique_socket("unsealed")
    with Interface("primary", name, refuse_unsealed=True) as iface:
        peer = HostileSecondary(name, H.Memory(log2=4, sealable=False))
        try:
            assert peer.step(H.init()) == H.ACK
            reason = peer.step(H.add_region(0, peer.mem.sizes[0]), [peer.mem.fds[0]])
        finally:
            peer.close()
        assert reason == ("memory region fd cannot be sealed against shrinking "
                          "(refuse_unsealed is set)")
        assert "refuse_unsealed" in iface.disconnect_reason
        serves_a_good_peer(iface, name)   # sealed regions are still welcome
