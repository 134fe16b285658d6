# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa certify`: run the conformance suite (conformance/ in the
source tree, with pytest) against a peer and print the certification
matrix.  Exit status: pytest's (0 only when nothing failed)."""

import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path


def add_parser(sub):
    p = sub.add_parser("certify", help="run the memif conformance suite against a peer and print "
                                       "the certification matrix")
    p.add_argument("--peer", default="self", help="self (default), command, dpdk, ...")
    p.add_argument("--peer-cmd", default=None, metavar="TEMPLATE",
                   help="--peer command: how to start your reflector (placeholders {socket} {id} "
                        "{role} {mode} {secret} ...; see `pytest conformance --help`)")
    p.add_argument("--peer-caps", default=None, metavar="FILE.json",
                   help="the peer's capabilities, known defects and output patterns")
    p.add_argument("--engines", default="cpu,dsa-emu", help="our side's copy engines (default cpu,dsa-emu)")
    p.add_argument("--roles", default="primary,secondary", help="the peer's roles (default both)")
    p.add_argument("--report", default=None, metavar="DIR",
                   help="where the report goes (default ./reports/certify-<peer>)")
    p.add_argument("--require-dsa-hw", action="store_true",
                   help="fail, not skip, the dsa-hw lanes when no DSA hardware is usable")
    p.add_argument("--jobs", default="auto",
                   help="parallel pytest workers (pytest-xdist): a number, auto (default) or 0")
    p.add_argument("pytest_args", nargs="*", metavar="-- PYTEST-ARGS",
                   help="more pytest arguments after --, e.g. -- -k handshake")
    p.set_defaults(func=run)


def find_suite():
    """conformance/ of the source tree: $MEMIF_DSA_CONFORMANCE, next to this
    package (a checkout or editable install), or under the current directory."""
    here = Path(__file__).resolve().parent
    candidates = [os.environ.get("MEMIF_DSA_CONFORMANCE"), here.parent / "conformance",
                  Path.cwd() / "conformance"]
    for c in candidates:
        if c and (Path(c) / "conftest.py").is_file():
            return Path(c).resolve()
    raise FileNotFoundError("the conformance suite (conformance/) was not found: run from the "
                            "libmemif-dsa source tree or set MEMIF_DSA_CONFORMANCE")


def environment(suite):
    """(env, extra pytest args) for the run.  When the libmemif_dsa running
    certify is an installed copy rather than the tree's own package, every
    Python process of the run (pytest, its workers, the peers) must import
    that copy, not the tree's libmemif_dsa/ (uncompiled in a fresh clone):
    no current directory on sys.path (PYTHONSAFEPATH, Python 3.11+), the
    copy's location first on PYTHONPATH, and the library loaded as a pytest
    plugin before the tree's conftest.py puts the tree on sys.path."""
    lib_root = Path(__file__).resolve().parent.parent
    if lib_root == suite.parent:
        return None, []
    path = [str(lib_root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(os.environ, PYTHONSAFEPATH="1", PYTHONPATH=os.pathsep.join(path))
    return env, ["-p", "libmemif_dsa"]


def command(a, suite, report, extra=()):
    # -m feature: the tests that certify a peer (not, e.g., our own XDP bridge tests)
    cmd = [sys.executable, "-m", "pytest", *extra, str(suite), "-m", "feature", "-p",
           "no:cacheprovider", "-q", "--rootdir", str(suite.parent), "--peer", a.peer,
           "--engines", a.engines,
           "--roles", a.roles, "--report", str(report)]
    for opt in ("peer_cmd", "peer_caps"):
        value = getattr(a, opt)
        if value is not None:
            if opt == "peer_caps":
                value = os.path.abspath(value)
            cmd += [f"--{opt.replace('_', '-')}", value]
    if a.require_dsa_hw:
        cmd.append("--require-dsa-hw")
    if a.jobs not in ("0", "1") and importlib.util.find_spec("xdist") is not None:
        cmd += ["-n", a.jobs]
    return cmd + list(a.pytest_args)


def run(a):
    if importlib.util.find_spec("pytest") is None:
        print("memif-dsa certify: needs pytest (pip install 'libmemif-dsa[test]')", file=sys.stderr)
        return 2
    try:
        suite = find_suite()
    except FileNotFoundError as e:
        print(f"memif-dsa certify: {e}", file=sys.stderr)
        return 2
    report = Path(a.report or os.path.join("reports", f"certify-{a.peer}")).resolve()
    env, extra = environment(suite)
    env = dict(env or os.environ)
    # the report names the command the user typed, not the pytest run behind it
    env["MEMIF_DSA_CERTIFY_COMMAND"] = shlex.join(["memif-dsa", *sys.argv[1:]])
    rc = subprocess.call(command(a, suite, report, extra), env=env)
    matrix = report / "matrix.md"
    if matrix.exists():
        print()
        print(matrix.read_text(), end="")
        print(f"\nreport: {matrix}, {report / 'certification.json'}, {report / 'junit.xml'}")
    return rc
