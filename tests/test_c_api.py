# SPDX-License-Identifier: Apache-2.0
"""The C library as a C user gets it: `make install` (and, on request,
`make install-libmemif-compat`), pkg-config, programs written only against
the libmemif 4.0 API (tests/c/libmemif, built by its one build helper),
the exported-symbol map, and `make uninstall`."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from memif_conformance.reflector import PeerProcess
from memif_helpers import unique_socket

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "tests" / "c" / "libmemif"
REFLECTOR = ROOT / "memif_conformance" / "peers" / "libmemif_reflector"   # shipped with the suite
SANITIZE = bool(os.environ.get("MEMIF_DSA_SANITIZE"))
HEADER = (ROOT / "libmemif_dsa" / "include" / "memif_dsa.h").read_text()
VERSION = re.search(r'^#define MDSA_VERSION "([^"]+)"', HEADER, re.M).group(1)


def make(*args, **kw):
    cmd = ["make", "-s", *args] + (["SANITIZE=1"] if SANITIZE else [])
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """A prefix with the library, its headers and both pkg-config files."""
    prefix = tmp_path_factory.mktemp("prefix")
    build = tmp_path_factory.mktemp("build")
    make("-C", str(ROOT), f"BUILD={build}", f"PREFIX={prefix}", "install", "install-libmemif-compat")
    return prefix


def pkg_config(prefix, *args):
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    return subprocess.run(["pkg-config", *args], env=env, check=True, capture_output=True,
                          text=True).stdout.split()


@pytest.fixture(scope="module", params=["libmemif", "libmemif-dsa"])
def programs(request, prefix, tmp_path_factory):
    """The libmemif API programs, built against the installed library with
    one pkg-config file or the other."""
    out = tmp_path_factory.mktemp("programs")
    args = ["-C", str(PROGRAMS), f"OUT={out}", f"PKG={request.param}",
            f"PKG_CONFIG_PATH={prefix / 'lib' / 'pkgconfig'}"]
    make(*args, *(["SAN=1"] if SANITIZE else []))
    return out


def run(exe, *args, timeout=120):
    env = dict(os.environ)
    if not SANITIZE:
        env.pop("LD_PRELOAD", None)
    r = subprocess.run([str(exe), *map(str, args)], env=env, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.mark.parametrize("order", ["master-sends", "slave-sends"])
def test_loopback_on_one_socket(programs, order):
    """A master and a slave with the same id on one socket; the other side
    replies (the slave zero-copy); then the sender is deleted alone and
    created again."""
    out = run(programs / "loopback", *(["-r"] if order == "slave-sends" else []),
              unique_socket("lo"), 150)
    sender, replier = ("master", "slave") if order == "master-sends" else ("slave", "master")
    how = "zero-copy" if replier == "slave" else "by copy"
    assert out.startswith(f"OK: {sender} sends, {replier} replies {how}: sent 188 replied 188 "
                          f"verified 188 (150 before the {sender} was deleted alone) failed 0"), out


def test_multi_socket_with_the_control_fd_callback(programs):
    out = run(programs / "multi_socket", unique_socket("ms"), 120)
    assert "OK: 4 sockets, 6 interfaces, fds left watched 0, bad fd events 0" in out, out
    assert out.count("sent 120 echoed 120 verified 120 failed 0") == 3, out


def test_api_example_with_a_socket_per_role(programs, tmp_path):
    out = run(programs / "api_example", tmp_path / "api.sock", 300)
    assert out.startswith("OK: sent 300 echoed 300 verified 300 failed 0 (remote master)"), out


def icmp_echo(mode, seq, payload):
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.l2 import Ether
    pkt = IP(src="192.0.2.1", dst="192.0.2.2") / ICMP(id=0x1234, seq=seq) / payload
    if mode == "ethernet":
        pkt = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / pkt
    return bytes(pkt)


def check_reply(mode, data, seq, payload):
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.l2 import Ether
    pkt = Ether(data) if mode == "ethernet" else IP(data)
    if mode == "ethernet":
        assert (pkt.src, pkt.dst) == ("02:00:00:00:00:02", "02:00:00:00:00:01")
    ip = pkt[IP]
    assert (ip.src, ip.dst) == ("192.0.2.2", "192.0.2.1")
    icmp = ip[ICMP]
    assert (icmp.type, icmp.code, icmp.id, icmp.seq) == (0, 0, 0x1234, seq)
    assert bytes(icmp.payload) == payload
    # the checksums the responder wrote are the ones scapy computes
    ref = IP(bytes(ip))
    del ref.chksum, ref[ICMP].chksum
    assert bytes(IP(bytes(ref))) == bytes(ip)


@pytest.mark.parametrize("role,mode", [("master", "ethernet"), ("slave", "ethernet"), ("master", "ip")])
def test_icmp_responder_driven_by_memif_poll_event(programs, role, mode):
    from libmemif_dsa import Interface
    sock = unique_socket("icmp")
    env = dict(os.environ)
    if not SANITIZE:
        env.pop("LD_PRELOAD", None)
    p = PeerProcess([str(programs / "icmp_responder"), sock, role, "9", mode], env=env)
    try:
        p.wait_for("^ready$")
        peer = "secondary" if role == "master" else "primary"
        with Interface(peer, sock, id=9, mode=mode) as me:
            me.wait_connected(10)
            p.wait_for("^connected$")
            payloads = [bytes(range(n % 256)) * (1 + n // 256) for n in (0, 18, 56, 1400, 3000)]
            good = [icmp_echo(mode, seq, pl) for seq, pl in enumerate(payloads)]
            bad = bytearray(icmp_echo(mode, 99, b"bad checksum"))
            bad[-1] ^= 0xFF
            assert me.send(good[:2] + [bytes(bad)] + good[2:]) == len(good) + 1
            replies = []
            while len(replies) < len(good):
                got = me.recv(timeout=10)
                assert got, f"{len(replies)} of {len(good)} replies"
                replies += got
            for seq, (data, pl) in enumerate(zip(replies, payloads)):
                check_reply(mode, bytes(data), seq, pl)
            assert me.recv(timeout=0.2) == [], "nothing answers a bad checksum"
    finally:
        p.stop()
    assert p.proc.returncode == 0
    p.wait_for(r"^stopped: replied 5 ignored 1$")


# libmemif 4.0's own exported functions (upstream `nm -D`, reference section 2)
UPSTREAM_LIBMEMIF = set("""
memif_buffer_alloc memif_buffer_enq_tx memif_buffer_requeue memif_cancel_poll_event
memif_control_fd_handler memif_create memif_create_socket memif_delete memif_delete_socket
memif_get_details memif_get_listener_fd memif_get_queue_efd memif_get_socket_filename
memif_get_socket_handle memif_get_socket_path memif_get_version memif_get_version_str
memif_poll_event memif_refill_queue memif_register_external_region memif_request_connection
memif_rx_burst memif_set_connection_request_timer memif_set_listener_fd
memif_set_next_free_buffer memif_set_rx_mode memif_strerror memif_tx_burst""".split())


def test_the_reflector_needs_libmemif_h_alone(tmp_path):
    """The vendor reflector builds with -Wall -Wextra -Werror against
    include/libmemif.h and nothing else of ours, and its object references
    only upstream libmemif 4.0 functions: none of our additions."""
    inc = tmp_path / "include"
    inc.mkdir()
    shutil.copy(ROOT / "libmemif_dsa" / "include" / "libmemif.h", inc)
    obj = tmp_path / "memif_reflector.o"
    subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{inc}", "-c",
                    str(REFLECTOR / "memif_reflector.c"), "-o", str(obj)], check=True)
    out = subprocess.run(["nm", "-u", str(obj)], check=True, capture_output=True, text=True).stdout
    undefined = {line.split()[-1] for line in out.splitlines() if line.strip()}
    ours = declared_functions() - UPSTREAM_LIBMEMIF
    assert undefined & ours == set(), "the reflector uses additions of libmemif-dsa"
    assert {"memif_create", "memif_rx_burst", "memif_tx_burst"} <= undefined


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_the_reflector_reflects_chains(programs, role):
    """A smoke test (lane 45 certifies it in full): chained packets come
    back byte for byte in its role, then it stops cleanly."""
    from libmemif_dsa import Interface
    sock = unique_socket("refl")
    env = dict(os.environ)
    if not SANITIZE:
        env.pop("LD_PRELOAD", None)
    p = PeerProcess([str(programs / "memif_reflector"), "--role", role, "--socket", sock,
                     "--id", "3", "--buffer-size", "512", "--ring-size", "256"], env=env)
    try:
        p.wait_for("^ready: ")
        ours = "secondary" if role == "primary" else "primary"
        with Interface(ours, sock, id=3, buffer_size=512, ring_size=256) as me:
            me.wait_connected(10)
            p.wait_for("^connected: ")
            pkts = [bytes((i + j) % 256 for j in range(n)) for i, n in
                    enumerate([60, 511, 512, 513, 1500, 9000, 65535])]
            got = []
            for pkt in pkts:
                assert me.send([pkt]) == 1
                got += [bytes(x) for x in me.recv(timeout=10)]
            assert got == pkts
    finally:
        p.stop()
    assert p.proc.returncode == 0
    p.wait_for(r"^stopped: 0 packets dropped")


def declared_functions():
    names = set()
    for h in ("libmemif.h", "memif_dsa.h"):
        text = (ROOT / "libmemif_dsa" / "include" / h).read_text()
        names |= set(re.findall(r"^[A-Za-z_][\w \*]*?\b((?:memif|mdsa)_\w+)\s*\(", text, re.M))
    return names


def test_exported_symbols_are_exactly_the_public_api(prefix):
    lib = prefix / "lib" / "libmemif_dsa.so"
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True, capture_output=True,
                         text=True).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
                if line.split()[1] in ("T", "W")}
    assert exported == declared_functions()
    assert "memif_create" in exported and "mdsa_tx_copy_burst" in exported
    assert not any(n.startswith("mdsa_tools_") for n in exported), "the tools are not the ABI"


def test_soname_and_pkg_config_version(prefix):
    out = subprocess.run(["readelf", "-d", str(prefix / "lib" / "libmemif_dsa.so")],
                         capture_output=True, text=True, check=True).stdout
    assert "libmemif_dsa.so.0" in out
    assert pkg_config(prefix, "--modversion", "libmemif") == [VERSION]
    assert pkg_config(prefix, "--modversion", "libmemif-dsa") == [VERSION]


def test_version_has_one_source():
    """MDSA_VERSION in memif_dsa.h; the Python package reads it from the
    library, the distribution's metadata from the header."""
    from importlib.metadata import version

    import libmemif_dsa
    assert libmemif_dsa.__version__ == VERSION == version("libmemif-dsa")
    assert not re.search(r'^version\s*=', (ROOT / "pyproject.toml").read_text(), re.M)


def test_default_install_leaves_an_upstream_libmemif_alone(tmp_path):
    """`make install` puts our headers under include/libmemif-dsa/ and
    never touches include/libmemif.h or libmemif.pc; uninstall removes only
    what is ours."""
    prefix, build = tmp_path / "prefix", tmp_path / "build"
    upstream_h = prefix / "include" / "libmemif.h"
    upstream_pc = prefix / "lib" / "pkgconfig" / "libmemif.pc"
    for f, text in ((upstream_h, "/* upstream libmemif */\n"), (upstream_pc, "Name: libmemif\n")):
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    make("-C", str(ROOT), f"BUILD={build}", f"PREFIX={prefix}", "install")
    assert (prefix / "include" / "libmemif-dsa" / "libmemif.h").is_file()
    assert upstream_h.read_text() == "/* upstream libmemif */\n"
    assert upstream_pc.read_text() == "Name: libmemif\n"
    assert pkg_config(prefix, "--cflags", "libmemif-dsa") == [f"-I{prefix}/include/libmemif-dsa"]
    make("-C", str(ROOT), f"BUILD={build}", f"PREFIX={prefix}", "uninstall")
    left = sorted(str(p.relative_to(prefix)) for p in prefix.rglob("*") if p.is_file())
    assert left == ["include/libmemif.h", "lib/pkgconfig/libmemif.pc"]


def test_uninstall_removes_the_compat_files(prefix, tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(prefix), str(copy)], check=True)
    make("-C", str(ROOT), f"PREFIX={copy}", "uninstall")
    assert [p for p in copy.rglob("*") if p.is_file() or p.is_symlink()] == []
