# SPDX-License-Identifier: Apache-2.0
"""DPDK's testpmd (Debian's DPDK 22.11, net_memif in copy mode) in a
benchmark pair: against itself (txonly -> rxonly) and against our side, in
both roles.  testpmd runs interactively over pipes, without hugepages, its
forwarding lcore pinned where our worker of the same role would be; it
stays up for the whole benchmark, forwarding only while a run measures.

Rates on a testpmd receiver come from two ``show port stats 0`` snapshots
around the window (RX-packets, RX-bytes) and the wall clock between them;
CPU time from /proc.  22.11's transmitter crashes when its peer leaves
while it sends (docs/dpdk.md): forwarding is stopped before anything
disconnects.
"""

import os
import re
import shutil
import subprocess
import time
import uuid

from .ours import OursWorker, placement, worker_config
from .proc import Child
from .sample import from_threads, rates

RUNTIME_DIR = "/var/run/dpdk"
# Our transmitter runs for a fixed time; testpmd's counters come over a pipe
# from a main lcore that shares a CPU with a polling thread, and on a loaded
# machine an answer can take hundreds of ms: the window must end before our
# transmitter does (checked), so it runs this much past the window.
TESTPMD_STATS_SLACK = 1.0
PROMPT = r"testpmd> "


def testpmd_path():
    return shutil.which("dpdk-testpmd")


def testpmd_version(testpmd):
    """The DPDK version of this testpmd binary, from its own EAL ("RTE
    Version: 'DPDK 22.11.11'", printed by -v at start-up), or None.  Not
    the installed package's: a vendor may point the adapter at a build of
    their own.  (The conformance suite's dpdk peer uses this one too.)"""
    prefix = f"mdsa-version-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        r = subprocess.run([testpmd, "-v", "--no-huge", "--no-pci", "-m", "64", "--lcores=0@0",
                            f"--file-prefix={prefix}", "--", "--help"],
                           capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        out = r.stdout + r.stderr
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        shutil.rmtree(os.path.join(RUNTIME_DIR, prefix), ignore_errors=True)
    m = re.search(r"RTE Version: 'DPDK ([0-9][^']*)'", out)
    return m.group(1) if m else None


def unavailable():
    """Why testpmd cannot run here, or None."""
    if not testpmd_path():
        return ("dpdk-testpmd not found (apt-get install dpdk-dev librte-net-memif23 "
                "librte-mempool-ring23; ci/setup does as root)")
    if not os.access(RUNTIME_DIR if os.path.isdir(RUNTIME_DIR) else os.path.dirname(RUNTIME_DIR),
                     os.W_OK):
        return f"testpmd needs write access to {RUNTIME_DIR} (run as root)"
    return None


class Testpmd:
    def __init__(self, role, socket_path, forward, main_cpu, fwd_cpu, buffer_size=2048,
                 ring_size=1024):
        self.prefix = f"mdsa-bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        vdev = (f"net_memif0,role={'server' if role == 'primary' else 'client'},id=0,"
                f"socket={socket_path},socket-abstract=no,rsize={ring_size.bit_length() - 1},"
                f"bsize={buffer_size}")
        self.argv = ["stdbuf", "-o0", testpmd_path(), f"--lcores=0@{main_cpu},1@{fwd_cpu}",
                     "--no-pci", "--no-huge", "-m", "256", f"--file-prefix={self.prefix}",
                     f"--vdev={vdev}", "--", "-i", "--total-num-mbufs=16384",
                     f"--forward-mode={forward}"]
        self.role = role
        # a sanitizer runtime preloaded for our library has no business in testpmd
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        self.child = Child(self.argv, f"testpmd {role} {forward}", env=env)
        self.forwarding = False

    def cmd(self, text, timeout=20.0):
        self.child.send(text)
        return self.child.read_until(PROMPT, timeout)

    def ready(self, timeout=60.0):
        self.child.read_until(PROMPT, timeout)
        return self

    def wait_link(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while "Link status: up" not in self.cmd("show port info 0"):
            if time.monotonic() > deadline:
                raise self.child.error("memif link did not come up")
            time.sleep(0.05)

    def set_size(self, size):
        out = self.cmd(f"set txpkts {size}")
        if "give up" in out or "Invalid" in out:
            raise self.child.error(f"set txpkts {size}: {out.strip()}")

    def start(self):
        self.cmd("start")
        self.forwarding = True

    def stop(self):
        if self.forwarding:
            self.cmd("stop")
            self.forwarding = False

    def stats(self):
        """(RX-packets, RX-bytes, TX-packets, monotonic time)."""
        out = self.cmd("show port stats 0")
        t = time.monotonic()
        rx = re.search(r"RX-packets:\s*(\d+).*?RX-bytes:\s*(\d+)", out, re.S)
        tx = re.search(r"TX-packets:\s*(\d+)", out)
        if not rx or not tx:
            raise self.child.error(f"cannot read port stats from {out!r}")
        return int(rx.group(1)), int(rx.group(2)), int(tx.group(1)), t

    def cpu_seconds(self):
        return self.child.cpu_seconds()

    def close(self):
        try:
            if self.child.alive():
                self.stop()
                self.child.send("quit")
                self.child.proc.wait(timeout=10)
        except Exception:  # a crashed or stuck testpmd is ended below
            pass
        self.child.stop()
        shutil.rmtree(os.path.join(RUNTIME_DIR, self.prefix), ignore_errors=True)


class DpdkPair:
    """testpmd txonly -> testpmd rxonly ("testpmd"), testpmd txonly -> ours
    ("testpmd>ours"), ours -> testpmd rxonly ("ours>testpmd")."""

    def __init__(self, variant, cell, workdir, cpus, opts):
        self.kind = variant.name
        self.tx_role = cell.direction.split("->")[0]
        rx_role = "secondary" if self.tx_role == "primary" else "primary"
        prim_cpus, sec_cpus = placement(cpus, 1)
        cpu_of = {"primary": prim_cpus[0], "secondary": sec_cpus[0]}
        other = {r: (cpus[-1] if cpu_of[r] == cpus[0] else cpus[0]) for r in cpu_of}
        self.socket = os.path.join(workdir, f"{self.kind.replace('>', '-')}-{uuid.uuid4().hex[:6]}.sock")
        self.tx = self.rx = None
        dpdk_roles = {"testpmd": ("primary", "secondary"), "testpmd>ours": (self.tx_role,),
                      "ours>testpmd": (rx_role,)}[self.kind]
        self.parts = []
        # the server (primary) first: it creates the socket
        for role in ("primary", "secondary"):
            if role in dpdk_roles:
                fwd = "txonly" if role == self.tx_role else "rxonly"
                tp = Testpmd(role, self.socket, fwd, other[role], cpu_of[role], cell.buffer_size,
                             opts.get("ring_size", 1024))
                tp.ready()
                part = tp
            else:
                cfg = worker_config(role, self.socket, self.kind, cell, [cpu_of[role]], opts)
                part = OursWorker(cfg)
            if role == self.tx_role:
                self.tx = part
            else:
                self.rx = part
            self.parts.append(part)
        self.connect_timeout = opts.get("connect_timeout", 30.0)
        self.engine_name = "cpu" if self.kind != "testpmd" else "testpmd"

    def start(self):
        for p in self.parts:
            if isinstance(p, OursWorker):
                p.wait_connected(self.connect_timeout)
        for p in self.parts:
            if isinstance(p, Testpmd):
                p.wait_link(self.connect_timeout)
        return self

    def measure(self, size, t):
        if isinstance(self.tx, Testpmd):
            self.tx.set_size(size)
        if isinstance(self.rx, Testpmd):
            return self._measure_testpmd_rx(size, t)
        return self._measure_ours_rx(size, t)

    def _measure_testpmd_rx(self, size, t):
        """The receiver is testpmd: snapshots around the window."""
        self.rx.start()
        ours_tx = None
        try:
            if isinstance(self.tx, Testpmd):
                self.tx.start()
            else:
                tx_end = time.monotonic() + t.warmup + t.duration + TESTPMD_STATS_SLACK
                self.tx.command(cmd="tx", size=size, burst=t.burst,
                                seconds=t.warmup + t.duration + TESTPMD_STATS_SLACK)
            time.sleep(t.warmup)
            p0, b0, _, t0 = self.rx.stats()
            c0 = {p: p.cpu_seconds() for p in self.parts if isinstance(p, Testpmd)}
            time.sleep(t.duration)
            p1, b1, _, t1 = self.rx.stats()
            c1 = {p: p.cpu_seconds() for p in c0}
            if not isinstance(self.tx, Testpmd) and t1 > tx_end:
                # the window ran past our transmitter's end: its rate would be low, not slow
                raise RuntimeError(f"testpmd answered its stats {t1 - tx_end:.2f} s after our "
                                   f"transmitter stopped (a loaded machine): window discarded")
        finally:
            if isinstance(self.tx, Testpmd):
                self.tx.stop()
            else:
                ours_tx = self.tx.result(t.warmup + t.duration + 30)
            self.rx.stop()
        out = rates(p1 - p0, b1 - b0, t1 - t0, size)

        def per_packet(p):  # testpmd's CPU over the window, per packet received
            if c0[p] is None or c1[p] is None:
                return None
            return (c1[p] - c0[p]) * 1e9 / (p1 - p0)

        out["cpu_ns_rx"] = per_packet(self.rx)
        if ours_tx:  # ours transmitted: its own count
            th = ours_tx["threads"]
            out["cpu_ns_tx"] = sum(x["cpu_ns"] for x in th) / max(1, sum(x["packets"] for x in th))
        else:
            out["cpu_ns_tx"] = per_packet(self.tx)
        both = (out["cpu_ns_rx"], out["cpu_ns_tx"])
        out["cpu_ns"] = None if None in both else sum(both)
        return out

    def _measure_ours_rx(self, size, t):
        """testpmd transmits to our receiver: our window, testpmd's CPU."""
        self.rx.command(cmd="rx", burst=t.burst, warmup=t.warmup, duration=t.duration, idle=5.0)
        c0 = self.tx.cpu_seconds()
        _, _, q0, _ = self.tx.stats()
        self.tx.start()
        try:
            r = self.rx.result(t.warmup + t.duration + 30)
        finally:
            self.tx.stop()
        c1 = self.tx.cpu_seconds()
        _, _, q1, _ = self.tx.stats()
        out = from_threads(r["threads"], [], size)
        if c0 is not None and c1 is not None and q1 > q0:
            out["cpu_ns_tx"] = (c1 - c0) * 1e9 / (q1 - q0)
            out["cpu_ns"] = out["cpu_ns_rx"] + out["cpu_ns_tx"]
        return out

    def pids(self):
        return [p.child.pid for p in self.parts]

    def close(self):
        # testpmd stops forwarding before anything disconnects
        for p in self.parts:
            if isinstance(p, Testpmd):
                p.stop()
        for p in self.parts:
            p.close()
        try:
            os.unlink(self.socket)
        except OSError:
            pass
