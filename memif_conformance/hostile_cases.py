# SPDX-License-Identifier: Apache-2.0
"""Hostile control-channel cases as data: what a scripted raw peer sends,
step by step, with which fds, and the reason our own library gives.

One list, used by three consumers:
  * tests/test_hostile.py replays every case against our interfaces (the
    raw peer of memif_conformance/hostile.py stands in for the hostile side);
  * tests/fuzz/make_corpus.py turns every case into a seed input of the
    handshake fuzzers (tests/fuzz/corpus/);
  * the conformance robustness group can replay them against any peer
    (`reason` is ours; another implementation words its reasons its own way).

A case targets a peer in one role: target "primary" means we play a hostile
secondary (our steps are what a secondary sends), "secondary" a hostile
primary.  A step is `Send(message bytes, fd specs)` or `Poke(...)` (a change
to the shared memory of the hostile secondary's standard layout, LAYOUT,
before the next message).  Fd specs are strings, resolved by the consumer:

  "region:N"   fd of region N of the layout       "ring:K"    eventfd of ring K
  "eventfd"    a fresh eventfd                    "socket"    one end of a socketpair
  "pipe"       the read end of a pipe             "devnull"   /dev/null
  "memfd:SIZE" a sealed memfd of SIZE bytes       "memfd-unsealable:SIZE"  one that cannot be sealed
  "dir"        a directory (/)
"""

from dataclasses import dataclass, field

from . import hostile as H

# The hostile secondary's shared memory (memif_conformance.hostile.Memory's defaults):
# region 0 = rings (S2M ring 0, then M2S ring 0), region 1 = buffers.
LAYOUT = dict(n_s2m=1, n_m2s=1, log2=4, bs=2048)
RING_BYTES = H.ring_bytes(LAYOUT["log2"])
REGION_SIZES = (RING_BYTES * 2, LAYOUT["bs"] * (1 << LAYOUT["log2"]) * 2)


@dataclass(frozen=True)
class Send:
    msg: bytes
    fds: tuple = ()


@dataclass(frozen=True)
class Poke:
    """Write `value` into the layout before the next step: what = "cookie" of ring `ring`."""
    what: str
    ring: int
    value: int


@dataclass(frozen=True)
class Case:
    name: str
    cls: str          # the class of the case (a table in the docs groups by it)
    target: str       # the role of the peer under attack
    steps: tuple
    reason: str       # what libmemif-dsa answers (DISCONNECT string); "" when not pinned down
    notes: str = field(default="")
    timeout: float = 5.0   # bound on the case's steps (the robustness group)
    sealed: bool = True    # the hostile secondary's memory is sealed against shrinking


def good_secondary(upto="connect"):
    """A well-behaved secondary's messages up to (and without) the step a
    case replaces: "init", "regions", "rings" or "connect" (everything)."""
    steps = [Send(H.init())]
    if upto == "init":
        return steps
    steps += [Send(H.add_region(i, size), (f"region:{i}",)) for i, size in enumerate(REGION_SIZES)]
    if upto == "regions":
        return steps
    steps += [Send(H.add_ring(True, 0, 0, 0, LAYOUT["log2"]), ("ring:0",)),
              Send(H.add_ring(False, 0, 0, RING_BYTES, LAYOUT["log2"]), ("ring:1",))]
    if upto == "rings":
        return steps
    return steps + [Send(H.connect())]


def _sec(name, cls, steps, reason, notes=""):
    return Case(name, cls, "primary", tuple(steps), reason, notes)


def _pri(name, cls, steps, reason, notes=""):
    return Case(name, cls, "secondary", tuple(steps), reason, notes)


_log2 = LAYOUT["log2"]
_init = good_secondary("init")
_regions = good_secondary("regions")
_rings = good_secondary("rings")

CASES = (
    # ---- malformed messages ------------------------------------------------
    _sec("short message", "malformed", [Send(b"\x03\x00" + b"\0" * 60)], "malformed message received"),
    _sec("long message", "malformed", [Send(H.init() + b"\0" * 16)], "malformed message received"),
    _sec("unknown type", "malformed", [Send(H.msg(0x99))], "unknown message type (0x99)"),
    _sec("type none", "malformed", [Send(H.msg(0))], "unknown message type (0x0)"),
    # ---- out of order --------------------------------------------------------
    _sec("ack before init", "order", [Send(H.msg(H.ACK))], "unexpected message received"),
    _sec("connect before init", "order", [Send(H.connect())], "unexpected message received"),
    _sec("hello from a secondary", "order", [Send(H.hello())], "unexpected message received"),
    _sec("message after connect", "order", good_secondary() + [Send(H.init())],
         "unexpected message received"),
    _sec("connect without rings", "order", _regions + [Send(H.connect())],
         "rings missing in one direction"),
    # ---- INIT ------------------------------------------------------------------
    _sec("bad version", "init", [Send(H.init(version=0x0100))], "unsupported version"),
    _sec("unknown id", "init", [Send(H.init(id=77))], "unmatched interface id"),
    _sec("mode mismatch", "init", [Send(H.init(mode=1))], "mode mismatch"),
    # ---- regions -----------------------------------------------------------------
    _sec("region without fd", "region", _init + [Send(H.add_region(0, 4096))],
         "missing memory region fd"),
    _sec("region index gap", "region", _init + [Send(H.add_region(1, REGION_SIZES[0]), ("region:0",))],
         "unexpected region index"),
    _sec("region beyond its file", "region", _init + [Send(H.add_region(0, 1 << 30), ("region:0",))],
         "region size exceeds the file behind its fd"),
    _sec("region size zero", "region", _init + [Send(H.add_region(0, 0), ("region:0",))],
         "invalid region size"),
    _sec("region size 2^64-1", "region", _init + [Send(H.add_region(0, 2**64 - 1), ("region:0",))],
         "invalid region size"),
    _sec("region fd is a pipe", "wrong-fd", _init + [Send(H.add_region(0, 4096), ("pipe",))],
         "memory region fd is not a file"),
    _sec("region fd is an eventfd", "wrong-fd", _init + [Send(H.add_region(0, 4096), ("eventfd",))],
         "memory region fd is not a file"),
    _sec("region fd is a socket", "wrong-fd", _init + [Send(H.add_region(0, 4096), ("socket",))],
         "memory region fd is not a file"),
    # ---- rings -----------------------------------------------------------------------
    _sec("ring without fd", "ring", _regions + [Send(H.add_ring(True, 0, 0, 0, _log2))],
         "missing ring interrupt fd"),
    _sec("ring private header", "ring",
         _regions + [Send(H.add_ring(True, 0, 0, 0, _log2, private_hdr=64), ("ring:0",))],
         "private headers not supported"),
    _sec("ring index gap", "ring", _regions + [Send(H.add_ring(True, 3, 0, 0, _log2), ("ring:0",))],
         "unexpected ring index"),
    _sec("ring in unknown region", "ring",
         _regions + [Send(H.add_ring(True, 0, 9, 0, _log2), ("ring:0",))], "ring in an unknown region"),
    _sec("ring beyond its region", "ring",
         _regions + [Send(H.add_ring(True, 0, 0, REGION_SIZES[0] - 64, _log2), ("ring:0",))],
         "ring outside its region"),
    _sec("ring offset overflow", "ring",
         _regions + [Send(H.add_ring(True, 0, 0, 0xFFFFFFF8, _log2), ("ring:0",))],
         "ring outside its region"),
    _sec("ring misaligned", "ring", _regions + [Send(H.add_ring(True, 0, 0, 3, _log2), ("ring:0",))],
         "misaligned ring"),
    _sec("ring log2 15", "ring", _regions + [Send(H.add_ring(True, 0, 0, 0, 15), ("ring:0",))],
         "ring size too large"),
    _sec("ring fd is a pipe", "wrong-fd", _regions + [Send(H.add_ring(True, 0, 0, 0, _log2), ("pipe",))],
         "ring interrupt fd is not an eventfd"),
    _sec("ring fd is a memfd", "wrong-fd",
         _regions + [Send(H.add_ring(True, 0, 0, 0, _log2), ("memfd:4096",))],
         "ring interrupt fd is not an eventfd"),
    _sec("ring fd is /dev/null", "wrong-fd",
         _regions + [Send(H.add_ring(True, 0, 0, 0, _log2), ("devnull",))],
         "ring interrupt fd is not an eventfd"),
    _sec("wrong cookie", "ring", [Poke("cookie", 0, 0xDEADBEEF)] + _rings + [Send(H.connect())],
         "wrong cookie on rx ring 0"),
    # ---- a hostile primary against a secondary -----------------------------------------
    _pri("hello from the future", "hello", [Send(H.hello(minv=0x0300, maxv=0x0300))],
         "incompatible protocol version"),
    _pri("hello from the past", "hello", [Send(H.hello(minv=0x0000, maxv=0x0100))],
         "incompatible protocol version"),
    _pri("ack instead of hello", "order", [Send(H.msg(H.ACK))], "unexpected message received"),
    _pri("connected instead of hello", "order", [Send(H.connected())], "unexpected message received"),
    _pri("unknown type instead of hello", "malformed", [Send(H.msg(0x42))], "unknown message type (0x42)"),
    _pri("short hello", "malformed", [Send(b"\x02\x00" * 10)], "malformed message received"),
    _pri("hello with an fd", "wrong-fd", [Send(H.hello(), ("memfd:4096",)), Send(H.msg(H.INIT))],
         "unexpected message received", "the fd is closed, the HELLO used"),
)


def by_target(target):
    return [c for c in CASES if c.target == target]


def open_fd(spec, mem=None):
    """(fd, owned) for a fd spec: owned fds are the caller's to close after
    sending; "region:N" and "ring:K" belong to `mem` (a memif_conformance.hostile.Memory)."""
    import os
    import socket

    kind, _, arg = spec.partition(":")
    if kind == "region":
        return mem.fds[int(arg)], False
    if kind == "ring":
        return mem.efds[int(arg)], False
    if kind == "eventfd":
        return os.eventfd(0, os.EFD_NONBLOCK), True
    if kind == "socket":
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        b.close()
        return a.detach(), True
    if kind == "pipe":
        r, w = os.pipe()
        os.close(w)
        return r, True
    if kind == "devnull":
        return os.open(os.devnull, os.O_RDWR), True
    if kind == "dir":
        return os.open("/", os.O_RDONLY | os.O_DIRECTORY), True
    if kind in ("memfd", "memfd-unsealable"):
        fd = os.memfd_create("hostile", 0 if kind == "memfd-unsealable" else os.MFD_ALLOW_SEALING)
        os.ftruncate(fd, int(arg))
        if kind == "memfd":
            import fcntl
            fcntl.fcntl(fd, H.F_ADD_SEALS, H.F_SEAL_SHRINK)
        return fd, True
    raise ValueError(f"unknown fd spec {spec!r}")
