"""Build and run the DSA copy-path C unit tests (tests/c/dsa) so CI runs them.

Two builds, both with -std=c11 -Wall -Wextra -Werror -O2 -pthread: plain,
and with -fsanitize=address,undefined.  One pytest item per C test binary
and build; a failing item shows that binary's output.  Nothing is skipped:
the tests need no DSA hardware (they use the emulator and a fake sysfs).
"""
import fcntl
import os
import pathlib
import shutil
import subprocess

import pytest

DSA = pathlib.Path(__file__).resolve().parent / "c" / "dsa"
TESTS = sorted(p.stem for p in DSA.glob("test_*.c"))
BUILDS = {"plain": [], "sanitize": ["SAN=1"]}


def _env():
    env = dict(os.environ)
    # the C tests choose their own emulator configurations
    env.pop("MEMIF_DSA_EMU", None)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


@pytest.fixture(scope="module", params=sorted(BUILDS))
def build_dir(request):
    if shutil.which("make") is None or shutil.which("gcc") is None:
        pytest.fail("make and gcc are required to build the DSA C tests")
    flags = BUILDS[request.param]
    # pytest-xdist workers share the tree: serialize the build with a lock
    with open(DSA / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run(["make", "-C", str(DSA), "build", *flags], capture_output=True,
                           text=True, timeout=900, env=_env())
    assert r.returncode == 0, f"build ({request.param}) failed:\n{r.stdout}\n{r.stderr}"
    return DSA / ("build-san" if flags else "build")


@pytest.mark.parametrize("name", TESTS)
def test_dsa_c(build_dir, name):
    r = subprocess.run([str(build_dir / name)], capture_output=True, text=True, timeout=600,
                       env=_env(), cwd=str(DSA))
    assert r.returncode == 0, f"{name} ({build_dir.name}) failed:\n{r.stdout}\n{r.stderr}"
    assert " 0 failed tests" in r.stdout, r.stdout
