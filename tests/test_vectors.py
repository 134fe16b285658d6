# SPDX-License-Identifier: Apache-2.0
"""Tests for the packet vectors (memif_conformance/vectors: generate.py, *.pcap, manifest.json).

Only `test_generate_check` needs scapy (it regenerates everything); the rest use the pure-Python
loader plus a small independent header/checksum parser defined here.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from memif_conformance import vectors

VEC_DIR = vectors.DEFAULT_ROOT
GENERATE = VEC_DIR / "generate.py"
BUFFER_SIZES = (1024, 2048)
L2_MIN, L2_MAX, L3_MAX = 60, 9018, 9000
REQUIRED_L2_SIZES = {60, 64, 128, 256, 512, 1500, 1514, 1518, 9000, 9018}
GIANT_MAX = 65535
REQUIRED_ODD_KINDS = {
    "bad_ip_checksum", "bad_tcp_checksum", "bad_udp_checksum",   # bad IP/TCP/UDP checksums
    "truncated_ip", "truncated_tcp",                              # headers cut short
    "empty_payload",
    "arp", "lldp", "ethertype_88b5", "dot3_length",               # non-IP ethertypes, 802.3
    "runt", "all_zero", "all_ff",
}


def boundary_sizes(buf: int, upper: int) -> set[int]:
    out, k = set(), 1
    while k * buf + 2 <= upper:
        out.update(range(k * buf - 2, k * buf + 3))
        k += 1
    return out


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((VEC_DIR / "manifest.json").read_text())


@pytest.fixture(scope="module")
def all_vectors() -> list[vectors.Vector]:
    return vectors.load()


# ---------------------------------------------------------------------------------------------
# independent parser: finds the IP header, verifies IPv4/TCP/UDP checksums

def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def ip_offset(frame: bytes) -> int | None:
    """Offset of the IP header in an Ethernet frame (through 802.1Q/802.1ad tags and an
    MPLS label stack), else None."""
    off = 12
    while len(frame) >= off + 2:
        etype = int.from_bytes(frame[off:off + 2], "big")
        if etype in (0x8100, 0x88A8):
            off += 4
            continue
        if etype == 0x8847:                                # MPLS: labels up to bottom of stack
            off += 2
            while len(frame) >= off + 4 and not frame[off + 2] & 1:
                off += 4
            return off + 4 if len(frame) > off + 4 and frame[off + 4] >> 4 in (4, 6) else None
        return off + 2 if etype in (0x0800, 0x86DD) else None
    return None


def checksums(pkt: bytes) -> dict[str, bool]:
    """{'ip': ok, 'tcp'|'udp'|'icmp'|'icmpv6': ok} for a raw IP packet (IPv6 has no header
    checksum: 'ip' is True; fragments and tunnels: the outer header only)."""
    out: dict[str, bool] = {"ip": True}
    if pkt[0] >> 4 == 4:
        ihl = (pkt[0] & 0xF) * 4
        total = int.from_bytes(pkt[2:4], "big")
        out["ip"] = _csum(pkt[:ihl]) == 0xFFFF
        if int.from_bytes(pkt[6:8], "big") & 0x3FFF:      # MF or offset: a fragment
            return out
        proto, l4 = pkt[9], pkt[ihl:total]
        pseudo = pkt[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    else:
        plen = int.from_bytes(pkt[4:6], "big")
        src, dst, nh, off = pkt[8:24], pkt[24:40], pkt[6], 40
        while nh in (0, 43, 60, 44):
            if nh == 44:
                return out
            if nh == 43 and pkt[off + 3]:                 # routing header: final destination
                dst = pkt[off + 8 + 16 * (pkt[off + 3] - 1): off + 8 + 16 * pkt[off + 3]]
            nh, off = pkt[off], off + (pkt[off + 1] + 1) * 8
        proto, l4 = nh, pkt[off:40 + plen]
        pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
    if proto == 6:
        out["tcp"] = _csum(pseudo + l4) == 0xFFFF
    elif proto == 1:
        out["icmp"] = _csum(l4) == 0xFFFF
    elif proto == 58:
        out["icmpv6"] = _csum(pseudo + l4) == 0xFFFF
    elif proto == 17:
        stored = int.from_bytes(l4[6:8], "big")
        out["udp"] = (stored == 0 and pkt[0] >> 4 == 4) or (stored != 0 and _csum(pseudo + l4) == 0xFFFF)
    return out


def ip_part(v: vectors.Vector) -> bytes | None:
    if v.l3:
        return v.data
    off = ip_offset(v.data)
    return None if off is None else v.data[off:]


# ---------------------------------------------------------------------------------------------

def test_generate_check():
    """Regenerating gives byte-identical pcaps and manifest (what CI checks)."""
    pytest.importorskip("scapy")
    res = subprocess.run([sys.executable, str(GENERATE), "--check"], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "OK" in res.stdout


def test_manifest_shape(manifest):
    assert manifest["generator"]["version"]
    assert isinstance(manifest["seed"], int)
    assert vectors.sets() == [s["name"] for s in manifest["sets"]]
    assert set(vectors.sets()) >= {"l2", "sizes", "l3", "odd"}
    for s in manifest["sets"]:
        assert (VEC_DIR / s["file"]).is_file()
        assert s["linktype"] in (vectors.LINKTYPE_ETHERNET, vectors.LINKTYPE_RAW)
        assert s["count"] == len(s["packets"]) > 0
        for i, p in enumerate(s["packets"]):
            assert p["index"] == i and p["name"] == f"{s['name']}/{i:04d}"
            assert p["purpose"] and p["layers"]
            assert p["l3"] == (s["linktype"] == vectors.LINKTYPE_RAW)
            assert p["odd"] == bool(p["odd_kinds"])


def test_manifest_hashes_match_pcaps(manifest):
    """Independent of the loader: hash every pcap record and compare with the manifest."""
    for s in manifest["sets"]:
        linktype, packets = vectors.read_pcap(VEC_DIR / s["file"])
        assert linktype == s["linktype"]
        assert [hashlib.sha256(p).hexdigest() for p in packets] == [p["sha256"] for p in s["packets"]]
        assert [len(p) for p in packets] == [p["length"] for p in s["packets"]]
        assert len({p["sha256"] for p in s["packets"]}) == len(packets), "duplicate packets in set"


def test_loader(all_vectors, manifest):
    assert len(all_vectors) == sum(s["count"] for s in manifest["sets"])
    for name in vectors.sets():
        vs = vectors.load(name)
        assert vs and all(v.set == name for v in vs)
        assert [v.index for v in vs] == list(range(len(vs)))
    v = all_vectors[0]
    assert isinstance(v.data, bytes) and v.length == len(v.data)
    assert v.sha256 == hashlib.sha256(v.data).hexdigest()
    with pytest.raises(KeyError):
        vectors.load("no-such-set")


def test_loader_does_not_import_scapy():
    code = ("from memif_conformance import vectors; import sys; vectors.load(); "
            "assert not any(m == 'scapy' or m.startswith('scapy.') for m in sys.modules), 'scapy imported'")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_total_size_budget(manifest):
    total = sum((VEC_DIR / s["file"]).stat().st_size for s in manifest["sets"])
    assert total < 3 * 1024 * 1024, f"pcaps total {total} bytes"


@pytest.mark.parametrize("buf", BUFFER_SIZES)
def test_l2_buffer_boundaries_present(buf):
    lengths = {v.length for v in vectors.load("sizes")}
    missing = sorted(boundary_sizes(buf, L2_MAX) - lengths)
    assert not missing, f"sizes set lacks {buf}-buffer boundary lengths {missing}"
    tagged = {(b["k"], b["delta"]) for v in vectors.load("sizes") for b in v.boundary if b["buffer"] == buf}
    assert len(tagged) == len(boundary_sizes(buf, L2_MAX))


@pytest.mark.parametrize("buf", BUFFER_SIZES)
def test_l3_buffer_boundaries_present(buf):
    lengths = {v.length for v in vectors.load("l3")}
    missing = sorted(boundary_sizes(buf, L3_MAX) - lengths)
    assert not missing, f"l3 set lacks {buf}-buffer boundary lengths {missing}"


def test_l2_sizes_range():
    vs = vectors.load("sizes")
    lengths = {v.length for v in vs}
    assert REQUIRED_L2_SIZES <= lengths, sorted(REQUIRED_L2_SIZES - lengths)
    assert min(lengths) == L2_MIN and max(lengths) == L2_MAX
    for v in vs:
        assert not v.l3 and not v.odd


def test_l2_set_coverage():
    vs = vectors.load("l2")
    stacks = {tuple(x for x in v.layers if x not in ("Raw", "Padding")) for v in vs}
    for encap in ((), ("Dot1Q",), ("Dot1AD", "Dot1Q")):
        for ip in ("IP", "IPv6"):
            for l4 in ("TCP", "UDP"):
                assert ("Ether", *encap, ip, l4) in stacks, (encap, ip, l4)
    for v in vs:
        assert len(v.data) >= L2_MIN
    # QinQ frames: outer TPID 0x88a8, inner 0x8100
    qinq = [v for v in vs if "Dot1AD" in v.layers]
    assert qinq and all(v.data[12:14] == b"\x88\xa8" and v.data[16:18] == b"\x81\x00" for v in qinq)


def test_l3_packets_start_with_ip_version(all_vectors):
    l3 = [v for v in all_vectors if v.l3]
    assert l3
    for v in l3:
        assert v.linktype == vectors.LINKTYPE_RAW
        assert v.data[0] >> 4 in (4, 6), v
        if not v.odd:   # well-formed: the IP length field covers exactly the packet
            n = int.from_bytes(v.data[2:4], "big") if v.data[0] >> 4 == 4 else \
                40 + int.from_bytes(v.data[4:6], "big")
            assert n == v.length, v


def test_valid_packets_have_valid_checksums(all_vectors):
    for v in all_vectors:
        if v.odd:
            continue
        pkt = ip_part(v)
        assert pkt is not None, v
        res = checksums(pkt)
        assert res and all(res.values()), (v, res)


def test_odd_kinds_present(all_vectors):
    odd = [v for v in all_vectors if v.odd]
    kinds = {k for v in odd for k in v.odd_kinds}
    assert REQUIRED_ODD_KINDS <= kinds, sorted(REQUIRED_ODD_KINDS - kinds)
    assert all(v.odd for v in vectors.load("odd"))


def test_odd_packets_are_what_they_claim():
    by_kind: dict[str, list[vectors.Vector]] = {}
    for v in vectors.load("odd") + (vectors.load("l3_odd") if "l3_odd" in vectors.sets() else []):
        for k in v.odd_kinds:
            by_kind.setdefault(k, []).append(v)
    for kind, field in (("bad_ip_checksum", "ip"), ("bad_tcp_checksum", "tcp"), ("bad_udp_checksum", "udp")):
        for v in by_kind[kind]:
            assert checksums(ip_part(v))[field] is False, v
    runts = {v.length for v in by_kind["runt"]}
    assert {14, 20, 42} <= runts and all(n < 60 for n in runts)
    assert all(set(v.data) == {0} for v in by_kind["all_zero"])
    assert all(set(v.data) == {0xFF} for v in by_kind["all_ff"])
    assert all(v.data[12:14] == b"\x08\x06" for v in by_kind["arp"])
    assert all(v.data[12:14] == b"\x88\xcc" for v in by_kind["lldp"])
    assert all(v.data[12:14] == b"\x88\xb5" for v in by_kind["ethertype_88b5"])
    assert all(int.from_bytes(v.data[12:14], "big") <= 1500 for v in by_kind["dot3_length"])
    for v in by_kind["truncated_ip"]:
        pkt = ip_part(v) or v.data[14:]
        hdr = (pkt[0] & 0xF) * 4 if pkt[0] >> 4 == 4 else 40
        assert len(pkt) < hdr, v
    for v in by_kind["truncated_tcp"]:
        pkt = ip_part(v)
        ihl = (pkt[0] & 0xF) * 4 if pkt[0] >> 4 == 4 else 40
        assert len(pkt) - ihl < 20 or len(pkt) - ihl < (pkt[ihl + 12] >> 4) * 4, v


def test_loader_rejects_corrupted_pcap(tmp_path, manifest):
    for s in manifest["sets"]:
        shutil.copy(VEC_DIR / s["file"], tmp_path / s["file"])
    shutil.copy(VEC_DIR / "manifest.json", tmp_path / "manifest.json")
    assert len(vectors.load("odd", root=tmp_path)) == manifest["sets"][vectors.sets().index("odd")]["count"]

    # flip one byte inside packet 3 of odd.pcap
    path = tmp_path / "odd.pcap"
    blob = bytearray(path.read_bytes())
    off = 24
    for _ in range(3):
        off += 16 + struct.unpack_from("<I", blob, off + 8)[0]
    blob[off + 16 + 5] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(vectors.VectorIntegrityError, match=r"odd/0003"):
        vectors.load("odd", root=tmp_path)
    with pytest.raises(vectors.VectorIntegrityError):
        vectors.load(root=tmp_path)
    vectors.load("l2", root=tmp_path)   # other sets still load

    # a truncated file is rejected as malformed
    (tmp_path / "l2.pcap").write_bytes((VEC_DIR / "l2.pcap").read_bytes()[:-7])
    with pytest.raises(vectors.VectorError):
        vectors.load("l2", root=tmp_path)


def test_protocol_sets_cover_what_memif_carries():
    """ICMP/ICMPv6 (echo, neighbour discovery), VXLAN, Geneve, GRE, MPLS,
    IP-in-IP, broadcast and multicast, a non-first IPv6 fragment, maximum
    IPv4 and TCP option blocks; the L3 set the same without Ethernet."""
    l2 = vectors.load("protocols")
    layers = {x for v in l2 for x in v.layers}
    assert {"ICMP", "ICMPv6EchoRequest", "ICMPv6EchoReply", "ICMPv6ND_NS", "ICMPv6ND_NA",
            "VXLAN", "GENEVE", "GRE", "MPLS", "IPv6ExtHdrFragment"} <= layers
    dsts = {v.data[:6] for v in l2}
    assert b"\xff" * 6 in dsts and any(d[0] & 1 and d != b"\xff" * 6 for d in dsts)
    frag = [v for v in l2 if "IPv6ExtHdrFragment" in v.layers][0]
    ip6 = frag.data[14:]
    assert int.from_bytes(ip6[42:44], "big") >> 3 > 0, "the fragment is not the first"
    ip4_opts = [v for v in l2 if v.data[12:14] == b"\x08\x00" and v.data[14] & 0xF == 15]
    assert ip4_opts, "an IPv4 header with a 40-byte option block (IHL 15)"
    tcp_opts = [v for v in l2 if "TCP" in v.layers and v.data[12:14] == b"\x08\x00"
                and v.data[14 + (v.data[14] & 0xF) * 4 + 12] >> 4 == 15]
    assert tcp_opts, "a TCP header with a 40-byte option block (data offset 15)"
    l3 = vectors.load("protocols_l3")
    assert all(v.l3 for v in l3) and len(l3) == len([v for v in l2 if "IP" in v.layers[1:2]
                                                     or "IPv6" in v.layers[1:2]])


def test_giant_sets_reach_65535_bytes():
    for name in ("giant", "giant_l3"):
        lengths = {v.length for v in vectors.load(name)}
        assert max(lengths) == GIANT_MAX and min(lengths) > (L2_MAX if name == "giant" else L3_MAX)
