# SPDX-License-Identifier: Apache-2.0
"""Packet vectors for the libmemif-dsa conformance suite.

    from memif_conformance import vectors
    vectors.sets()                  # ['l2', 'sizes', 'l3', 'odd', 'l3_odd', 'protocols', ...]
    for v in vectors.load("sizes"): # list[Vector], verified against manifest.json
        v.name, v.data, v.length, v.boundary ...

The pcaps are produced by vectors/generate.py (scapy); loading needs neither scapy nor anything
outside the standard library. Every packet's sha256 is checked against the manifest; a mismatch
raises VectorIntegrityError naming the set, index and file.
"""
from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Vector", "VectorError", "VectorIntegrityError", "load", "sets", "manifest",
           "read_pcap", "parse_pcap", "DEFAULT_ROOT", "LINKTYPE_ETHERNET", "LINKTYPE_RAW"]

DEFAULT_ROOT = Path(__file__).resolve().parent
MANIFEST = "manifest.json"
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101


class VectorError(Exception):
    """The vector files are missing, unreadable or malformed."""


class VectorIntegrityError(VectorError):
    """A packet in a pcap does not match the manifest (hash, length or count)."""


@dataclass(frozen=True)
class Vector:
    name: str                 # "<set>/<index:04d>", stable id usable as a pytest id
    set: str
    index: int
    data: bytes
    sha256: str
    length: int
    layers: tuple[str, ...]
    purpose: str
    l3: bool                  # raw IP packet (memif ip mode), no Ethernet header
    odd: bool                 # deliberately malformed/unusual; must still be carried untouched
    odd_kinds: tuple[str, ...] = ()
    boundary: tuple[dict, ...] = field(default=(), compare=False)  # {"buffer","k","delta"}
    linktype: int = LINKTYPE_ETHERNET

    def __repr__(self) -> str:  # keep pytest output short (no 9 KB bytes dumps)
        return f"Vector({self.name!r}, {self.length} B, {self.purpose!r})"


# ---------------------------------------------------------------------------------------------
# tiny pcap reader (classic libpcap; either byte order; micro- or nanosecond magic)

_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",   # microsecond
    b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">",   # nanosecond
}


def parse_pcap(blob: bytes, what: str = "pcap") -> tuple[int, list[bytes]]:
    """Parse a classic pcap file's bytes; return (linktype, [packet bytes, ...])."""
    if len(blob) < 24:
        raise VectorError(f"{what}: too short for a pcap header ({len(blob)} bytes)")
    endian = _MAGICS.get(blob[:4])
    if endian is None:
        raise VectorError(f"{what}: not a classic pcap file (magic {blob[:4].hex()}; pcapng is not supported)")
    _major, _minor, _zone, _sigfigs, _snaplen, linktype = struct.unpack(endian + "HHiIII", blob[4:24])
    packets = []
    off = 24
    while off < len(blob):
        if off + 16 > len(blob):
            raise VectorError(f"{what}: truncated record header at file offset {off} (packet {len(packets)})")
        _sec, _frac, incl, orig = struct.unpack(endian + "IIII", blob[off:off + 16])
        off += 16
        if off + incl > len(blob):
            raise VectorError(f"{what}: packet {len(packets)} claims {incl} bytes, file ends after "
                              f"{len(blob) - off}")
        if incl != orig:
            raise VectorError(f"{what}: packet {len(packets)} was captured truncated ({incl} of {orig} bytes)")
        packets.append(blob[off:off + incl])
        off += incl
    return linktype & 0x0FFFFFFF, packets


def read_pcap(path) -> tuple[int, list[bytes]]:
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise VectorError(f"cannot read {path}: {exc}") from exc
    return parse_pcap(blob, str(path))


# ---------------------------------------------------------------------------------------------
# manifest + loader

def manifest(root=None) -> dict:
    """The parsed manifest.json of `root` (default: this package's directory)."""
    path = Path(root or DEFAULT_ROOT) / MANIFEST
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise VectorError(f"cannot read {path}: {exc} (run: python vectors/generate.py)") from exc
    except ValueError as exc:
        raise VectorError(f"{path}: invalid JSON: {exc}") from exc


def sets(root=None) -> list[str]:
    """Set names, in manifest order."""
    return [s["name"] for s in manifest(root)["sets"]]


def _load_set(root: Path, meta: dict) -> list[Vector]:
    name = meta["name"]
    path = root / meta["file"]
    linktype, packets = read_pcap(path)
    if linktype != meta["linktype"]:
        raise VectorIntegrityError(f"set {name!r}: {path} has linktype {linktype}, manifest says {meta['linktype']}")
    entries = meta["packets"]
    if len(packets) != len(entries) or meta.get("count", len(entries)) != len(entries):
        raise VectorIntegrityError(f"set {name!r}: {path} holds {len(packets)} packets, manifest lists "
                                   f"{len(entries)} (count {meta.get('count')})")
    out = []
    for data, e in zip(packets, entries):
        digest = hashlib.sha256(data).hexdigest()
        if digest != e["sha256"] or len(data) != e["length"]:
            raise VectorIntegrityError(
                f"vector {e['name']} (set {name!r}, index {e['index']}, {path}): sha256 {digest} / "
                f"length {len(data)} does not match manifest sha256 {e['sha256']} / length {e['length']} "
                f"[{e['purpose']}]")
        out.append(Vector(
            name=e["name"], set=name, index=e["index"], data=data, sha256=digest, length=len(data),
            layers=tuple(e["layers"]), purpose=e["purpose"], l3=bool(e["l3"]), odd=bool(e["odd"]),
            odd_kinds=tuple(e.get("odd_kinds", ())), boundary=tuple(e.get("boundary", ())),
            linktype=linktype))
    return out


def load(set_name: str | None = None, *, root=None) -> list[Vector]:
    """Load and verify vectors: one set by name, or every set (manifest order) when None.

    `root` is the directory holding manifest.json and the pcaps (default: this package).
    Raises KeyError for an unknown set, VectorIntegrityError when a packet does not match
    the manifest, VectorError when files are missing or malformed.
    """
    root = Path(root or DEFAULT_ROOT)
    m = manifest(root)
    metas = m["sets"]
    if set_name is not None:
        metas = [s for s in metas if s["name"] == set_name]
        if not metas:
            raise KeyError(f"unknown vector set {set_name!r}; known: {[s['name'] for s in m['sets']]}")
    out: list[Vector] = []
    for meta in metas:
        out.extend(_load_set(root, meta))
    return out
