# SPDX-License-Identifier: Apache-2.0
"""The robustness score in the certificate: cases survived / cases run,
per class, and every case that crashed or hung with the command that
replays it (certification.json "robustness", a section of matrix.md and
matrix.html)."""

from html import escape

from .robustness_cases import CLASSES

OUTCOMES = ("survived", "crashed", "hung")


def summary(tests, excluded=()):
    """From the report's test entries (those the robustness group recorded),
    or None when the group did not run."""
    runs = [t for t in tests if t.get("robustness")]
    if not runs:
        return None
    by_class = {}
    for t in runs:
        r = t["robustness"]
        c = by_class.setdefault(r["class"], dict(run=0, **{o: 0 for o in OUTCOMES}))
        c["run"] += 1
        c[r["outcome"]] += 1
    order = list(CLASSES)
    by_class = {k: by_class[k] for k in sorted(by_class, key=lambda k: (order.index(k)
                                                                         if k in order else 99, k))}
    failures = []
    for t in sorted(runs, key=lambda t: t["nodeid"]):
        r = t["robustness"]
        if r["outcome"] == "survived":
            continue
        failures.append({"case": r["case"], "class": r["class"], "peer_role": t["peer_role"],
                         "engine": t["engine"], "outcome": r["outcome"], "nodeid": t["nodeid"],
                         "what": (t.get("failure") or t["reason"]).split("\nwhat happened:")[0],
                         "defect": t.get("defect", ""), "reproducer": r["reproducer"]})
    # a shared peer that died during a case which, replayed alone on a fresh
    # peer, left it serving: not the case's failure, but shown
    collateral = [{"case": t["robustness"]["case"], "peer_role": t["peer_role"], "engine": t["engine"],
                   "outcome": t["robustness_collateral"]["outcome"],
                   "what": t["robustness_collateral"]["why"],
                   "after": t["robustness_collateral"]["after"][-5:]}
                  for t in sorted(runs, key=lambda t: t["nodeid"]) if t.get("robustness_collateral")]
    survived = sum(c["survived"] for c in by_class.values())
    return {"survived": survived, "run": len(runs), "score": f"{survived}/{len(runs)}",
            "by_class": by_class, "excluded_classes": list(excluded), "failures": failures,
            "collateral": collateral}


def _cell(text, limit=300):
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def markdown(rob):
    if not rob:
        return []
    lines = ["", "## Robustness", "",
             f"Score: **{rob['survived']} of {rob['run']}** hostile cases survived "
             f"(docs/robustness.md lists the cases)."
             + (f" Classes excluded by the declaration: {', '.join(rob['excluded_classes'])}."
                if rob["excluded_classes"] else ""), "",
             "| class | run | survived | crashed | hung |", "|---|---|---|---|---|"]
    for cls, c in rob["by_class"].items():
        lines.append(f"| {cls} | {c['run']} | {c['survived']} | {c['crashed']} | {c['hung']} |")
    if rob["failures"]:
        lines += ["", "| case | peer role | our engine | outcome | declared defect | what happened "
                      "| reproduce |", "|---|---|---|---|---|---|---|"]
        for f in rob["failures"]:
            lines.append(f"| `{f['case']}` | {f['peer_role']} | {f['engine']} | {f['outcome']} | "
                         f"{'yes' if f['defect'] else 'no'} | {_cell(f['what'])} | "
                         f"`{f['reproducer']}` |")
    if rob.get("collateral"):
        lines += ["", "Shared peers that died or hung during a case which, replayed alone on a fresh "
                      "peer, left it serving (not counted against the case; an earlier case, or the "
                      "well-behaved peer leaving, may have caused it):", ""]
        for c in rob["collateral"]:
            lines.append(f"- `{c['case']}` (peer {c['peer_role']}, {c['engine']}): {c['outcome']}: "
                         f"{_cell(c['what'], 200)}; earlier cases on that peer (last 5): "
                         f"{', '.join(c['after'])}")
    return lines


def html(rob, table, row):
    if not rob:
        return []
    out = [f"<h2>Robustness</h2><p>Score: <b>{rob['survived']} of {rob['run']}</b> hostile cases "
           f"survived.</p>"]
    out.append(table(("class", "run", "survived", "crashed", "hung"),
                     [row([escape(k)] + [str(c[x]) for x in ("run",) + OUTCOMES],
                          cls="pass" if c["survived"] == c["run"] else "FAIL")
                      for k, c in rob["by_class"].items()]))
    if rob["failures"]:
        out.append(table(("case", "peer role", "our engine", "outcome", "declared defect",
                          "what happened", "reproduce"),
                         [row([f"<code>{escape(f['case'])}</code>", escape(f["peer_role"]),
                               escape(f["engine"]), escape(f["outcome"]),
                               "yes" if f["defect"] else "no", escape(f["what"]),
                               f"<code>{escape(f['reproducer'])}</code>"],
                              cls="xfail" if f["defect"] else "FAIL")
                          for f in rob["failures"]]))
    if rob.get("collateral"):
        out.append("<p>Shared peers that died or hung during a case which, replayed alone on a "
                   "fresh peer, left it serving (not counted against the case):</p><ul>")
        out += [f"<li><code>{escape(c['case'])}</code> (peer {escape(c['peer_role'])}, "
                f"{escape(c['engine'])}): {escape(c['outcome'])}: {escape(c['what'])}; earlier "
                f"cases: {escape(', '.join(c['after']))}</li>" for c in rob["collateral"]]
        out.append("</ul>")
    return out
