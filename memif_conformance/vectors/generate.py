#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic packet-vector generator for the libmemif-dsa conformance suite.

    python memif_conformance/vectors/generate.py               # (re)write the pcaps and manifest.json next to it
    python memif_conformance/vectors/generate.py --out DIR     # write somewhere else
    python memif_conformance/vectors/generate.py --check       # regenerate into a temp dir, compare byte for byte

Packets are built with scapy. Every field that scapy would otherwise fill from the host (MAC and
IP addresses, routes) or from a clock/RNG is set explicitly; payload bytes and "random" header
fields (ports, IP ids, sequence numbers, flow labels, TCP timestamp values) come from a SHA-256
counter-mode stream keyed by SEED, the set name and the packet index, so they do not depend on the
Python version's `random` module. The pcap files are written by a small writer here (classic
libpcap format, little-endian, microsecond timestamps, timestamps derived from the packet index),
so the files are byte-identical across runs and machines.

Linktypes: L2 sets use LINKTYPE_ETHERNET (1). L3 sets (raw IPv4/IPv6 for memif "ip" mode) use
LINKTYPE_RAW (101): the packet starts with the IP header and the version nibble says 4 or 6.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib.util
import json
import logging
import struct
import sys
import tempfile
from pathlib import Path

GENERATOR_NAME = "libmemif-dsa vectors/generate.py"
GENERATOR_VERSION = "1.1.0"
SCAPY_PINNED = "2.8.0"          # the version the committed files were produced with
SEED = 0x6D656D6966             # b"memif"
SCHEMA_VERSION = 1

BUFFER_SIZES = (1024, 2048)
BOUNDARY_DELTA = 2              # every size k*B-2 .. k*B+2
MIN_FRAME = 60                  # minimum Ethernet frame without FCS
MAX_FRAME = 9018                # 9000-byte MTU + 14-byte header + 802.1Q tag
MAX_L3 = 9000                   # largest raw IP packet (9000 MTU)

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_NAMES = {LINKTYPE_ETHERNET: "ETHERNET", LINKTYPE_RAW: "RAW"}

PCAP_SNAPLEN = 65535
TS_BASE = 1577836800            # 2020-01-01T00:00:00Z; record i gets ts = TS_BASE s + i us

MAC_A = "02:00:00:00:00:01"     # locally administered unicast
MAC_B = "02:00:00:00:00:02"
IP4_A, IP4_B = "192.0.2.1", "198.51.100.2"          # RFC 5737 documentation ranges
IP6_A, IP6_B = "2001:db8::1", "2001:db8::2"          # RFC 3849

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------------------------
# deterministic randomness

class Stream:
    """SHA-256 counter-mode byte stream; identical output on every platform and Python."""

    def __init__(self, label: str):
        self._key = f"{SEED}:{label}".encode()
        self._counter = 0
        self._buf = b""

    def bytes(self, n: int) -> bytes:
        while len(self._buf) < n:
            block = hashlib.sha256(self._key + b":" + str(self._counter).encode()).digest()
            self._counter += 1
            self._buf += block
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def uint(self, nbytes: int) -> int:
        return int.from_bytes(self.bytes(nbytes), "big")

    def u16(self) -> int:
        return self.uint(2)

    def u32(self) -> int:
        return self.uint(4)

    def randint(self, lo: int, hi: int) -> int:
        return lo + self.uint(4) % (hi - lo + 1)


# --------------------------------------------------------------------------------------------
# scapy (imported lazily so `--help` works without it)

S = None  # the scapy.all module once loaded


def _scapy():
    global S
    if S is None:
        logging.getLogger("scapy").setLevel(logging.ERROR)
        import scapy
        import scapy.all as sa
        if scapy.VERSION != SCAPY_PINNED:
            print(f"warning: scapy {scapy.VERSION} in use, vectors were pinned to {SCAPY_PINNED}; "
                  "bytes may differ", file=sys.stderr)
        S = sa
    return S


def contrib(module: str, name: str):
    """A layer from scapy.contrib (not loaded by scapy.all): Geneve, MPLS."""
    _scapy()
    return getattr(importlib.import_module(f"scapy.contrib.{module}"), name)


def layer_names(pkt) -> list[str]:
    return [cls.__name__ for cls in pkt.layers()]


# --------------------------------------------------------------------------------------------
# set builder

def boundaries(length: int) -> list[dict]:
    out = []
    for b in BUFFER_SIZES:
        k = (length + b // 2) // b
        delta = length - k * b
        if k >= 1 and abs(delta) <= BOUNDARY_DELTA:
            out.append({"buffer": b, "k": k, "delta": delta})
    return out


def boundary_text(length: int) -> str:
    parts = [f"{d['buffer']}-buffer boundary {d['delta']:+d} (k={d['k']})" if d["delta"]
             else f"{d['buffer']}-buffer exact multiple (k={d['k']})" for d in boundaries(length)]
    return " / ".join(parts)


def size_note(size: int, notes: dict[int, str]) -> str:
    """'<size> B: <special note> / <boundary text>' (either part optional)."""
    parts = [p for p in (notes.get(size), boundary_text(size)) if p]
    return f"{size} B" + (": " + " / ".join(parts) if parts else "")


class SetBuilder:
    def __init__(self, name: str, linktype: int, description: str):
        self.name = name
        self.linktype = linktype
        self.description = description
        self.packets: list[dict] = []

    def rng(self) -> Stream:
        """The random stream for the packet about to be added (keyed by set name and index)."""
        return Stream(f"{self.name}/{len(self.packets)}")

    def add(self, data: bytes, layers: list[str], purpose: str, *, odd_kinds=()):
        l3 = self.linktype == LINKTYPE_RAW
        if l3 and (not data or data[0] >> 4 not in (4, 6)):
            raise AssertionError(f"{self.name}: L3 packet without IP version nibble: {purpose}")
        if len(data) > PCAP_SNAPLEN:
            raise AssertionError(f"{self.name}: packet longer than snaplen: {purpose}")
        if any(p["purpose"] == purpose for p in self.packets):
            raise AssertionError(f"{self.name}: duplicate purpose {purpose!r}")
        self.packets.append({
            "data": bytes(data),
            "layers": list(layers),
            "purpose": purpose,
            "l3": l3,
            "odd": bool(odd_kinds),
            "odd_kinds": list(odd_kinds),
        })


# --------------------------------------------------------------------------------------------
# header construction helpers

ENCAPS = ("none", "dot1q", "qinq")
ENCAP_LABEL = {"none": "", "dot1q": "Dot1Q ", "qinq": "QinQ "}
TAG_LEN = {"none": 0, "dot1q": 4, "qinq": 8}

LINUX_SYN_OPTS = "mss,sackok,ts,nop,wscale"


def tcp_options(spec: str | None, rng: Stream, ipver: int):
    """Build a TCP option list from a comma-separated spec of option names."""
    if not spec:
        return []
    opts = []
    for name in spec.split(","):
        if name == "mss":
            opts.append(("MSS", 1460 if ipver == 4 else 1440))
        elif name == "mss536":
            opts.append(("MSS", 536))
        elif name == "sackok":
            opts.append(("SAckOK", b""))
        elif name == "ts":
            opts.append(("Timestamp", (rng.u32(), rng.u32())))
        elif name == "nop":
            opts.append(("NOP", None))
        elif name == "wscale":
            opts.append(("WScale", 7))
        elif name == "wscale14":
            opts.append(("WScale", 14))
        elif name == "sack2":
            left = rng.u32()
            opts.append(("SAck", (left, (left + 1448) & 0xFFFFFFFF,
                                  (left + 2896) & 0xFFFFFFFF, (left + 4344) & 0xFFFFFFFF)))
        elif name == "eol":
            opts.append(("EOL", None))
        else:
            raise ValueError(f"unknown TCP option {name}")
    return opts


def l2_prefix(encap: str, rng: Stream):
    sa = _scapy()
    eth = sa.Ether(dst=MAC_B, src=MAC_A)
    if encap == "none":
        return eth
    if encap == "dot1q":
        return eth / sa.Dot1Q(vlan=100 + rng.randint(0, 899), prio=rng.randint(0, 7))
    if encap == "qinq":
        return eth / sa.Dot1AD(vlan=300 + rng.randint(0, 99)) / sa.Dot1Q(vlan=100 + rng.randint(0, 899))
    raise ValueError(encap)


def ip_header(ipver: int, rng: Stream, l4: str, **kw):
    """IPv4/IPv6 header for an `l4` ("tcp"/"udp") payload; kw overrides any field."""
    sa = _scapy()
    if ipver == 4:
        fields = dict(src=IP4_A, dst=IP4_B, id=rng.u16(), ttl=64, tos=kw.pop("tos", 0))
        if l4 == "tcp":
            fields["flags"] = "DF"
        fields.update(kw)
        return sa.IP(**fields)
    fields = dict(src=IP6_A, dst=IP6_B, fl=rng.uint(3) & 0xFFFFF, hlim=64, tc=kw.pop("tos", 0))
    fields.update(kw)
    return sa.IPv6(**fields)


def transport(proto: str, rng: Stream, ipver: int, flags: str = "PA", opts: str | None = None,
              **kw):
    sa = _scapy()
    sport = rng.randint(49152, 65535)
    dport = kw.pop("dport", None) or (5201, 8080, 9000, 7777)[rng.randint(0, 3)]
    if proto == "udp":
        return sa.UDP(sport=sport, dport=dport, **kw)
    seq = rng.u32()
    ack = rng.u32() if "A" in flags else 0
    return sa.TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
                  window=kw.pop("window", 64240), options=tcp_options(opts, rng, ipver), **kw)


def with_payload(hdr, n: int, rng: Stream):
    sa = _scapy()
    return hdr / sa.Raw(rng.bytes(n)) if n > 0 else hdr


def pad60(data: bytes, layers: list[str]) -> tuple[bytes, list[str]]:
    """Pad an Ethernet frame to the 60-byte minimum the way a NIC would (zero padding)."""
    if len(data) < MIN_FRAME:
        return data + b"\x00" * (MIN_FRAME - len(data)), layers + ["Padding"]
    return data, layers


def sized(hdr, size: int, rng: Stream):
    """Append seeded payload so the packet is exactly `size` bytes; None if it cannot fit."""
    n = size - len(bytes(hdr))
    if n < 0:
        return None
    pkt = with_payload(hdr, n, rng)
    data = bytes(pkt)
    assert len(data) == size, (size, len(data))
    return pkt


def variant_label(encap: str, ipver: int, proto: str) -> str:
    return f"{ENCAP_LABEL[encap]}IPv{ipver}/{proto.upper()}"


def bad_checksum(pkt, layer_name: str):
    """Return a copy of pkt whose `layer_name` checksum is wrong (and verifiably so)."""
    sa = _scapy()
    cls = getattr(sa, layer_name)
    first = pkt.firstlayer().__class__
    good = first(bytes(pkt))[cls].chksum
    bad = 0xBAD0 if good != 0xBAD0 else 0xBAD1
    out = pkt.copy()
    out[cls].chksum = bad
    again = first(bytes(out))
    assert again[cls].chksum == bad and bad != good
    return out


# --------------------------------------------------------------------------------------------
# set: l2 (Ethernet; IPv4/IPv6 x TCP/UDP; untagged, 802.1Q, QinQ)

# (flags, options spec, payload length or "mss" for a full segment, description)
TCP_CASES = [
    ("S", LINUX_SYN_OPTS, 0, "SYN, Linux-style options MSS/SAckOK/TS/NOP/WScale"),
    ("SA", LINUX_SYN_OPTS, 0, "SYN-ACK, MSS/SAckOK/TS/NOP/WScale"),
    ("S", "mss536,eol", 0, "SYN, MSS 536 + EOL"),
    ("SEC", "mss,nop,wscale", 0, "SYN+ECE+CWR (ECN setup), MSS/NOP/WScale"),
    ("SAE", "mss,nop,nop,sackok", 0, "SYN-ACK+ECE (ECN), MSS/NOP/NOP/SAckOK"),
    ("A", "nop,nop,ts", 0, "pure ACK, NOP/NOP/TS"),
    ("A", "nop,nop,sack2", 0, "ACK with two SACK blocks"),
    ("PA", "nop,nop,ts", 1, "PSH-ACK 1-byte payload, TS"),
    ("PA", None, 64, "PSH-ACK 64-byte payload, no options"),
    ("PA", "nop,nop,ts", 512, "PSH-ACK 512-byte payload, TS"),
    ("A", None, "mss", "ACK full-MSS segment"),
    ("AC", None, 100, "ACK+CWR 100-byte payload"),
    ("PAE", "nop,nop,ts", 200, "PSH-ACK+ECE 200-byte payload"),
    ("PAU", None, 16, "PSH-ACK+URG, urgent pointer 8"),
    ("FA", "nop,nop,ts", 0, "FIN-ACK"),
    ("FPA", None, 33, "FIN-PSH-ACK with 33-byte payload"),
    ("R", None, 0, "RST"),
    ("RA", None, 0, "RST-ACK"),
    ("FPU", None, 0, "FIN+PSH+URG (xmas)"),
    ("", "wscale14,nop", 0, "no flags (null), WScale 14"),
]

UDP_CASES = [
    (0, "UDP empty payload"),
    (1, "UDP 1-byte payload"),
    (18, "UDP 18-byte payload"),
    (100, "UDP 100-byte payload"),
    (512, "UDP 512-byte payload"),
    ("mtu", "UDP filling a 1500-byte MTU"),
]


def build_l2() -> SetBuilder:
    sa = _scapy()
    sb = SetBuilder("l2", LINKTYPE_ETHERNET,
                    "Ethernet frames: IPv4/IPv6 x TCP (flag and option combinations, several "
                    "payload sizes) and UDP, each untagged, 802.1Q and QinQ (802.1ad 0x88a8 outer "
                    "+ 802.1Q inner); plus IPv4 options and IPv6 extension headers.")
    for encap in ENCAPS:
        for ipver in (4, 6):
            l3hdr = 20 if ipver == 4 else 40
            for flags, opts, plen, desc in TCP_CASES:
                rng = sb.rng()
                hdr = l2_prefix(encap, rng) / ip_header(ipver, rng, "tcp") / \
                    transport("tcp", rng, ipver, flags=flags, opts=opts,
                              urgptr=8 if "U" in flags else 0)
                if plen == "mss":  # fill a 1500-byte MTU
                    plen = 14 + TAG_LEN[encap] + 1500 - len(bytes(hdr))
                pkt = with_payload(hdr, plen, rng)
                data, layers = pad60(bytes(pkt), layer_names(pkt))
                sb.add(data, layers, f"{variant_label(encap, ipver, 'tcp')} {desc}")
            for plen, desc in UDP_CASES:
                rng = sb.rng()
                hdr = l2_prefix(encap, rng) / ip_header(ipver, rng, "udp") / transport("udp", rng, ipver)
                if plen == "mtu":
                    plen = 1500 - l3hdr - 8
                pkt = with_payload(hdr, plen, rng)
                data, layers = pad60(bytes(pkt), layer_names(pkt))
                sb.add(data, layers, f"{variant_label(encap, ipver, 'udp')} {desc}")

    # IPv4 options and IPv6 extension headers (valid packets, less common shapes)
    rng = sb.rng()
    pkt = with_payload(sa.Ether(dst=MAC_B, src=MAC_A) /
                       ip_header(4, rng, "udp", options=[sa.IPOption_Router_Alert()]) /
                       transport("udp", rng, 4), 64, rng)
    sb.add(bytes(pkt), layer_names(pkt), "IPv4 with Router Alert option / UDP")
    rng = sb.rng()
    pkt = with_payload(sa.Ether(dst=MAC_B, src=MAC_A) /
                       ip_header(4, rng, "tcp", options=[sa.IPOption_NOP(), sa.IPOption_NOP(),
                                                         sa.IPOption_NOP(), sa.IPOption_EOL()]) /
                       transport("tcp", rng, 4, flags="PA", opts="nop,nop,ts"), 128, rng)
    sb.add(bytes(pkt), layer_names(pkt), "IPv4 with NOP/EOL options / TCP")
    rng = sb.rng()
    pkt = with_payload(sa.Ether(dst=MAC_B, src=MAC_A) / ip_header(6, rng, "udp") /
                       sa.IPv6ExtHdrHopByHop(options=[sa.RouterAlert()]) /
                       transport("udp", rng, 6), 64, rng)
    sb.add(bytes(pkt), layer_names(pkt), "IPv6 Hop-by-Hop (Router Alert) / UDP")
    rng = sb.rng()
    pkt = with_payload(sa.Ether(dst=MAC_B, src=MAC_A) / ip_header(6, rng, "tcp") /
                       sa.IPv6ExtHdrHopByHop() / sa.IPv6ExtHdrDestOpt() /
                       transport("tcp", rng, 6, flags="PA", opts="nop,nop,ts"), 300, rng)
    sb.add(bytes(pkt), layer_names(pkt), "IPv6 Hop-by-Hop + Destination Options / TCP")
    rng = sb.rng()
    pkt = with_payload(sa.Ether(dst=MAC_B, src=MAC_A) / ip_header(6, rng, "udp") /
                       sa.IPv6ExtHdrRouting(addresses=["2001:db8::10", "2001:db8::11"]) /
                       transport("udp", rng, 6), 80, rng)
    sb.add(bytes(pkt), layer_names(pkt), "IPv6 Routing header (type 0) / UDP")
    return sb


# --------------------------------------------------------------------------------------------
# set: sizes (Ethernet frames of exact lengths 60..9018)

SIZE_NOTES = {
    60: "minimum Ethernet frame (no FCS)",
    1514: "max untagged frame, 1500 MTU",
    1518: "max 802.1Q frame, 1500 MTU",
    1522: "max QinQ frame, 1500 MTU",
    3000: "jumbo size used by VPP chained-buffer tests",
    6000: "jumbo size used by VPP chained-buffer tests",
    8960: "jumbo size used by VPP chained-buffer tests",
    9000: "jumbo frame",
    9014: "max untagged jumbo frame, 9000 MTU",
    9018: "max 802.1Q jumbo frame, 9000 MTU",
}
SIZE_ENCAP = {1514: "none", 9014: "none", 1518: "dot1q", 9018: "dot1q", 1522: "qinq"}
EXTRA_SIZES = [61, 63, 64, 65, 100, 128, 256, 512, 1500, 127, 129, 255, 257, 511, 513, 576, 1000, 1280, 1499, 1501,
               1513, 1515, 1519, 4000, 5000, 7000, 8000, 8999, 9001, 9017]


def size_list() -> list[int]:
    sizes = set(SIZE_NOTES) | set(EXTRA_SIZES)
    for b in BUFFER_SIZES:
        k = 1
        while k * b - BOUNDARY_DELTA <= MAX_FRAME:
            for s in range(k * b - BOUNDARY_DELTA, k * b + BOUNDARY_DELTA + 1):
                if MIN_FRAME <= s <= MAX_FRAME:
                    sizes.add(s)
            k += 1
    return sorted(sizes)


def build_sizes() -> SetBuilder:
    sb = SetBuilder("sizes", LINKTYPE_ETHERNET,
                    "Ethernet frames of exact lengths from 60 to 9018 bytes: every length within "
                    "+-2 of a multiple of 1024 and 2048 (chained-buffer boundaries), standard and "
                    "jumbo maxima; two frames per length (an IPv4 and, where it fits, an IPv6 "
                    "one), rotating TCP/UDP and untagged/802.1Q/QinQ.")
    for i, size in enumerate(size_list()):
        note = size_note(size, SIZE_NOTES)
        ts = "nop,nop,ts" if i % 4 == 1 else None   # every 4th length: TCP with a TS option
        wanted = [
            (SIZE_ENCAP.get(size, ENCAPS[i % 3]), 4, ("udp", "tcp")[i % 2]),
            (SIZE_ENCAP.get(size, ENCAPS[(i + 1) % 3]), 6, ("tcp", "udp")[i % 2]),
        ]
        done = []
        for w_encap, w_ipver, w_proto in wanted:
            # the wanted variant, then smaller headers, then whatever still fits
            candidates = [(w_encap, w_ipver, w_proto, ts), (w_encap, w_ipver, w_proto, None),
                          ("none", w_ipver, w_proto, None), ("none", w_ipver, "udp", None),
                          ("none", 4, "udp", None), ("none", 4, "tcp", None)]
            for encap, ipver, proto, opts in candidates:
                if (encap, ipver, proto) in done or (proto == "udp" and opts):
                    continue
                rng = sb.rng()
                hdr = l2_prefix(encap, rng) / ip_header(ipver, rng, proto) / \
                    transport(proto, rng, ipver, flags="PA", opts=opts)
                pkt = sized(hdr, size, rng)
                if pkt is None:
                    continue
                done.append((encap, ipver, proto))
                label = variant_label(encap, ipver, proto) + (" +TS option" if opts else "")
                sb.add(bytes(pkt), layer_names(pkt), f"{note}; {label}")
                break
    return sb


# --------------------------------------------------------------------------------------------
# set: l3 (raw IPv4/IPv6 for memif ip mode)

L3_NOTES = {
    28: "smallest IPv4/UDP", 40: "smallest IPv4/TCP", 48: "smallest IPv6/UDP",
    60: "smallest IPv6/TCP", 576: "IPv4 minimum reassembly size",
    1280: "IPv6 minimum MTU", 1500: "1500 MTU", 9000: "9000 MTU",
}
L3_EXTRA = [29, 64, 100, 128, 256, 512, 1000, 1499, 1501, 3000, 6000, 8960, 8999]


def l3_size_list() -> list[int]:
    sizes = set(L3_NOTES) | set(L3_EXTRA)
    for b in BUFFER_SIZES:
        k = 1
        while k * b + BOUNDARY_DELTA <= MAX_L3:
            sizes.update(range(k * b - BOUNDARY_DELTA, k * b + BOUNDARY_DELTA + 1))
            k += 1
    return sorted(sizes)


def build_l3() -> SetBuilder:
    sb = SetBuilder("l3", LINKTYPE_RAW,
                    "Raw IPv4/IPv6 packets (no Ethernet header) for memif ip mode: TCP and UDP, "
                    "lengths from the smallest header-only packet to 9000 bytes including every "
                    "length within +-2 of a multiple of 1024 and 2048; two packets per length "
                    "(IPv4 and, where it fits, IPv6).")
    # handshake-style headers first
    for ipver in (4, 6):
        for flags, opts, desc in (("S", LINUX_SYN_OPTS, "SYN with MSS/SAckOK/TS/NOP/WScale"),
                                  ("SA", LINUX_SYN_OPTS, "SYN-ACK with options"),
                                  ("FA", None, "FIN-ACK"), ("R", None, "RST")):
            rng = sb.rng()
            pkt = ip_header(ipver, rng, "tcp") / transport("tcp", rng, ipver, flags=flags, opts=opts)
            sb.add(bytes(pkt), layer_names(pkt), f"raw IPv{ipver}/TCP {desc}")
    for i, size in enumerate(l3_size_list()):
        note = size_note(size, L3_NOTES)
        done = []
        for want in ((4, ("udp", "tcp")[i % 2]), (6, ("tcp", "udp")[i % 2])):
            for ipver, proto in (want, (want[0], "udp"), (4, "udp"), (4, "tcp")):
                if (ipver, proto) in done:
                    continue
                rng = sb.rng()
                hdr = ip_header(ipver, rng, proto) / transport(proto, rng, ipver, flags="PA")
                pkt = sized(hdr, size, rng)
                if pkt is None:
                    continue
                done.append((ipver, proto))
                sb.add(bytes(pkt), layer_names(pkt), f"{note}; raw IPv{ipver}/{proto.upper()}")
                break
    return sb


# --------------------------------------------------------------------------------------------
# set: odd (Ethernet frames a byte transport must carry untouched)

def lldp_frame() -> tuple[bytes, list[str]]:
    def tlv(t: int, value: bytes) -> bytes:
        return struct.pack("!H", (t << 9) | len(value)) + value
    body = (tlv(1, b"\x04" + bytes.fromhex(MAC_A.replace(":", "")))   # chassis id: MAC
            + tlv(2, b"\x07memif0")                                    # port id: local
            + tlv(3, struct.pack("!H", 120))                           # TTL
            + tlv(5, b"libmemif-dsa-vectors")                          # system name
            + tlv(0, b""))                                             # end
    eth = bytes.fromhex("0180c200000e") + bytes.fromhex(MAC_A.replace(":", "")) + b"\x88\xcc"
    return pad60(eth + body, ["Ether", "LLDP"])


def build_odd() -> SetBuilder:
    sa = _scapy()
    sb = SetBuilder("odd", LINKTYPE_ETHERNET,
                    "Ethernet-linktype frames a byte transport must deliver untouched: bad "
                    "IPv4/TCP/UDP checksums, truncated headers, empty payloads, non-IP ethertypes "
                    "(ARP, LLDP, 0x88b5), 802.3 length-field frames, runts below 60 bytes, "
                    "all-zero and all-0xff frames, fragments, VLAN edge ids.")
    eth = lambda: sa.Ether(dst=MAC_B, src=MAC_A)  # noqa: E731

    def add_pkt(pkt, purpose, kinds, pad=True):
        data, layers = bytes(pkt), layer_names(pkt)
        if pad:
            data, layers = pad60(data, layers)
        sb.add(data, layers, purpose, odd_kinds=kinds)

    # -- bad checksums
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4), 64, rng)
    add_pkt(bad_checksum(p, "IP"), "bad IPv4 header checksum (UDP inside)", ["bad_ip_checksum"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "tcp") / transport("tcp", rng, 4, opts="nop,nop,ts"), 100, rng)
    add_pkt(bad_checksum(p, "TCP"), "bad TCP checksum (IPv4)", ["bad_tcp_checksum"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(6, rng, "tcp") / transport("tcp", rng, 6), 100, rng)
    add_pkt(bad_checksum(p, "TCP"), "bad TCP checksum (IPv6)", ["bad_tcp_checksum"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4), 100, rng)
    add_pkt(bad_checksum(p, "UDP"), "bad UDP checksum (IPv4)", ["bad_udp_checksum"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(6, rng, "udp") / transport("udp", rng, 6), 100, rng)
    add_pkt(bad_checksum(p, "UDP"), "bad UDP checksum (IPv6)", ["bad_udp_checksum"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "tcp") / transport("tcp", rng, 4), 40, rng)
    p = bad_checksum(bad_checksum(p, "IP"), "TCP")
    add_pkt(p, "bad IPv4 header and TCP checksums", ["bad_ip_checksum", "bad_tcp_checksum"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4, chksum=0), 50, rng)
    add_pkt(p, "UDP checksum 0 over IPv4 (legal: no checksum)", ["zero_udp_checksum"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(6, rng, "udp") / transport("udp", rng, 6, chksum=0), 50, rng)
    add_pkt(p, "UDP checksum 0 over IPv6 (illegal)", ["zero_udp_checksum", "bad_udp_checksum"])

    # -- truncated headers (frames end inside a header; never padded)
    rng = sb.rng()
    full = bytes(with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4), 32, rng))
    sb.add(full[:14 + 10], ["Ether", "IP(truncated)"], "IPv4 header cut short (10 of 20 bytes)",
           odd_kinds=["truncated_ip", "runt"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "udp", options=[sa.IPOption_Router_Alert()]) /
                     transport("udp", rng, 4), 32, rng)
    sb.add(bytes(p)[:14 + 20], ["Ether", "IP(truncated)"],
           "IPv4 header with options cut short (20 of 24 bytes)", odd_kinds=["truncated_ip", "runt"])
    rng = sb.rng()
    full = bytes(with_payload(eth() / ip_header(6, rng, "udp") / transport("udp", rng, 6), 32, rng))
    sb.add(full[:14 + 24], ["Ether", "IPv6(truncated)"], "IPv6 header cut short (24 of 40 bytes)",
           odd_kinds=["truncated_ip", "runt"])
    rng = sb.rng()
    full = bytes(with_payload(eth() / ip_header(4, rng, "tcp") / transport("tcp", rng, 4), 64, rng))
    sb.add(full[:14 + 20 + 12], ["Ether", "IP", "TCP(truncated)"],
           "TCP header cut short (12 of 20 bytes, IPv4)", odd_kinds=["truncated_tcp", "runt"])
    rng = sb.rng()
    full = bytes(eth() / ip_header(6, rng, "tcp") / transport("tcp", rng, 6, flags="S", opts=LINUX_SYN_OPTS))
    sb.add(full[:14 + 40 + 30], ["Ether", "IPv6", "TCP(truncated)"],
           "TCP header cut short inside the options (30 of 40 bytes, IPv6)", odd_kinds=["truncated_tcp"])
    rng = sb.rng()
    full = bytes(with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4), 32, rng))
    sb.add(full[:14 + 20 + 4], ["Ether", "IP", "UDP(truncated)"],
           "UDP header cut short (4 of 8 bytes)", odd_kinds=["truncated_udp", "runt"])
    rng = sb.rng()
    full = bytes(with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4), 1000, rng))
    sb.add(full[:200], ["Ether", "IP", "UDP", "Raw(truncated)"],
           "IPv4 total length 1028 but frame ends at 200 bytes", odd_kinds=["length_mismatch"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4), 20, rng)
    sb.add(bytes(p) + rng.bytes(40), layer_names(p) + ["Trailer"],
           "40 bytes of non-zero trailer after the IPv4 packet", odd_kinds=["length_mismatch"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "udp", ihl=4) / transport("udp", rng, 4), 30, rng)
    add_pkt(p, "IPv4 IHL 4 (invalid, below 5)", ["malformed_ip"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(6, rng, "udp") / transport("udp", rng, 6), 30, rng)
    data = bytearray(bytes(p))
    data[12:14] = b"\x08\x00"  # ethertype says IPv4, payload is IPv6
    sb.add(bytes(data), ["Ether", "IPv6", "UDP", "Raw"], "ethertype IPv4 carrying an IPv6 packet",
           odd_kinds=["malformed_ip"])

    # -- empty payloads
    rng = sb.rng()
    add_pkt(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4),
            "IPv4/UDP empty payload, padded to 60", ["empty_payload"])
    rng = sb.rng()
    add_pkt(eth() / ip_header(6, rng, "udp") / transport("udp", rng, 6),
            "IPv6/UDP empty payload (62 bytes)", ["empty_payload"])
    rng = sb.rng()
    add_pkt(eth() / ip_header(6, rng, "tcp") / transport("tcp", rng, 6, flags="A"),
            "IPv6/TCP ACK empty payload (74 bytes)", ["empty_payload"])
    rng = sb.rng()
    add_pkt(eth() / ip_header(4, rng, "tcp") / transport("tcp", rng, 4, flags="A"),
            "IPv4/TCP ACK empty payload, unpadded 54 bytes", ["empty_payload", "runt"], pad=False)
    rng = sb.rng()
    add_pkt(eth() / ip_header(4, rng, "udp", proto=253),
            "IPv4 header only, protocol 253 (experimental), no payload", ["empty_payload"])
    rng = sb.rng()
    add_pkt(eth() / ip_header(6, rng, "udp", nh=59),
            "IPv6 header only, next header 59 (no next header)", ["empty_payload"])

    # -- non-IP ethertypes
    rng = sb.rng()
    arp = sa.Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / sa.ARP(
        op=1, hwsrc=MAC_A, psrc=IP4_A, hwdst="00:00:00:00:00:00", pdst=IP4_B)
    add_pkt(arp, "ARP request (broadcast), padded to 60", ["non_ip", "arp"])
    rng = sb.rng()
    arp = sa.Ether(dst=MAC_A, src=MAC_B) / sa.ARP(op=2, hwsrc=MAC_B, psrc=IP4_B, hwdst=MAC_A, pdst=IP4_A)
    add_pkt(arp, "ARP reply, padded to 60", ["non_ip", "arp"])
    data, layers = lldp_frame()
    sb.add(data, layers, "LLDP (ethertype 0x88cc) to 01:80:c2:00:00:0e", odd_kinds=["non_ip", "lldp"])
    rng = sb.rng()
    p = eth() / sa.Raw(rng.bytes(46))
    p[sa.Ether].type = 0x88B5
    add_pkt(p, "made-up ethertype 0x88b5 (local experimental), 60 bytes", ["non_ip", "ethertype_88b5"])
    rng = sb.rng()
    p = eth() / sa.Raw(rng.bytes(1500))
    p[sa.Ether].type = 0x88B5
    add_pkt(p, "made-up ethertype 0x88b5, 1514 bytes", ["non_ip", "ethertype_88b5"])
    rng = sb.rng()
    p = eth() / sa.Raw(rng.bytes(4004))
    p[sa.Ether].type = 0x88B6
    add_pkt(p, "made-up ethertype 0x88b6, 4018-byte jumbo", ["non_ip"])

    # -- raw 802.3 (length field instead of ethertype)
    rng = sb.rng()
    p = sa.Dot3(dst=MAC_B, src=MAC_A) / sa.LLC(dsap=0xF0, ssap=0xF0, ctrl=3) / sa.Raw(rng.bytes(40))
    add_pkt(p, "802.3 length-field frame, LLC (NetBIOS SAP)", ["non_ip", "dot3_length"])
    rng = sb.rng()
    p = sa.Dot3(dst=MAC_B, src=MAC_A) / sa.LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / \
        sa.SNAP(OUI=0x000000, code=0x88B5) / sa.Raw(rng.bytes(100))
    add_pkt(p, "802.3 length-field frame, LLC/SNAP", ["non_ip", "dot3_length"])
    rng = sb.rng()
    p = sa.Dot3(dst="01:80:c2:00:00:00", src=MAC_A) / sa.LLC(dsap=0x42, ssap=0x42, ctrl=3) / \
        sa.Raw(rng.bytes(10))
    add_pkt(p, "802.3 length-field frame, short LLC payload padded to 60", ["non_ip", "dot3_length"])
    rng = sb.rng()
    p = sa.Dot3(dst=MAC_B, src=MAC_A, len=1500) / sa.LLC(dsap=0xF0, ssap=0xF0, ctrl=3) / \
        sa.Raw(rng.bytes(1497))
    add_pkt(p, "802.3 length-field frame, maximum length 1500", ["non_ip", "dot3_length"])

    # -- runts (below 60 bytes, no padding)
    rng = sb.rng()
    sb.add(bytes.fromhex(MAC_B.replace(":", "") + MAC_A.replace(":", "")) + b"\x88\xb5",
           ["Ether"], "runt 14 bytes: Ethernet header only (0x88b5)", odd_kinds=["runt", "empty_payload"])
    rng = sb.rng()
    sb.add(bytes.fromhex(MAC_B.replace(":", "") + MAC_A.replace(":", "")) + b"\x88\xb5" + rng.bytes(6),
           ["Ether", "Raw"], "runt 20 bytes (0x88b5 + 6 bytes)", odd_kinds=["runt"])
    rng = sb.rng()
    arp = sa.Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / sa.ARP(
        op=1, hwsrc=MAC_A, psrc=IP4_A, hwdst="00:00:00:00:00:00", pdst="192.0.2.254")
    add_pkt(arp, "runt 42 bytes: unpadded ARP request", ["runt", "non_ip", "arp"], pad=False)
    rng = sb.rng()
    add_pkt(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4),
            "runt 42 bytes: unpadded IPv4/UDP, empty payload", ["runt", "empty_payload"], pad=False)
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "udp") / transport("udp", rng, 4), 17, rng)
    add_pkt(p, "runt 59 bytes: one below the minimum (IPv4/UDP)", ["runt"], pad=False)

    # -- fill patterns
    for size in (60, 1514, 9018):
        sb.add(b"\x00" * size, ["Raw"], f"all-zero frame, {size} bytes", odd_kinds=["all_zero"])
    for size in (60, 1514, 9018):
        sb.add(b"\xff" * size, ["Raw"], f"all-0xff frame, {size} bytes", odd_kinds=["all_ff"])
    sb.add(bytes(range(256)) * 4, ["Raw"], "1024-byte counting pattern 00..ff (dst/src MAC 00..0b)",
           odd_kinds=["pattern"])

    # -- fragments
    rng = sb.rng()
    p = with_payload(eth() / ip_header(4, rng, "tcp", flags="MF", frag=0) /
                     transport("tcp", rng, 4), 200, rng)
    add_pkt(p, "IPv4 first fragment (MF=1, offset 0)", ["fragment"])
    rng = sb.rng()
    p = eth() / ip_header(4, rng, "udp", proto=17, frag=185) / sa.Raw(rng.bytes(300))
    add_pkt(p, "IPv4 last fragment (offset 1480, no L4 header)", ["fragment"])
    rng = sb.rng()
    p = with_payload(eth() / ip_header(6, rng, "udp") / sa.IPv6ExtHdrFragment(offset=0, m=1, id=rng.u32()) /
                     transport("udp", rng, 6), 120, rng)
    add_pkt(p, "IPv6 first fragment (Fragment header, M=1)", ["fragment"])

    # -- VLAN edge cases
    rng = sb.rng()
    p = with_payload(eth() / sa.Dot1Q(vlan=0, prio=5) / ip_header(4, rng, "udp") /
                     transport("udp", rng, 4), 40, rng)
    add_pkt(p, "802.1Q priority tag (VID 0, PCP 5)", ["vlan_edge"])
    rng = sb.rng()
    p = with_payload(eth() / sa.Dot1Q(vlan=4095) / ip_header(6, rng, "udp") /
                     transport("udp", rng, 6), 40, rng)
    add_pkt(p, "802.1Q reserved VID 4095", ["vlan_edge"])
    rng = sb.rng()
    p = with_payload(eth() / sa.Dot1Q(vlan=10) / sa.Dot1Q(vlan=20) / ip_header(4, rng, "udp") /
                     transport("udp", rng, 4), 40, rng)
    add_pkt(p, "double 802.1Q (0x8100 outer, non-standard QinQ)", ["vlan_edge"])
    return sb


# --------------------------------------------------------------------------------------------
# set: l3_odd (raw IP packets for ip mode that a byte transport must carry untouched)

def build_l3_odd() -> SetBuilder:
    sa = _scapy()
    sb = SetBuilder("l3_odd", LINKTYPE_RAW,
                    "Raw IPv4/IPv6 packets for memif ip mode that a byte transport must deliver "
                    "untouched: bad checksums, truncated headers, length mismatches, empty "
                    "payloads, fragments. Every packet still starts with a 4 or 6 version nibble.")

    def add_pkt(pkt, purpose, kinds):
        sb.add(bytes(pkt), layer_names(pkt), purpose, odd_kinds=kinds)

    rng = sb.rng()
    p = with_payload(ip_header(4, rng, "udp") / transport("udp", rng, 4), 64, rng)
    add_pkt(bad_checksum(p, "IP"), "raw IPv4 bad header checksum", ["bad_ip_checksum"])
    rng = sb.rng()
    p = with_payload(ip_header(4, rng, "tcp") / transport("tcp", rng, 4), 64, rng)
    add_pkt(bad_checksum(p, "TCP"), "raw IPv4 bad TCP checksum", ["bad_tcp_checksum"])
    rng = sb.rng()
    p = with_payload(ip_header(6, rng, "tcp") / transport("tcp", rng, 6), 64, rng)
    add_pkt(bad_checksum(p, "TCP"), "raw IPv6 bad TCP checksum", ["bad_tcp_checksum"])
    rng = sb.rng()
    p = with_payload(ip_header(4, rng, "udp") / transport("udp", rng, 4), 64, rng)
    add_pkt(bad_checksum(p, "UDP"), "raw IPv4 bad UDP checksum", ["bad_udp_checksum"])
    rng = sb.rng()
    p = with_payload(ip_header(6, rng, "udp") / transport("udp", rng, 6), 64, rng)
    add_pkt(bad_checksum(p, "UDP"), "raw IPv6 bad UDP checksum", ["bad_udp_checksum"])
    rng = sb.rng()
    full = bytes(with_payload(ip_header(4, rng, "udp") / transport("udp", rng, 4), 16, rng))
    sb.add(full[:10], ["IP(truncated)"], "raw IPv4 header cut short (10 of 20 bytes)",
           odd_kinds=["truncated_ip"])
    rng = sb.rng()
    full = bytes(with_payload(ip_header(6, rng, "udp") / transport("udp", rng, 6), 16, rng))
    sb.add(full[:20], ["IPv6(truncated)"], "raw IPv6 header cut short (20 of 40 bytes)",
           odd_kinds=["truncated_ip"])
    rng = sb.rng()
    full = bytes(with_payload(ip_header(4, rng, "tcp") / transport("tcp", rng, 4), 16, rng))
    sb.add(full[:20 + 8], ["IP", "TCP(truncated)"], "raw IPv4, TCP header cut short (8 of 20 bytes)",
           odd_kinds=["truncated_tcp"])
    rng = sb.rng()
    full = bytes(with_payload(ip_header(6, rng, "tcp") / transport("tcp", rng, 6), 16, rng))
    sb.add(full[:40 + 12], ["IPv6", "TCP(truncated)"], "raw IPv6, TCP header cut short (12 of 20 bytes)",
           odd_kinds=["truncated_tcp"])
    rng = sb.rng()
    full = bytes(with_payload(ip_header(4, rng, "udp") / transport("udp", rng, 4), 2000, rng))
    sb.add(full[:1000], ["IP", "UDP", "Raw(truncated)"], "raw IPv4 total length 2028, packet ends at 1000",
           odd_kinds=["length_mismatch"])
    rng = sb.rng()
    p = with_payload(ip_header(6, rng, "udp") / transport("udp", rng, 6), 20, rng)
    sb.add(bytes(p) + rng.bytes(30), layer_names(p) + ["Trailer"],
           "raw IPv6 with 30 trailing bytes beyond payload length", odd_kinds=["length_mismatch"])
    rng = sb.rng()
    add_pkt(ip_header(4, rng, "udp") / transport("udp", rng, 4), "raw IPv4/UDP empty payload (28 bytes)",
            ["empty_payload"])
    rng = sb.rng()
    add_pkt(ip_header(6, rng, "udp", nh=59), "raw IPv6 header only, no next header (40 bytes)",
            ["empty_payload"])
    rng = sb.rng()
    p = ip_header(4, rng, "udp", proto=17, frag=100) / sa.Raw(rng.bytes(200))
    add_pkt(p, "raw IPv4 non-first fragment (offset 800)", ["fragment"])
    rng = sb.rng()
    p = with_payload(ip_header(6, rng, "udp") / sa.IPv6ExtHdrFragment(offset=0, m=1, id=rng.u32()) /
                     transport("udp", rng, 6), 100, rng)
    add_pkt(p, "raw IPv6 first fragment", ["fragment"])
    rng = sb.rng()
    add_pkt(with_payload(ip_header(4, rng, "udp", proto=253), 40, rng),
            "raw IPv4 protocol 253 (experimental)", ["non_tcp_udp"])
    return sb


# --------------------------------------------------------------------------------------------
# sets: protocols / protocols_l3 (what memif carries in real deployments)

BCAST_MAC, MCAST4_MAC, MCAST6_MAC = "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb", "33:33:00:00:00:01"
SNMC6_MAC, SNMC6 = "33:33:ff:00:00:02", "ff02::1:ff00:2"     # solicited-node of 2001:db8::2
VNI, GENEVE_VNI = 4242, 4243
MPLS_LABELS = (16001, 24002)


def max_ip_options():
    """A 40-byte IPv4 option block (IHL 15): Record Route with nine slots + EOL."""
    sa = _scapy()
    return [sa.IPOption_RR(routers=[f"203.0.113.{i}" for i in range(1, 10)]), sa.IPOption_EOL()]


def max_tcp_options(rng: Stream):
    """A 40-byte TCP option block (data offset 15)."""
    left = rng.u32()
    return [("MSS", 1460), ("NOP", None), ("NOP", None),
            ("SAck", (left, (left + 1448) & 0xFFFFFFFF, (left + 2896) & 0xFFFFFFFF,
                      (left + 4344) & 0xFFFFFFFF)),
            ("NOP", None), ("NOP", None), ("Timestamp", (rng.u32(), rng.u32())), ("NOP", None),
            ("WScale", 7)]


def inner_frame(rng: Stream, n: int):
    """An Ethernet/IPv4/UDP frame carried in a tunnel."""
    sa = _scapy()
    return with_payload(sa.Ether(dst="02:00:00:00:00:0b", src="02:00:00:00:00:0a") /
                        sa.IP(src="10.0.0.1", dst="10.0.0.2", id=rng.u16(), ttl=64) /
                        sa.UDP(sport=rng.randint(49152, 65535), dport=5201), n, rng)


def ip_packets(rng_of):
    """(packet, purpose, odd kinds) of the IP-level protocol cases: each an IP
    packet (no link header); rng_of() gives the next packet's stream."""
    sa = _scapy()
    out = []
    rng = rng_of()
    out.append((with_payload(ip_header(4, rng, "icmp", proto=1) /
                             sa.ICMP(type=8, id=rng.u16(), seq=1), 56, rng),
                "ICMP echo request (IPv4, 56-byte payload)", ()))
    rng = rng_of()
    out.append((with_payload(sa.IP(src=IP4_B, dst=IP4_A, id=rng.u16(), ttl=64) /
                             sa.ICMP(type=0, id=rng.u16(), seq=1), 56, rng),
                "ICMP echo reply (IPv4)", ()))
    rng = rng_of()
    out.append((with_payload(ip_header(6, rng, "icmp", nh=58) /
                             sa.ICMPv6EchoRequest(id=rng.u16(), seq=1), 56, rng),
                "ICMPv6 echo request", ()))
    rng = rng_of()
    out.append((with_payload(sa.IPv6(src=IP6_B, dst=IP6_A, hlim=64) /
                             sa.ICMPv6EchoReply(id=rng.u16(), seq=1), 56, rng),
                "ICMPv6 echo reply", ()))
    rng = rng_of()
    out.append((sa.IPv6(src=IP6_A, dst=SNMC6, hlim=255) / sa.ICMPv6ND_NS(tgt=IP6_B) /
                sa.ICMPv6NDOptSrcLLAddr(lladdr=MAC_A),
                "ICMPv6 neighbour solicitation to the solicited-node multicast address", ()))
    rng = rng_of()
    out.append((sa.IPv6(src=IP6_B, dst=IP6_A, hlim=255) / sa.ICMPv6ND_NA(tgt=IP6_B, R=0, S=1, O=1) /
                sa.ICMPv6NDOptDstLLAddr(lladdr=MAC_B), "ICMPv6 neighbour advertisement", ()))
    rng = rng_of()
    out.append((ip_header(4, rng, "udp") / sa.UDP(sport=rng.randint(49152, 65535), dport=4789) /
                sa.VXLAN(vni=VNI, flags=0x08) / inner_frame(rng, 200),
                "VXLAN (UDP 4789) carrying Ethernet/IPv4/UDP", ()))
    rng = rng_of()
    out.append((ip_header(6, rng, "udp") / sa.UDP(sport=rng.randint(49152, 65535), dport=6081) /
                contrib("geneve", "GENEVE")(vni=GENEVE_VNI, proto=0x6558) / inner_frame(rng, 300),
                "Geneve (UDP 6081, IPv6 underlay) carrying Ethernet/IPv4/UDP", ()))
    rng = rng_of()
    out.append((ip_header(4, rng, "gre", proto=47) / sa.GRE(proto=0x0800) /
                with_payload(sa.IP(src="10.0.0.1", dst="10.0.0.2", id=rng.u16()) /
                             transport("tcp", rng, 4, flags="PA"), 120, rng),
                "GRE carrying IPv4/TCP", ()))
    rng = rng_of()
    out.append((ip_header(4, rng, "gre", proto=47) / sa.GRE(key_present=1, key=rng.u32(), proto=0x6558) /
                inner_frame(rng, 64), "GRE with key carrying Ethernet (NVGRE-like)", ()))
    rng = rng_of()
    out.append((ip_header(4, rng, "ipip", proto=4) /
                with_payload(sa.IP(src="10.0.0.1", dst="10.0.0.2", id=rng.u16()) /
                             transport("udp", rng, 4), 100, rng), "IP-in-IP (IPv4 in IPv4)", ()))
    rng = rng_of()
    out.append((ip_header(6, rng, "ipip", nh=41) /
                with_payload(sa.IPv6(src="2001:db8:1::1", dst="2001:db8:1::2") /
                             transport("tcp", rng, 6, flags="PA"), 80, rng),
                "IPv6 in IPv6", ()))
    rng = rng_of()
    frag_id = rng.u32()
    out.append((sa.IPv6(src=IP6_A, dst=IP6_B, hlim=64, fl=rng.uint(3) & 0xFFFFF) /
                sa.IPv6ExtHdrFragment(nh=17, offset=185, m=0, id=frag_id) / sa.Raw(rng.bytes(600)),
                "IPv6 non-first fragment (offset 1480, last, no UDP header)", ("fragment",)))
    rng = rng_of()
    out.append((with_payload(ip_header(4, rng, "udp", options=max_ip_options()) /
                             transport("udp", rng, 4), 80, rng),
                "IPv4 with a 40-byte option block (IHL 15: Record Route) / UDP", ()))
    rng = rng_of()
    tcp = transport("tcp", rng, 4, flags="PA")
    tcp.options = max_tcp_options(rng)
    out.append((with_payload(ip_header(4, rng, "tcp") / tcp, 100, rng),
                "IPv4/TCP with a 40-byte option block (data offset 15)", ()))
    rng = rng_of()
    tcp = transport("tcp", rng, 6, flags="SA")
    tcp.options = max_tcp_options(rng)
    out.append((ip_header(6, rng, "tcp") / tcp, "IPv6/TCP SYN-ACK with a 40-byte option block", ()))
    rng = rng_of()
    out.append((with_payload(sa.IP(src=IP4_A, dst="255.255.255.255", id=rng.u16(), ttl=64) /
                             sa.UDP(sport=68, dport=67), 300, rng),
                "IPv4/UDP to the limited broadcast address (DHCP ports)", ()))
    rng = rng_of()
    out.append((with_payload(sa.IP(src=IP4_A, dst="224.0.0.251", id=rng.u16(), ttl=255) /
                             sa.UDP(sport=5353, dport=5353), 120, rng),
                "IPv4/UDP to a multicast group (mDNS)", ()))
    rng = rng_of()
    out.append((with_payload(sa.IPv6(src=IP6_A, dst="ff02::1", hlim=1) /
                             sa.UDP(sport=rng.randint(49152, 65535), dport=521), 60, rng),
                "IPv6/UDP to all-nodes multicast ff02::1", ()))
    return out


def link_header(pkt_ip):
    """The Ethernet header an IP packet travels under: broadcast and multicast
    destinations get their group MAC."""
    sa = _scapy()
    dst = MAC_B
    ip = pkt_ip
    if ip.haslayer(sa.IP):
        if ip[sa.IP].dst == "255.255.255.255":
            dst = BCAST_MAC
        elif ip[sa.IP].dst.startswith("224."):
            dst = MCAST4_MAC
    elif ip[sa.IPv6].dst == SNMC6:
        dst = SNMC6_MAC
    elif ip[sa.IPv6].dst.startswith("ff02::1"):
        dst = MCAST6_MAC
    return sa.Ether(dst=dst, src=MAC_A)


def build_protocols() -> SetBuilder:
    sa = _scapy()
    sb = SetBuilder("protocols", LINKTYPE_ETHERNET,
                    "Ethernet frames of the traffic memif carries in deployments: ICMP and "
                    "ICMPv6 (echo, neighbour discovery), VXLAN, Geneve, GRE, MPLS, IP-in-IP, "
                    "broadcast and multicast destinations, a non-first IPv6 fragment, IPv4 and "
                    "TCP option blocks at their maximum length, ARP to broadcast.")
    for pkt, purpose, kinds in ip_packets(sb.rng):
        frame = link_header(pkt) / pkt
        data, layers = pad60(bytes(frame), layer_names(frame))
        sb.add(data, layers, purpose, odd_kinds=kinds)
    rng = sb.rng()
    mpls = contrib("mpls", "MPLS")
    stack = sa.Ether(dst=MAC_B, src=MAC_A, type=0x8847) / mpls(label=MPLS_LABELS[0], s=0, ttl=64) / \
        mpls(label=MPLS_LABELS[1], s=1, ttl=64)
    pkt = with_payload(stack / ip_header(4, rng, "udp") / transport("udp", rng, 4), 200, rng)
    sb.add(bytes(pkt), layer_names(pkt), "MPLS, two labels, carrying IPv4/UDP")
    rng = sb.rng()
    pkt = sa.Ether(dst=BCAST_MAC, src=MAC_A) / sa.ARP(op=1, hwsrc=MAC_A, psrc=IP4_A,
                                                      hwdst="00:00:00:00:00:00", pdst=IP4_B)
    data, layers = pad60(bytes(pkt), layer_names(pkt))
    sb.add(data, layers, "ARP request to broadcast", odd_kinds=("arp",))
    return sb


def build_protocols_l3() -> SetBuilder:
    sb = SetBuilder("protocols_l3", LINKTYPE_RAW,
                    "The IP packets of the protocols set without their Ethernet header, for memif "
                    "ip mode: ICMP, ICMPv6, tunnels (VXLAN, Geneve, GRE, IP-in-IP), a non-first "
                    "IPv6 fragment, maximum option blocks, broadcast and multicast addresses.")
    for pkt, purpose, kinds in ip_packets(sb.rng):
        sb.add(bytes(pkt), layer_names(pkt), f"raw {purpose}", odd_kinds=kinds)
    return sb


# --------------------------------------------------------------------------------------------
# sets: giant / giant_l3 (up to 65535 bytes, for peers that declare such frames)

GIANT_SIZES = [9019, 16384, 16385, 32767, 32768, 49152, 65534, 65535]
GIANT_L3_SIZES = [9001, 16384, 32768, 65535]


def build_giant() -> SetBuilder:
    sb = SetBuilder("giant", LINKTYPE_ETHERNET,
                    "Ethernet frames from 9019 to 65535 bytes (the largest a 16-bit length "
                    "allows), around multiples of 2048 and 16384: IPv4 and IPv6, TCP and UDP, "
                    "for peers that declare a max_frame above 9018.")
    for i, size in enumerate(GIANT_SIZES):
        for ipver, proto in ((4, ("udp", "tcp")[i % 2]), (6, ("tcp", "udp")[i % 2])):
            rng = sb.rng()
            hdr = l2_prefix("none", rng) / ip_header(ipver, rng, proto) / \
                transport(proto, rng, ipver, flags="PA")
            pkt = sized(hdr, size, rng)
            sb.add(bytes(pkt), layer_names(pkt), f"{size_note(size, {})}; {variant_label('none', ipver, proto)}")
    return sb


def build_giant_l3() -> SetBuilder:
    sb = SetBuilder("giant_l3", LINKTYPE_RAW,
                    "Raw IPv4/IPv6 packets from 9001 to 65535 bytes for memif ip mode.")
    for i, size in enumerate(GIANT_L3_SIZES):
        for ipver, proto in ((4, ("udp", "tcp")[i % 2]), (6, ("tcp", "udp")[i % 2])):
            rng = sb.rng()
            hdr = ip_header(ipver, rng, proto) / transport(proto, rng, ipver, flags="PA")
            pkt = sized(hdr, size, rng)
            sb.add(bytes(pkt), layer_names(pkt), f"{size_note(size, {})}; raw IPv{ipver}/{proto.upper()}")
    return sb


BUILDERS = [build_l2, build_sizes, build_l3, build_odd, build_l3_odd, build_protocols,
            build_protocols_l3, build_giant, build_giant_l3]


# --------------------------------------------------------------------------------------------
# output

def pcap_bytes(linktype: int, packets: list[bytes]) -> bytes:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, PCAP_SNAPLEN, linktype)]
    for i, data in enumerate(packets):
        assert i < 1_000_000
        out.append(struct.pack("<IIII", TS_BASE, i, len(data), len(data)))
        out.append(data)
    return b"".join(out)


def manifest_text(sets: list[SetBuilder]) -> str:
    """JSON, one packet per line so diffs and --check reports point at a packet."""
    head = {
        "schema": SCHEMA_VERSION,
        "generator": {"name": GENERATOR_NAME, "version": GENERATOR_VERSION, "scapy": SCAPY_PINNED},
        "seed": SEED,
        "buffer_sizes": list(BUFFER_SIZES),
        "pcap": {"format": "libpcap 2.4, little-endian, microsecond timestamps",
                 "snaplen": PCAP_SNAPLEN,
                 "timestamps": f"record i: ts_sec={TS_BASE}, ts_usec=i"},
    }
    lines = ["{"]
    for key, val in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(val, sort_keys=True)},")
    lines.append('  "sets": [')
    for si, sb in enumerate(sets):
        meta = {"name": sb.name, "file": f"{sb.name}.pcap", "linktype": sb.linktype,
                "linktype_name": LINKTYPE_NAMES[sb.linktype], "count": len(sb.packets),
                "bytes": sum(len(p["data"]) for p in sb.packets), "description": sb.description}
        lines.append("    {")
        for key, val in meta.items():
            lines.append(f"      {json.dumps(key)}: {json.dumps(val)},")
        lines.append('      "packets": [')
        for i, p in enumerate(sb.packets):
            rec = {
                "index": i,
                "name": f"{sb.name}/{i:04d}",
                "length": len(p["data"]),
                "sha256": hashlib.sha256(p["data"]).hexdigest(),
                "layers": p["layers"],
                "purpose": p["purpose"],
                "l3": p["l3"],
                "odd": p["odd"],
                "odd_kinds": p["odd_kinds"],
                "boundary": boundaries(len(p["data"])),
            }
            sep = "," if i < len(sb.packets) - 1 else ""
            lines.append(f"        {json.dumps(rec)}{sep}")
        lines.append("      ]")
        lines.append("    }" + ("," if si < len(sets) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def build_all() -> dict[str, bytes]:
    """All output files: name -> content."""
    sets = [builder() for builder in BUILDERS]
    files = {f"{sb.name}.pcap": pcap_bytes(sb.linktype, [p["data"] for p in sb.packets]) for sb in sets}
    files["manifest.json"] = manifest_text(sets).encode()
    return files


def write(out: Path, files: dict[str, bytes]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (out / name).write_bytes(content)


# --------------------------------------------------------------------------------------------
# --check

def _loader():
    """vectors/__init__.py (the pcap reader), loaded by path so the repo root need not be on sys.path."""
    name = "_vectors_loader"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "__init__.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def describe_pcap_diff(name: str, want: bytes, have: bytes) -> str:
    """First difference between two pcap files, by packet and offset."""
    rd = _loader()
    try:
        lt_w, pk_w = rd.parse_pcap(want, name + " (regenerated)")
        lt_h, pk_h = rd.parse_pcap(have, name + " (committed)")
    except rd.VectorError as exc:
        return f"{name}: committed file is not a readable pcap: {exc}"
    if lt_w != lt_h:
        return f"{name}: linktype differs: committed {lt_h}, regenerated {lt_w}"
    for i, (w, h) in enumerate(zip(pk_w, pk_h)):
        if w != h:
            off = next((j for j, (a, b) in enumerate(zip(w, h)) if a != b), min(len(w), len(h)))
            return (f"{name}: packet {i} differs at byte offset {off} "
                    f"(committed length {len(h)}, regenerated {len(w)}; "
                    f"committed {h[off:off + 8].hex() or '<end>'}, regenerated {w[off:off + 8].hex() or '<end>'})")
    if len(pk_w) != len(pk_h):
        return f"{name}: packet count differs: committed {len(pk_h)}, regenerated {len(pk_w)}"
    off = next((j for j, (a, b) in enumerate(zip(want, have)) if a != b), min(len(want), len(have)))
    return f"{name}: packets equal but file differs at file offset {off} (pcap header/record header)"


def describe_text_diff(name: str, want: bytes, have: bytes) -> str:
    wl = want.decode(errors="replace").splitlines()
    hl = have.decode(errors="replace").splitlines()
    for i, (w, h) in enumerate(zip(wl, hl)):
        if w != h:
            diff = "\n".join(difflib.unified_diff([h], [w], "committed", "regenerated", lineterm="", n=0))
            return f"{name}: first difference at line {i + 1}:\n{diff}"
    return f"{name}: differs in length (committed {len(hl)} lines, regenerated {len(wl)})"


def check(committed: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="vectors-check-") as tmp:
        tmpdir = Path(tmp)
        files = build_all()                     # pcaps in set order, then manifest.json
        write(tmpdir, files)
        fresh = {name: (tmpdir / name).read_bytes() for name in files}
    problems = []
    for name, want in fresh.items():
        path = committed / name
        if not path.exists():
            problems.append(f"{name}: missing from {committed}")
            continue
        have = path.read_bytes()
        if have == want:
            continue
        if name.endswith(".pcap"):
            problems.append(describe_pcap_diff(name, want, have))
        else:
            problems.append(describe_text_diff(name, want, have))
    for stale in sorted(committed.glob("*.pcap")):
        if stale.name not in fresh:
            problems.append(f"{stale.name}: stale file not produced by the generator")
    if problems:
        print(f"vectors --check FAILED ({len(problems)} file(s)); first: {problems[0]}", file=sys.stderr)
        for p in problems[1:]:
            print(f"  also: {p}", file=sys.stderr)
        return 1
    print(f"vectors --check OK: {len(fresh)} files identical in {committed}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: the directory of this script)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare byte for byte with --out")
    args = ap.parse_args(argv)
    if args.check:
        return check(args.out)
    files = build_all()
    write(args.out, files)
    total = sum(len(c) for n, c in files.items() if n.endswith(".pcap"))
    manifest = json.loads(files["manifest.json"])
    for s in manifest["sets"]:
        print(f"{s['file']:<14} linktype {s['linktype']:>3}  {s['count']:>4} packets  "
              f"{s['bytes']:>8} bytes")
    print(f"total pcap size {total} bytes -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
