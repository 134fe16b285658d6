# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa certify --diff OLD.json NEW.json`: what changed between two
certifications, whatever report schema each was written in (1: the first
reports; 2: with coverage, verdict and provenance).

A test is known by its feature and its name with parameters
("handshake/test_secret[peer-primary-different]"), not by its file, so a
suite that moved its files still compares.  A test got worse when it
passed, xfailed, xpassed or was skipped before and now fails or errors (a
strict xfail that passes is a failure already; an xpass is a "flaky:"
defect that did not show this time); the exit status is 1 when any did (or the result went from PASS to FAIL),
so a nightly can gate on it.
"""

import json
import sys

WORSE = {"fail", "error"}


class ReportError(ValueError):
    pass


def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ReportError(f"{path}: {e}") from None
    if not isinstance(doc, dict) or "tests" not in doc:
        raise ReportError(f"{path}: not a certification report (no 'tests')")
    return normalize(doc, path)


def test_key(t):
    name = t["nodeid"].split("::", 1)[-1]
    return f"{t['feature']}/{name}"


def normalize(doc, path="report"):
    """The parts both schemas share, in one shape."""
    schema = doc.get("schema", 1)
    if schema not in (1, 2):
        raise ReportError(f"{path}: report schema {schema} is newer than this suite knows (1, 2)")
    suite = doc.get("suite")
    if isinstance(suite, str):           # schema 1: the suite's name only
        suite = {"name": suite, "version": "?", "commit": "?"}
    peer = doc.get("peer", {})
    tests = {}
    for t in doc["tests"]:
        if t.get("outcome"):
            tests[test_key(t)] = (t["outcome"], t.get("reason", ""))
    return {"schema": schema, "path": path, "result": doc.get("result", "?"),
            "verdict": doc.get("verdict", doc.get("result", "?")),
            "peer": f"{peer.get('name', '?')} ({peer.get('version', 'version unknown')})",
            "suite": f"{suite.get('version', '?')} commit {str(suite.get('commit', '?'))[:12]}",
            "started": doc.get("started", "?"),
            "defects": sorted(peer.get("capabilities", {}).get("known_defects", {})
                              or doc.get("known_defects", {})),
            "tests": tests}


def compare(old, new):
    """{"worse": [...], "better": [...], "changed": [...], "added": [...],
    "removed": [...]}: (key, old outcome, new outcome, new reason)."""
    out = {k: [] for k in ("worse", "better", "changed", "added", "removed")}
    for key in sorted(set(old["tests"]) | set(new["tests"])):
        a, b = old["tests"].get(key), new["tests"].get(key)
        if a is None:
            out["added"].append((key, None, b[0], b[1]))
        elif b is None:
            out["removed"].append((key, a[0], None, ""))
        elif a[0] != b[0]:
            kind = ("worse" if b[0] in WORSE and a[0] not in WORSE else
                    "better" if a[0] in WORSE and b[0] not in WORSE else "changed")
            out[kind].append((key, a[0], b[0], b[1]))
    return out


def regressed(old, new, changes):
    return bool(changes["worse"]) or (old["result"] != "FAIL" and new["result"] == "FAIL")


def _counts(tests):
    out = {}
    for outcome, _ in tests.values():
        out[outcome] = out.get(outcome, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(out.items())) or "no tests"


def render(old, new, changes, limit=300):
    lines = []
    for tag, r in (("old", old), ("new", new)):
        lines.append(f"{tag}: {r['path']} (report schema {r['schema']}, suite {r['suite']}, "
                     f"started {r['started']})")
        lines.append(f"     peer {r['peer']}: {r['verdict']}")
        lines.append(f"     {len(r['tests'])} tests: {_counts(r['tests'])}")
    if old["result"] != new["result"]:
        lines.append(f"result: {old['result']} -> {new['result']}")
    titles = {"worse": "got worse", "better": "got better", "changed": "changed",
              "added": "new tests", "removed": "tests no longer run"}
    for kind, title in titles.items():
        rows = changes[kind]
        if not rows:
            continue
        lines.append(f"\n{title} ({len(rows)}):")
        for key, a, b, reason in rows[:limit]:
            if kind == "added":
                lines.append(f"  {key}: {b}")
            elif kind == "removed":
                lines.append(f"  {key}: was {a}")
            else:
                why = f" — {reason[:200]}" if reason and b != "pass" else ""
                lines.append(f"  {key}: {a} -> {b}{why}")
        if len(rows) > limit:
            lines.append(f"  ... and {len(rows) - limit} more")
    gone = sorted(set(old["defects"]) - set(new["defects"]))
    came = sorted(set(new["defects"]) - set(old["defects"]))
    if gone or came:
        lines.append("\nknown defects declared:")
        lines += [f"  - {k}" for k in gone] + [f"  + {k}" for k in came]
    if not any(changes.values()) and old["result"] == new["result"] and not (gone or came):
        lines.append("\nno change in any test's outcome")
    return "\n".join(lines)


def main(old_path, new_path):
    try:
        old, new = load(old_path), load(new_path)
    except ReportError as e:
        print(f"memif-dsa certify --diff: {e}", file=sys.stderr)
        return 2
    changes = compare(old, new)
    print(render(old, new, changes))
    return 1 if regressed(old, new, changes) else 0
