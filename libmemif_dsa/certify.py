# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa certify`: run the conformance suite (the installed
memif_conformance package, with pytest) against a peer and print the
certification matrix; list the suite's features and the peers it can
drive; print the published JSON Schemas; compare two certifications.
Exit status of a run: pytest's (0 only when nothing failed)."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

SCHEMAS = ("declaration", "certification")


def add_parser(sub):
    p = sub.add_parser("certify", help="run the memif conformance suite against a peer and print "
                                       "the certification matrix")
    from memif_conformance.options import shared
    for name, kwargs in shared():   # the same options as the pytest plugin's --memif-NAME
        if name == "report":
            kwargs = dict(kwargs, help="where the report goes (default ./reports/certify-<peer>)")
        p.add_argument(f"--{name}", **kwargs)
    p.add_argument("--jobs", default="auto",
                   help="parallel pytest workers (pytest-xdist): a number, auto (default) or 0")
    p.add_argument("--no-progress", action="store_true",
                   help="pytest's own dots instead of a progress line per feature")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--list-features", action="store_true",
                      help="list the suite's features: tests per feature for the given --peer, "
                           "--roles and --engines, and what each checks")
    what.add_argument("--list-peers", action="store_true",
                      help="list the peer adapters (built in, and those other packages register "
                           "in the entry-point group memif_conformance.peers)")
    what.add_argument("--schema", choices=SCHEMAS, default=None,
                      help="print the published JSON Schema of a declaration (--peer-caps) or of "
                           "certification.json")
    what.add_argument("--diff", nargs=2, metavar=("OLD.json", "NEW.json"),
                      help="what changed between two certification.json files (any report schema "
                           "version); exit 1 when a test got worse")
    p.add_argument("pytest_args", nargs="*", metavar="-- PYTEST-ARGS",
                   help="more pytest arguments after --, e.g. -- -k handshake")
    p.set_defaults(func=run)


def plugin_args(a, report=None):
    """certify's options as the pytest plugin's (--memif-*) options."""
    out = ["--memif-peer", a.peer, "--memif-engines", a.engines, "--memif-roles", a.roles]
    if a.peer_cmd is not None:
        out += ["--memif-peer-cmd", a.peer_cmd]
    if a.peer_caps is not None:
        out += ["--memif-peer-caps", os.path.abspath(a.peer_caps)]
    for kv in a.peer_opt:
        out += ["--memif-peer-opt", kv]
    if a.require_dsa_hw:
        out.append("--memif-require-dsa-hw")
    if report is not None:
        out += ["--memif-report", str(report)]
    return out


def command(a, report):
    """The pytest run behind certify: the installed suite's directory, only
    the tests that certify a peer (-m feature: not, e.g., our own XDP
    bridge tests), rooted at the package's parent so node ids read
    memif_conformance/suite/test_*.py wherever it is installed."""
    from memif_conformance import PACKAGE_DIR, SUITE_DIR
    cmd = [sys.executable, "-m", "pytest", str(SUITE_DIR), "-m", "feature", "-p",
           "no:cacheprovider", "-q", "--rootdir", str(PACKAGE_DIR.parent), *plugin_args(a, report)]
    if not a.no_progress:
        # our progress line instead of pytest's dots and percentages
        cmd += ["--memif-progress", "-o", "console_output_style=classic"]
    if a.jobs not in ("0", "1"):
        cmd += ["-n", a.jobs]
    return cmd + list(a.pytest_args)


def environment():
    """The run imports the libmemif_dsa and memif_conformance that run this
    command, never a source tree that happens to be the current directory
    (uncompiled in a fresh clone): no current directory on sys.path
    (PYTHONSAFEPATH, Python 3.11+, inherited by the xdist workers and the
    peers).  The report names the command the user typed."""
    env = dict(os.environ, PYTHONSAFEPATH="1")
    env["MEMIF_DSA_CERTIFY_COMMAND"] = shlex.join(["memif-dsa", *sys.argv[1:]])
    return env


def run(a):
    if a.schema:
        from memif_conformance import schemas
        print(json.dumps(schemas.SCHEMAS[a.schema](), indent=2))
        return 0
    if a.diff:
        from memif_conformance import diff
        return diff.main(*a.diff)
    if a.list_peers:
        from memif_conformance import peers
        return peers.print_list()
    if a.list_features:
        from memif_conformance import listing
        return listing.print_features(plugin_args(a) + list(a.pytest_args))
    report = Path(a.report or os.path.join("reports", f"certify-{a.peer}")).resolve()
    rc = subprocess.call(command(a, report), env=environment())
    matrix = report / "matrix.md"
    if matrix.exists():
        print()
        print(matrix.read_text(), end="")
        print(f"\nreport: {matrix}, {report / 'matrix.html'}, {report / 'certification.json'}, "
              f"{report / 'junit.xml'}")
    return rc
