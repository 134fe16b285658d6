# SPDX-License-Identifier: Apache-2.0
"""Our side of a benchmark pair, as its own process.

Started with one JSON argument (role, socket, engine, data path, queues,
interfaces, the CPUs of its threads), it connects, prints
``{"event": "connected", ...}`` and then runs commands read from stdin, one
JSON object per line, each answered with one JSON line:

- ``{"cmd": "tx", "size": S, "burst": B, "seconds": T}``: transmit for T s;
- ``{"cmd": "rx", "burst": B, "warmup": W, "duration": D, "idle": I}``:
  receive and count the window [first packet + W, + D];
- ``{"cmd": "quit"}``.

Each command runs one thread per queue (per interface and queue), pinned
to its CPU, inside one C call (src/tools/bench.c): no Python runs per
burst.  The process stays connected between commands, so a pair is set up
once per benchmark and its runs interleave with other pairs' runs.
"""

import json
import os
import select
import sys
import threading

from ..interface import Interface, Socket
from ..low_level import ffi, lib, string

# C loop results we report (mdsa_tools_bench_result_t)
FIELDS = ("packets", "bytes", "bursts", "empty_polls", "elapsed_ns", "cpu_ns")
# C return codes that end a run normally
DONE = (lib.MEMIF_ERR_SUCCESS, lib.MEMIF_ERR_DISCONNECTED)


def _pin(cpu):
    if cpu is not None:
        os.sched_setaffinity(threading.get_native_id(), {cpu})


class Worker:
    def __init__(self, cfg):
        self.cfg = cfg
        self.socket = Socket(cfg["socket"], app_name="memif-dsa-bench")
        self.ifaces = []
        for i in range(cfg.get("ifaces", 1)):
            self.ifaces.append(Interface(
                cfg["role"], self.socket, id=cfg.get("id", 0) + i, queues=cfg.get("queues", 1),
                ring_size=cfg.get("ring_size", 1024), buffer_size=cfg.get("buffer_size", 2048),
                engine=cfg.get("engine", "cpu"), rx_mode="polling",
                dsa_config=cfg.get("dsa_config"), dsa_threshold=cfg.get("dsa_threshold"),
                name=f"bench{i}"))
        self.flags = lib.MDSA_TOOLS_BENCH_ZC if cfg.get("path") == "zc" else lib.MDSA_TOOLS_BENCH_COPY
        if cfg.get("yield_idle"):
            self.flags |= lib.MDSA_TOOLS_BENCH_YIELD
        if cfg.get("phases"):
            self.flags |= lib.MDSA_TOOLS_BENCH_PHASES
        # one thread per (interface, queue); CPUs in that order
        self.lanes = [(iface, q) for iface in self.ifaces for q in range(cfg.get("queues", 1))]
        cpus = cfg.get("cpus") or [None]
        self.cpus = [cpus[i % len(cpus)] for i in range(len(self.lanes))]

    def connect(self, timeout):
        for iface in self.ifaces:
            if not iface.connected:  # a peer that left may come back between runs
                iface.wait_connected(timeout)
        return {"event": "connected", "engine_name": self.ifaces[0].engine_name,
                "threads": len(self.lanes), "pid": os.getpid()}

    def _run(self, call):
        """call(handle, qid, res) in one pinned thread per lane."""
        results = [None] * len(self.lanes)

        def lane(i):
            _pin(self.cpus[i])
            iface, q = self.lanes[i]
            res = ffi.new("mdsa_tools_bench_result_t *")
            code = call(iface.handle, q, res)
            results[i] = {"code": code, **{f: getattr(res, f) for f in FIELDS},
                          "phase_ns": list(res.phase_ns)}

        threads = [threading.Thread(target=lane, args=(i,)) for i in range(len(self.lanes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bad = [r for r in results if r["code"] not in DONE]
        if bad:
            code = bad[0]["code"]
            return {"ok": False, "error": f"{string(lib.memif_strerror(code))} (code {code})"}
        return {"ok": True, "threads": results,
                "connected": all(i.connected for i in self.ifaces)}

    def tx(self, size, burst, seconds):
        ns = int(seconds * 1e9)
        return self._run(lambda h, q, r: lib.mdsa_tools_bench_tx(h, q, size, burst, ns, self.flags, r))

    def rx(self, burst, warmup, duration, idle):
        w, d, i = int(warmup * 1e9), int(duration * 1e9), int(idle * 1e9)
        return self._run(lambda h, q, r: lib.mdsa_tools_bench_rx(h, q, burst, w, d, i, self.flags, r))

    def close(self):
        for iface in self.ifaces:
            iface.close()
        self.socket.close()


def _say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def run(w, cmd, cfg):
    """One command; False for quit."""
    if cmd["cmd"] == "quit":
        return False
    try:
        w.connect(cfg.get("connect_timeout", 30.0))
        if cmd["cmd"] == "tx":
            _say(w.tx(cmd["size"], cmd["burst"], cmd["seconds"]))
        elif cmd["cmd"] == "rx":
            _say(w.rx(cmd["burst"], cmd["warmup"], cmd["duration"], cmd["idle"]))
        else:
            _say({"ok": False, "error": f"unknown command {cmd['cmd']!r}"})
    except Exception as e:  # the driver names the pair and sets it up again
        _say({"ok": False, "error": f"{type(e).__name__}: {e}"})
    return True


def main(argv):
    cfg = json.loads(argv[1])
    try:
        w = Worker(cfg)
        _say(w.connect(cfg.get("connect_timeout", 30.0)))
    except Exception as e:  # reported to the driver, which names the pair
        _say({"event": "error", "error": f"{type(e).__name__}: {e}"})
        return 1
    # Between commands the socket's events are served (a peer leaving or
    # coming back), so a pair stays usable for the whole benchmark.
    events = lib.mdsa_socket_event_fd(w.socket.handle)
    fds = [sys.stdin.fileno()] + ([events] if events >= 0 else [])
    pending = b""
    try:
        while True:
            ready, _, _ = select.select(fds, [], [], 1.0)
            if events in ready:
                w.socket.poll(0)
            if sys.stdin.fileno() not in ready:
                continue
            chunk = os.read(sys.stdin.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if not run(w, json.loads(line), cfg):
                    return 0
    finally:
        w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
