# SPDX-License-Identifier: Apache-2.0
"""Runs a plan: sets up each pair of processes once (the first time the
schedule needs it), runs the schedule, reports progress, and returns every
sample.  A run that fails is recorded with its error and its pair set up
again for the next run; pairs are closed at the end whatever happens."""

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass

from .dpdk import DpdkPair
from .ours import OursPair
from .perf import PerfWindow
from .proc import ChildError


@dataclass
class Timing:
    warmup: float = 0.3
    duration: float = 1.0
    burst: int = 64


def cpus():
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return list(range(os.cpu_count() or 1))


class Progress:
    """One line: what runs now, how much is done and left.  Rewritten in
    place on a terminal, one line per run otherwise."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.t0 = time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    @staticmethod
    def _clock(s):
        s = int(s)
        return f"{s // 60}:{s % 60:02d}"

    def line(self, rep, repeats, cell, variant, result):
        self.done += 1
        el = time.monotonic() - self.t0
        left = el / self.done * (self.total - self.done)
        what = (f"{result['mpps']:7.3f} Mpps {result['gbps']:7.2f} Gbps" if "mpps" in result
                else f"error: {result.get('error', '?')[:60]}")
        text = (f"[{self.done:3d}/{self.total} {100 * self.done // self.total:3d}%] "
                f"rep {rep + 1}/{repeats} {cell.label():18s} {variant.label:13s} {what}"
                f"  elapsed {self._clock(el)}, left ~{self._clock(left)}")
        if self.tty:
            self.stream.write("\r" + text.ljust(120)[:160])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


class Runner:
    def __init__(self, plan, timing, opts, ab_tree=None, progress=None):
        self.plan, self.timing, self.opts = plan, timing, opts
        self.ab_tree = ab_tree
        self.cpus = cpus()
        self.pairs = {}
        self.broken = {}   # pair key -> why it could not be set up (twice)
        self.failures = {}
        self.workdir = tempfile.mkdtemp(prefix="memif-dsa-bench-")
        self.seq = 0
        self.progress = progress or Progress(plan.runs())

    def _pair(self, cell, variant):
        key = (variant.label, cell.direction, cell.queues, cell.buffer_size)
        if key in self.broken:
            raise ChildError(f"not run: {self.broken[key]}")
        if key not in self.pairs:
            self.seq += 1
            if variant.uses_dpdk:
                pair = DpdkPair(variant, cell, self.workdir, self.cpus, self.opts)
            else:
                sock = f"@memif-dsa-bench-{os.getpid()}-{self.seq}"
                tree = self.ab_tree if variant.tree == "base" else None
                pair = OursPair(variant, cell, sock, self.cpus, self.opts, tree=tree)
            try:
                pair.start()
            except BaseException as e:
                pair.close()
                self.failures[key] = self.failures.get(key, 0) + 1
                if self.failures[key] >= 2:  # no third try: each can take the connect timeout
                    self.broken[key] = str(e)
                raise
            self.pairs[key] = pair
        return key, self.pairs[key]

    def _drop(self, key):
        pair = self.pairs.pop(key, None)
        if pair:
            try:
                pair.close()
            except Exception:
                pass

    def _measure(self, pair, cell):
        events = self.opts.get("perf_events")
        if not events:
            return pair.measure(cell.size, self.timing)
        # counted over the middle of the window, per packet at the window's rate
        span = self.timing.duration * 0.8
        pw = PerfWindow(pair.pids(), self.timing.warmup + 0.1 * self.timing.duration + 0.05,
                        span, events)
        out = pair.measure(cell.size, self.timing)
        counts = pw.counts()
        pk = out["mpps"] * 1e6 * span
        out["perf_per_packet"] = {e: c / pk for e, c in counts.items()} if pk else {}
        return out

    def run(self):
        samples = []
        try:
            for rep, cell, variant in self.plan.schedule():
                rec = {"repeat": rep, "size": cell.size, "direction": cell.direction,
                       "queues": cell.queues, "buffer_size": cell.buffer_size,
                       "mtu_set": cell.mtu_set, "variant": variant.label}
                key = None
                try:
                    key, pair = self._pair(cell, variant)
                    rec["engine_name"] = pair.engine_name
                    rec.update(self._measure(pair, cell))
                except (ChildError, ValueError, OSError) as e:
                    rec["error"] = str(e)
                    if key:
                        self._drop(key)  # set up afresh for its next run
                samples.append(rec)
                self.progress.line(rep, self.plan.repeats, cell, variant, rec)
        finally:
            for key in list(self.pairs):
                self._drop(key)
            shutil.rmtree(self.workdir, ignore_errors=True)
        return samples
