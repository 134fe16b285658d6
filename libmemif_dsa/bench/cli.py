# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa bench`: its options and what it writes."""

import argparse
import datetime
import json
import os
import sys
import time

from . import dpdk, machine, model, output, plan, plots, summary
from .baseline import compare as compare_baseline
from .runner import Runner, Timing, cpus
from .sample import GBPS_DEFINITION


def _int_list(text):
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _name_list(text):
    return [x.strip() for x in text.split(",") if x.strip()]


def add_parser(sub):
    from ..cli import _positive_int  # the command's own parser helpers (cli imports us first)
    p = sub.add_parser(
        "bench", help="throughput benchmark: frame sizes, queues, engines, data paths, DPDK",
        description="Transmitter and receiver in separate processes, pinned, polling; every "
                    "repeat runs every workload once, variants back to back, so ratios compare "
                    "runs made seconds apart.  Writes a table, JSON, CSV and PNG plots.")
    p.add_argument("--full", action="store_true",
                   help="the whole sweep: sizes 64..9000 (9 sizes), queue scaling at 1500 and "
                        "4400 B, 5 repeats")
    p.add_argument("--sizes", type=_int_list, default=None,
                   help="frame sizes, comma separated (default 64,256,1500,4400,9000)")
    p.add_argument("--engines", type=_name_list, default=None,
                   help="our copy engines, comma separated, first = baseline (default cpu,dsa-emu; "
                        "dsa-hw added where present)")
    p.add_argument("--engine", default=None, help=argparse.SUPPRESS)  # deprecated: --engines
    p.add_argument("--paths", type=_name_list, default=["copy", "zc"],
                   help="data paths: copy (our copying bursts) and/or zc (the libmemif zero-copy "
                        "API); default both")
    p.add_argument("--directions", type=_name_list, default=list(plan.DIRECTIONS),
                   help="primary->secondary and/or secondary->primary (default both)")
    p.add_argument("--queues", type=_int_list, default=None,
                   help="queue pairs of the scaling sweep (default 1..CPUs)")
    p.add_argument("--scaling-sizes", type=_int_list, default=None,
                   help="frame sizes of the queue sweep (default 1500; --full: 1500,4400)")
    p.add_argument("--vs", choices=("dpdk",), default=None,
                   help="also run DPDK testpmd (txonly/rxonly) against itself and against ours")
    p.add_argument("--ab", metavar="TREE", default=None,
                   help="also run every variant of ours from another source tree (its "
                        "libmemif_dsa package, built in place), interleaved: before/after pairs")
    p.add_argument("--repeats", type=_positive_int, default=None, help="default 3 (--full: 5)")
    p.add_argument("--duration", type=float, default=1.0, help="measured seconds per run")
    p.add_argument("--warmup", type=float, default=0.3, help="seconds before measuring")
    p.add_argument("--burst", type=int, default=64, choices=range(1, 257), metavar="1..256")
    p.add_argument("--ring-size", type=_positive_int, default=1024)
    p.add_argument("--buffer-size", type=_positive_int, default=plan.BUFFER_SIZE)
    p.add_argument("--dsa-config", default=None, help="DSA emulator configuration")
    p.add_argument("--dsa-threshold", type=int, default=None,
                   help="copies shorter than this stay on the CPU (default 256; 0 = all to DSA)")
    p.add_argument("--out", default=None,
                   help="directory for bench.json, bench.csv, table.txt and the PNG plots "
                        "(default ./memif-dsa-bench-<time>; with --json only when given)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--json", action="store_true", help="the JSON document on stdout")
    p.add_argument("--baseline", default=None,
                   help="a stored baseline JSON (ci/bench-baselines/): warn where ratios moved "
                        "beyond --tolerance")
    p.add_argument("--tolerance", type=float, default=0.5,
                   help="relative change of a ratio that draws a warning (default 0.5 = 50%%)")
    p.add_argument("--phases", action="store_true",
                   help="zero-copy path: time the steps of each burst (alloc, payload write, "
                        "tx_burst; rx_burst, payload read, refill), ns per packet in the JSON")
    p.add_argument("--perf-events", type=_name_list, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_bench)
    return p


def _fail(msg):
    raise SystemExit(f"memif-dsa bench: {msg}")


def _engines(a, info_engines):
    if a.engine is not None:
        print("memif-dsa bench: --engine is deprecated, use --engines", file=sys.stderr, flush=True)
        if a.engines is None:
            a.engines = _name_list(a.engine)
    if a.engines is not None:
        return a.engines
    engines = ["cpu", "dsa-emu"]
    if info_engines.get("dsa-hw", (False,))[0]:
        engines.append("dsa-hw")
    return engines


def _probe_dsa_hw():
    from ..cli import _probe_engine  # the same probe as `memif-dsa info`
    ok, text, _ = _probe_engine("dsa-hw")
    return {"dsa-hw": (ok, text)}


def build_plan(a, ncpu):
    hw = _probe_dsa_hw() if a.engines is None and a.engine is None else {}
    engines = _engines(a, hw)
    try:
        p = plan.make_plan(sizes=a.sizes, engines=engines, paths=a.paths, directions=a.directions,
                           queues=a.queues, repeats=a.repeats or (5 if a.full else 3), full=a.full,
                           vs_dpdk=a.vs == "dpdk", ab=bool(a.ab), cores=ncpu,
                           buffer_size=a.buffer_size, scaling_sizes=a.scaling_sizes)
    except ValueError as e:
        _fail(str(e))
    if hw and not hw["dsa-hw"][0]:
        p.notes.append(f"dsa-hw not run: {hw['dsa-hw'][1]}")
    return p, hw


def _testpmd_version():
    return dpdk.testpmd_version(dpdk.testpmd_path()) or "unknown"


def _out_dir(a):
    if a.out:
        return a.out
    if a.json:
        return None
    return f"memif-dsa-bench-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}"


def cmd_bench(a):
    if a.duration <= 0 or a.warmup < 0:
        _fail("--duration must be > 0 and --warmup >= 0")
    if a.vs == "dpdk" and dpdk.unavailable():
        _fail(f"--vs dpdk: {dpdk.unavailable()}")
    if a.ab and not os.path.isdir(os.path.join(a.ab, "libmemif_dsa")):
        _fail(f"--ab: {a.ab} has no libmemif_dsa package")
    log = (lambda *x: print(*x, file=sys.stderr, flush=True)) if a.json else \
        (lambda *x: print(*x, flush=True))
    ncpu = len(cpus())
    p, hw = build_plan(a, ncpu)
    mach = machine.describe(dsa=hw.get("dsa-hw", [None, None])[1] if hw else None)
    if not mach["perf_cycles"]:
        p.notes.append(f"no cycle counts: {mach['perf_note']}")
    timing = Timing(warmup=a.warmup, duration=a.duration, burst=a.burst)
    opts = dict(ring_size=a.ring_size, dsa_config=a.dsa_config, dsa_threshold=a.dsa_threshold,
                phases=a.phases,
                perf_events=a.perf_events or (("cycles", "instructions") if mach["perf_cycles"] else None))
    per_run = a.warmup + a.duration + 0.3
    log(f"memif-dsa bench: {len(p.cells)} workloads, {p.runs()} runs "
        f"(~{p.runs() * per_run / 60:.1f} min), {ncpu} CPUs, burst {a.burst}, ring {a.ring_size}, "
        f"buffer {a.buffer_size}, {a.duration}s windows, {p.repeats} interleaved repeats")
    t0 = time.monotonic()
    started = datetime.datetime.now().isoformat(timespec="seconds")
    samples = Runner(p, timing, opts, ab_tree=os.path.abspath(a.ab) if a.ab else None).run()
    rows = summary.rows(samples, p.baseline.label)
    targets = summary.targets(samples, ncpu)
    ab = summary.ab(samples) if a.ab else []
    threshold = a.dsa_threshold if a.dsa_threshold is not None else 256
    models = {d: model.machine_model(rows, d, a.burst, threshold) for d in plan.DIRECTIONS}
    seed = model.seed_model()
    doc = output.document(
        command=["memif-dsa"] + sys.argv[1:] if sys.argv and sys.argv[0].endswith("memif-dsa")
        else sys.argv, started=started, seconds=round(time.monotonic() - t0, 1), machine=mach,
        config=dict(sizes=sorted({c.size for c in p.cells}), repeats=p.repeats, burst=a.burst,
                    ring_size=a.ring_size, buffer_size=a.buffer_size, warmup=a.warmup,
                    duration=a.duration, baseline=p.baseline.label, vs=a.vs, ab=a.ab,
                    dsa_config=a.dsa_config, dsa_threshold=threshold,
                    testpmd=_testpmd_version() if a.vs == "dpdk" else None),
        definitions=dict(output.DEFINITIONS, gbps=GBPS_DEFINITION),
        variants={v: plan.VARIANT_TEXT[v.split("@")[0]] for v in {r["variant"] for r in rows}},
        notes=p.notes, results=rows, targets=targets, ab=ab,
        model={"machine": models, "dsa_hw_vs_model": {d: model.compare_hw(rows, m)
                                                      for d, m in models.items() if m},
               "seed": seed},
        samples=samples)
    if a.baseline:
        doc["baseline_comparison"] = compare_baseline(doc, a.baseline, a.tolerance)
    text = output.table(rows, targets, p.notes + [GBPS_DEFINITION], ab)
    outdir = _out_dir(a)
    written = []
    if outdir:
        os.makedirs(outdir, exist_ok=True)
        for name, content in (("bench.json", output.json_text(doc)), ("bench.csv", output.csv_text(rows)),
                              ("table.txt", text + "\n")):
            with open(os.path.join(outdir, name), "w") as f:
                f.write(content)
            written.append(os.path.join(outdir, name))
        if not a.no_plots:
            why = plots.available()
            if why:
                log(f"memif-dsa bench: no plots: {why}")
            else:
                written += plots.draw(rows, models, seed, outdir)
    if a.json:
        print(output.json_text(doc))
    else:
        print(text)
    for w in doc.get("baseline_comparison", {}).get("warnings", []):
        log(f"WARNING: {w}")
    if written:
        log(f"memif-dsa bench: wrote {', '.join(written)}")
    log(f"memif-dsa bench: {doc['seconds']:.0f} s")
    return 0
