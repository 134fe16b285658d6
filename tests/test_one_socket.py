# SPDX-License-Identifier: Apache-2.0
"""One socket holding a primary and a secondary at once, with the same id
(libmemif's loopback): the secondary connects to its own socket's
listener, traffic flows both ways, and either side goes alone."""

from libmemif_dsa import Interface, Socket
from memif_helpers import assert_same_packets, transfer


def wait_down(s, iface):
    for _ in range(100):
        if not iface.connected:
            break
        s.poll(0.05)
    assert not iface.connected and iface.disconnect_reason == "interface deleted"


def test_primary_and_secondary_share_a_socket_and_an_id(sock):
    with Socket(sock) as s:
        a = Interface("primary", s, id=0, name="lo-primary")
        b = Interface("secondary", s, id=0, name="lo-secondary")
        a.wait_connected(5)
        b.wait_connected(5)
        assert a.details()["remote_if_name"] == "lo-secondary"
        pkts = [bytes([n % 256]) * n for n in (1, 60, 1500, 2049, 9000)]
        assert_same_packets(pkts, transfer(b, a, pkts))
        assert_same_packets(pkts, transfer(a, b, pkts))

        b.close()  # the secondary alone: the primary stays and waits
        wait_down(s, a)
        b = Interface("secondary", s, id=0)
        a.wait_connected(5)
        b.wait_connected(5)

        a.close()  # the primary alone: the secondary stays and reconnects later
        wait_down(s, b)
        a = Interface("primary", s, id=0)
        a.wait_connected(5)
        b.wait_connected(5)
        assert_same_packets(pkts, transfer(a, b, pkts))
        assert a.stats()["connects"] == 1 and b.stats()["connects"] == 2  # b reconnected
        a.close()
        b.close()


def test_two_primaries_on_a_socket_need_different_ids(sock):
    from libmemif_dsa import MemifError
    with Socket(sock) as s, Interface("primary", s, id=1):
        try:
            Interface("primary", s, id=1)
        except MemifError as e:
            assert e.name == "MEMIF_ERR_INVAL_ARG"
        else:
            raise AssertionError("a second primary with id 1 was accepted")
        with Interface("primary", s, id=2), Interface("secondary", s, id=1) as b:
            b.wait_connected(5)
