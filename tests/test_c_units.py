# SPDX-License-Identifier: Apache-2.0
"""The C unit tests from pytest, so CI runs them: tests/c/core (the core's
per-layer tests: each binary links one layer and those below it, so a call
reaching upward fails to build) and tests/c/dsa (the DSA copy path, on the
emulator and a fake sysfs: no hardware needed, nothing skipped).  Two
builds with the project's flags, plain and AddressSanitizer + UBSan; one
item per test binary and build, showing its output when it fails."""

import fcntl
import os
import pathlib
import shutil
import subprocess

import pytest

C = pathlib.Path(__file__).resolve().parent / "c"
SUITES = ("core", "dsa")
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


CASES = [(s, p.stem) for s in SUITES for p in sorted((C / s).glob("test_*.c"))]


@pytest.fixture(scope="session")
def builds():
    """build() once per suite and build kind in this process."""
    made = {}

    def get(suite, which):
        if (suite, which) not in made:
            made[suite, which] = build(C / suite, which)
        return made[suite, which]
    return get


@pytest.mark.parametrize("which", sorted(BUILDS))
@pytest.mark.parametrize("suite,name", CASES, ids=[f"{s}-{n}" for s, n in CASES])
def test_c_unit(builds, suite, name, which):
    run(builds(suite, which), name, C / suite)
