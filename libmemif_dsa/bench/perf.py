# SPDX-License-Identifier: Apache-2.0
"""`perf stat` over a run's measured window, where the kernel lets it count
(machine.perf_cycles() says whether and why not): cycles and instructions
of both processes of a pair, per packet."""

import shutil
import subprocess
import threading
import time


class PerfWindow:
    """perf stat on `pids` from `delay` seconds from now, for `seconds`."""

    def __init__(self, pids, delay, seconds, events=("cycles", "instructions")):
        self.result = None
        self.error = None
        self.events = events
        self._t = threading.Thread(target=self._run, args=(pids, delay, seconds), daemon=True)
        self._t.start()

    def _run(self, pids, delay, seconds):
        time.sleep(delay)
        argv = [shutil.which("perf") or "perf", "stat", "-x,", "-e", ",".join(self.events),
                "-p", ",".join(str(p) for p in pids), "--", "sleep", f"{seconds:.3f}"]
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
            self.result = parse(r.stderr)
        except (OSError, subprocess.SubprocessError) as e:
            self.error = str(e)

    def counts(self, timeout=30):
        self._t.join(timeout)
        return self.result or {}


def parse(text):
    """{event: count} from `perf stat -x,` output (uncounted events left out)."""
    out = {}
    for line in text.splitlines():
        f = line.split(",")
        if len(f) >= 3 and f[0].strip().replace(".", "", 1).isdigit():
            out[f[2].split(":")[0]] = float(f[0])
    return out
