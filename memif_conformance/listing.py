# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa certify --list-features`: the suite's features, how many
tests each runs for the given peer, roles and engines (as collected, before
capability skips), and what each checks (its module's first sentence)."""

import contextlib
import io
import re
import sys

import pytest

from . import SUITE_DIR
from .declaration import FEATURES


class _Collector:
    def __init__(self):
        self.items = []

    def pytest_collection_finish(self, session):
        self.items = list(session.items)


def summary(text, limit=110):
    """The first sentence of a docstring, on one line, at most `limit` long."""
    para = " ".join((text or "").strip().split("\n\n")[0].split())
    m = re.match(r"(.+?\.)(\s|$)", para)
    first = m.group(1) if m else para
    return first if len(first) <= limit else first[:limit - 1].rstrip() + "…"


def collect(plugin_args):
    """{feature: {"tests": n, "functions": n, "summary": str}} in suite order;
    (None, pytest's output) when collection failed."""
    c = _Collector()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = pytest.main([str(SUITE_DIR), "--collect-only", "-q", "-m", "feature", "-p", "no:xdist",
                          "-p", "no:cacheprovider", *plugin_args], plugins=[c])
    if rc not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return None, out.getvalue()
    found = {}
    for item in c.items:
        feature = item.get_closest_marker("feature").args[0]
        f = found.setdefault(feature, {"tests": 0, "functions": set(),
                                       "summary": summary(item.module.__doc__)})
        f["tests"] += 1
        f["functions"].add(item.originalname)
    order = [f for f in FEATURES if f in found] + sorted(set(found) - set(FEATURES))
    return {f: dict(found[f], functions=len(found[f]["functions"])) for f in order}, ""


def print_features(plugin_args):
    features, output = collect(plugin_args)
    if features is None:
        print(output, file=sys.stderr)
        return 2
    width = max([len("feature")] + [len(f) for f in features])
    print(f"{'feature':{width}}  tests  functions  what it checks")
    for name, f in features.items():
        print(f"{name:{width}}  {f['tests']:5}  {f['functions']:9}  {f['summary']}")
    print(f"{'all':{width}}  {sum(f['tests'] for f in features.values()):5}  "
          f"{sum(f['functions'] for f in features.values()):9}")
    return 0
