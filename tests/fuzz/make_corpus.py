#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the fuzzers' seed corpus (tests/fuzz/corpus/<fuzzer>/).

* Valid handshakes in both roles, recorded from our own library: a relay
  sits between a libmemif-dsa secondary and a libmemif-dsa primary and
  writes down every message (and the kind and size of every fd) each side
  receives, as the control fuzzers' records (fuzz_common.h).
* Every hostile case of memif_conformance/hostile_cases.py, in the same format.
* Hand-built inputs for the data-path and DSA-emulator fuzzers: a valid
  layout and packets both ways; valid descriptors of every opcode.

Run from the repository root with the project's Python:
    .venv/bin/python tests/fuzz/make_corpus.py
Files are named after what they hold; running it again rewrites them.
"""

import os
import re
import select
import socket
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from memif_conformance import hostile as H  # noqa: E402
from memif_conformance import hostile_cases as C  # noqa: E402
from libmemif_dsa import Interface  # noqa: E402
from libmemif_dsa.interface import dispatch_all  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
# fd kinds of fuzz_common.h
FD_NONE, FD_MEMFD, FD_MEMFD_UNSEALED, FD_MEMFD_NOSEAL, FD_EVENTFD, FD_SOCKET, FD_PIPE, FD_DEVNULL = range(8)
FD_COOKIES = 0x10


def record(msg, kind=FD_NONE, size=0, flags=0):
    """One control record: fd kind and flags, memfd size, length (0 = 128), bytes."""
    assert 1 <= len(msg) <= 255
    return struct.pack("<BIB", kind | flags, size, 0 if len(msg) == 128 else len(msg)) + msg


def write(fuzzer, name, data):
    d = os.path.join(CORPUS, fuzzer)
    os.makedirs(d, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    with open(os.path.join(d, slug), "wb") as f:
        f.write(data)


# ---- valid handshakes, recorded ---------------------------------------------

def fd_record_kind(fd):
    link = os.readlink(f"/proc/self/fd/{fd}")
    if link.startswith("/memfd:"):
        return FD_MEMFD | FD_COOKIES, os.fstat(fd).st_size
    if link == "anon_inode:[eventfd]":
        return FD_EVENTFD, 0
    raise AssertionError(f"unexpected fd in a handshake: {link}")


def recorded_handshake(tag, **opts):
    """(what the primary received, what the secondary received) as records."""
    name = f"@mdsa-corpus-{os.getpid()}-{tag}"
    listener = H.Listener(name + "-relay")
    got = {"primary": [], "secondary": []}
    with Interface("primary", name, **opts) as pri, \
            Interface("secondary", name + "-relay", reconnect_interval=None, **opts) as sec:
        down = listener.accept(dispatch_all).sock
        up = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        up.connect("\0" + name[1:])
        quiet = 0
        while quiet < 20:
            dispatch_all()
            ready, _, _ = select.select([down, up], [], [], 0.01)
            quiet = 0 if ready else quiet + 1
            for s in ready:
                data, fds, _, _ = socket.recv_fds(s, 4096, 8)
                to, receiver = (up, "primary") if s is down else (down, "secondary")
                kind, size = fd_record_kind(fds[0]) if fds else (FD_NONE, 0)
                got[receiver].append(record(data, kind, size))
                socket.send_fds(to, [data], fds) if fds else to.send(data)
                for fd in fds:
                    os.close(fd)
        assert pri.connected and sec.connected, f"{tag}: the recorded handshake did not connect"
        up.close()
        down.close()
    listener.close()
    return b"".join(got["primary"]), b"".join(got["secondary"])


def handshakes():
    # the interfaces fuzz_control_primary offers: id 0 (ethernet), id 1 (ip, secret)
    for tag, opts in {
        "id0-1q": dict(id=0),
        "id0-2q-ring64": dict(id=0, queues=2, ring_size=64, buffer_size=256),
        "id1-ip-secret": dict(id=1, mode="ip", secret="fuzz-secret", tx_queues=1, rx_queues=2),
    }.items():
        to_primary, _ = recorded_handshake(tag, **opts)
        write("fuzz_control_primary", f"handshake-{tag}", to_primary)
        # the same connection made twice on one channel: the second is refused
        write("fuzz_control_primary", f"handshake-{tag}-again-on-b",
              to_primary + bytes([to_primary[0] | 0x80]) + to_primary[1:])
    # what fuzz_control_secondary's interface (id 7, secret s3cret, 2 queues,
    # ring 64, buffer 256) hears from our primary
    _, to_secondary = recorded_handshake("sec", id=7, secret="s3cret", queues=2, ring_size=64,
                                         buffer_size=256)
    write("fuzz_control_secondary", "handshake-id7-2q", to_secondary)
    write("fuzz_control_secondary", "handshake-then-disconnect-and-again",
          to_secondary + record(H.disconnect(b"bye")) + to_secondary)


# ---- hostile cases ----------------------------------------------------------------

def spec_kind(spec, poked):
    kind, _, arg = spec.partition(":")
    if kind == "region":
        i = int(arg)
        return FD_MEMFD | (0 if i in poked else FD_COOKIES), C.REGION_SIZES[i]
    return {"ring": (FD_EVENTFD, 0), "eventfd": (FD_EVENTFD, 0), "socket": (FD_SOCKET, 0),
            "pipe": (FD_PIPE, 0), "devnull": (FD_DEVNULL, 0),
            "memfd": (FD_MEMFD, int(arg or 0)),
            "memfd-unsealable": (FD_MEMFD_NOSEAL, int(arg or 0))}[kind]


def hostile():
    for case in C.CASES:
        poked = {0 for s in case.steps if isinstance(s, C.Poke)}  # the rings' region loses its cookies
        out = b""
        for step in case.steps:
            if isinstance(step, C.Send):
                kind, size = spec_kind(step.fds[0], poked) if step.fds else (FD_NONE, 0)
                out += record(step.msg, kind, size)
        fuzzer = "fuzz_control_primary" if case.target == "primary" else "fuzz_control_secondary"
        write(fuzzer, f"hostile-{case.cls}-{case.name}", out)


# ---- data path ---------------------------------------------------------------------

def desc(flags=0, region=1, length=0, offset=0):
    return struct.pack("<HHIII", flags, region, length, offset, 0)


def datapath():
    rb = H.ring_bytes(4)
    # primary: 2 regions (rings, 32 buffers of 2048), S2M ring at 0, M2S ring after it
    layout = struct.pack("<BHB", 0, 2047, 1) + struct.pack("<HH", 2 * rb // 64, 1024) + \
        struct.pack("<BB", 0, 0) + struct.pack("<BIB", 0, 0, 4) + struct.pack("<BIB", 0, rb, 4)
    s2m, m2s = 0, 1
    ops = b""
    # the peer sends a 2-buffer chain and a lone packet; we receive them
    ops += struct.pack("<BBH", 0, s2m, 0) + desc(1, 1, 2048, 0)
    ops += struct.pack("<BBH", 0, s2m, 1) + desc(0, 1, 100, 2048)
    ops += struct.pack("<BBH", 0, s2m, 2) + desc(0, 1, 60, 4096)
    ops += struct.pack("<BBH", 1, s2m, 3)
    ops += struct.pack("<BBHB", 4, s2m, 1024, 8)
    # it gives us two M2S buffers; we send into them, then zero-copy
    ops += struct.pack("<BBH", 0, m2s, 0) + desc(0, 1, 2048, 32768)
    ops += struct.pack("<BBH", 0, m2s, 1) + desc(0, 1, 2048, 34816)
    ops += struct.pack("<BBH", 1, m2s, 2)
    ops += struct.pack("<BBB", 6, m2s, 0) + struct.pack("<H", 3000) + b"\x01"  # 1 packet
    ops += struct.pack("<BBB", 8, m2s, 1)
    write("fuzz_datapath", "primary-valid-rx-tx", layout + ops)
    # the same with zero-copy receive
    write("fuzz_datapath", "primary-valid-zc",
          layout + ops[:ops.index(struct.pack("<BBHB", 4, s2m, 1024, 8))] +
          struct.pack("<BBB", 5, s2m, 8) + struct.pack("<BH", 3, 0))
    # secondary: 1+1 rings of 16 slots, buffers of 2048
    sec = struct.pack("<BHBBB", 1, 2047, 0, 0, 4)
    ops = struct.pack("<BBB", 6, 0, 0) + struct.pack("<H", 5000) + b"\x01"   # we send
    ops += struct.pack("<BBH", 2, 0, 3)                                     # the primary consumes
    ops += struct.pack("<BBH", 0, 1, 0) + desc(0, 1, 700, 0)                # and fills our rx slot
    ops += struct.pack("<BBH", 2, 1, 1)
    ops += struct.pack("<BBHB", 4, 1, 4096, 8)
    ops += struct.pack("<BBB", 7, 0, 2) + struct.pack("<H", 4000) + b"\x00"
    write("fuzz_datapath", "secondary-valid-tx-rx", sec + ops)


# ---- DSA emulator --------------------------------------------------------------------

CRAV, RCR, CC = 0x4, 0x8, 0x100


def dsa_desc(op, flags, src=0, dst=0, size=0, cr=0, opspec=b""):
    return struct.pack("<IIQQQIHH", 0, op << 24 | flags, cr, src, dst, size, 0, 0) + \
        opspec.ljust(24, b"\0")


def dsa():
    f = CRAV | RCR
    ops = {
        "memmove": dsa_desc(3, f | CC, 0, 65536, 4096, 0),
        "fill": dsa_desc(4, f, 0x0123456789abcdef, 8192, 1000, 64),
        "compare": dsa_desc(5, f, 0, 65536, 4096, 96),
        "compval": dsa_desc(6, f, 0, 0x5a5a5a5a5a5a5a5a, 512, 128),
        "dualcast": dsa_desc(9, f, 0, 8192, 256, 160, struct.pack("<Q", 8192 + 4096)),
        "crcgen": dsa_desc(0x10, f, 0, 0, 777, 192, struct.pack("<I", 0xffffffff)),
        "copy-crc": dsa_desc(0x11, f, 0, 65536, 3000, 224),
        "noop": dsa_desc(0, f, cr=256),
        "drain": dsa_desc(2, f, cr=288),
    }
    for profile in range(7):
        for name, d in ops.items():
            write("fuzz_dsa_emu", f"p{profile}-{name}", bytes([profile, 0]) + d)
        # a batch of two members in list slots 0 and 1, then submitted; then write()
        batch = bytes([2, 0]) + ops["memmove"] + bytes([2, 1]) + ops["fill"]
        batch += bytes([0]) + dsa_desc(1, f, 0, 0, 2, 320)
        batch += bytes([1, 1]) + ops["memmove"] + ops["noop"]
        write("fuzz_dsa_emu", f"p{profile}-batch-then-write", bytes([profile]) + batch)
    # scripted faults between submissions
    fault = bytes([3, 0, 0, 1, 100, 2])  # a page fault after 100 bytes, write side
    write("fuzz_dsa_emu", "p0-armed-page-fault", bytes([0]) + fault + bytes([0]) + ops["memmove"])


def main():
    handshakes()
    hostile()
    datapath()
    dsa()
    for d in sorted(os.listdir(CORPUS)):
        print(f"{d}: {len(os.listdir(os.path.join(CORPUS, d)))} inputs")


if __name__ == "__main__":
    main()
