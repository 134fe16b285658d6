# SPDX-License-Identifier: Apache-2.0
"""XDP programs for the conformance suite, through bcc: prerequisites,
compile and load (with BPF_F_XDP_HAS_FRAGS), attach in a namespace, read
the counter's maps; and the expectations computed from the vectors.

The C sources are in memif_conformance/xdp/ (counter.c, reflector.c, xsk.c); their
comments define what they count.  bcc 0.26 cannot pass program flags, so
load() takes the bytecode bcc compiled (map fds already in it) and loads it
with the bpf(2) syscall itself: native XDP on a veth whose MTU is above
about 3.5 KB accepts only programs that declare multi-buffer support.
"""

import ctypes
import ctypes.util
import functools
import os
import platform
import struct
from pathlib import Path

from .netns import inside

XDP_DIR = Path(__file__).resolve().parent / "xdp"
CLASSES = ("non_ip", "ip4_tcp", "ip4_udp", "ip4_other", "ip6_tcp", "ip6_udp", "ip6_other")
HASH_MAX = 9216                      # must match counter.c
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = (1 << 64) - 1
MODES = {"skb": 2, "drv": 4}         # XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE
KERNEL_MODE = {"drv": 1, "skb": 2}   # IFLA_XDP_ATTACHED values `ip -j link` reports

BPF_MAP_UPDATE_ELEM = 2
BPF_PROG_LOAD = 5
BPF_PROG_GET_FD_BY_ID = 13
BPF_MAP_GET_FD_BY_ID = 14
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_PROG_TYPE_XDP = 6
BPF_F_XDP_HAS_FRAGS = 1 << 5
_SYS_BPF = {"x86_64": 321, "aarch64": 280}

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


class XdpUnavailable(Exception):
    """A prerequisite for loading XDP programs is missing (the reason)."""


# ---- prerequisites -------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def missing_prerequisite():
    """Why XDP programs cannot be loaded here, or None when they can.
    Cheap checks first; then one real compile and load."""
    if os.geteuid() != 0:
        return "not root: creating namespaces and loading XDP programs needs CAP_SYS_ADMIN/CAP_BPF"
    if platform.machine() not in _SYS_BPF:
        return f"no bpf(2) syscall number known for {platform.machine()}"
    from .netns import missing
    if missing():
        return missing()
    build = Path(f"/lib/modules/{os.uname().release}/build")
    if not build.exists():
        return (f"no kernel headers at {build} (run ci/setup.d/20-bcc as root: it installs "
                f"linux-headers-amd64 and links them there)")
    try:
        import bcc  # noqa: F401
    except ImportError as exc:
        return (f"bcc is not importable ({exc}); run ci/setup.d/20-bcc as root "
                f"(python3-bpfcc, and the .venv .pth link)")
    try:
        prog = Program("reflector.c")
        prog.load("xdp_pass")
        prog.close()
    except Exception as exc:   # noqa: BLE001 - any failure is the reason
        return f"bcc cannot compile/load an XDP program here: {exc}"
    return None


# ---- compile, load, attach -------------------------------------------------------


def _bpf(cmd, attr):
    """bpf(2): the result (an fd or 0), OSError on failure; `attr` is a
    bytearray holding the union bpf_attr fields of `cmd`."""
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = _libc.syscall(_SYS_BPF[platform.machine()], cmd, buf, len(attr))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"bpf({cmd}): {os.strerror(e)}")
    attr[:] = buf.raw
    return r


def _bpf_prog_load(insns, name, flags):
    lic = ctypes.create_string_buffer(b"GPL")
    code = ctypes.create_string_buffer(insns, len(insns))
    attr = bytearray(128)
    # union bpf_attr, BPF_PROG_LOAD: prog_type, insn_cnt, insns, license,
    # log_level, log_size, log_buf, kern_version, prog_flags, prog_name[16]
    struct.pack_into("=IIQQIIQII", attr, 0, BPF_PROG_TYPE_XDP, len(insns) // 8,
                     ctypes.addressof(code), ctypes.addressof(lic), 0, 0, 0, 0, flags)
    attr[48:48 + min(15, len(name))] = name.encode()[:15]
    try:
        return _bpf(BPF_PROG_LOAD, bytearray(attr))
    except OSError as exc:
        err = exc.errno
    # again with the verifier's log, for the message
    log = ctypes.create_string_buffer(1 << 20)
    struct.pack_into("=IIQ", attr, 24, 1, len(log), ctypes.addressof(log))
    try:
        os.close(_bpf(BPF_PROG_LOAD, attr))
    except OSError:
        pass
    tail = log.value.decode(errors="replace")[-3000:]
    raise OSError(err, f"BPF_PROG_LOAD {name}: {os.strerror(err)}\n{tail}")


def obj_id(fd):
    """The kernel-wide id of a BPF program or map fd (BPF_OBJ_GET_INFO_BY_FD:
    bpf_prog_info and bpf_map_info both start with type, id)."""
    info = ctypes.create_string_buffer(64)
    attr = bytearray(16)
    struct.pack_into("=IIQ", attr, 0, fd, len(info), ctypes.addressof(info))
    _bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
    return struct.unpack_from("=I", info.raw, 4)[0]


def fd_by_id(kind, ident):
    """An fd for the program ("prog") or map ("map") with this id: how the
    bridge process uses programs this process compiled (root only)."""
    attr = bytearray(16)
    struct.pack_into("=I", attr, 0, ident)
    return _bpf(BPF_PROG_GET_FD_BY_ID if kind == "prog" else BPF_MAP_GET_FD_BY_ID, attr)


def map_update(map_fd, key, value):
    """BPF_MAP_UPDATE_ELEM with u32 key and u32 value (e.g. an XSKMAP slot
    and an AF_XDP socket fd of the calling process)."""
    k = ctypes.c_uint32(key)
    v = ctypes.c_uint32(value)
    attr = bytearray(32)
    struct.pack_into("=IIQQQ", attr, 0, map_fd, 0, ctypes.addressof(k), ctypes.addressof(v), 0)
    _bpf(BPF_MAP_UPDATE_ELEM, attr)


def attach_fd(ns, ifname, prog_fd, mode):
    """Attach program `prog_fd` to `ifname` in namespace `ns` (a Netns or
    its name) in mode "skb" (generic) or "drv" (native); -1 detaches.
    Interface names resolve in the namespace: that is why it enters it."""
    from bcc.libbcc import lib

    with inside(getattr(ns, "name", ns)):
        if lib.bpf_attach_xdp(ifname.encode(), prog_fd, MODES[mode]) < 0:
            e = ctypes.get_errno()
            what = "detach XDP from" if prog_fd < 0 else f"attach XDP ({mode}) to"
            raise OSError(e, f"{what} {ifname}: {os.strerror(e)}")


class Program:
    """One C file compiled by bcc (its maps live as long as this object);
    load(func) loads a function as an XDP program with the frags flag."""

    def __init__(self, source, cflags=()):
        from bcc import BPF

        self.BPF = BPF
        self.path = XDP_DIR / source
        self.bpf = BPF(src_file=str(self.path).encode(), cflags=list(cflags))
        self.funcs = {}

    def load(self, func):
        if func not in self.funcs:
            insns = self.bpf.dump_func(func.encode())
            fd = _bpf_prog_load(insns, func, BPF_F_XDP_HAS_FRAGS)
            self.funcs[func] = self.BPF.Function(self.bpf, func.encode(), fd)
        return self.funcs[func]

    def table(self, name):
        return self.bpf[name.encode()]

    def attach(self, ns, ifname, func, mode):
        """Attach `func` to `ifname` in namespace `ns` in `mode`."""
        attach_fd(ns, ifname, self.load(func).fd, mode)

    def detach(self, ns, ifname, mode):
        attach_fd(ns, ifname, -1, mode)

    def close(self):
        for fn in self.funcs.values():
            os.close(fn.fd)
        self.funcs.clear()
        self.bpf.cleanup()


def percpu_sum(table, key, fields):
    """Sum a per-CPU array entry over CPUs: {field: total mod 2^64}; a field
    named *_xor is xored instead."""
    vals = table.getvalue(key)
    out = {}
    for f in fields:
        acc = 0
        for v in vals:
            x = getattr(v, f) if f else int(v)
            acc = acc ^ x if f.endswith("_xor") else (acc + x) & MASK64
        out[f] = acc
    return out


def clear_table(table, nkeys):
    for k in range(nkeys):
        table.clearitem(k)


class Counter:
    """counter.c, compiled and loaded once; read()/reset() its maps."""

    FIELDS = ("packets", "bytes", "hash_sum", "hash_xor")

    def __init__(self):
        self.prog = Program("counter.c", cflags=[f"-DHASH_MAX={HASH_MAX}"])
        self.prog.load("xdp_count")

    def attach(self, ns, ifname, mode):
        self.prog.attach(ns, ifname, "xdp_count", mode)

    def reset(self):
        clear_table(self.prog.table("stats"), len(CLASSES))
        clear_table(self.prog.table("anomalies"), 2)

    def read(self):
        """{class: {packets, bytes, hash_sum, hash_xor}} for classes seen,
        plus "anomalies": [load failures, frames longer than HASH_MAX]."""
        t = self.prog.table("stats")
        out = {}
        for i, name in enumerate(CLASSES):
            s = percpu_sum(t, i, self.FIELDS)
            if s["packets"]:
                out[name] = s
        a = self.prog.table("anomalies")
        out["anomalies"] = [sum(int(v) for v in a.getvalue(k)) for k in range(2)]
        return out

    def packets(self):
        t = self.prog.table("stats")
        return sum(percpu_sum(t, i, ("packets",))["packets"] for i in range(len(CLASSES)))

    def close(self):
        self.prog.close()


class Reflector:
    """reflector.c: xdp_reflect (XDP_TX) and xdp_pass, loaded once."""

    def __init__(self):
        self.prog = Program("reflector.c")
        self.prog.load("xdp_reflect")
        self.prog.load("xdp_pass")

    def attach(self, ns, ifname, mode, func="xdp_reflect"):
        self.prog.attach(ns, ifname, func, mode)

    def reset(self):
        clear_table(self.prog.table("stats"), 2)

    def read(self):
        t = self.prog.table("stats")
        return {name: percpu_sum(t, i, ("packets", "bytes"))
                for i, name in enumerate(("reflected", "passed"))}

    def close(self):
        self.prog.close()


class XskRedirect:
    """xsk.c (the bridge's AF_XDP redirect), compiled and loaded once; the
    bridge process opens the program and its XSKMAP by id (ids())."""

    def __init__(self):
        self.prog = Program("xsk.c")
        self.fn = self.prog.load("xdp_to_xsk")
        self.map_fd = self.prog.table("xsks").map_fd

    def ids(self):
        return {"xsk_prog_id": obj_id(self.fn.fd), "xsk_map_id": obj_id(self.map_fd)}

    def close(self):
        self.prog.close()


# ---- expectations from the vectors --------------------------------------------------


@functools.lru_cache(maxsize=None)
def fnv1a64(data, limit=HASH_MAX):
    """FNV-1a 64 of data[:limit], as counter.c computes it."""
    h = FNV_OFFSET
    for b in data[:limit]:
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


_L2 = {"Ether", "Dot1Q", "Dot1AD"}


def manifest_class(v):
    """The counter class of a vector, from its manifest entry: the layers,
    read with the rules counter.c implements (see its header comment).

    - Leading Ether / Dot1Q / Dot1AD are link layers; Dot3 (802.3 length
      field), ARP, LLDP and raw bytes are non_ip.
    - "IP"/"IPv6" give the family; the next layer that is not an IPv6
      extension header gives TCP / UDP / other.  A "(truncated)" header
      counts as its base layer, except a truncated IP header (no L4 class
      can be read: ip4_other / ip6_other).
    - A non-first IPv4 fragment has no L4 layer in the manifest: other.
    - odd kind "malformed_ip" (IHL < 5, or an IPv6 packet behind ethertype
      0x0800): the family is the ethertype's and the class is other.
    """
    layers = list(v.layers)
    i = 0
    while i < len(layers) and layers[i] in _L2:
        i += 1
    if i == 0 or i >= len(layers):
        return "non_ip"
    l3 = layers[i]
    if "malformed_ip" in v.odd_kinds:
        etype = int.from_bytes(v.data[12:14], "big")
        return {0x0800: "ip4_other", 0x86DD: "ip6_other"}.get(etype, "non_ip")
    fam = {"IP": "ip4", "IPv6": "ip6", "IP(truncated)": "ip4", "IPv6(truncated)": "ip6"}.get(l3)
    if fam is None:
        return "non_ip"
    if l3.endswith("(truncated)"):
        return f"{fam}_other"
    for nxt in layers[i + 1:]:
        if nxt.startswith("IPv6ExtHdr"):
            continue
        l4 = {"TCP": "tcp", "UDP": "udp"}.get(nxt.split("(")[0], "other")
        return f"{fam}_{l4}"
    return f"{fam}_other"


def classify_bytes(frame):
    """counter.c's classification, step for step, in Python: lets the suite
    check the rules against the manifest without BPF."""
    n = min(len(frame), HASH_MAX)
    if n < 14:
        return "non_ip"
    etype, off = int.from_bytes(frame[12:14], "big"), 14
    for _ in range(2):
        if etype in (0x8100, 0x88A8) and off + 4 <= n:
            etype, off = int.from_bytes(frame[off + 2:off + 4], "big"), off + 4

    def l4(proto, fam):
        return f"{fam}_" + {6: "tcp", 17: "udp"}.get(proto, "other")

    if etype == 0x0800:
        if off + 20 > n:
            return "ip4_other"
        ihl = (frame[off] & 0x0F) * 4
        if frame[off] >> 4 != 4 or ihl < 20 or off + ihl > n:
            return "ip4_other"
        if int.from_bytes(frame[off + 6:off + 8], "big") & 0x1FFF:
            return "ip4_other"
        return l4(frame[off + 9], "ip4")
    if etype == 0x86DD:
        if off + 40 > n or frame[off] >> 4 != 6:
            return "ip6_other"
        nh, off = frame[off + 6], off + 40
        for _ in range(4):
            if nh in (0, 43, 60):
                if off + 8 > n:
                    return "ip6_other"
                nh, off = frame[off], off + (frame[off + 1] + 1) * 8
            elif nh == 44:
                if off + 8 > n:
                    return "ip6_other"
                if int.from_bytes(frame[off + 2:off + 4], "big") & 0xFFF8:
                    return "ip6_other"
                nh, off = frame[off], off + 8
        return l4(nh, "ip6")
    return "non_ip"


def ethertype(frame):
    return int.from_bytes(frame[12:14], "big") if len(frame) >= 14 else None


def kernel_drop_reason(frame, mtu, transport):
    """Why the kernel refuses to carry `frame` from the bridge's veth end to
    its peer, or None when it carries it.  The rules, from Linux:

    - dev_validate_header (AF_PACKET send): a frame shorter than the
      Ethernet header (14 bytes) is refused with EINVAL.
    - packet_snd (AF_PACKET): longer than MTU + 14 is refused with
      EMSGSIZE, except up to MTU + 18 when the ethertype is 802.1Q (0x8100).
    - is_skb_forwardable (veth_xmit, any sender, e.g. AF_XDP): longer than
      MTU + 14 + 4 is dropped (counted in the veth's drop counters).
    """
    n = len(frame)
    if n < 14:
        return "shorter than an Ethernet header (EINVAL)"
    if transport == "afpacket" and n > mtu + 14 and not (n <= mtu + 18 and ethertype(frame) == 0x8100):
        return f"longer than MTU {mtu} + 14 and not 802.1Q-tagged (EMSGSIZE)"
    if n > mtu + 18:
        return f"longer than MTU {mtu} + 18 (veth drops it)"
    return None


def expected_counts(vecs):
    """What counter.c should report after seeing exactly `vecs`, computed
    from the manifest: per class, packets, bytes (manifest lengths) and the
    hash sum/xor of the vector bytes (verified against the manifest's
    sha256 when loaded)."""
    out = {}
    for v in vecs:
        c = out.setdefault(manifest_class(v), {"packets": 0, "bytes": 0, "hash_sum": 0, "hash_xor": 0})
        h = fnv1a64(v.data)
        c["packets"] += 1
        c["bytes"] += v.length
        c["hash_sum"] = (c["hash_sum"] + h) & MASK64
        c["hash_xor"] ^= h
    return out
