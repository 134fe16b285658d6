# SPDX-License-Identifier: Apache-2.0
"""The benchmark's outputs: the table, the JSON document, the CSV."""

import csv
import io
import json

SCHEMA = "memif-dsa-bench/2"

# CSV columns, in order (one row per cell and variant)
CSV_COLUMNS = ("size", "direction", "queues", "buffer_size", "mtu_set", "variant", "engine_name",
               "runs", "mpps_median", "mpps_min", "mpps_max", "gbps_median", "gbps_min",
               "gbps_max", "gbps_l1_median", "cpu_ns_median", "cpu_ns_rx_median",
               "cpu_ns_tx_median", "baseline", "ratio_vs_baseline", "ratio_min", "ratio_max",
               "errors")

DEFINITIONS = {
    "mpps": "million packets (frames) per second at the receiver, summed over its queues",
    "cpu_ns": "CPU time (user + system) of the busy threads per packet: transmitter + receiver",
    "ratio_vs_baseline": "median over repeats of (this variant's Mpps / the baseline's Mpps in "
                         "the same cell and repeat, run seconds apart)",
    "median [min-max]": "over the repeats",
}


def _f(v, fmt):
    return "-" if v is None else format(v, fmt)


def ab_table(rows):
    lines = ["", "before/after (--ab): this tree / the baseline tree, paired by repeat:"]
    for r in rows:
        d = "p->s" if r["direction"].startswith("primary") else "s->p"
        lines.append(f"  {r['variant']:8s} {r['size']:5d} B {d} q{r['queues']}  "
                     f"{r['after_over_before']:.2f} [{r['min']:.2f}-{r['max']:.2f}]  "
                     f"faster in {r['wins']} of {r['pairs']} pairs")
    return lines


def table(rows, targets=(), notes=(), ab=()):
    base = rows[0]["baseline"] if rows else ""
    head = (f"{'size':>5} {'dir':4} {'q':>2} {'variant':13} {'Mpps median [min-max]':>27} "
            f"{'Gbps':>8} {'Gbps L1':>8} {'CPU ns/pkt':>10}  ratio vs {base} [min-max]")
    lines = [head, "-" * len(head)]
    last = None
    for r in rows:
        cell = (r["size"], r["direction"], r["queues"])
        if last is not None and cell[:2] != last[:2]:
            lines.append("")
        last = cell
        d = "p->s" if r["direction"].startswith("primary") else "s->p"
        if not r["runs"]:
            lines.append(f"{r['size']:5d} {d:4} {r['queues']:2d} {r['variant']:13} failed: "
                         f"{(r['errors'] or ['?'])[0][:90]}")
            continue
        mpps = f"{r['mpps_median']:8.3f} [{r['mpps_min']:.3f}-{r['mpps_max']:.3f}]"
        ratio = ("-" if r["ratio_vs_baseline"] is None else
                 f"{r['ratio_vs_baseline']:5.2f} [{r['ratio_min']:.2f}-{r['ratio_max']:.2f}]")
        lines.append(f"{r['size']:5d} {d:4} {r['queues']:2d} {r['variant']:13} {mpps:>27} "
                     f"{r['gbps_median']:8.2f} {_f(r['gbps_l1_median'], '8.2f'):>8} "
                     f"{_f(r['cpu_ns_median'], '10.0f'):>10}  {ratio}")
    if ab:
        lines += ab_table(ab)
    targets = [t for t in targets if t["pairs"]]
    if targets:
        lines += ["", "targets (paired ratios, median [min-max] over repeats):"]
        for t in targets:
            d = "p->s" if t["direction"].startswith("primary") else "s->p"
            r = ("not measured" if t["ratio_median"] is None else
                 f"{t['ratio_median']:.3f} [{t['ratio_min']:.2f}-{t['ratio_max']:.2f}]")
            verdict = {True: "met", False: "NOT met", None: ""}[t["met"]]
            what = t["target"] + (f" ({t['variant']} {t['size']} B)" if "variant" in t else "")
            extra = f"  ({t['note']})" if t.get("note") else ""
            lines.append(f"  {what:44s} {d:4} {r:22s} {verdict}{extra}")
    for n in notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def csv_text(rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({**r, "errors": "; ".join(r.get("errors") or [])})
    return buf.getvalue()


def document(**parts):
    """The JSON document: schema first, then the parts as given."""
    return {"schema": SCHEMA, **parts}


def json_text(doc):
    return json.dumps(doc, indent=2, sort_keys=False, default=str)
