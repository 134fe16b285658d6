# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa soak`: a long run that must lose nothing.

A primary and a secondary in this process, connected over an abstract
socket, exchange packets of random sizes (chained across buffers) in both
directions on every queue; each packet carries its stream, a sequence
number and a hash (src/tools/soak.c, no Python per packet).  The report
counts lost, corrupted, duplicated, reordered and misrouted packets; a
clean run has every one at zero.  On the DSA emulator, page faults, batch
faults, lost completion records and queue-full answers are injected (its
default hw-strict profile, a shared work queue: a full queue answers
"retry").
"""

import argparse
import json
import os
import sys
import time

from .interface import ENGINES, Interface
from .low_level import error, ffi, lib, string

DEFAULT_PACKETS = 10**7
MAX_FRAME = 9018
# hw-strict (the emulator's default profile) with a shared WQ, whose full
# queue answers retry, completing asynchronously (a worker thread); faults at rates that make every recovery path run
# thousands of times in 10^7 packets.  Lost completion records cost a
# drain after timeout_ms each, hence their lower rate.
DSA_FAULTS = ("mode=shared,async=1,qfull_rate=0.02,fault_rate=0.002,batch_fault_rate=0.002,"
              "cr_fault_rate=0.00002,timeout_ms=5")
COUNTS = ("lost", "corrupted", "duplicated", "reordered", "misrouted")
# engine counters worth showing: proof that the faults were injected and survived
ENGINE_COUNTS = ("descriptors", "batches", "partial_completions", "retries", "cpu_fallbacks",
                 "fallback_queue_full", "fallback_errors", "timeouts", "lost_completions")


def _socket_name(engine, seq=[0]):
    seq[0] += 1
    return f"@memif-dsa-soak-{os.getpid()}-{engine}-{seq[0]}-{time.monotonic_ns()}"


def run_one(engine, packets=DEFAULT_PACKETS, queues=2, ring_size=64, buffer_size=2048, burst=32,
            seed=1, min_size=1, max_size=MAX_FRAME, dsa_config=None, dsa_threshold=0,
            progress=None, step=1.0, inject=0):
    """Soak one engine; returns the result dict.  progress(result) is called
    about every `step` seconds while it runs.  inject: MDSA_TOOLS_SOAK_INJECT_*
    bits (the checker's own tests)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    if dsa_config is None and engine != "cpu":
        dsa_config = DSA_FAULTS if engine == "dsa-emu" else None
    name = _socket_name(engine)
    opts = dict(queues=queues, ring_size=ring_size, buffer_size=buffer_size, engine=engine,
                rx_mode="polling", dsa_config=dsa_config if engine != "cpu" else None,
                dsa_threshold=dsa_threshold)
    with Interface("primary", name, name="soak-p", **opts) as a, \
            Interface("secondary", name, name="soak-s", **opts) as b:
        a.wait_connected(10)
        b.wait_connected(10)
        cfg = ffi.new("mdsa_tools_soak_config_t *")
        cfg.packets, cfg.seed, cfg.burst, cfg.buffer_size = packets, seed, burst, buffer_size
        cfg.min_size, cfg.max_size, cfg.inject = min_size, max_size, inject
        err = ffi.new("char[256]")
        s = lib.mdsa_tools_soak_new(a.handle, b.handle, cfg, err, 256)
        if s == ffi.NULL:
            raise ValueError(f"soak: {string(err)}")
        res = ffi.new("mdsa_tools_soak_result_t *")
        try:
            while True:
                code = lib.mdsa_tools_soak_run(s, int(step * 1e9), res)
                out = _result(engine, res, a, b)
                if code != lib.MEMIF_ERR_SUCCESS:
                    out["error"] = str(error(code, "soak", a.disconnect_reason or b.disconnect_reason))
                    return out
                if progress:
                    progress(out)
                if res.done:
                    return out
        finally:
            lib.mdsa_tools_soak_free(s)


def _result(engine, res, a, b):
    out = {k: getattr(res, k) for k in ("planned", "sent", "received", "bytes", "chained",
                                          "ring_full", "streams", "done")}
    out.update({k: getattr(res, k) for k in COUNTS})
    out["done"] = bool(out["done"])
    out["engine"] = engine
    out["engine_name"] = a.engine_name
    out["seconds"] = res.elapsed_ns / 1e9
    ea, eb = a.stats()["engine"], b.stats()["engine"]
    out["engine_counters"] = {k: ea.get(k, 0) + eb.get(k, 0) for k in ENGINE_COUNTS if k in ea}
    return out


def clean(r):
    """A finished run that delivered every packet exactly once, in order."""
    return (r["done"] and "error" not in r and r["received"] == r["planned"]
            and all(r[k] == 0 for k in COUNTS))


def format_progress(r):
    pct = 100.0 * r["received"] / r["planned"] if r["planned"] else 100.0
    rate = r["received"] / r["seconds"] / 1e6 if r["seconds"] else 0.0
    return (f"soak {r['engine']}: {r['received']}/{r['planned']} received ({pct:5.1f}%), "
            f"{rate:.3f} Mpps, " + ", ".join(f"{k} {r[k]}" for k in COUNTS))


def format_summary(r):
    verdict = "PASS" if clean(r) else "FAIL"
    lines = [f"{verdict} {r['engine']} ({r['engine_name']}): {r['planned']} packets over "
             f"{r['streams']} streams in {r['seconds']:.1f} s, {r['bytes']} bytes, "
             f"{r['chained']} chained, tx ring full {r['ring_full']} times",
             "  " + ", ".join(f"{k} {r[k]}" for k in COUNTS)]
    if r["engine_counters"]:
        lines.append("  engine: " + ", ".join(f"{k} {v}" for k, v in r["engine_counters"].items()))
    if "error" in r:
        lines.append(f"  error: {r['error']}")
    return "\n".join(lines)


def _engines(text):
    names = [e.strip() for e in text.split(",") if e.strip()]
    for e in names:
        if e not in ENGINES:
            raise ValueError(f"--engines: unknown engine {e!r} (choose from {', '.join(ENGINES)})")
    if not names:
        raise ValueError("--engines: give at least one engine")
    return names


def cmd_soak(a):
    engines = _engines(a.engines)
    if not 1 <= a.min_size <= a.max_size <= 65535:
        raise ValueError("--min-size/--max-size: need 1 <= min <= max <= 65535")
    log = (lambda *x: print(*x, file=sys.stderr, flush=True)) if a.json else \
        (lambda *x: print(*x, flush=True))
    log(f"memif-dsa soak: {a.packets} packets per engine, sizes {a.min_size}..{a.max_size}, "
        f"{a.queues} queues each way, ring {a.ring_size}, buffer {a.buffer_size}, burst {a.burst}, "
        f"seed {a.seed}, engines {','.join(engines)}")
    results = []
    for e in engines:
        cfg = a.dsa_config if a.dsa_config is not None else (DSA_FAULTS if e == "dsa-emu" else None)
        if e != "cpu":
            log(f"soak {e}: DSA configuration {cfg or '(defaults)'}")
        r = run_one(e, a.packets, a.queues, a.ring_size, a.buffer_size, a.burst, a.seed,
                    a.min_size, a.max_size, cfg, a.dsa_threshold,
                    progress=lambda r: log(format_progress(r)), step=a.progress)
        results.append(r)
        log(format_summary(r))
    if a.json:
        print(json.dumps({"config": {k: getattr(a, k) for k in (
            "packets", "queues", "ring_size", "buffer_size", "burst", "seed", "min_size",
            "max_size", "dsa_config", "dsa_threshold")}, "results": results}, indent=2))
    return 0 if all(clean(r) for r in results) else 1


def _positive(text):
    try:
        v = int(float(text)) if "e" in text.lower() and not text.lower().startswith("0x") \
            else int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return v


def add_parser(sub):
    p = sub.add_parser("soak", help="long run in both directions that must lose, corrupt, "
                                    "duplicate and reorder nothing")
    p.add_argument("--packets", type=_positive, default=DEFAULT_PACKETS,
                   help=f"packets per engine, over all queues and both directions "
                        f"(default {DEFAULT_PACKETS:.0e}; 1e5 style accepted)")
    p.add_argument("--engines", default="cpu,dsa-emu", help="comma separated (default cpu,dsa-emu)")
    p.add_argument("--queues", type=_positive, default=2, help="queue pairs (default 2)")
    p.add_argument("--ring-size", type=_positive, default=64,
                   help="slots per ring (default 64: a burst of large packets overfills it)")
    p.add_argument("--buffer-size", type=_positive, default=2048)
    p.add_argument("--burst", type=int, default=32, choices=range(1, 257), metavar="1..256")
    p.add_argument("--min-size", type=_positive, default=1)
    p.add_argument("--max-size", type=_positive, default=MAX_FRAME)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dsa-config", default=None,
                   help=f"DSA engines' configuration (default for dsa-emu: {DSA_FAULTS})")
    p.add_argument("--dsa-threshold", type=int, default=0,
                   help="copies shorter than this stay on the CPU (default 0: all to DSA)")
    p.add_argument("--progress", type=float, default=2.0, help="seconds between progress lines")
    p.add_argument("--json", action="store_true", help="results as JSON on stdout")
    p.set_defaults(func=cmd_soak)
    return p
