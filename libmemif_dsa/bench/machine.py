# SPDX-License-Identifier: Apache-2.0
"""The machine a benchmark ran on (for the JSON and for choosing a stored
baseline of the same class), and whether `perf stat` can count cycles."""

import os
import platform
import re
import shutil
import subprocess


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def cpu_model():
    text = _read("/proc/cpuinfo") or ""
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else platform.processor() or "unknown"


def hypervisor():
    text = _read("/proc/cpuinfo") or ""
    if " hypervisor" not in text:
        return None
    vendor = None
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5).stdout
        m = re.search(r"Hypervisor vendor:\s*(\S+)", out)
        vendor = m.group(1) if m else None
    except (OSError, subprocess.SubprocessError):
        pass
    return vendor or "yes"


def governor():
    g = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return g or "not readable (no cpufreq in this kernel or VM)"


def tsc_ghz():
    """The nominal clock from the kernel's BogoMIPS (2 x TSC MHz on x86), or None."""
    text = _read("/proc/cpuinfo") or ""
    m = re.search(r"^bogomips\s*:\s*([\d.]+)", text, re.M)
    return round(float(m.group(1)) / 2000, 3) if m else None


def perf_cycles():
    """(usable, why): can `perf stat` count CPU cycles here?"""
    perf = shutil.which("perf")
    if not perf:
        return False, "perf is not installed"
    try:
        r = subprocess.run([perf, "stat", "-x,", "-e", "cycles", "true"], capture_output=True,
                           text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"perf stat failed: {e}"
    text = r.stderr + r.stdout
    if "<not supported>" in text:
        return False, "perf stat: cycles <not supported> (no hardware counters, e.g. in this VM)"
    if "<not counted>" in text or r.returncode != 0:
        para = _read("/proc/sys/kernel/perf_event_paranoid")
        return False, f"perf stat cannot count cycles (rc {r.returncode}, perf_event_paranoid {para})"
    return True, "perf stat counts cycles"


def describe(dsa=None):
    ok, why = perf_cycles()
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "hypervisor": hypervisor(),
        "kernel": platform.release(),
        "governor": governor(),
        "tsc_ghz": tsc_ghz(),
        "python": platform.python_version(),
        "perf_cycles": ok,
        "perf_note": why,
        "dsa": dsa,
    }


def machine_class(m):
    """A key for stored baselines: the same CPU model and usable core count."""
    model = re.sub(r"[^a-z0-9]+", "-", m["cpu_model"].lower()).strip("-")
    return f"{model}-{m['cpus_usable']}cpu"
