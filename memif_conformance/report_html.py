# SPDX-License-Identifier: Apache-2.0
"""The certification matrix as one HTML page (matrix.html, next to
matrix.md): verdict, provenance, coverage per feature, the matrix with a
colour per cell, and the tests that did not pass with links to their
pcaps (paths relative to the report folder, so the folder can be moved
or uploaded as a CI artifact whole)."""

from html import escape

from .report import counts_text, dsa_text

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.pass { background: #dff5df; } .FAIL, .fail, .error { background: #f8d7d7; }
.xfail, .mixed { background: #fff3cd; } .skip { background: #eee; } .xpass { background: #ffe0b3; }
.verdict { font-size: 1.2em; font-weight: bold; }
code { font-size: 12px; }
"""


def _row(cells, cls=None, header=False):
    tag = "th" if header else "td"
    attr = f' class="{escape(cls)}"' if cls else ""
    return f"<tr{attr}>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


def _table(header, rows):
    return "<table>" + _row([escape(h) for h in header], header=True) + "".join(rows) + "</table>"


def _links(paths):
    return " ".join(f'<a href="{escape(p)}">{escape(p.rsplit("/", 1)[-1])}</a>' for p in paths)


def html(doc):
    peer, opts, suite, host = doc["peer"], doc["options"], doc["suite"], doc["host"]
    result = doc["result"]
    cls = "pass" if result == "PASS" else ("FAIL" if result == "FAIL" else "mixed")
    out = [f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
           f"<title>memif conformance: {escape(peer['name'])}</title><style>{STYLE}</style></head><body>",
           f"<h1>memif conformance: {escape(peer['name'])}</h1>",
           f'<p class="verdict {cls}">{escape(doc["verdict"])}</p><ul>']
    facts = [("peer version", peer["version"]), ("implementation", peer.get("implementation")),
             ("peer command", peer.get("command")),
             ("suite", f"{suite['name']} {suite['version']}, commit {suite['commit']}"),
             ("vectors", f"manifest sha256 {doc['vectors']['manifest_sha256']}"),
             ("command line", doc["command_line"]),
             ("tested", f"peer roles {', '.join(opts['roles'])}; our copy engines "
                        f"{', '.join(opts['engines'])}"),
             ("machine", f"{host['machine']} ({host['platform']}, {host['cpus']} CPUs), started "
                         f"{doc['started']}, {doc['duration_s']} s")]
    out += [f"<li>{escape(k)}: {escape(str(v))}</li>" for k, v in facts if v]
    out.append("</ul><h2>Coverage</h2>")
    features = list(doc["coverage"]["features"].items()) + [("all", doc["coverage"]["all"])]
    out.append(_table(
        ("feature", "tests", "run", "passed", "failed", "xfailed", "xpassed", "skipped: capability",
         "skipped: other", "run per peer role"),
        [_row([escape(name)] + [str(f[k]) for k in ("tests", "run", "passed", "failed", "xfailed",
                                                     "xpassed", "skipped_capability", "skipped_other")]
              + [escape(", ".join(f"{r} {n}" for r, n in f["roles_run"].items()))],
              cls="FAIL" if f["failed"] else None)
         for name, f in features]))
    out.append("<h2>Matrix</h2>")
    out.append(_table(
        ("feature", "peer role", "mode", "our engine", "result", "tests", "DSA (our side)", "notes"),
        [_row([escape(c[k]) for k in ("feature", "peer_role", "mode", "engine", "result")]
              + [escape(counts_text(c["counts"])), escape(dsa_text(c.get("dsa"))),
                 escape("; ".join(c["reasons"][:2] + c["notes"][:1]))], cls=c["result"])
         for c in doc["cells"]]))
    not_passed = [t for t in doc["tests"] if t["outcome"] not in ("pass", None)]
    if not_passed:
        out.append("<h2>Tests that did not pass</h2>")
        out.append(_table(
            ("test", "outcome", "reason", "what failed", "pcaps"),
            [_row([f"<code>{escape(t['nodeid'])}</code>", escape(t["outcome"]), escape(t["reason"]),
                   escape(t.get("failure", "")), _links(t.get("pcaps", []))], cls=t["outcome"])
             for t in not_passed]))
    quiet = doc["defects_not_reproduced"]
    if quiet:
        out.append("<h2>Declared defects that did not reproduce</h2><ul>")
        out += [f"<li><code>{escape(k)}</code>: {escape(counts_text(doc['known_defects'][k]['counts']))}"
                f" — {escape(doc['known_defects'][k]['reason'])}</li>" for k in quiet]
        out.append("</ul>")
    out.append("</body></html>\n")
    return "\n".join(out)
