# SPDX-License-Identifier: Apache-2.0
"""Stored baselines for the nightly bench lane: the paired ratios of a run
(never absolute rates: our machines swing 2-4x between runs, ratios made
seconds apart much less), kept per machine class, and a comparison that
warns -- never fails -- where a ratio moved beyond a tolerance.

    python -m libmemif_dsa.bench.baseline save bench.json ci/bench-baselines/
        writes <dir>/<machine class>.json from a run's JSON
"""

import json
import os
import sys

from .machine import machine_class


def ratios(doc):
    """{key: ratio} of a run: every variant against the baseline variant per
    workload, and the targets."""
    out = {}
    for r in doc["results"]:
        if r.get("ratio_vs_baseline") is not None and r["variant"] != r["baseline"]:
            key = (f"{r['variant']}/{r['baseline']} {r['size']} B {r['direction']} "
                   f"q{r['queues']}")
            out[key] = r["ratio_vs_baseline"]
    for t in doc.get("targets", []):
        if t.get("ratio_median") is not None:
            key = f"target: {t['target']} {t.get('variant', '')} {t['size']} B {t['direction']}"
            out[" ".join(key.split())] = t["ratio_median"]
    return out


def _resolve(path, doc):
    if os.path.isdir(path):
        return os.path.join(path, machine_class(doc["machine"]) + ".json")
    return path


def compare(doc, path, tolerance):
    path = _resolve(path, doc)
    mine = machine_class(doc["machine"])
    if not os.path.exists(path):
        return {"baseline": path, "machine_class": mine, "compared": 0, "tolerance": tolerance,
                "warnings": [f"no stored baseline for machine class {mine} ({path})"]}
    with open(path) as f:
        base = json.load(f)
    warnings = []
    if base.get("machine_class") != mine:
        warnings.append(f"baseline is for {base.get('machine_class')}, this machine is {mine}")
    new = ratios(doc)
    compared = 0
    for key, old in sorted(base.get("ratios", {}).items()):
        if key not in new or not old:
            continue
        compared += 1
        change = new[key] / old - 1
        if abs(change) > tolerance:
            warnings.append(f"{key}: ratio {new[key]:.2f}, baseline {old:.2f} "
                            f"({change:+.0%}, tolerance {tolerance:.0%})")
    return {"baseline": path, "machine_class": mine, "compared": compared, "tolerance": tolerance,
            "warnings": warnings}


def save(doc, path):
    path = _resolve(path, doc)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump({"machine_class": machine_class(doc["machine"]), "machine": doc["machine"],
                   "from_run": doc.get("started"), "config": doc.get("config"),
                   "ratios": ratios(doc)}, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def main(argv):
    if len(argv) != 4 or argv[1] != "save":
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2]) as f:
        doc = json.load(f)
    print(save(doc, argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
