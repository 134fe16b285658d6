# SPDX-License-Identifier: Apache-2.0
"""libmemif-dsa as users get it: built into an sdist and a wheel, installed
into fresh virtual environments outside the checkout, then `memif-dsa
certify` (self) and `pytest --pyargs memif_conformance` pass on a subset
of the suite.  The wheel is built and installed by the scripts the
Containerfile runs (container/build-wheel, container/install,
container/entrypoint), so this is also their test outside a container;
the Containerfile's structure is checked here (no container engine on our
machines; ci/lanes/70-container builds the image where there is one).

Python packages come from build/wheelhouse (ci/setup.d/post/40-wheelhouse)
with --no-index: nothing is downloaded here.  Lane 30 leaves this file out
(it tests the C core under ASan, not packaging)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WHEELHOUSE = REPO / "build" / "wheelhouse"
CONTAINER = REPO / "container"
SUBSET = "test_connects or (test_every_vector and l2 and not l2_)"


def run(argv, cwd, env=None, timeout=600):
    r = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{shlex.join(map(str, argv))}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout + r.stderr


def clean_env(**extra):
    """The environment a user has: nothing pointing into this checkout."""
    drop = ("PYTHONPATH", "PYTHONSAFEPATH", "LD_PRELOAD", "VIRTUAL_ENV", "PYTEST_ADDOPTS",
            "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("MEMIF_")}
    return dict(env, **extra)


@pytest.fixture
def wheelhouse():
    if not any(WHEELHOUSE.glob("pytest-*.whl")):
        pytest.fail(f"{WHEELHOUSE} is empty: run ci/setup (ci/setup.d/post/40-wheelhouse)")
    return WHEELHOUSE


@pytest.fixture
def sdist(tmp_path):
    """An sdist of the tree as committed plus changes (a copy: building
    writes egg-info, never into the checkout other tests are using)."""
    src, out = tmp_path / "src", tmp_path / "dist"
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"],
                           capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--skip-dependency-check",
         "--outdir", out, src], cwd=tmp_path, env=clean_env())
    (path,) = out.glob("libmemif[-_]dsa-*.tar.gz")   # setuptools < 69: libmemif-dsa
    return path


def check_installed(python, cwd, env):
    """What a user runs after pip install, from a directory of their own."""
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd, env).strip())
    for stray in ("fixtures", "vectors", "conformance", "tests"):
        assert not (site / stray).exists(), f"{stray}/ installed at the top of site-packages"
    pkg = site / "memif_conformance"
    for data in ("vectors/manifest.json", "vectors/l2.pcap", "schemas/declaration.schema.json",
                 "schemas/certification.schema.json", "xdp/counter.c",
                 "suite/peer-caps.example.json", "suite/test_handshake.py",
                 "vectors/giant.pcap", "peers/libmemif_reflector/memif_reflector.c",
                 "peers/libmemif_reflector/memif_reflector.json"):
        assert (pkg / data).is_file(), f"memif_conformance/{data} missing from the install"
    bindir = Path(python).parent
    out = run([bindir / "memif-dsa", "certify", "--engines", "cpu", "--jobs", "2",
               "--report", cwd / "report", "--", "-k", SUBSET], cwd, env)
    assert "**PASS (partial: " in out and "handshake: 2/2 done, 0 failed" in out, out
    assert (cwd / "report" / "matrix.html").is_file()
    out = run([python, "-m", "pytest", "--pyargs", "memif_conformance", "-m", "feature", "-k", SUBSET,
               "-p", "no:cacheprovider", "-q", "--memif-engines", "cpu", "--memif-roles", "primary"],
              cwd, env)
    assert re.search(r"^2 passed", out, re.M), out   # test_connects, test_every_vector[l2]
    out = run([bindir / "memif-dsa", "certify", "--schema", "declaration"], cwd, env)
    assert '"title": "memif conformance peer declaration"' in out


def test_wheel_from_the_container_scripts(tmp_path, sdist, wheelhouse):
    dist, venv, work = tmp_path / "wheels", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    env = clean_env()
    run([CONTAINER / "build-wheel", "--no-apt", "--find-links", wheelhouse, sdist, dist], tmp_path, env)
    (wheel,) = dist.glob("libmemif_dsa-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(re.match(r"libmemif_dsa/_memif_dsa\..*\.so$", n) for n in names), "no compiled core"
    assert "memif_conformance/plugin.py" in names
    meta = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    entry_points = zipfile.ZipFile(wheel).read(meta).decode()
    assert "[pytest11]\nmemif_conformance = memif_conformance.plugin" in entry_points
    run([CONTAINER / "install", "--no-apt", "--find-links", wheelhouse, "--wheel-dir", dist,
         "--prefix", venv], tmp_path, env)
    # through the container's entry point, as `docker run IMAGE CMD` would
    entry = clean_env(MEMIF_DSA_PREFIX=str(venv))
    out = run([CONTAINER / "entrypoint", "memif-dsa", "--version"], work, entry)
    assert "memif-dsa " in out
    check_installed(venv / "bin" / "python", work, entry)


def test_sdist_in_a_fresh_venv(tmp_path, sdist, wheelhouse):
    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    env = clean_env()
    run([sys.executable, "-m", "venv", venv], tmp_path, env)
    # pip builds the sdist (C compiler + cffi from the wheelhouse) and installs it
    run([venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", "--no-index",
         "--find-links", wheelhouse, sdist], tmp_path, env)
    check_installed(venv / "bin" / "python", work, env)


def instructions(text):
    """(instruction, arguments) of a Containerfile, continuation lines joined."""
    out, line = [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") and not line:
            continue
        line += raw.rstrip("\\").strip() + " "
        if not raw.endswith("\\"):
            if line.strip():
                word, _, rest = line.strip().partition(" ")
                out.append((word.upper(), rest.strip()))
            line = ""
    return out


def test_containerfile_structure():
    text = (REPO / "Containerfile").read_text()
    steps = instructions(text)
    args = dict(a.split("=", 1) for w, a in steps if w == "ARG")
    froms = [a for w, a in steps if w == "FROM"]
    assert args["BASE"] in ("debian:12", "debian:bookworm") or args["BASE"].startswith("debian:12")
    assert froms == ["${BASE} AS build", "${BASE}"], froms
    for word, arg in steps:
        if word == "RUN":   # every RUN is one of our scripts (tested above), && cleanup at most
            script = arg.split()[0]
            assert re.match(r"^/(src|usr/local/lib/memif-dsa)/container/[a-z-]+$", script), arg
            assert (CONTAINER / script.rsplit("/", 1)[1]).is_file(), script
        if word == "COPY" and not arg.startswith("--from="):
            for src in arg.split()[:-1]:
                assert src == "." or (REPO / src).exists(), f"COPY {src}: no such file"
    entry = next(a for w, a in steps if w == "ENTRYPOINT")
    assert entry == '["/usr/local/lib/memif-dsa/container/entrypoint"]'
    assert "--privileged" in text and "/lib/modules:/lib/modules:ro" in text
    ignore = (REPO / ".dockerignore").read_text().split()
    assert {".venv", "build", "reports", ".git"} <= set(ignore)
    for script in CONTAINER.iterdir():
        shell = "sh" if script.read_text().startswith("#!/bin/sh") else "bash"
        run([shell, "-n", script], REPO)
        assert os.access(script, os.X_OK), f"{script} is not executable"


def test_entrypoint_explains_what_is_missing(tmp_path):
    r = subprocess.run([CONTAINER / "entrypoint", "true"], capture_output=True, text=True,
                       env=clean_env(MEMIF_DSA_PREFIX=str(tmp_path)), timeout=30)
    assert r.returncode == 2 and f"nothing installed in {tmp_path}" in r.stderr
