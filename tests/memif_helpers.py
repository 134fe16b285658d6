# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the library tests."""

import time
import uuid


def unique_socket(prefix="mdsa-test"):
    """An abstract socket name no other test (or xdist worker) uses."""
    return f"@{prefix}-{uuid.uuid4().hex}"


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b)) if len(a) != len(b) else None


def assert_same_packets(sent, got):
    """Byte-exact comparison that names the first differing packet and offset."""
    for i, (s, g) in enumerate(zip(sent, got)):
        if s != g:
            off = first_difference(s, g)
            raise AssertionError(f"packet {i}: {len(s)} bytes sent, {len(g)} received, "
                                 f"first difference at offset {off}")
    assert len(got) == len(sent), f"{len(sent)} packets sent, {len(got)} received"


def transfer(tx, rx, packets, queue=0, rx_queue=None, timeout=20.0, burst=256):
    """Send every packet from tx and receive them on rx (one thread: the
    receiver drains while the sender waits for ring space)."""
    rxq = queue if rx_queue is None else rx_queue
    got, i = [], 0
    deadline = time.monotonic() + timeout
    while len(got) < len(packets):
        if i < len(packets):
            i += tx.send(packets[i:i + burst], queue)
        got += rx.recv(rxq, max=256, timeout=0 if i < len(packets) else 0.2)
        if time.monotonic() > deadline:
            raise AssertionError(f"sent {i}/{len(packets)}, received {len(got)} before the timeout")
    return got
