# SPDX-License-Identifier: Apache-2.0
"""Build and run the C unit tests of a tests/c directory from pytest: two
builds (plain, and AddressSanitizer + UBSan), one item per test binary."""

import fcntl
import os
import shutil
import subprocess

BUILDS = {"plain": [], "sanitize": ["SAN=1"]}


def env():
    e = dict(os.environ)
    e.pop("MEMIF_DSA_EMU", None)   # the C tests choose their own emulator configurations
    e.pop("LD_PRELOAD", None)      # the sanitize build links its own runtime
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return e


def build(directory, which):
    """Build `directory`'s tests (make build) and return the output dir."""
    if shutil.which("make") is None or shutil.which("gcc") is None:
        raise AssertionError("make and gcc are required to build the C tests")
    flags = BUILDS[which]
    # pytest-xdist workers share the tree: serialize the build with a lock
    with open(directory / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run(["make", "-C", str(directory), "build", *flags], capture_output=True,
                           text=True, timeout=900, env=env())
    assert r.returncode == 0, f"build ({which}) failed:\n{r.stdout}\n{r.stderr}"
    return directory / ("build-san" if flags else "build")


def run(build_dir, name, cwd):
    r = subprocess.run([str(build_dir / name)], capture_output=True, text=True, timeout=600,
                       env=env(), cwd=str(cwd))
    assert r.returncode == 0, f"{name} ({build_dir.name}) failed:\n{r.stdout}\n{r.stderr}"
    assert " 0 failed tests" in r.stdout, r.stdout
