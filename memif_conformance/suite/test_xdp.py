# SPDX-License-Identifier: Apache-2.0
"""memif traffic checked by XDP programs in the kernel (issue 6, docs/xdp.md).

    tester (memif primary, this process)
      <-> bridge (memif secondary, own process; AF_PACKET or AF_XDP)
      <-> veth end A  ==  veth end B  <- XDP program (counter or reflector)
          (both in a network namespace of their own, per test)

Counter: every L2 vector sent over memif must reach the XDP program on B,
and its per-class packets, bytes and FNV-1a hashes must equal what the
manifest gives for the vectors the kernel carries (memif_conformance.xdp
kernel_drop_reason: the rules, not a list).  Reflector: XDP_TX sends every
frame back; what returns over memif must be those vectors, byte for byte,
in order.  Over both copy engines, both attach modes (generic and native)
and both bridge transports.

Needs root, bcc and kernel headers (ci/setup.d/20-bcc).  Without them the
XDP tests skip with the reason, except under CI=true, where a missing
prerequisite fails.  Uses only its own fixtures (memif_conformance/netns.py,
memif_conformance/xdp.py, memif_conformance/bridge.py, memif_conformance/afxdp.py).
"""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from memif_conformance import vectors
from memif_conformance import engine_check
from memif_conformance import xdp as X
from memif_conformance.bridge import start_bridge
from memif_conformance.netns import NETNS_DIR, Netns, VethPair, cleanup_stale, stale_namespaces
from memif_conformance.netns import missing as netns_missing

MTU = 9000
SETS = ("l2", "sizes", "odd")          # every Ethernet set (l3/l3_odd are memif ip mode)
ENGINES = ("cpu", "dsa-emu")
MODES = ("skb", "drv")
TRANSPORTS = ("afpacket", "afxdp")


def need(reason):
    """Skip with the reason; under CI=true fail instead (a skip is no pass)."""
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and an XDP prerequisite is missing: {reason}", pytrace=False)
    pytest.skip(reason)


def need_netns():
    need(netns_missing())


def need_xdp():
    need_netns()
    need(X.missing_prerequisite())


@pytest.fixture(scope="session")
def all_vectors():
    out = []
    for s in SETS:
        out += vectors.load(s)
    return out


class _Programs:
    """Counter and reflector, compiled and loaded at first use, once per
    session (per xdist worker)."""

    def __init__(self):
        self._counter = self._reflector = self._xsk = None

    @property
    def counter(self):
        if self._counter is None:
            self._counter = X.Counter()
        return self._counter

    @property
    def reflector(self):
        if self._reflector is None:
            self._reflector = X.Reflector()
        return self._reflector

    @property
    def xsk(self):
        if self._xsk is None:
            self._xsk = X.XskRedirect()
        return self._xsk

    def close(self):
        for p in (self._counter, self._reflector, self._xsk):
            if p is not None:
                p.close()


@pytest.fixture(scope="session")
def programs():
    p = _Programs()
    yield p
    p.close()


class Lab:
    """One test's topology: a namespace, a veth pair, the bridge process on
    end A and the tester Interface (memif primary) in this process."""

    def __init__(self, programs, transport, engine, mode, mtu=MTU):
        self.programs = programs
        self.transport, self.engine, self.mode, self.mtu = transport, engine, mode, mtu
        self.ns = Netns()
        self.bridge = self.tester = None
        try:
            self.veth = VethPair(self.ns, mtu)
            self.sock = f"@mdsa-xdp-{uuid.uuid4().hex}"
            # every copy of ours through DSA on a DSA engine (checked in finish())
            self.tester = engine_check.OurInterface("primary", self.sock, engine=engine,
                                                    buffer_size=2048, ring_size=1024,
                                                    name="xdp-tester",
                                                    **engine_check.our_settings(engine))
            cpus = sorted(os.sched_getaffinity(0))
            self.cpu = cpus[os.getpid() % len(cpus)]   # the bridge's: one CPU keeps order
        except BaseException:
            self.close()
            raise

    def start_bridge(self):
        """Start the bridge (after the XDP programs are attached: AF_XDP's
        redirect program goes on end A with the bridge)."""
        ids = self.programs.xsk.ids() if self.transport == "afxdp" else {}
        self.bridge = start_bridge(self.sock, self.ns.name, self.veth.a, transport=self.transport,
                                   xdp_mode=self.mode, engine=self.engine, cpu=self.cpu,
                                   **engine_check.our_settings(self.engine), **ids)
        self.tester.wait_connected(30)      # runs our event loop: accepts the bridge
        self.bridge.wait_for(r"^connected$", 30)

    def pump(self, frames, expect_back=0, timeout=60.0):
        """Send `frames` over memif; meanwhile collect what comes back until
        `expect_back` frames did (or the time runs out)."""
        t = self.tester
        got, i = [], 0
        deadline = time.monotonic() + timeout
        while i < len(frames) or len(got) < expect_back:
            if i < len(frames):
                i += t.send(frames[i:i + 64], 0)
            got += [bytes(p) for p in t.recv(0, max=256, timeout=0 if i < len(frames) else 0.2)]
            if time.monotonic() > deadline:
                break
        return i, got

    def wait_bridge(self, count, timeout=60.0):
        """Until the bridge has taken `count` packets off memif and its veth
        side is idle; returns its stats line as a dict."""
        idx = self.bridge.wait_for(rf"^stats memif_rx={count} .*idle=1", timeout)
        return dict(kv.split("=", 1) for kv in self.bridge.lines[idx].split()[1:])

    def refused(self):
        out = {}
        for ln in self.bridge.lines:
            if ln.startswith("refused "):
                kv = dict(x.split("=", 1) for x in ln.split()[1:])
                out[int(kv["index"])] = kv["errno"]
        return out

    def describe(self):
        tail = "\n  ".join(self.bridge.lines[-8:]) if self.bridge else "(no bridge)"
        return f"veth {self.veth.describe()}\n  bridge output:\n  {tail}"

    def close(self):
        if self.bridge is not None:
            self.bridge.stop()
        if self.tester is not None:
            self.tester.close()
        self.ns.close()

    def finish(self):
        """Close, then fail the test unless, on a DSA engine, both of our
        interfaces (tester and bridge) copied every byte through DSA."""
        self.close()
        if not engine_check.uses_dsa(self.engine):
            return
        bridge = [json.loads(ln.split(" ", 1)[1]) for ln in self.bridge.lines
                  if ln.startswith("engine ")]
        assert bridge, "the bridge did not report its engine counters"
        for who, eng in (("tester", self.tester.last_stats()["engine"]), ("bridge", bridge[-1])):
            t = engine_check.totals([engine_check.Snapshot(eng)])
            problem = engine_check.problem(t)
            if problem:
                raise engine_check.EngineCheckFailed(f"{who}: {problem}")
            print(f"  {who}: {engine_check.summary(t)}")


@pytest.fixture
def lab_factory(programs):
    made = []

    def make(transport, engine, mode, mtu=MTU):
        lab = Lab(programs, transport, engine, mode, mtu)
        made.append(lab)
        return lab

    yield make
    for lab in made:
        lab.close()


def accepted(vecs, transport, mtu=MTU):
    return [v for v in vecs if X.kernel_drop_reason(v.data, mtu, transport) is None]


def check_attached(lab, dev, mode):
    xdp = lab.veth.xdp(dev)
    assert xdp.get("mode") == X.KERNEL_MODE[mode], \
        f"{dev}: asked for {mode} mode, the kernel reports {xdp or 'no XDP program'}"


# Parameter names of our own: the conformance plugin (memif_conformance/plugin.py)
# parametrizes any test asking for `engine` or `peer_role`.
attach_modes = pytest.mark.parametrize("attach", MODES)
copy_engines = pytest.mark.parametrize("copy", ENGINES)
transports = pytest.mark.parametrize("transport", TRANSPORTS)


# ---- without BPF -------------------------------------------------------------


def test_counter_rules_agree_with_manifest(all_vectors):
    """counter.c's classification (mirrored in Python) gives every vector
    the class its manifest layers give, and the drop rules leave the
    expected subset: everything but frames over MTU + 14 that carry no
    802.1Q tag, for AF_PACKET."""
    wrong = [(v.name, v.layers, X.classify_bytes(v.data), X.manifest_class(v))
             for v in all_vectors if X.classify_bytes(v.data) != X.manifest_class(v)]
    assert not wrong, wrong
    classes = {X.manifest_class(v) for v in all_vectors}
    assert classes == set(X.CLASSES), f"vectors do not cover every class: {set(X.CLASSES) - classes}"
    for transport in TRANSPORTS:
        dropped = [v for v in all_vectors if X.kernel_drop_reason(v.data, MTU, transport)]
        for v in dropped:
            assert len(v.data) > MTU + 14 and X.ethertype(v.data) != 0x8100, v
        assert all(len(v.data) <= MTU + 18 for v in all_vectors)
    assert X.fnv1a64(b"") == X.FNV_OFFSET and X.fnv1a64(b"a") == 0xAF63DC4C8601EC8C   # FNV test vector


def test_stale_namespace_of_a_dead_run_is_removed():
    """A namespace left by a process that crashed (SIGKILL, nothing cleaned
    up) is deleted by the next fixture setup; live ones are not."""
    need_netns()
    code = ("import sys; from memif_conformance.netns import Netns, VethPair; ns = Netns(); VethPair(ns); "
            "print(ns.name, flush=True); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        name = child.stdout.readline().strip()
        assert name and name in os.listdir(NETNS_DIR)
        assert name not in stale_namespaces(), "the namespace of a live process counts as stale"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        child.stdin.close()
    assert name in stale_namespaces() or name not in os.listdir(NETNS_DIR)  # (another worker may be quicker)
    with Netns() as mine:
        assert name not in os.listdir(NETNS_DIR), "Netns() did not clean up a dead run's namespace"
        cleanup_stale()
        assert mine.name in os.listdir(NETNS_DIR), "a live namespace was deleted"
    assert mine.name not in os.listdir(NETNS_DIR)


# ---- counter --------------------------------------------------------------------


@pytest.mark.parametrize("mtu", (MTU, 1500), ids=lambda m: f"mtu{m}")
@transports
@copy_engines
@attach_modes
def test_vectors_reach_xdp_counter(transport, copy, attach, mtu, programs, lab_factory,
                                   all_vectors):
    """At MTU 9000 every vector fits except, over AF_PACKET, frames longer
    than MTU + 14 without an 802.1Q tag; at MTU 1500 the kernel drops the
    jumbo frames.  Either way the counts must be those of what it carries."""
    need_xdp()
    engine, mode = copy, attach
    counter = programs.counter
    lab = lab_factory(transport, engine, mode, mtu)
    counter.reset()
    counter.attach(lab.ns, lab.veth.b, mode)
    check_attached(lab, lab.veth.b, mode)
    lab.start_bridge()

    frames = [v.data for v in all_vectors]
    sent, back = lab.pump(frames)
    assert sent == len(frames), f"memif took {sent} of {len(frames)} frames"
    stats = lab.wait_bridge(len(frames))

    carried = accepted(all_vectors, transport, mtu)
    expected = X.expected_counts(carried)
    total = sum(c["packets"] for c in expected.values())
    deadline = time.monotonic() + 20
    while counter.packets() < total and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)                    # anything extra would show up now
    got = counter.read()
    anomalies = got.pop("anomalies")

    refused = lab.refused()
    predicted = {i: X.kernel_drop_reason(v.data, mtu, transport)
                 for i, v in enumerate(all_vectors) if X.kernel_drop_reason(v.data, mtu, transport)}
    print(f"\n{transport}/{engine}/{mode}/mtu {mtu}: {len(frames)} sent, {total} expected at XDP, "
          f"{len(predicted)} dropped by the kernel: "
          f"{' '.join(all_vectors[i].name for i in sorted(predicted))}")
    for cls in X.CLASSES:
        g, e = got.get(cls), expected.get(cls)
        print(f"  {cls:9s} packets {g and g['packets']!s:>4} bytes {g and g['bytes']!s:>7} "
              f"hash_sum {g and hex(g['hash_sum'])}  (expected {e and e['packets']}/{e and e['bytes']})")

    if transport == "afpacket":
        assert set(refused) == set(predicted), \
            f"AF_PACKET refused {sorted(refused)}, the rules predict {sorted(predicted)}"
        assert int(stats["veth_tx"]) == total
    else:
        assert not refused
        # AF_XDP hands every frame to the veth, which drops the oversize ones
        dropped = lab.veth.stats(lab.veth.a)["tx"].get("dropped", 0)
        assert dropped == len(predicted), f"veth dropped {dropped}, the rules predict {len(predicted)}"
    assert anomalies == [0, 0], f"counter anomalies (load failures, over HASH_MAX): {anomalies}"
    assert got == expected, (
        "XDP counts differ from the manifest's\n"
        + "\n".join(f"  {c}: got {got.get(c)} expected {expected.get(c)}"
                    for c in X.CLASSES if got.get(c) != expected.get(c))
        + "\n  " + lab.describe())
    assert not back and stats["veth_rx"] == "0", "the counter drops every frame: nothing comes back"
    lab.finish()


# ---- reflector -------------------------------------------------------------------


@transports
@copy_engines
@attach_modes
def test_xdp_tx_reflects_vectors_byte_exact(transport, copy, attach, programs, lab_factory,
                                             all_vectors):
    need_xdp()
    engine, mode = copy, attach
    refl = programs.reflector
    lab = lab_factory(transport, engine, mode)
    refl.reset()
    refl.attach(lab.ns, lab.veth.b, mode)
    check_attached(lab, lab.veth.b, mode)
    if mode == "drv" and transport == "afpacket":
        # native XDP_TX into a veth reaches the peer only if the peer runs XDP
        refl.attach(lab.ns, lab.veth.a, mode, func="xdp_pass")
        check_attached(lab, lab.veth.a, mode)
    lab.start_bridge()
    if transport == "afxdp":
        check_attached(lab, lab.veth.a, mode)

    carried = accepted(all_vectors, transport)
    want = [v.data for v in carried]
    sent, got = lab.pump([v.data for v in all_vectors], expect_back=len(want))
    lab.wait_bridge(len(all_vectors))
    time.sleep(0.1)
    got += [bytes(p) for p in lab.tester.recv(0, max=256, timeout=0)]
    r = refl.read()
    print(f"\n{transport}/{engine}/{mode}: {sent} sent, {len(got)} reflected back of {len(want)} "
          f"expected; XDP: reflected {r['reflected']}, passed on the peer {r['passed']}")

    assert sent == len(all_vectors)
    assert r["reflected"] == {"packets": len(want), "bytes": sum(len(w) for w in want)}, lab.describe()
    if len(got) != len(want) or got != want:
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        back = set(got)
        missing = [v.name for v in carried if v.data not in back]
        pytest.fail(f"{len(got)} frames back, {len(want)} expected; first difference at frame {first}"
                    f" ({carried[first].name if first < len(carried) else '-'}); missing: {missing[:20]}"
                    f"\n  {lab.describe()}")
    lab.finish()
