# SPDX-License-Identifier: Apache-2.0
"""PNG figures shaped like the seed study's figures 3-6 (matplotlib, the
optional ``plot`` extra).  Measurements are solid lines with markers and
min-max error bars; model predictions are dashed, without markers, and
their legend entries start with "model".

    fig3_mtu1500.png   throughput (Gbps, Mpps) against frame size, MTU-1500 set
    fig4_mtu9000.png   throughput against frame size, all sizes, and DSA/CPU
    fig5_queues.png    throughput against queue pairs
    fig6_cpu.png       CPU time per packet against frame size
    fig_dpdk.png       ours against DPDK testpmd (with --vs dpdk)
    fig_model_seed.png the DSA model of the seed's setup against its published points
"""

import os

from .plan import DIRECTIONS, SHORT_DIR

COLORS = {"cpu": "tab:blue", "dsa-emu": "tab:orange", "dsa-hw": "tab:red", "zc": "tab:green",
          "testpmd": "tab:purple", "testpmd>ours": "tab:brown", "ours>testpmd": "tab:pink"}
MODEL_STYLE = dict(linestyle="--", linewidth=1.6, marker=None)


def available():
    """None, or why plots cannot be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "matplotlib is not installed (pip install 'libmemif-dsa[plot]')"
    return None


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _color(variant):
    return COLORS.get(variant.split("@")[0], None)


def _series(rows, variant, direction, queues=1, sizes=None):
    pts = sorted((r["size"], r) for r in rows if r["variant"] == variant and r["direction"] == direction
                 and r["queues"] == queues and r["runs"] and (sizes is None or r["size"] in sizes))
    return [p[1] for p in pts]


def _measured(ax, rows, key, directions_as_panels, d, variants, sizes=None):
    for v in variants:
        s = _series(rows, v, d, sizes=sizes)
        if not s:
            continue
        x = [r["size"] for r in s]
        y = [r[f"{key}_median"] for r in s]
        lo = [r[f"{key}_median"] - r[f"{key}_min"] for r in s]
        hi = [r[f"{key}_max"] - r[f"{key}_median"] for r in s]
        ax.errorbar(x, y, yerr=[lo, hi], marker="o", capsize=3, label=f"{v} (measured)",
                    color=_color(v))


def _model_lines(ax, models, d, key, sizes=None):
    mm = models.get(d) if models else None
    if not mm:
        return
    c = [p for p in mm["curve"] if sizes is None or p["size"] in sizes]
    if not c:
        return
    x = [p["size"] for p in c]
    ax.plot(x, [p[f"{key}_high"] for p in c], color=COLORS["dsa-hw"], label="model: dsa-hw (no descriptor cost)",
            **MODEL_STYLE)
    ax.plot(x, [p[f"{key}_low"] for p in c], color=COLORS["dsa-hw"], alpha=0.55,
            label="model: dsa-hw (emulator's descriptor cost)", **MODEL_STYLE)


def _style(ax, title, xlabel, ylabel, logx=True):
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logx:  # frame sizes: log scale, ticks labelled in bytes
        import matplotlib.ticker as mt
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(mt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)


def _variants(rows, ours_only=True):
    seen = []
    for r in rows:
        if r["variant"] not in seen and (not ours_only or "testpmd" not in r["variant"]):
            seen.append(r["variant"])
    return seen


def _size_figure(plt, rows, models, sizes, title, path, ratio=False):
    ncol = 3 if ratio else 2
    fig, axes = plt.subplots(len(DIRECTIONS), ncol, figsize=(5 * ncol, 4 * len(DIRECTIONS)),
                             squeeze=False)
    variants = _variants(rows)
    for i, d in enumerate(DIRECTIONS):
        for j, (key, unit) in enumerate((("gbps", "Gbps (frame bytes)"), ("mpps", "Mpps"))):
            ax = axes[i][j]
            _measured(ax, rows, key, True, d, variants, sizes)
            _model_lines(ax, models, d, key, sizes)
            _style(ax, f"{title}: {key.replace('gbps', 'throughput').replace('mpps', 'packet rate')}"
                       f", {SHORT_DIR[d]}, 1 queue pair", "frame size (bytes)", unit)
        if ratio:
            _ratio_panel(axes[i][2], rows, models, d)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _ratio_panel(ax, rows, models, d):
    cpu = {r["size"]: r for r in _series(rows, "cpu", d)}
    for v in ("dsa-emu", "dsa-hw"):
        s = [r for r in _series(rows, v, d) if r["ratio_vs_baseline"] is not None and r["size"] in cpu]
        if s and rows and rows[0]["baseline"] == "cpu":
            x = [r["size"] for r in s]
            y = [r["ratio_vs_baseline"] for r in s]
            err = [[r["ratio_vs_baseline"] - r["ratio_min"] for r in s],
                   [r["ratio_max"] - r["ratio_vs_baseline"] for r in s]]
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=_color(v),
                        label=f"{v}/cpu (measured, paired)")
    mm = models.get(d) if models else None
    if mm and cpu:
        c = [p for p in mm["curve"] if p["size"] in cpu]
        x = [p["size"] for p in c]
        ax.plot(x, [p["mpps_high"] / cpu[p["size"]]["mpps_median"] for p in c], color=COLORS["dsa-hw"],
                label="model: dsa-hw/cpu (no descriptor cost)", **MODEL_STYLE)
        ax.plot(x, [p["mpps_low"] / cpu[p["size"]]["mpps_median"] for p in c], color=COLORS["dsa-hw"],
                alpha=0.55, label="model: dsa-hw/cpu (emulator's descriptor cost)", **MODEL_STYLE)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    _style(ax, f"ratio DSA/CPU, {SHORT_DIR[d]}", "frame size (bytes)", "ratio (x)")


def fig_queues(plt, rows, path):
    qsizes = sorted({r["size"] for r in rows if r["queues"] > 1})
    if not qsizes:
        return None
    fig, axes = plt.subplots(len(qsizes), len(DIRECTIONS), figsize=(10, 4 * len(qsizes)), squeeze=False)
    for i, size in enumerate(qsizes):
        for j, d in enumerate(DIRECTIONS):
            ax = axes[i][j]
            for v in _variants(rows):
                pts = sorted((r["queues"], r) for r in rows if r["variant"] == v and r["size"] == size
                             and r["direction"] == d and r["runs"])
                if len(pts) < 2:
                    continue
                x = [q for q, _ in pts]
                y = [r["gbps_median"] for _, r in pts]
                err = [[r["gbps_median"] - r["gbps_min"] for _, r in pts],
                       [r["gbps_max"] - r["gbps_median"] for _, r in pts]]
                ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=_color(v), label=f"{v} (measured)")
            ax.set_xticks(sorted({r["queues"] for r in rows}))
            _style(ax, f"queue scaling, {size} B, {SHORT_DIR[d]} (one thread per queue per side)",
                   "queue pairs", "Gbps (frame bytes)", logx=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fig_cpu(plt, rows, path):
    fig, axes = plt.subplots(1, len(DIRECTIONS), figsize=(10, 4), squeeze=False)
    for j, d in enumerate(DIRECTIONS):
        ax = axes[0][j]
        for v in _variants(rows, ours_only=False):
            s = [r for r in _series(rows, v, d) if r["cpu_ns_median"] is not None]
            if s:
                ax.plot([r["size"] for r in s], [r["cpu_ns_median"] for r in s], marker="o",
                        color=_color(v), label=f"{v} (measured)")
        _style(ax, f"CPU time per packet (tx + rx threads), {SHORT_DIR[d]}", "frame size (bytes)",
               "CPU ns per packet")
        ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fig_dpdk(plt, rows, path):
    sizes = sorted({r["size"] for r in rows if "testpmd" in r["variant"]})
    if not sizes:
        return None
    fig, axes = plt.subplots(1, len(DIRECTIONS), figsize=(11, 4), squeeze=False)
    variants = [v for v in ("cpu", "zc", "testpmd", "testpmd>ours", "ours>testpmd")
                if any(r["variant"] == v for r in rows)]
    width = 0.8 / max(1, len(variants))
    for j, d in enumerate(DIRECTIONS):
        ax = axes[0][j]
        for k, v in enumerate(variants):
            s = {r["size"]: r for r in _series(rows, v, d, sizes=sizes)}
            xs = [i + k * width for i, size in enumerate(sizes) if size in s]
            ys = [s[size]["mpps_median"] for size in sizes if size in s]
            err = [[s[size]["mpps_median"] - s[size]["mpps_min"] for size in sizes if size in s],
                   [s[size]["mpps_max"] - s[size]["mpps_median"] for size in sizes if size in s]]
            ax.bar(xs, ys, width, yerr=err, capsize=2, color=_color(v), label=f"{v} (measured)")
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(sizes))])
        ax.set_xticklabels([f"{s} B" for s in sizes])
        _style(ax, f"ours vs DPDK 22.11 testpmd, {SHORT_DIR[d]}", "frame size", "Mpps", logx=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fig_model_seed(plt, seed, path):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    styles = {"calibrated_512": ("model (calibrated on the seed's 512 B table)", 1.0),
              "fitted_1500": ("model (copy cost fitted to 2.24x at 1500 B)", 0.5)}
    for name, (label, alpha) in styles.items():
        c = seed[name]["curve"]
        x = [p["size"] for p in c]
        axes[0].plot(x, [p["sw_gbps_l1"] for p in c], color=COLORS["cpu"], alpha=alpha,
                     label=f"{label}: SW memif", **MODEL_STYLE)
        axes[0].plot(x, [p["dsa_gbps_l1"] for p in c], color=COLORS["dsa-hw"], alpha=alpha,
                     label=f"{label}: DSA memif", **MODEL_STYLE)
        axes[1].plot(x, [p["ratio"] for p in c], color="black", alpha=alpha, label=label, **MODEL_STYLE)
    src = seed["sources"]
    axes[0].scatter([512, 512], [src["seed"]["sw_gbps_512"]["value"], src["seed"]["dsa_gbps_512"]["value"]],
                    marker="s", color="black", zorder=5, label="seed, published (Table 5)")
    axes[1].scatter([1500, 4400], [src["seed_checks"]["ratio_1500"]["value"],
                                   src["seed_checks"]["ratio_4400"]["value"]],
                    marker="s", color="black", zorder=5, label="seed, published (section 6.1)")
    axes[0].axhline(100, color="grey", linewidth=0.8)
    _style(axes[0], "seed setup (VPP, 1 core, 2.0 GHz): throughput", "frame size (bytes)", "Gbps, layer 1")
    _style(axes[1], "seed setup: DSA/SW", "frame size (bytes)", "ratio (x)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def draw(rows, models, seed, outdir):
    """Every figure the rows allow; returns the paths written."""
    plt = _plt()
    os.makedirs(outdir, exist_ok=True)
    small = sorted({r["size"] for r in rows if r["mtu_set"] == "mtu1500"})
    out = [
        _size_figure(plt, rows, models, set(small), "MTU 1500", os.path.join(outdir, "fig3_mtu1500.png")),
        _size_figure(plt, rows, models, None, "MTU 9000", os.path.join(outdir, "fig4_mtu9000.png"),
                     ratio=True),
        fig_queues(plt, rows, os.path.join(outdir, "fig5_queues.png")),
        fig_cpu(plt, rows, os.path.join(outdir, "fig6_cpu.png")),
        fig_dpdk(plt, rows, os.path.join(outdir, "fig_dpdk.png")),
        fig_model_seed(plt, seed, os.path.join(outdir, "fig_model_seed.png")),
    ]
    return [p for p in out if p]
