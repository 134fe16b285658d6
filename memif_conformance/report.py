# SPDX-License-Identifier: Apache-2.0
"""The certification report: every test's outcome collected from pytest's
reports (also across xdist workers), written as certification.json and a
Markdown matrix peer × role × mode × engine × feature, with the coverage
behind the verdict and where the run came from."""

import datetime
import json
import os
import time

from . import provenance
from .coverage import FEATURES, Coverage, cell_result, counts_of

DIMS = ("peer_role", "mode", "engine")
FAILED = ("fail", "error")
_PREFIXES = ("Skipped: ", "AssertionError: ", "Failed: ", "TestTimeout: ", "LinkDown: ",
             "memif_conformance.guard.TestTimeout: ", "memif_conformance.traffic.LinkDown: ",
             "memif_conformance.engine_check.EngineCheckFailed: ", "EngineCheckFailed: ")


def item_dims(item, feature):
    """The matrix coordinates of a test item (stored on it for the report)."""
    params = {k: str(v) for k, v in getattr(getattr(item, "callspec", None), "params", {}).items()}
    engine = params.get("engine") or params.get("variant", "-")   # copy-engines: one cell per variant
    return {"feature": feature, "test": item.originalname, "params": params,
            "peer_role": params.get("peer_role", "-"), "mode": params.get("mode", "ethernet"),
            "engine": engine}


def _our_words(text):
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    if text.startswith("assert "):   # a bare assert: its first line, not the introspection
        return text.splitlines()[0]
    return text.split("\nassert ")[0].strip()   # our words, not pytest's introspection


def _message(report):
    lr = report.longrepr
    if isinstance(lr, tuple):
        text = lr[2]
    elif getattr(lr, "reprcrash", None) is not None:
        text = lr.reprcrash.message
    else:
        text = str(lr)
    return _our_words(text)


def failure_text(excinfo, limit=4000):
    """What actually failed, for an xfail: the exception's own words."""
    text = _our_words(excinfo.exconly())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def classify(report, previous):
    """(outcome, reason) after this phase's report, given the outcome so far."""
    wasxfail = getattr(report, "wasxfail", None)
    if report.when == "setup":
        if report.skipped:
            return ("xfail", wasxfail) if wasxfail is not None else ("skip", _message(report))
        if report.failed:
            return "error", "setup: " + _message(report)
        return None
    if report.when == "call":
        if wasxfail is not None:
            return ("xfail", wasxfail) if report.skipped else ("xpass", wasxfail)
        if report.passed:
            return "pass", ""
        if report.skipped:
            return "skip", _message(report)
        return "fail", _message(report)
    if report.failed and (previous is None or previous[0] not in FAILED):
        return "error", "teardown: " + _message(report)
    return None


class Recorder:
    """A pytest plugin object (registered once, on the controller)."""

    def __init__(self, outdir, adapter, options):
        self.outdir, self.adapter, self.options = outdir, adapter, options
        self.tests = {}
        self.started = time.time()
        self.command = ""
        self._doc = None

    def pytest_sessionstart(self, session):
        self.config = session.config
        self.command = provenance.command_line(session.config.invocation_params)

    def _refused(self):
        from .plugin import refused   # the plugin that registered us
        return refused(self.config)

    def _relative(self, path):
        rel = os.path.relpath(path, self.outdir)
        return path if rel.startswith("..") else rel

    def pytest_runtest_logreport(self, report):
        props = report.user_properties
        dims = next((json.loads(v) for k, v in props if k == "conformance"), None)
        if dims is None:
            return
        entry = self.tests.setdefault(report.nodeid, dict(dims, nodeid=report.nodeid, outcome=None,
                                                         reason="", duration_s=0.0))
        entry["duration_s"] = round(entry["duration_s"] + report.duration, 3)
        entry["pcaps"] = sorted({self._relative(v) for k, v in props if k == "pcap"}
                                | set(entry.get("pcaps", ())))
        entry["notes"] = list(dict.fromkeys(entry.get("notes", []) +
                                            [v for k, v in props if k == "note"]))
        for key, name in (("defect", "defect"), ("failure", "failure"), ("peer_app", "peer_app")):
            for k, v in props:
                if k == key:
                    entry[name] = v
        for k, v in props:
            if k == "engine":
                entry["engine_counters"] = json.loads(v)
        output = "\n".join(text for name, text in getattr(report, "sections", ())
                           if name.startswith("peer ") and text)
        if output and (report.failed or getattr(report, "wasxfail", None) is not None):
            entry["peer_output"] = output[-4000:]
        prev = (entry["outcome"], entry["reason"]) if entry["outcome"] else None
        new = classify(report, prev)
        if new is not None:
            entry["outcome"], entry["reason"] = new[0], new[1] or ""
        self._doc = None

    # ---- summaries --------------------------------------------------------

    def _tests(self):
        return [t for t in self.tests.values() if t["outcome"]]

    def cells(self):
        groups = {}
        for t in self._tests():
            groups.setdefault((t["feature"],) + tuple(t[d] for d in DIMS), []).append(t)

        def order(key):
            f = key[0]
            return (FEATURES.index(f) if f in FEATURES else len(FEATURES), key)

        out = []
        for key in sorted(groups, key=order):
            tests = groups[key]
            counts = counts_of(tests)
            reasons = [t["reason"] for t in tests if t["outcome"] != "pass" and t["reason"]]
            notes = [n for t in tests for n in t["notes"]]
            cell = dict(zip(("feature",) + DIMS, key), result=cell_result(counts),
                        counts=counts, reasons=list(dict.fromkeys(reasons)),
                        notes=list(dict.fromkeys(notes)))
            dsa = [t["engine_counters"] for t in tests if t.get("engine_counters")]
            if dsa:
                cell["dsa"] = {k: sum(d[k] for d in dsa) for k in dsa[0] if k != "engines"}
                cell["dsa"]["tests"] = len(dsa)
            out.append(cell)
        return out

    def defects(self):
        """Per declared key: its reason and what its tests did."""
        out = {}
        for key, reason in self.adapter.capabilities.known_defects.items():
            tests = [t for t in self._tests() if t.get("defect") == key]
            counts = counts_of(tests)
            ran = sum(n for o, n in counts.items() if o != "skip")
            out[key] = {"reason": reason, "counts": counts,
                        "reproduced": bool(counts.get("xfail")),
                        "not_reproduced": ran > 0 and not counts.get("xfail")}
        return out

    def peer_version(self):
        own = self.adapter.version()
        if own:
            return own
        apps = sorted({t["peer_app"] for t in self._tests() if t.get("peer_app")})
        return f"app name in its handshake: {', '.join(apps)}" if apps else "unknown"

    def document(self):
        if self._doc is not None:
            return self._doc
        import dataclasses
        tests = self._tests()
        caps = self.adapter.capabilities
        cov = Coverage(tests, roles=list(caps.roles))
        off = caps.turned_off()
        result = cov.result()
        peer = dict(self.adapter.describe(), version=self.peer_version(),
                    capabilities=dataclasses.asdict(caps),
                    timeouts=dataclasses.asdict(self.adapter.timeouts))
        defects = self.defects()
        self._doc = {
            "schema": 2,
            "suite": provenance.suite(),
            "vectors": provenance.vectors(),
            "peer": peer,
            "options": {"peer": self.options.peer, "engines": list(self.options.engines),
                        "roles": list(self.options.roles),
                        "require_dsa_hw": self.options.require_dsa_hw},
            "command_line": self.command,
            "host": provenance.host(),
            "started": datetime.datetime.fromtimestamp(self.started).isoformat(timespec="seconds"),
            "duration_s": round(time.time() - self.started, 1),
            "result": result,
            "verdict": cov.verdict_line(result, off),
            "capabilities_off": off,
            "coverage": cov.document(),
            "counts": counts_of(tests),
            "cells": self.cells(),
            "known_defects": defects,
            "defects_not_reproduced": [k for k, d in defects.items() if d["not_reproduced"]],
            "tests": sorted(self.tests.values(), key=lambda t: t["nodeid"]),
        }
        return self._doc

    def pytest_sessionfinish(self, session):
        if self._refused():   # the declaration was refused: nothing ran, nothing to certify
            return
        self._doc = None
        doc = self.document()
        os.makedirs(self.outdir, exist_ok=True)
        with open(os.path.join(self.outdir, "certification.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        with open(os.path.join(self.outdir, "matrix.md"), "w") as f:
            f.write(markdown(doc))
        from .report_html import html
        with open(os.path.join(self.outdir, "matrix.html"), "w") as f:
            f.write(html(doc))

    def pytest_terminal_summary(self, terminalreporter):
        if self._refused():
            return
        doc = self.document()
        terminalreporter.write_sep("-", "memif conformance")
        terminalreporter.write_line(f"peer {doc['peer']['name']}: {doc['verdict']}")
        terminalreporter.write_line(f"report: {os.path.join(self.outdir, 'matrix.md')} "
                                    f"(and matrix.html)")


def counts_text(counts):
    order = ("pass", "fail", "error", "xpass", "xfail", "skip")
    return ", ".join(f"{counts[k]} {k}" for k in order if counts.get(k)) or "no tests"


def _cell(text, limit=160):
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def dsa_text(d):
    if not d:
        return ""
    share = 100.0 * d["bytes_offloaded"] / d["bytes"] if d["bytes"] else 0.0
    text = (f"{share:.1f}% of {_size(d['bytes'])} offloaded, {d['descriptors']} descriptors, "
            f"{d['batches']} batches")
    if d.get("cpu_fallbacks") or d.get("partial_completions"):
        text += f", {d['cpu_fallbacks']} fallbacks, {d['partial_completions']} partial"
    if d.get("emu_faults"):
        text += f" ({d['emu_faults']} faults injected)"
    return text


def markdown(doc):
    peer, opts, suite, host = doc["peer"], doc["options"], doc["suite"], doc["host"]
    result = doc["result"]
    lines = [f"# memif conformance: {peer['name']}", "",
             f"**{result}**{doc['verdict'][len(result):]}", ""]
    for key in ("implementation", "description"):
        if peer.get(key):
            lines.append(f"- {key}: {peer[key]}")
    lines.append(f"- peer version: {peer['version']}")
    if peer.get("command"):
        lines.append(f"- peer command: `{peer['command']}`")
    lines += [f"- suite: {suite['name']} {suite['version']}, commit {suite['commit']}",
              f"- vectors: manifest sha256 {doc['vectors']['manifest_sha256']}",
              f"- command line: `{doc['command_line']}`",
              f"- peer roles tested: {', '.join(opts['roles'])}; our copy engines: "
              f"{', '.join(opts['engines'])}",
              f"- machine: {host['machine']} ({host['platform']}, {host['cpus']} CPUs), "
              f"started {doc['started']}, {doc['duration_s']} s",
              "", "## Coverage", "",
              "| feature | tests | run | passed | failed | xfailed | xpassed | skipped: capability "
              "| skipped: other | run per peer role |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for name, f in list(doc["coverage"]["features"].items()) + [("all", doc["coverage"]["all"])]:
        per_role = ", ".join(f"{r} {n}" for r, n in f["roles_run"].items())
        lines.append(f"| {name} | {f['tests']} | {f['run']} | {f['passed']} | {f['failed']} | "
                     f"{f['xfailed']} | {f['xpassed']} | {f['skipped_capability']} | "
                     f"{f['skipped_other']} | {per_role} |")
    lines += ["", "## Matrix", "",
              "| feature | peer role | mode | our engine | result | tests | DSA (our side) | notes |",
              "|---|---|---|---|---|---|---|---|"]
    for c in doc["cells"]:
        notes = c["reasons"][:2] + c["notes"][:1]
        lines.append(f"| {c['feature']} | {c['peer_role']} | {c['mode']} | {c['engine']} | "
                     f"{c['result']} | {counts_text(c['counts'])} | {dsa_text(c.get('dsa'))} | "
                     f"{_cell('; '.join(notes))} |")
    not_passed = [t for t in doc["tests"] if t["outcome"] not in ("pass", None)]
    if not_passed:
        lines += ["", "## Tests that did not pass", "",
                  "| test | outcome | reason | what failed |", "|---|---|---|---|"]
        for t in not_passed:
            reason = t["reason"] + (f" (pcaps: {', '.join(t['pcaps'])})" if t["pcaps"] and
                                    "pcaps:" not in t["reason"] else "")
            lines.append(f"| `{t['nodeid']}` | {t['outcome']} | {_cell(reason, 600)} | "
                         f"{_cell(t.get('failure', ''), 600)} |")
    quiet = doc["defects_not_reproduced"]
    if quiet:
        lines += ["", "## Declared defects that did not reproduce", ""]
        for key in quiet:
            d = doc["known_defects"][key]
            lines.append(f"- `{key}`: {counts_text(d['counts'])} — {_cell(d['reason'], 300)}")
    return "\n".join(lines) + "\n"
