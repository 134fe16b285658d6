# SPDX-License-Identifier: Apache-2.0
"""From samples to results: medians and spreads per (cell, variant), ratios
paired by repeat (a variant's run against the baseline's run of the same
cell and repeat, made seconds apart), and the issue's speed targets."""

import statistics

from .plan import DIRECTIONS

CELL_KEYS = ("size", "direction", "queues", "buffer_size")
METRICS = ("mpps", "gbps", "gbps_l1", "cpu_ns", "cpu_ns_rx", "cpu_ns_tx")

# Speed targets (issue 15), each a ratio of medians of paired runs.
TARGETS = (
    # name, numerator variant, denominator variant, size, minimum
    ("ours 64 B >= 1.5x testpmd", "cpu", "testpmd", 64, 1.5),
    ("ours 1500 B >= 1.2x testpmd", "cpu", "testpmd", 1500, 1.2),
    ("dsa-emu 1500 B >= 1/3 of cpu", "dsa-emu", "cpu", 1500, 1 / 3),
)


def cell_of(s):
    return tuple(s[k] for k in CELL_KEYS)


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def paired(samples, num, den, num_cell=None, den_cell=None):
    """Ratios num/den of Mpps, one per repeat where both ran without error.
    num/den: variant labels; *_cell: cell tuples (default: any shared cell
    -- then the result is a dict per cell)."""
    by = {}
    for s in samples:
        if "error" in s:
            continue
        by[(cell_of(s), s["variant"], s["repeat"])] = s["mpps"]
    if num_cell is not None:
        den_cell = den_cell or num_cell
        reps = sorted({k[2] for k in by})
        return [by[(num_cell, num, r)] / by[(den_cell, den, r)] for r in reps
                if (num_cell, num, r) in by and (den_cell, den, r) in by]
    out = {}
    for (cell, var, rep), v in by.items():
        if var == num and (cell, den, rep) in by:
            out.setdefault(cell, []).append(v / by[(cell, den, rep)])
    return out


def rows(samples, baseline):
    """One row per (cell, variant), in the order they first ran."""
    groups = {}
    for s in samples:
        groups.setdefault((cell_of(s), s["variant"]), []).append(s)
    out = []
    for (cell, var), runs in groups.items():
        ok = [r for r in runs if "error" not in r]
        row = dict(zip(CELL_KEYS, cell))
        row.update(variant=var, engine=var, mtu_set=runs[0]["mtu_set"], runs=len(ok),
                   errors=[r["error"] for r in runs if "error" in r])
        names = [r.get("engine_name") for r in ok if r.get("engine_name")]
        row["engine_name"] = names[0] if names else ""
        row["backend"] = row["engine_name"]  # deprecated alias of engine_name, one release
        for m in METRICS:
            med, lo, hi = spread([r.get(m) for r in ok])
            row[f"{m}_median"] = med
            if m in ("mpps", "gbps"):
                row[f"{m}_min"], row[f"{m}_max"] = lo, hi
        rs = paired(samples, var, baseline, cell, cell)
        med, lo, hi = spread(rs)
        row.update(baseline=baseline, ratio_vs_baseline=med, ratio_min=lo, ratio_max=hi)
        out.append(row)
    return out


def targets(samples, cores):
    """The issue's speed targets as paired ratios, per direction."""
    out = []
    for name, num, den, size, need in TARGETS:
        for d in DIRECTIONS:
            cell = (size, d, 1, _buffer(samples, size))
            rs = paired(samples, num, den, cell, cell)
            med, lo, hi = spread(rs)
            out.append({"target": name, "direction": d, "size": size, "numerator": num,
                        "denominator": den, "minimum": need, "ratio_median": med,
                        "ratio_min": lo, "ratio_max": hi, "pairs": len(rs),
                        "met": None if med is None else med >= need})
    out += scaling(samples, cores)
    return out


def ab(samples):
    """--ab: each variant of this tree against the same variant built from
    the baseline tree (after / before), paired by repeat, per workload."""
    out = []
    variants = {s["variant"] for s in samples}
    for v in sorted(x for x in variants if x + "@base" in variants):
        for cell, rs in sorted(paired(samples, v, v + "@base").items()):
            med, lo, hi = spread(rs)
            out.append({"variant": v, "size": cell[0], "direction": cell[1], "queues": cell[2],
                        "after_over_before": med, "min": lo, "max": hi, "pairs": len(rs),
                        "wins": sum(r > 1 for r in rs)})
    return out


def _buffer(samples, size):
    for s in samples:
        if s["size"] == size:
            return s["buffer_size"]
    return 2048


def scaling(samples, cores):
    """Queue scaling: aggregate Mpps with the most queues the sweep ran
    against one queue, paired by repeat, per variant, size and direction."""
    qs = sorted({s["queues"] for s in samples})
    if len(qs) < 2:
        return []
    top = max(q for q in qs if q <= max(cores, 1)) if any(q <= cores for q in qs) else qs[-1]
    out = []
    combos = sorted({(s["variant"], s["size"], s["direction"], s["buffer_size"])
                     for s in samples if s["queues"] == top})
    for var, size, d, buf in combos:
        rs = paired(samples, var, var, (size, d, top, buf), (size, d, 1, buf))
        med, lo, hi = spread(rs)
        out.append({"target": f"queue sweep {top} vs 1 queue pair", "variant": var, "size": size,
                    "direction": d, "queues": top, "ratio_median": med, "ratio_min": lo,
                    "ratio_max": hi, "pairs": len(rs),
                    "note": ("threads share cores: the sweep measures the cores"
                             if 2 * top > cores else ""),
                    "met": None})
    return out
