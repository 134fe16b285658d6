# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa bench`: transmitter and receiver in two processes, pinned one
per core, polling, C-level loops (mdsa_tools_bench_tx / mdsa_tools_bench_rx
in src/tools/bench.c).

Engines are interleaved (A B A B ...) inside every size and direction so a
ratio against the first engine compares runs made under the same machine
conditions; medians and ranges over the repeats are reported.
"""

import json
import os
import statistics
import subprocess
import sys
import time

from .interface import Interface
from .low_level import check, ffi, lib

DIRECTIONS = ("primary->secondary", "secondary->primary")


def _cpus():
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = list(range(os.cpu_count() or 1))
    return cpus


def worker(cfg):
    """One side of a benchmark pair; prints one JSON line with its result."""
    if cfg.get("cpu") is not None:
        os.sched_setaffinity(0, {cfg["cpu"]})
    iface = Interface(cfg["role"], cfg["socket"], id=0, queues=cfg["queues"],
                      ring_size=cfg["ring_size"], buffer_size=cfg["buffer_size"],
                      engine=cfg["engine"], rx_mode="polling", dsa_config=cfg.get("dsa_config"),
                      dsa_threshold=cfg.get("dsa_threshold", 0))
    try:
        iface.wait_connected(cfg.get("connect_timeout", 10.0))
        res = ffi.new("mdsa_tools_bench_result_t *")
        if cfg["tx"]:
            ns = int((cfg["warmup"] + cfg["duration"] + 0.5) * 1e9)
            code = lib.mdsa_tools_bench_tx(iface.handle, cfg["size"], cfg["burst"], ns, res)
        else:
            code = lib.mdsa_tools_bench_rx(iface.handle, cfg["burst"], int(cfg["warmup"] * 1e9),
                                           int(cfg["duration"] * 1e9), int(1e9), res)
        if code not in (lib.MEMIF_ERR_SUCCESS, lib.MEMIF_ERR_DISCONNECTED):
            check(code, "bench")
        out = {"packets": res.packets, "bytes": res.bytes, "elapsed_ns": res.elapsed_ns,
               "bursts": res.bursts, "empty_polls": res.empty_polls,
               "engine_name": iface.engine_name}
        print(json.dumps(out), flush=True)
    finally:
        iface.close()


def _run_pair(engine, size, direction, opts, seq):
    cpus = _cpus()
    sock = f"@memif-dsa-bench-{os.getpid()}-{seq}"
    procs = {}
    for role in ("primary", "secondary"):
        tx = direction.startswith(role)
        cfg = dict(role=role, socket=sock, engine=engine, size=size, tx=tx,
                   cpu=(cpus[0] if role == "primary" else cpus[1]) if len(cpus) >= 2 else None,
                   **opts)
        procs[role] = subprocess.Popen([sys.executable, "-m", "libmemif_dsa.bench", json.dumps(cfg)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = {}
    for role, p in procs.items():
        try:
            so, se = p.communicate(timeout=opts["duration"] + opts["warmup"] + 30)
        except subprocess.TimeoutExpired:
            p.kill()
            so, se = p.communicate()
        if p.returncode != 0 or not so.strip():
            raise RuntimeError(f"bench {role} ({engine}, {size} B, {direction}) failed: {se.strip()[-500:]}")
        outs[role] = json.loads(so.strip().splitlines()[-1])
    rx = outs["secondary" if direction.startswith("primary") else "primary"]
    if not rx["elapsed_ns"] or not rx["packets"]:
        raise RuntimeError(f"bench ({engine}, {size} B, {direction}): receiver counted no packets")
    secs = rx["elapsed_ns"] / 1e9
    return {"mpps": rx["packets"] / secs / 1e6, "gbps": rx["bytes"] * 8 / secs / 1e9,
            "packets": rx["packets"], "seconds": secs, "engine_name": rx["engine_name"]}


def run(sizes, engines, opts, repeats, log=print):
    results = {}
    seq = 0
    for rep in range(repeats):
        for size in sizes:
            for direction in DIRECTIONS:
                for engine in engines:  # interleaved: A B A B ...
                    seq += 1
                    r = _run_pair(engine, size, direction, opts, seq)
                    results.setdefault((engine, size, direction), []).append(r)
                    log(f"  run {rep + 1}/{repeats} {engine:8s} {size:6d} B {direction:19s} "
                        f"{r['mpps']:8.3f} Mpps {r['gbps']:8.3f} Gbps")
    rows = []
    for (engine, size, direction), runs in results.items():
        mpps = [r["mpps"] for r in runs]
        gbps = [r["gbps"] for r in runs]
        base = results[(engines[0], size, direction)]
        pairs = [r["mpps"] / b["mpps"] for r, b in zip(runs, base)]
        rows.append({
            "engine": engine, "engine_name": runs[0]["engine_name"],
            "backend": runs[0]["engine_name"],  # deprecated alias of engine_name, one release
            "size": size, "direction": direction,
            "runs": len(runs), "mpps_median": statistics.median(mpps), "mpps_min": min(mpps),
            "mpps_max": max(mpps), "gbps_median": statistics.median(gbps),
            "ratio_vs_baseline": statistics.median(pairs), "ratio_min": min(pairs),
            "ratio_max": max(pairs), "baseline": engines[0],
        })
    rows.sort(key=lambda r: (r["size"], DIRECTIONS.index(r["direction"]), engines.index(r["engine"])))
    return rows


def format_table(rows):
    lines = [f"{'engine':10s} {'size':>6s} {'direction':19s} {'Mpps median [min-max]':>26s} "
             f"{'Gbps':>8s} {'ratio vs ' + rows[0]['baseline']:>14s}"]
    for r in rows:
        lines.append(f"{r['engine']:10s} {r['size']:6d} {r['direction']:19s} "
                     f"{r['mpps_median']:8.3f} [{r['mpps_min']:.3f}-{r['mpps_max']:.3f}]".ljust(55)
                     + f" {r['gbps_median']:8.3f} {r['ratio_vs_baseline']:8.2f} "
                     f"[{r['ratio_min']:.2f}-{r['ratio_max']:.2f}]")
    return "\n".join(lines)


if __name__ == "__main__":
    worker(json.loads(sys.argv[1]))
