# SPDX-License-Identifier: Apache-2.0
"""Our side of a pair: a worker process (worker.py) per role, set up once
and driven run after run."""

import json
import os
import sys
import time

from .proc import Child, ChildError
from .sample import from_threads

# Seconds the transmitter runs past the receiver's window (the receiver
# starts counting at its first packet, a little after the transmitter).
TX_SLACK = 0.25


def placement(cpus, lanes):
    """CPUs of the primary's and the secondary's threads (lane i of each
    side is queue i): the sides on different CPUs as long as there are
    enough, and queue i's two ends never on one CPU when there are two or
    more CPUs."""
    n = len(cpus)
    if n == 1:
        return [cpus[0]] * lanes, [cpus[0]] * lanes
    prim = [cpus[i % n] for i in range(lanes)]
    shift = lanes if 2 * lanes <= n else 1
    sec = [cpus[(i + shift) % n] for i in range(lanes)]
    return prim, sec


class OursWorker:
    """One worker process (one role)."""

    def __init__(self, cfg, tree=None):
        env = dict(os.environ)
        if tree:  # the --ab baseline: its package first on the path
            env["PYTHONPATH"] = tree + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        argv = [sys.executable, "-m", "libmemif_dsa.bench.worker", json.dumps(cfg)]
        self.role = cfg["role"]
        self.child = Child(argv, f"our {cfg['role']} ({cfg.get('path')}, {cfg.get('engine')})",
                           env=env, cwd=tree or None)
        self.info = None

    def wait_connected(self, timeout):
        line = json.loads(self.child.read_line(timeout))
        if line.get("event") != "connected":
            raise self.child.error(line.get("error", f"unexpected {line}"))
        self.info = line
        return line

    def command(self, **cmd):
        self.child.send(json.dumps(cmd))

    def result(self, timeout):
        r = json.loads(self.child.read_line(timeout))
        if not r.get("ok"):
            raise self.child.error(r.get("error", "failed"))
        return r

    def close(self):
        if self.child.alive():
            try:
                self.command(cmd="quit")
            except ChildError:
                pass
        self.child.stop()


def worker_config(role, socket, variant_name, cell, cpus, engine_opts):
    lanes = cell.queues
    path = "zc" if variant_name == "zc" else "copy"
    engine = "cpu" if variant_name in ("zc", "testpmd>ours", "ours>testpmd") else variant_name
    # The copying bursts share one copy engine per interface, so each queue
    # pair of a scaling run is its own interface there; the zero-copy API
    # runs real queues of one interface.
    ifaces, queues = (lanes, 1) if path == "copy" else (1, lanes)
    return dict(role=role, socket=socket, path=path, engine=engine, ifaces=ifaces, queues=queues,
                buffer_size=cell.buffer_size, ring_size=engine_opts.get("ring_size", 1024),
                dsa_config=engine_opts.get("dsa_config") if engine != "cpu" else None,
                dsa_threshold=engine_opts.get("dsa_threshold") if engine != "cpu" else None,
                cpus=cpus, yield_idle=bool(engine_opts.get("shared_cores")),
                phases=bool(engine_opts.get("phases")) and path == "zc")


class OursPair:
    """Our transmitter and receiver, both ours."""

    def __init__(self, variant, cell, socket, cpus, opts, tree=None):
        lanes = cell.queues
        prim_cpus, sec_cpus = placement(cpus, lanes)
        shared = 2 * lanes > len(cpus)
        o = dict(opts, shared_cores=shared)
        self.tx_role = cell.direction.split("->")[0]
        self.workers = {}
        # the primary listens first
        for role, cp in (("primary", prim_cpus), ("secondary", sec_cpus)):
            self.workers[role] = OursWorker(worker_config(role, socket, variant.name, cell, cp, o), tree)
        self.connect_timeout = opts.get("connect_timeout", 30.0)

    def start(self):
        for w in self.workers.values():
            w.wait_connected(self.connect_timeout)
        return self

    @property
    def engine_name(self):
        info = self.workers["primary"].info or {}
        return info.get("engine_name", "")

    def measure(self, size, t):
        tx = self.workers[self.tx_role]
        rx = self.workers["secondary" if self.tx_role == "primary" else "primary"]
        rx.command(cmd="rx", burst=t.burst, warmup=t.warmup, duration=t.duration, idle=5.0)
        tx.command(cmd="tx", size=size, burst=t.burst, seconds=t.warmup + t.duration + TX_SLACK)
        limit = t.warmup + t.duration + 30
        r = rx.result(limit)
        x = tx.result(limit)
        return from_threads(r["threads"], x["threads"], size)

    def pids(self):
        return [w.child.pid for w in self.workers.values()]

    def close(self):
        for w in self.workers.values():
            w.close()
