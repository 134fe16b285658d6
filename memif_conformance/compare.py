# SPDX-License-Identifier: Apache-2.0
"""Byte-exact comparison of packet streams.  A mismatch is explained in
one sentence that names the first differing packet and offset (and what
kind of damage it looks like), and both streams go to pcap files."""

import os
import re
from typing import List, Optional, Sequence

from memif_conformance.vectors.generate import pcap_bytes

from .packets import MARKER_TEXT as MARKER

LINKTYPE_ETHERNET, LINKTYPE_RAW = 1, 101


def first_difference(a: bytes, b: bytes) -> Optional[int]:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return None if len(a) == len(b) else n


def _where(offset: int, buffer_size: Optional[int], length: int) -> str:
    if not buffer_size or length <= buffer_size:
        return ""
    k, r = divmod(offset, buffer_size)
    edge = " (a chain boundary)" if r == 0 or r == buffer_size - 1 else ""
    return f" = buffer {k} of the chain, byte {r}{edge} with {buffer_size}-byte buffers"


def _damage(exp: bytes, got: bytes, off: int) -> str:
    if len(got) < len(exp) and exp.startswith(got):
        return f"; the last {len(exp) - len(got)} byte(s) are missing"
    if len(got) > len(exp) and got.startswith(exp):
        return f"; {len(got) - len(exp)} byte(s) were appended"
    if len(got) == len(exp):
        diffs = sum(1 for x, y in zip(exp, got) if x != y)
        return f"; {diffs} byte(s) differ"
    return ""


def explain(expected: Sequence[bytes], got: Sequence[bytes], names: Sequence[str] = (),
            buffer_size: Optional[int] = None, late: Sequence[bytes] = (),
            what: str = "received") -> Optional[str]:
    """None when `got` equals `expected` packet for packet and byte for byte;
    else the first problem, in words."""
    def name(i):
        return f" ({names[i]})" if i < len(names) and names[i] else ""

    for i in range(max(len(expected), len(got))):
        if i >= len(got):
            missing = len(expected) - len(got)
            text = (f"packet {i} of {len(expected)}{name(i)}, {len(expected[i])} bytes, never came "
                    f"back: {missing} packet(s) missing")
            if expected[i] in late:
                text += " (it came back after the end-of-stream marker: packets reordered)"
            return text
        if i >= len(expected):
            what = ("an earlier exchange's end-of-stream marker (packets reordered or held back)"
                    if MARKER in got[i] else f"{len(got[i])} bytes")
            return (f"{len(got) - len(expected)} packet(s) more came back than were sent; "
                    f"the first extra one is {what}")
        exp, g = expected[i], got[i]
        if exp == g:
            continue
        off = first_difference(exp, g)
        text = (f"packet {i} of {len(expected)}{name(i)}: first difference at offset {off}"
                f"{_where(off, buffer_size, len(exp))}; {len(exp)} bytes expected, "
                f"{len(g)} {what}")
        if off < len(exp) and off < len(g):
            text += f" (0x{exp[off]:02x} expected, 0x{g[off]:02x} {what})"
        others = [j for j, e in enumerate(expected) if e == g and j != i]
        if others:
            text += f"; it is packet {others[0]}: packets reordered"
        elif MARKER in g:
            text += "; it is an earlier exchange's end-of-stream marker: packets reordered or held back"
        else:
            text += _damage(exp, g, off)
        return text
    return None


def safe_name(nodeid: str) -> str:
    base = nodeid.split("::", 1)[-1] if "::" in nodeid else nodeid
    module = os.path.splitext(os.path.basename(nodeid.split("::", 1)[0]))[0]
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", f"{module}.{base}")[:150]


class Checker:
    """Compares streams for one test; writes pcaps into `outdir` on failure
    and records them on the test (for the certification report)."""

    def __init__(self, outdir: str, nodeid: str, record=None, base=None):
        """base: the report folder; messages name pcaps relative to it."""
        self.outdir, self.base = outdir, base
        self.stem = safe_name(nodeid)
        self.record = record or (lambda key, value: None)
        self.written: List[str] = []

    def write(self, label: str, packets: Sequence[bytes], linktype: int) -> str:
        os.makedirs(self.outdir, exist_ok=True)
        path = os.path.join(self.outdir, f"{self.stem}-{label}.pcap")
        with open(path, "wb") as f:
            f.write(pcap_bytes(linktype, [bytes(p) for p in packets]))
        self.written.append(path)
        self.record("pcap", path)
        return path

    def same(self, sent: Sequence[bytes], got: Sequence[bytes], *, expected=None, names=(),
             linktype=LINKTYPE_ETHERNET, buffer_size=None, late=(), context="",
             labels=("sent", "received")):
        """Assert got == expected (default: sent) byte for byte."""
        expected = list(sent) if expected is None else list(expected)
        problem = explain(expected, got, names, buffer_size, late, what=labels[1])
        if problem is None:
            return
        paths = [self.write(labels[0], sent, linktype), self.write(labels[1], list(got) + list(late),
                                                                   linktype)]
        if expected != list(sent):
            paths.append(self.write("expected", expected, linktype))
        prefix = f"{context}: " if context else ""
        shown = [os.path.relpath(p, self.base) if self.base else p for p in paths]
        raise AssertionError(f"{prefix}{problem} [pcaps: {', '.join(shown)}]")
