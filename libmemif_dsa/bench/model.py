# SPDX-License-Identifier: Apache-2.0
"""A DSA performance model (docs/performance.md explains it line by line).

Two uses:

1. ``seed_model()``: the seed study's setup (Calico VPP + memif, one worker
   core at 2.0 GHz, 100 Gbps line rate) predicted from the seed's own
   512-byte measurements (Table 5: throughput; Table 6: the memif plugin's
   share of the worker's cycles) plus cited DSA figures -- and then checked
   against the seed's *other* published results (the ratios at 1500 B and
   4400 B, the core-scaling statements), which none of its parameters were
   taken from.  A second variant fits the copy cost to the 1500 B ratio
   (named "fitted") and is checked only on the points it was not fitted to.

2. ``machine_model()``: the dsa-hw curve of our own benchmark on this
   machine, from the CPU engine's rates measured in the same run (fixed
   per-packet cost and copy cost per byte, a least-squares line), the
   emulator's extra cost per packet (an upper bound on descriptor work),
   and the cited DSA bandwidth and completion latency.

Every parameter carries its source: "seed" (a published number of the
seed, with its table or section), "cited" (a public figure, with where),
"measured" (this run), "derived" (arithmetic on the others), "fitted"
(chosen to match a seed point -- never checked on that point), or
"assumed" (a modelling choice, stated).
"""

from .sample import L1_OVERHEAD


def param(value, source, note):
    return {"value": value, "source": source, "note": note}


# ---- cited and published figures ------------------------------------------

DSA_BANDWIDTH_GBS = param(
    36.9, "cited",
    "intel/DTO README sample: a 1 MiB memmove completes in 28.42 us on Sapphire Rapids "
    "(1048576 B / 28.42 us = 36.9 GB/s per device); the often quoted ~30 GB/s is not sourced")
DSA_LATENCY_US = param(
    1.19, "cited",
    "intel/DTO README sample: average DSA completion latency 1.19 us for 8-12 KiB copies "
    "(the smallest bucket it reports); a burst of 64 small packets is a batch of that order")

SEED = {
    "clock_ghz": param(2.0, "seed", "section 6.1: worker core operating frequency 2.0 GHz"),
    "line_rate_gbps": param(100.0, "seed", "section 5.1: TRex sends 100 Gbps, the E810 line "
                            "rate; figures are layer-1 rates (frame + 20 B)"),
    "sw_gbps_512": param(9.59, "seed", "Table 5: SW memif, 512 B, one core, MTU 1500"),
    "dsa_gbps_512": param(12.78, "seed", "Table 5: DSA memif, 512 B"),
    "memif_share_sw": param(0.3191, "seed", "Table 6: memif_plugin.so share of the worker's "
                            "cycles with SW memif (512 B)"),
    "memif_share_dsa": param(0.1004, "seed", "Table 6: memif_plugin.so share with DSA memif"),
    "copies_per_packet": param(2, "assumed",
                               "the worker copies each packet twice: memif tx into the pod's "
                               "ring and memif rx of the forwarded packet back (Table 6 shows "
                               "both memif_device_class_tx_fn and memif_input_node_fn)"),
}

# The seed's published results the model is checked against (never fitted
# to, except where a variant says so).
SEED_CHECKS = {
    "ratio_1500": param(2.24, "seed", "section 6.1 / fig. 3: DSA/SW at 1500 B, MTU 1500, 1 core"),
    "ratio_4400": param(3.72, "seed", "section 6.1 / fig. 4: DSA/SW at 4400 B, MTU 9000, 1 core; "
                        "DSA at the 100 Gbps line rate from 4400 B"),
    "dsa_cores_1500": param(4, "seed", "section 6.2 / fig. 5: DSA reaches 100 Gbps with ~4 cores "
                            "at 1500 B"),
    "sw_cores_1500": param(8, "seed", "section 6.2: SW needs ~8 cores at 1500 B"),
    "ratio_4cores_1500": param(1.60, "seed", "section 6.2: DSA/SW = ~1.60 at 4 cores, 1500 B"),
    "dsa_cores_4400": param(1, "seed", "section 6.2 / fig. 6: DSA needs ~1 core at 4400 B"),
    "sw_cores_4400": param(5, "seed", "section 6.2: SW needs ~5 cores at 4400 B"),
}


def _v(p):
    return p["value"]


def pps_from_l1(gbps, size):
    return gbps * 1e9 / ((size + L1_OVERHEAD) * 8)


def l1_gbps(pps, size):
    return pps * (size + L1_OVERHEAD) * 8 / 1e9


# ---- the seed's setup ------------------------------------------------------

def seed_params(fit_ratio_1500=False):
    """The seed model's parameters, each with its source."""
    f = _v(SEED["clock_ghz"]) * 1e9
    k = _v(SEED["copies_per_packet"])
    cyc_sw = f / pps_from_l1(_v(SEED["sw_gbps_512"]), 512)
    cyc_dsa = f / pps_from_l1(_v(SEED["dsa_gbps_512"]), 512)
    work_sw = cyc_sw * (1 - _v(SEED["memif_share_sw"]))
    work_dsa = cyc_dsa * (1 - _v(SEED["memif_share_dsa"]))
    memif_dsa = cyc_dsa * _v(SEED["memif_share_dsa"])
    memif_sw = cyc_sw * _v(SEED["memif_share_sw"])
    p = {
        "cycles_per_packet_sw_512": param(cyc_sw, "derived", "clock / SW packet rate at 512 B"),
        "cycles_per_packet_dsa_512": param(cyc_dsa, "derived", "clock / DSA packet rate at 512 B"),
        "vpp_work_cycles": param((work_sw + work_dsa) / 2, "derived",
                                 f"VPP's own per-packet work (everything but memif): "
                                 f"{work_sw:.0f} cycles from the SW run, {work_dsa:.0f} from the "
                                 f"DSA run (they agree: the work does not depend on the copy "
                                 f"engine); their mean"),
        "memif_fixed_cycles": param(memif_dsa, "derived",
                                    "memif plugin cycles per packet with DSA (Table 6 share x "
                                    "cycles): rings, descriptors, DSA submission and completion; "
                                    "assumed the same non-copy work with SW memif"),
    }
    copy = (memif_sw - memif_dsa) / (k * 512)
    p["copy_cycles_per_byte"] = param(copy, "derived",
                                      f"(SW memif cycles {memif_sw:.0f} - fixed "
                                      f"{memif_dsa:.0f}) / ({k} copies x 512 B)")
    if fit_ratio_1500:
        p["copy_cycles_per_byte"] = param(_fit_copy_to_ratio(p, 1500, _v(SEED_CHECKS["ratio_1500"])),
                                          "fitted", "chosen so the model gives the seed's "
                                          "2.24x at 1500 B; checked only on other points")
    return p


def _seed_rates(p, size, cores=1):
    """(SW, DSA) layer-1 Gbps of the seed's setup at `size` with `cores`."""
    f = _v(SEED["clock_ghz"]) * 1e9
    k = _v(SEED["copies_per_packet"])
    line = _v(SEED["line_rate_gbps"])
    w, m, b = _v(p["vpp_work_cycles"]), _v(p["memif_fixed_cycles"]), _v(p["copy_cycles_per_byte"])
    sw_pps = cores * f / (w + m + k * b * size)
    dsa_pps = min(cores * f / (w + m), _v(DSA_BANDWIDTH_GBS) * 1e9 / (k * size))
    return min(l1_gbps(sw_pps, size), line), min(l1_gbps(dsa_pps, size), line)


def _fit_copy_to_ratio(p, size, ratio):
    lo, hi = 0.0, 10.0
    for _ in range(100):  # the ratio grows with the copy cost: bisect
        mid = (lo + hi) / 2
        q = dict(p, copy_cycles_per_byte=param(mid, "fitted", ""))
        sw, dsa = _seed_rates(q, size)
        lo, hi = (mid, hi) if dsa / sw < ratio else (lo, mid)
    return (lo + hi) / 2


def cores_to_line(p, size, which):
    """Cores (1..64) the seed setup needs to reach the line rate."""
    line = _v(SEED["line_rate_gbps"])
    for n in range(1, 65):
        if _seed_rates(p, size, n)[which] >= line - 1e-9:
            return n
    return None


def seed_model(sizes=(64, 128, 256, 512, 1024, 1500, 2048, 4400, 9000)):
    """Predictions and checks of both variants."""
    out = {}
    for name, fit in (("calibrated_512", False), ("fitted_1500", True)):
        p = seed_params(fit)
        curve = [{"size": s, "sw_gbps_l1": sw, "dsa_gbps_l1": dsa, "ratio": dsa / sw}
                 for s in sizes for sw, dsa in [_seed_rates(p, s)]]
        sw4, dsa4 = _seed_rates(p, 1500, 4)
        sw512 = _seed_rates(p, 512)[0]
        checks = [
            _check("SW Gbps at 512 B", sw512, SEED["sw_gbps_512"], fitted=not fit,
                   why="calibration point: not a check"),
            _check("ratio at 1500 B", _seed_rates(p, 1500)[1] / _seed_rates(p, 1500)[0],
                   SEED_CHECKS["ratio_1500"], fitted=fit),
            _check("ratio at 4400 B", _seed_rates(p, 4400)[1] / _seed_rates(p, 4400)[0],
                   SEED_CHECKS["ratio_4400"]),
            _check("DSA cores to 100 Gbps at 1500 B", cores_to_line(p, 1500, 1),
                   SEED_CHECKS["dsa_cores_1500"]),
            _check("SW cores to 100 Gbps at 1500 B", cores_to_line(p, 1500, 0),
                   SEED_CHECKS["sw_cores_1500"]),
            _check("DSA/SW at 4 cores, 1500 B", dsa4 / sw4, SEED_CHECKS["ratio_4cores_1500"]),
            _check("DSA cores to 100 Gbps at 4400 B", cores_to_line(p, 4400, 1),
                   SEED_CHECKS["dsa_cores_4400"]),
            _check("SW cores to 100 Gbps at 4400 B", cores_to_line(p, 4400, 0),
                   SEED_CHECKS["sw_cores_4400"]),
        ]
        out[name] = {"parameters": p, "curve": curve, "checks": checks}
    out["sources"] = {"seed": SEED, "seed_checks": SEED_CHECKS,
                      "dsa_bandwidth_gbs": DSA_BANDWIDTH_GBS, "dsa_latency_us": DSA_LATENCY_US}
    return out


def _check(what, predicted, published, fitted=False, why="fitted to this point: not a check"):
    pub = _v(published)
    err = None if predicted is None else predicted / pub - 1
    return {"what": what, "predicted": predicted, "published": pub, "source": published["note"],
            "error": err, "fitted_here": fitted, "note": why if fitted else ""}


# ---- our benchmark on this machine -----------------------------------------

def _line_fit(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return my, 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def machine_model(rows, direction, burst=64, threshold=256, sizes=None):
    """The dsa-hw curve of our copying bursts on this machine, or None when
    the run lacks what it needs (cpu at two or more sizes)."""
    cpu_all = {r["size"]: r for r in rows if r["variant"] == "cpu" and r["direction"] == direction
               and r["queues"] == 1 and r["runs"]}
    # the line is fitted where each frame is one buffer (one copy per side)
    cpu = {s: r for s, r in cpu_all.items() if s <= r["buffer_size"]}
    if len(cpu) < 2:
        return None
    xs = sorted(cpu)
    buf = cpu[xs[0]]["buffer_size"]
    # time per packet at the bottleneck = 1 / rate (both sides busy-poll)
    ys = [1e3 / cpu[s]["mpps_median"] for s in xs]
    a, b = _line_fit(xs, ys)  # ns, ns per byte
    fit = "intercept of a least-squares line through 1/rate of the cpu runs"
    if b < 0:  # a copy cannot get cheaper with size: the medians are noise, not a line
        a, b = min(ys), 0.0
        fit = ("the fastest cpu run's 1/rate: the least-squares slope came out negative (the "
               "run's medians are too noisy for a line), so the copy cost is taken as 0")
    a = max(a, 0.0)
    emu = {r["size"]: r for r in rows if r["variant"] == "dsa-emu" and r["direction"] == direction
           and r["queues"] == 1 and r["runs"] and r["size"] in cpu and r["size"] >= threshold}
    # the emulator runs each descriptor on the CPU, copy included: what it adds
    # over the CPU engine is descriptor work plus its own decoding
    extras = [1e3 / emu[s]["mpps_median"] - 1e3 / cpu[s]["mpps_median"] for s in emu]
    d_hi = max(0.0, sorted(extras)[len(extras) // 2]) if extras else None
    lat_ns = _v(DSA_LATENCY_US) * 1e3
    bw = _v(DSA_BANDWIDTH_GBS)
    params = {
        "fixed_ns": param(a, "measured", "per-packet time of our path with the CPU engine at size "
                          "0: " + fit),
        "copy_ns_per_byte": param(b, "measured", "slope of that line: CPU copy cost per byte"),
        "descriptor_ns": param(d_hi, "measured",
                               "upper bound of the per-copy descriptor work: the emulator's "
                               "extra time per packet over the CPU engine (median over sizes "
                               "that go to DSA); it also decodes and executes each descriptor "
                               "on the CPU, which hardware does not; the lower bound is 0"),
        "latency_ns": param(lat_ns, "cited", DSA_LATENCY_US["note"]),
        "bandwidth_gbs": param(bw, "cited", DSA_BANDWIDTH_GBS["note"]),
        "copies_per_packet": param(2, "assumed", "our transmitter and receiver each copy once"),
        "threshold": param(threshold, "assumed", "copies shorter than this stay on the CPU "
                           "(the engine's default dsa_threshold)"),
    }
    curve = []
    for s in sizes or sorted(cpu_all):
        nbuf = -(-s // buf)  # copies (descriptors) per packet per side
        if s < threshold:
            t_hi = t_lo = a + b * s
        else:
            wait = lat_ns / burst  # the receiver waits for each burst's copies
            t_lo = a + wait
            t_hi = a + (d_hi or 0.0) * nbuf + wait
        cap = bw * 1e9 / (2 * s) / 1e6  # Mpps the device's bandwidth allows
        hi, lo = min(1e3 / t_lo, cap), min(1e3 / t_hi, cap)
        curve.append({"size": s, "mpps_high": hi, "mpps_low": lo,
                      "gbps_high": hi * s * 8 / 1e3, "gbps_low": lo * s * 8 / 1e3})
    return {"direction": direction, "parameters": params, "curve": curve}


def compare_hw(rows, mm):
    """Measured dsa-hw against the model, per size: the model's error."""
    if not mm:
        return []
    hw = {r["size"]: r for r in rows if r["variant"] == "dsa-hw" and r["direction"] == mm["direction"]
          and r["queues"] == 1 and r["runs"]}
    out = []
    for c in mm["curve"]:
        r = hw.get(c["size"])
        if r:
            mid = (c["mpps_high"] + c["mpps_low"]) / 2
            out.append({"size": c["size"], "measured_mpps": r["mpps_median"],
                        "model_mpps_low": c["mpps_low"], "model_mpps_high": c["mpps_high"],
                        "error_vs_mid": r["mpps_median"] / mid - 1,
                        "inside_range": c["mpps_low"] <= r["mpps_median"] <= c["mpps_high"]})
    return out
