# SPDX-License-Identifier: Apache-2.0
"""The robustness group's hostile cases as data: every handshake case of
hostile_cases.py plus data-path, index, eventfd-flood and disconnect
cases, in named classes with a minimum number of cases per class.

A case attacks a peer in one role (`target`): "primary" means we play a
hostile secondary, "secondary" a hostile primary.  Steps, besides
hostile_cases.Send (send, then wait for the peer's answer when we are the
secondary) and hostile_cases.Poke (a ring cookie before the handshake):

  Push(msg, fds)      send without waiting for an answer
  Serve(upto)         (hostile primary) answer the peer like a good primary
                      until it sends `upto` ("init", "region", "ring",
                      "connect": left unanswered) or, for "connected",
                      complete the handshake and map its rings
  SetRing(ring, ...)  write head, tail, flags or cookie of ring "s2m"/"m2s"
  Desc(ring, slot, ...)  write descriptor fields (None: keep)
  Kick(ring, times, value)  write the ring's eventfd
  Packet(ring, count, size)  publish valid packets (and kick)
  Shrink(region, size)  ftruncate one of our regions (an unsealed layout)
  RingAboveHello()    ADD_RING S2M 0 with log2 one above the peer's HELLO limit
  Await()             wait (bounded) for the peer to act on what it was given
  Close()             close the control connection now

Values of SetRing/Desc may be expressions of `size` (the ring's slots).
The player is memif_conformance/robustness.py; the table in
docs/robustness.md is generated from CLASSES and CASES (a test keeps it so).
"""

import re
from dataclasses import dataclass
from typing import Optional, Union

from . import hostile as H
from . import hostile_cases as HC
from .hostile_cases import LAYOUT, REGION_SIZES, RING_BYTES, Send, good_secondary

# class -> (minimum number of cases, what it attacks)
CLASSES = {
    "malformed": (8, "messages of the wrong length, of unknown type, or far too long"),
    "order": (8, "messages out of order, repeated, or of the other role"),
    "init": (5, "INIT with a bad version, id, mode, or unterminated and non-UTF-8 strings"),
    "hello": (6, "HELLO offering impossible versions or limits (hostile primary)"),
    "region": (8, "regions of zero, absurd or mismatched size, duplicated, too many, shrunk "
                  "after connect"),
    "wrong-fd": (8, "missing, extra and wrong-kind fds (pipe, socket, eventfd, /dev/null, a "
                    "directory where a memfd or eventfd belongs)"),
    "ring": (10, "rings outside their region, wrapped offsets, log2 sizes 0 and over 14 (and over "
                 "the peer's HELLO), a private header, duplicates, wrong cookies and flags"),
    "descriptor": (12, "descriptors with a bad region, offset or length, overflowing "
                       "offset+length, endless chains, unknown flags, stale NEXT after wrap"),
    "index": (8, "head and tail jumps and rewinds, indices the other side owns overwritten"),
    "eventfd-flood": (4, "eventfd floods and counters at their maximum, with and without packets"),
    "disconnect": (12, "the connection closed or DISCONNECT sent at every handshake step and "
                       "in the middle of traffic"),
}

AWAIT = 0.5          # seconds Await waits for a peer that does not react
CASE_TIMEOUT = 5.0   # default bound on one case's steps


@dataclass(frozen=True)
class Push:
    msg: bytes
    fds: tuple = ()


@dataclass(frozen=True)
class Serve:
    upto: str


@dataclass(frozen=True)
class SetRing:
    ring: str
    head: Union[int, str, None] = None
    tail: Union[int, str, None] = None
    flags: Optional[int] = None
    cookie: Optional[int] = None


@dataclass(frozen=True)
class Desc:
    ring: str
    slot: int
    flags: Optional[int] = None
    region: Optional[int] = None
    length: Union[int, str, None] = None
    offset: Optional[int] = None


@dataclass(frozen=True)
class Kick:
    ring: str
    times: int = 1
    value: int = 1


@dataclass(frozen=True)
class Packet:
    ring: str
    count: int = 1
    size: int = 60


@dataclass(frozen=True)
class Shrink:
    region: int
    size: int


@dataclass(frozen=True)
class RingAboveHello:
    pass


@dataclass(frozen=True)
class Await:
    pass


@dataclass(frozen=True)
class Close:
    pass


def case_id(case):
    """The case's id in test ids and reproducers: class and name as one slug."""
    return re.sub(r"[^a-z0-9]+", "-", f"{case.cls} {case.name}".lower()).strip("-")


def _sec(name, cls, steps, notes="", **kw):
    return HC.Case(name, cls, "primary", tuple(steps), "", notes, **kw)


def _pri(name, cls, steps, notes="", **kw):
    return HC.Case(name, cls, "secondary", tuple(steps), "", notes, **kw)


_log2 = LAYOUT["log2"]
_init = good_secondary("init")
_regions = good_secondary("regions")
_rings = good_secondary("rings")
_region0 = _init + [Send(H.add_region(0, REGION_SIZES[0]), ("region:0",))]
_s2m_ring = _regions + [Send(H.add_ring(True, 0, 0, 0, _log2), ("ring:0",))]
# connected, and every M2S buffer handed to the peer (as a secondary does)
_conn = good_secondary() + [SetRing("m2s", head="size")]
_end = [Await()]


def _s2m(*descs, head=1):
    """Our S2M descriptors, published up to `head`, the peer signalled."""
    return _conn + list(descs) + [SetRing("s2m", head=head), Kick("s2m")] + _end


def _m2s(*pokes):
    """Our M2S ring tampered with, then a packet for the peer to send back."""
    return _conn + list(pokes) + [Packet("s2m")] + _end


_hello = [Send(H.hello())]
_served = _hello + [Serve("connected")]


def _pm2s(*descs, tail=1):
    """(hostile primary) M2S descriptors of the peer's buffers, published up to `tail`."""
    return _served + list(descs) + [SetRing("m2s", tail=tail), Kick("m2s")] + _end


NEW = (
    # ---- malformed ------------------------------------------------------------
    _sec("one byte", "malformed", [Send(b"\x01")]),
    _sec("type 0xffff", "malformed", [Send(H.msg(0xFFFF))]),
    _sec("4096-byte message", "malformed", [Send(H.init().ljust(4096, b"\xaa"))]),
    _sec("short add_region", "malformed", _init + [Send(H.add_region(0, REGION_SIZES[0])[:8],
                                                         ("region:0",))]),
    _sec("short add_ring", "malformed", _regions + [Send(H.add_ring(True, 0, 0, 0, _log2)[:9],
                                                           ("ring:0",))]),
    _sec("short connect", "malformed", _rings + [Send(H.connect()[:3])]),
    _pri("long hello", "malformed", [Push(H.hello() + b"\0" * 16)] + _end),
    _pri("4096-byte hello", "malformed", [Push(H.hello().ljust(4096, b"\xaa"))] + _end),
    _pri("unknown type after init", "malformed", _hello + [Serve("init"), Push(H.msg(0x77))] + _end),
    _pri("short ack", "malformed", _hello + [Serve("init"), Push(b"\x01\x00" * 5)] + _end),
    # ---- order -------------------------------------------------------------------
    _sec("init twice", "order", _init + [Send(H.init())]),
    _sec("connected from a secondary", "order", _rings + [Send(H.connected())]),
    _sec("ring before any region", "order", _init + [Send(H.add_ring(True, 0, 0, 0, _log2),
                                                          ("ring:0",))]),
    _sec("region after connect", "order", good_secondary() + [Send(H.add_region(2, 4096),
                                                                   ("memfd:4096",))]),
    _sec("connect twice", "order", good_secondary() + [Send(H.connect())]),
    _pri("hello twice", "order", _hello + [Serve("init"), Push(H.hello())] + _end),
    _pri("connected before connect", "order", _hello + [Serve("region"), Push(H.connected())] + _end),
    _pri("init from a primary", "order", [Push(H.init())] + _end),
    _pri("ack after connected", "order", _served + [Push(H.msg(H.ACK))] + _end),
    _pri("add_region from a primary", "order",
         _hello + [Serve("init"), Push(H.add_region(0, 4096), ("memfd:4096",))] + _end),
    # ---- init ------------------------------------------------------------------------
    _sec("version 0xffff", "init", [Send(H.init(version=0xFFFF))]),
    _sec("id 2^32-1", "init", [Send(H.init(id=0xFFFFFFFF))]),
    _sec("mode 255", "init", [Send(H.init(mode=255))]),
    _sec("unterminated name and secret", "init",
         [Send(H.init(secret=b"S" * 24, name=b"A" * 32))] + [Close()]),
    _sec("non-utf-8 name", "init", [Send(H.init(name=b"\xff\xfe\x80" * 10))] + _regions[1:] +
         [Close()]),
    # ---- hello (a hostile primary) -------------------------------------------------------
    _pri("hello versions reversed", "hello", [Send(H.hello(minv=0x0300, maxv=0x0100)),
                                              Serve("connected"), Close()]),
    _pri("hello max log2 0", "hello", [Send(H.hello(max_log2=0)), Serve("connected"),
                                       Packet("m2s"), Await(), Close()]),
    _pri("hello max log2 255", "hello", [Send(H.hello(max_log2=255)), Serve("connected"), Close()]),
    _pri("hello name unterminated", "hello", [Send(H.hello(name=b"N" * 32)), Serve("connected"),
                                              Close()]),
    _pri("hello one region", "hello", [Send(H.hello(max_region=1)), Serve("connected"), Close()]),
    _pri("hello limits at maximum", "hello",
         [Send(H.hello(max_region=0xFFFF, max_m2s=0xFFFF, max_s2m=0xFFFF, max_log2=255)),
          Serve("connected"), Close()]),
    # ---- region ------------------------------------------------------------------------
    _sec("region twice", "region", _region0 + [Send(H.add_region(0, REGION_SIZES[0]),
                                                    ("region:0",))]),
    _sec("region index 65535", "region", _init + [Send(H.add_region(0xFFFF, 4096), ("memfd:4096",))]),
    _sec("region smaller than its rings", "region",
         _init + [Send(H.add_region(0, 64), ("region:0",)),
                  Send(H.add_region(1, REGION_SIZES[1]), ("region:1",))] + _rings[3:]),
    _sec("too many regions", "region",
         _init + [Send(H.add_region(i, 4096), ("memfd:4096",)) for i in range(260)], timeout=10.0),
    _sec("huge sparse region", "region",
         _init + [Send(H.add_region(0, 1 << 30), ("memfd:1073741824",)), Close()]),
    _sec("region shrunk after connect", "region",
         _conn + [Shrink(1, 0), Packet("s2m")] + _end, sealed=False),
    _sec("rings region shrunk after connect", "region",
         _conn + [Shrink(0, 0), Kick("s2m")] + _end, sealed=False),
    # ---- wrong-fd ------------------------------------------------------------------------
    _sec("extra fds on init", "wrong-fd", [Send(H.init(), ("eventfd",) * 5)] + _regions[1:] + [Close()]),
    _sec("40 fds on init", "wrong-fd", [Send(H.init(), ("eventfd",) * 40)]),
    _sec("fd on connect", "wrong-fd", _rings + [Send(H.connect(), ("memfd:4096",)), Close()]),
    _sec("region fd is a directory", "wrong-fd", _init + [Send(H.add_region(0, 4096), ("dir",))]),
    _sec("region fd is /dev/null", "wrong-fd", _init + [Send(H.add_region(0, 4096), ("devnull",))]),
    _sec("ring fd is a socket", "wrong-fd", _regions + [Send(H.add_ring(True, 0, 0, 0, _log2),
                                                             ("socket",))]),
    _pri("fd with ack", "wrong-fd", _hello + [Serve("init"), Push(H.msg(H.ACK), ("memfd:4096",)),
                                              Serve("connected"), Close()]),
    _pri("fds with connected", "wrong-fd",
         _hello + [Serve("connect"), Push(H.connected(), ("eventfd", "pipe")), Await(), Close()]),
    # ---- ring --------------------------------------------------------------------------------
    _sec("ring log2 0", "ring", _regions + [Send(H.add_ring(True, 0, 0, 0, 0), ("ring:0",))]),
    _sec("ring log2 255", "ring", _regions + [Send(H.add_ring(True, 0, 0, 0, 255), ("ring:0",))]),
    _sec("ring log2 above hello", "ring", _regions + [RingAboveHello()]),
    _sec("ring twice", "ring", _s2m_ring + [Send(H.add_ring(True, 0, 0, 0, _log2), ("ring:0",))]),
    _sec("ring index 255", "ring", _regions + [Send(H.add_ring(True, 255, 0, 0, _log2), ("ring:0",))]),
    _sec("overlapping rings", "ring",
         _s2m_ring + [Send(H.add_ring(False, 0, 0, 0, _log2), ("ring:1",)), Send(H.connect()),
                      Packet("s2m")] + _end),
    _sec("ring over the buffers", "ring",
         _regions + [Send(H.add_ring(True, 0, 1, 0, _log2), ("ring:0",)),
                     Send(H.add_ring(False, 0, 0, RING_BYTES, _log2), ("ring:1",)), Close()]),
    _sec("s2m cookie zeroed after connect", "ring", _conn + [SetRing("s2m", cookie=0), Packet("s2m")] + _end),
    _sec("m2s flags garbage", "ring", _conn + [SetRing("m2s", flags=0xFFFF), Packet("s2m")] + _end),
    _pri("m2s cookie zeroed after connect", "ring", _served + [SetRing("m2s", cookie=0), Packet("m2s")] + _end),
    _pri("s2m flags garbage", "ring", _served + [SetRing("s2m", flags=0xFFFF), Packet("m2s")] + _end),
    # ---- descriptor ------------------------------------------------------------------------
    _sec("s2m region 7", "descriptor", _s2m(Desc("s2m", 0, region=7, length=60))),
    _sec("s2m region 65535", "descriptor", _s2m(Desc("s2m", 0, region=0xFFFF, length=60))),
    _sec("s2m offset+length beyond region", "descriptor",
         _s2m(Desc("s2m", 0, offset=REGION_SIZES[1] - 4, length=8))),
    _sec("s2m offset+length overflows", "descriptor",
         _s2m(Desc("s2m", 0, offset=0xFFFFFFF0, length=0x20))),
    _sec("s2m length 2^32-1", "descriptor", _s2m(Desc("s2m", 0, offset=0, length=0xFFFFFFFF))),
    _sec("s2m length zero", "descriptor", _s2m(Desc("s2m", 0, length=0))),
    _sec("s2m length over the buffer size", "descriptor", _s2m(Desc("s2m", 0, length=4096))),
    _sec("s2m descriptor into the rings", "descriptor", _s2m(Desc("s2m", 0, region=0, offset=0,
                                                                 length=128))),
    _sec("s2m endless chain", "descriptor",
         _s2m(*[Desc("s2m", j, flags=1, length=64) for j in range(16)], head=16)),
    _sec("s2m chain over the wrap", "descriptor",
         _s2m(*[Desc("s2m", j, flags=1, length=64) for j in range(16)], head=40)),
    _sec("s2m unknown flags", "descriptor", _s2m(Desc("s2m", 0, flags=0xFFFE, length=60))),
    _sec("s2m stale next after wrap", "descriptor",
         _s2m(*[Desc("s2m", j, flags=(j + 1) % 2, length=60) for j in range(16)], head=16)
         + [Desc("s2m", j, length=60) for j in range(8)] + [SetRing("s2m", head=24), Kick("s2m")] + _end),
    _sec("m2s descriptor beyond region", "descriptor",
         _m2s(*[Desc("m2s", j, offset=REGION_SIZES[1] - 10) for j in range(16)])),
    _sec("m2s region 5", "descriptor", _m2s(*[Desc("m2s", j, region=5) for j in range(16)])),
    _sec("m2s zero-capacity buffer", "descriptor", _m2s(*[Desc("m2s", j, length=0) for j in range(16)])),
    _sec("m2s offset overflows", "descriptor", _m2s(*[Desc("m2s", j, offset=0xFFFFFF00)
                                                      for j in range(16)])),
    _pri("m2s length over the buffer", "descriptor", _pm2s(Desc("m2s", 0, length=5000))),
    _pri("m2s region 9", "descriptor", _pm2s(Desc("m2s", 0, region=9, length=60))),
    _pri("m2s offset beyond region", "descriptor", _pm2s(Desc("m2s", 0, offset=0xFFFFFF00, length=60))),
    _pri("m2s length 2^32-1", "descriptor", _pm2s(Desc("m2s", 0, length=0xFFFFFFFF))),
    _pri("m2s endless chain", "descriptor",
         _served + [Packet("m2s", count=2)] + [Desc("m2s", "size-1", flags=1)]
         + [SetRing("m2s", tail="size")] + [Kick("m2s")] + _end),
    _pri("m2s unknown flags", "descriptor", _pm2s(Desc("m2s", 0, flags=0xFFFE, length=60))),
    _pri("m2s length zero", "descriptor", _pm2s(Desc("m2s", 0, length=0))),
    # ---- index -------------------------------------------------------------------------------------
    _sec("s2m head beyond the ring", "index", _conn + [SetRing("s2m", head=17), Kick("s2m")] + _end),
    _sec("s2m head backwards", "index", _conn + [SetRing("s2m", head=0xFFFF), Kick("s2m")] + _end),
    _sec("s2m head half the index space", "index", _conn + [SetRing("s2m", head=0x8000), Kick("s2m")]
         + _end),
    _sec("s2m head rewound after use", "index",
         _conn + [Packet("s2m", count=2), Await(), SetRing("s2m", head=0), Kick("s2m")] + _end),
    _sec("s2m tail overwritten", "index", _conn + [SetRing("s2m", tail=9), Packet("s2m")] + _end),
    _sec("m2s head beyond the ring", "index", _m2s(SetRing("m2s", head=40))),
    _sec("m2s head backwards", "index", _m2s(SetRing("m2s", head=0xFFF0))),
    _sec("m2s head rewound after use", "index",
         _conn + [Packet("s2m"), Await(), SetRing("m2s", head=0), Packet("s2m")] + _end),
    _sec("m2s tail overwritten", "index", _m2s(SetRing("m2s", tail=12))),
    _pri("m2s tail beyond refill", "index", _served + [SetRing("m2s", tail=2000), Kick("m2s")] + _end),
    _pri("m2s tail backwards", "index", _served + [SetRing("m2s", tail=0xFFF0), Kick("m2s")] + _end),
    _pri("s2m tail beyond head", "index", _served + [SetRing("s2m", tail=30), Packet("m2s")] + _end),
    _pri("s2m tail backwards", "index", _served + [SetRing("s2m", tail=0xFFF0), Packet("m2s")] + _end),
    _pri("m2s head overwritten", "index", _served + [SetRing("m2s", head=0), Packet("m2s")] + _end),
    _pri("m2s tail rewound after use", "index",
         _served + [Packet("m2s", count=2), Await(), SetRing("m2s", tail=0), Kick("m2s")] + _end),
    # ---- eventfd-flood --------------------------------------------------------------------------------
    _sec("s2m flood without packets", "eventfd-flood", _conn + [Kick("s2m", times=20000), Close()]),
    _sec("s2m counter at maximum", "eventfd-flood",
         _conn + [Kick("s2m", value=0xFFFFFFFFFFFFFFFE), Packet("s2m")] + _end),
    _sec("s2m flood with packets", "eventfd-flood",
         _conn + [Packet("s2m", count=8), Kick("s2m", times=20000)] + _end),
    _pri("m2s flood without packets", "eventfd-flood", _served + [Kick("m2s", times=20000), Close()]),
    _pri("m2s counter at maximum", "eventfd-flood",
         _served + [Kick("m2s", value=0xFFFFFFFFFFFFFFFE), Packet("m2s")] + _end),
    _pri("m2s flood with packets", "eventfd-flood",
         _served + [Packet("m2s", count=8), Kick("m2s", times=20000)] + _end),
    # ---- disconnect -------------------------------------------------------------------------------------
    _sec("close after hello", "disconnect", [Close()]),
    _sec("close after init", "disconnect", _init + [Close()]),
    _sec("close after one region", "disconnect", _region0 + [Close()]),
    _sec("close after regions", "disconnect", _regions + [Close()]),
    _sec("close after one ring", "disconnect", _s2m_ring + [Close()]),
    _sec("close after rings", "disconnect", _rings + [Close()]),
    _sec("close right after connect", "disconnect", _rings + [Push(H.connect()), Close()]),
    _sec("close after connected", "disconnect", _conn + [Close()]),
    _sec("close in the middle of traffic", "disconnect", _conn + [Packet("s2m", count=16), Close()]),
    _sec("disconnect after init", "disconnect", _init + [Send(H.disconnect(b"bye"))]),
    _sec("disconnect after rings", "disconnect", _rings + [Send(H.disconnect(b"bye"))]),
    _sec("disconnect after connected", "disconnect", _conn + [Send(H.disconnect(b"bye"))]),
    _sec("disconnect with a junk reason", "disconnect",
         _init + [Send(H.msg(H.DISCONNECT, b"\xff" * 126))]),
    _pri("primary closes before hello", "disconnect", [Close()]),
    _pri("primary closes on init", "disconnect", _hello + [Serve("init"), Close()]),
    _pri("primary closes on a region", "disconnect", _hello + [Serve("region"), Close()]),
    _pri("primary closes on a ring", "disconnect", _hello + [Serve("ring"), Close()]),
    _pri("primary closes on connect", "disconnect", _hello + [Serve("connect"), Close()]),
    _pri("primary closes after connected", "disconnect", _served + [Close()]),
    _pri("primary closes in traffic", "disconnect", _served + [Packet("m2s", count=16), Close()]),
    _pri("primary disconnects before hello", "disconnect", [Push(H.disconnect(b"bye"))] + _end),
    _pri("primary disconnects instead of ack", "disconnect",
         _hello + [Serve("init"), Push(H.disconnect(b"no"))] + _end),
    _pri("primary disconnects after connected", "disconnect",
         _served + [Push(H.msg(H.DISCONNECT, b"\xff" * 126))] + _end),
)

CASES = tuple(HC.CASES) + NEW


def by_target(target):
    return [c for c in CASES if c.target == target]


def find(cid):
    """The case with id `cid` (KeyError naming the known ids' count)."""
    for c in CASES:
        if case_id(c) == cid:
            return c
    raise KeyError(f"no robustness case {cid!r} (there are {len(CASES)}: "
                   f"memif_conformance.robustness_cases.CASES)")


def table():
    """docs/robustness.md's table of classes and cases (Markdown)."""
    lines = ["| class | minimum | cases | against a primary | against a secondary | what it attacks |",
             "|---|---|---|---|---|---|"]
    for cls, (minimum, what) in CLASSES.items():
        cases = [c for c in CASES if c.cls == cls]
        n = {t: sum(1 for c in cases if c.target == t) for t in ("primary", "secondary")}
        lines.append(f"| {cls} | {minimum} | {len(cases)} | {n['primary']} | {n['secondary']} | {what} |")
    lines.append(f"| **all** | | **{len(CASES)}** | {len(by_target('primary'))} | "
                 f"{len(by_target('secondary'))} | |")
    lines += ["", "| case id | class | peer role attacked | steps |", "|---|---|---|---|"]
    for c in CASES:
        lines.append(f"| `{case_id(c)}` | {c.cls} | {c.target} | {describe(c)} |")
    return "\n".join(lines) + "\n"


def describe(case):
    """The case's steps in a few words (for the docs table)."""
    names = {H.ACK: "ACK", H.HELLO: "HELLO", H.INIT: "INIT", H.ADD_REGION: "ADD_REGION",
             H.ADD_RING: "ADD_RING", H.CONNECT: "CONNECT", H.CONNECTED: "CONNECTED",
             H.DISCONNECT: "DISCONNECT"}
    out = []
    for s in case.steps:
        if isinstance(s, (Send, Push)):
            mtype = int.from_bytes(s.msg[:2].ljust(2, b"\0"), "little")
            text = names.get(mtype, f"type {mtype:#x}")
            if len(s.msg) != H.MSG:
                text += f" ({len(s.msg)} bytes)"
            if s.fds:
                kinds = sorted(set(s.fds))
                text += f" + {len(s.fds)} fd" + ("s" if len(s.fds) > 1 else "") + \
                        f" ({', '.join(kinds)})"
            out.append(text)
        elif isinstance(s, Serve):
            out.append(f"serve until {s.upto}")
        else:
            fields = {k: v for k, v in vars(s).items() if v is not None}
            out.append(type(s).__name__ + (f"({', '.join(f'{k}={v}' for k, v in fields.items())})"
                                           if fields else ""))
    # collapse runs of the same step
    short = []
    for x in out:
        if short and short[-1][0] == x:
            short[-1][1] += 1
        else:
            short.append([x, 1])
    return "; ".join(x if n == 1 else f"{x} ×{n}" for x, n in short).replace("|", "\\|")


BEGIN, END = "<!-- robustness table: begin -->", "<!-- robustness table: end -->"


def with_table(doc):
    """`doc` (docs/robustness.md's text) with the table between its markers regenerated."""
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}{END}{tail}"


def main(argv=None):
    """python -m memif_conformance.robustness_cases --write docs/robustness.md"""
    import sys
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "--write":
        print(main.__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        text = f.read()
    with open(argv[1], "w") as f:
        f.write(with_table(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
