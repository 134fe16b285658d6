# SPDX-License-Identifier: Apache-2.0
"""The benchmark's logic that does not depend on timing: sweep planning,
thread placement, units, paired ratios and targets, the JSON/CSV/table
outputs, plots being written, the DSA model's arithmetic and sources, and
the nightly lane's baseline comparison."""

import csv
import io
import json
import math

import pytest

from libmemif_dsa.bench import baseline, machine, model, output, plan, summary
from libmemif_dsa.bench.ours import placement, worker_config
from libmemif_dsa.bench.perf import parse as perf_parse
from libmemif_dsa.bench.sample import from_threads, rates

P2S, S2P = plan.DIRECTIONS


# ---- planning ---------------------------------------------------------------

def test_default_plan_covers_sizes_directions_paths_and_a_short_queue_sweep():
    p = plan.make_plan(cores=2)
    assert p.repeats == 3 and p.baseline == plan.Variant("cpu")
    sizes = {c.size for c in p.cells if c.queues == 1}
    assert sizes == set(plan.DEFAULT_SIZES)
    for c in p.cells:
        assert [v.name for v in p.variants[c]] == ["cpu", "dsa-emu", "zc"]
    # the queue sweep: 1..cores at 1500 B, both directions
    assert {(c.size, c.direction, c.queues) for c in p.cells if c.queues > 1} == {
        (1500, P2S, 2), (1500, S2P, 2)}
    assert any("share cores" in n for n in p.notes)  # 2 queue pairs on 2 cores
    assert p.runs() == 3 * 3 * len(p.cells)
    # each sweep cell runs right after its one-queue cell: its ratio is a pair made seconds apart
    labels = [c.label() for c in p.cells]
    assert labels.index("1500 B p->s q2") == labels.index("1500 B p->s q1") + 1


def test_full_plan_sweeps_every_size_and_scales_at_the_seeds_sizes():
    p = plan.make_plan(full=True, cores=8, repeats=5)
    assert {c.size for c in p.cells} == set(plan.ALL_SIZES)
    assert {(c.size, c.queues) for c in p.cells if c.queues > 1} == {
        (s, q) for s in (1500, 4400) for q in range(2, 9)}
    assert any("share cores" in n for n in p.notes)  # 8 pairs need 16 threads
    p4 = plan.make_plan(full=True, cores=8, queues=[1, 2, 4])
    assert not any("share cores" in n for n in p4.notes)


def test_mtu_sets_chain_over_2048_byte_buffers():
    cells = {c.size: c for c in plan.make_plan(full=True, cores=2).cells if c.queues == 1}
    assert cells[1500].mtu_set == "mtu1500" and cells[1500].buffers_per_frame == 1
    assert cells[4400].mtu_set == "mtu9000" and cells[4400].buffers_per_frame == 3
    assert cells[9000].buffers_per_frame == 5


def test_dpdk_variants_only_where_a_frame_fits_one_buffer():
    p = plan.make_plan(vs_dpdk=True, cores=2)
    for c in p.cells:
        names = [v.name for v in p.variants[c]]
        has = "testpmd" in names
        assert has == (c.size <= 1500 and c.queues == 1), c
        if has:
            assert names[-3:] == list(plan.DPDK_VARIANTS)
    assert any("chained" in n for n in p.notes)


def test_schedule_interleaves_variants_inside_each_repeat():
    p = plan.make_plan(sizes=[64], paths=["copy"], engines=["cpu", "dsa-emu"], queues=[1],
                       repeats=2, ab=True, cores=2)
    order = [(rep, cell.direction, v.label) for rep, cell, v in p.schedule()]
    assert order[:4] == [(0, P2S, "cpu"), (0, P2S, "cpu@base"), (0, P2S, "dsa-emu"),
                         (0, P2S, "dsa-emu@base")]
    assert [o[0] for o in order] == [0] * 8 + [1] * 8


@pytest.mark.parametrize("kw, word", [(dict(engines=["warp"]), "warp"),
                                      (dict(paths=["mmap"]), "mmap"),
                                      (dict(sizes=[0]), "1..65535"),
                                      (dict(repeats=0), "repeats"),
                                      (dict(directions=["up"]), "up"),
                                      (dict(paths=[]), "nothing of ours")])
def test_plan_rejects_bad_input_naming_it(kw, word):
    with pytest.raises(ValueError, match=word):
        plan.make_plan(cores=2, **kw)


def test_placement_keeps_each_queues_ends_apart():
    assert placement([0, 1], 1) == ([0], [1])
    prim, sec = placement([0, 1], 2)
    assert all(p != s for p, s in zip(prim, sec))
    assert placement([0, 1, 2, 3], 2) == ([0, 1], [2, 3])
    assert placement([5], 2) == ([5, 5], [5, 5])


def test_worker_config_scaling_copy_path_uses_one_interface_per_queue():
    cell = plan.Cell(1500, P2S, 2)
    c = worker_config("primary", "@s", "cpu", cell, [0, 1], {})
    assert (c["path"], c["ifaces"], c["queues"]) == ("copy", 2, 1)
    z = worker_config("primary", "@s", "zc", cell, [0, 1], {"shared_cores": True})
    assert (z["path"], z["ifaces"], z["queues"], z["yield_idle"]) == ("zc", 1, 2, True)


# ---- units and samples ----------------------------------------------------------

def test_rates_define_gbps_on_frame_bytes_and_l1_adds_20_bytes():
    r = rates(1_000_000, 64_000_000, 1.0, 64)
    assert r["mpps"] == 1.0 and r["gbps"] == pytest.approx(0.512)
    assert r["gbps_l1"] == pytest.approx(84 * 8 / 1e3)
    with pytest.raises(ValueError):
        rates(0, 0, 1.0, 64)


def _thread(packets, ns=1_000_000_000, cpu=500_000_000, size=64, empty=0):
    return {"packets": packets, "bytes": packets * size, "bursts": packets // 64,
            "empty_polls": empty, "elapsed_ns": ns, "cpu_ns": cpu, "phase_ns": [0, 0, 0]}


def test_sample_sums_queues_and_splits_cpu_per_side():
    s = from_threads([_thread(2_000_000), _thread(1_000_000, ns=500_000_000)],
                     [_thread(3_000_000, cpu=900_000_000)], 64)
    assert s["mpps"] == pytest.approx(4.0)  # 2 Mpps + 1 M in 0.5 s
    assert s["cpu_ns_rx"] == pytest.approx(1e9 / 3e6)
    assert s["cpu_ns_tx"] == pytest.approx(300.0)
    assert s["cpu_ns"] == pytest.approx(s["cpu_ns_rx"] + 300.0)


# ---- ratios, rows, targets ----------------------------------------------------

def _sample(rep, variant, mpps, size=64, direction=P2S, queues=1, **kw):
    s = {"repeat": rep, "size": size, "direction": direction, "queues": queues,
         "buffer_size": 2048, "mtu_set": plan.mtu_set(size), "variant": variant, "mpps": mpps,
         "gbps": mpps * size * 8 / 1e3, "gbps_l1": mpps * (size + 20) * 8 / 1e3,
         "cpu_ns": 100.0, "cpu_ns_rx": 50.0, "cpu_ns_tx": 50.0, "engine_name": variant}
    s.update(kw)
    return s


def _samples():
    out = []
    # the machine swings 2x between repeats; ratios inside a repeat hold
    for rep, scale in enumerate((1.0, 2.0, 0.5)):
        for size in (64, 1500):
            for d in plan.DIRECTIONS:
                out.append(_sample(rep, "cpu", 10 * scale, size, d))
                out.append(_sample(rep, "dsa-emu", 5 * scale, size, d))
                out.append(_sample(rep, "testpmd", 5 * scale, size, d))
        out.append(_sample(rep, "cpu", 15 * scale, 1500, P2S, 2))
    out.append(_sample(0, "zc", 0, error="boom"))
    return out


def test_paired_ratios_cancel_the_machine_swing():
    rows = summary.rows(_samples(), "cpu")
    emu = [r for r in rows if r["variant"] == "dsa-emu" and r["size"] == 64 and r["direction"] == P2S][0]
    assert emu["ratio_vs_baseline"] == emu["ratio_min"] == emu["ratio_max"] == 0.5
    assert (emu["mpps_min"], emu["mpps_median"], emu["mpps_max"]) == (2.5, 5.0, 10.0)
    failed = [r for r in rows if r["variant"] == "zc"][0]
    assert failed["runs"] == 0 and failed["errors"] == ["boom"] and failed["mpps_median"] is None


def test_targets_are_paired_ratios_per_direction():
    t = summary.targets(_samples(), cores=2)
    by = {(x["target"], x["direction"]): x for x in t}
    assert by[("ours 64 B >= 1.5x testpmd", P2S)]["ratio_median"] == 2.0
    assert by[("ours 64 B >= 1.5x testpmd", P2S)]["met"] is True
    assert by[("dsa-emu 1500 B >= 1/3 of cpu", S2P)]["met"] is True
    q = [x for x in t if x["target"].startswith("queue sweep")]
    assert q and q[0]["ratio_median"] == 1.5 and "share cores" in q[0]["note"]


def test_ab_pairs_each_variant_with_its_baseline_build():
    s = [_sample(r, "cpu", 12.0) for r in range(3)] + [_sample(r, "cpu@base", 10.0) for r in range(3)]
    ab = summary.ab(s)
    assert len(ab) == 1 and ab[0]["after_over_before"] == pytest.approx(1.2) and ab[0]["wins"] == 3


# ---- outputs ----------------------------------------------------------------

def test_csv_and_json_and_table_have_their_schema():
    samples = _samples()
    rows = summary.rows(samples, "cpu")
    text = output.csv_text(rows)
    got = list(csv.DictReader(io.StringIO(text)))
    assert tuple(got[0].keys()) == output.CSV_COLUMNS and len(got) == len(rows)
    assert any(g["errors"] == "boom" for g in got)
    doc = json.loads(output.json_text(output.document(results=rows, samples=samples)))
    assert doc["schema"] == output.SCHEMA and doc["results"][0]["variant"] == "cpu"
    table = output.table(rows, summary.targets(samples, 2), ["a note"])
    assert "ratio vs cpu" in table and "failed: boom" in table and "note: a note" in table
    assert "NOT met" not in table.split("targets")[1].split("ours 1500")[0]


def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    from libmemif_dsa.bench import plots
    rows = summary.rows(_samples(), "cpu")
    models = {d: model.machine_model(rows, d) for d in plan.DIRECTIONS}
    paths = plots.draw(rows, models, model.seed_model(), str(tmp_path))
    names = {p.split("/")[-1] for p in paths}
    assert {"fig3_mtu1500.png", "fig4_mtu9000.png", "fig5_queues.png", "fig6_cpu.png",
            "fig_dpdk.png", "fig_model_seed.png"} <= names
    for p in paths:
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


# ---- the DSA model ------------------------------------------------------------

SOURCES = {"seed", "cited", "measured", "derived", "fitted", "assumed"}


def test_seed_model_arithmetic_from_the_seeds_512_byte_table():
    p = model.seed_params()
    pps = 9.59e9 / (532 * 8)
    assert p["cycles_per_packet_sw_512"]["value"] == pytest.approx(2e9 / pps)
    # VPP's work per packet comes out the same from both runs (~600 cycles)
    work_sw = p["cycles_per_packet_sw_512"]["value"] * (1 - 0.3191)
    work_dsa = p["cycles_per_packet_dsa_512"]["value"] * (1 - 0.1004)
    assert abs(work_sw - work_dsa) / work_sw < 0.02
    b = (p["cycles_per_packet_sw_512"]["value"] * 0.3191
         - p["cycles_per_packet_dsa_512"]["value"] * 0.1004) / 1024
    assert p["copy_cycles_per_byte"]["value"] == pytest.approx(b)
    assert all(x["source"] in SOURCES and x["note"] for x in p.values())
    assert all(x["source"] != "fitted" for x in p.values())


def test_seed_model_is_checked_only_where_it_was_not_fitted():
    m = model.seed_model()
    cal, fit = m["calibrated_512"], m["fitted_1500"]
    assert fit["parameters"]["copy_cycles_per_byte"]["source"] == "fitted"
    c1500 = [c for c in fit["checks"] if c["what"] == "ratio at 1500 B"][0]
    assert c1500["predicted"] == pytest.approx(2.24, rel=1e-6) and c1500["fitted_here"]
    assert "not a check" in c1500["note"]
    cal1500 = [c for c in cal["checks"] if c["what"] == "ratio at 1500 B"][0]
    assert not cal1500["fitted_here"]  # predicted from the 512 B table
    # the line rate caps DSA at 4400 B (the seed: 100 Gbps from 4400 B)
    at4400 = [c for c in cal["curve"] if c["size"] == 4400][0]
    assert at4400["dsa_gbps_l1"] == 100.0 and at4400["sw_gbps_l1"] < 100.0
    for src in list(m["sources"]["seed"].values()) + list(m["sources"]["seed_checks"].values()):
        assert src["source"] in SOURCES and src["note"]


def test_machine_model_measures_its_line_and_caps_at_the_device_bandwidth():
    rows = []
    for size in (64, 256, 1500):
        t_ns = 20 + 0.1 * size  # cpu: 20 ns fixed + 0.1 ns/B
        rows.append({"variant": "cpu", "direction": P2S, "queues": 1, "runs": 3, "size": size,
                     "buffer_size": 2048, "mpps_median": 1e3 / t_ns})
        rows.append({"variant": "dsa-emu", "direction": P2S, "queues": 1, "runs": 3, "size": size,
                     "buffer_size": 2048, "mpps_median": 1e3 / (t_ns + 30)})
    mm = model.machine_model(rows, P2S, sizes=[64, 1500, 9000])
    prm = mm["parameters"]
    assert prm["fixed_ns"]["value"] == pytest.approx(20) and prm["fixed_ns"]["source"] == "measured"
    assert prm["copy_ns_per_byte"]["value"] == pytest.approx(0.1)
    assert prm["descriptor_ns"]["value"] == pytest.approx(30)
    assert prm["bandwidth_gbs"]["source"] == "cited"
    c = {x["size"]: x for x in mm["curve"]}
    assert c[64]["mpps_high"] == pytest.approx(1e3 / 26.4)  # below the threshold: the CPU copies
    cap = 36.9e9 / (2 * 9000) / 1e6
    assert c[9000]["mpps_high"] <= cap + 1e-9 and c[9000]["mpps_low"] <= c[9000]["mpps_high"]
    assert model.machine_model(rows[:1], P2S) is None


def test_machine_model_never_fits_a_negative_copy_cost():
    # a noisy run: the 64-byte median came out slower than the 1500-byte one
    rows = [{"variant": "cpu", "direction": P2S, "queues": 1, "runs": 3, "size": size,
             "buffer_size": 2048, "mpps_median": mpps} for size, mpps in ((64, 2.0), (1500, 4.0))]
    prm = model.machine_model(rows, P2S)["parameters"]
    assert prm["copy_ns_per_byte"]["value"] == 0.0
    assert prm["fixed_ns"]["value"] == pytest.approx(250) and "negative" in prm["fixed_ns"]["note"]


# ---- nightly baselines ----------------------------------------------------------

def _doc(ratio):
    rows = [{"variant": "dsa-emu", "baseline": "cpu", "size": 1500, "direction": P2S, "queues": 1,
             "ratio_vs_baseline": ratio}]
    return {"machine": {"cpu_model": "AMD EPYC", "cpus_usable": 2}, "results": rows,
            "targets": [{"target": "t", "size": 1500, "direction": P2S, "ratio_median": ratio}]}


def test_baseline_warns_beyond_the_tolerance_and_never_fails(tmp_path):
    path = baseline.save(_doc(1.0), str(tmp_path))
    assert path.endswith("amd-epyc-2cpu.json")
    ok = baseline.compare(_doc(1.2), str(tmp_path), 0.5)
    assert ok["compared"] == 2 and ok["warnings"] == []
    bad = baseline.compare(_doc(2.0), str(tmp_path), 0.5)
    assert len(bad["warnings"]) == 2 and "+100%" in bad["warnings"][0]
    other = dict(_doc(1.0), machine={"cpu_model": "Xeon", "cpus_usable": 64})
    missing = baseline.compare(other, str(tmp_path), 0.5)
    assert missing["compared"] == 0 and "no stored baseline" in missing["warnings"][0]


def test_machine_class_and_perf_output_parsing():
    assert machine.machine_class({"cpu_model": "Intel(R) Xeon(R) Platinum 8592+",
                                  "cpus_usable": 8}) == "intel-r-xeon-r-platinum-8592-8cpu"
    text = "123456,,cycles:u,1000,100.00,,\n<not supported>,,instructions,0,100.00,,\n"
    assert perf_parse(text) == {"cycles": 123456.0}
    assert not math.isnan(sum(perf_parse("1.5,msec,task-clock,1,100,,").values()))


def test_lane_90_compares_the_bench_json_row_by_row(tmp_path):
    """ci/nightly-compare (lane 90) reads reports/bench/bench.json as the
    bench writes it: rows matched by workload and variant, buffer size
    included (the MTU-9000 set), rows whose runs all failed left out."""
    import subprocess
    import sys
    from pathlib import Path

    def doc(mpps):
        rows = []
        for buf, m in ((2048, mpps), (9216, mpps * 2)):
            rows.append({"size": 1500, "direction": P2S, "queues": 1, "buffer_size": buf,
                         "variant": "cpu", "engine": "cpu", "mpps_median": m})
        rows.append({"size": 64, "direction": S2P, "queues": 1, "buffer_size": 2048,
                     "variant": "zc", "engine": "zc", "mpps_median": None})
        return output.json_text({"results": rows})

    for name, mpps in (("old", 2.0), ("new", 3.0)):
        (tmp_path / name / "bench").mkdir(parents=True)
        (tmp_path / name / "bench" / "bench.json").write_text(doc(mpps))
    repo = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(repo / "ci" / "nightly-compare"), str(tmp_path / "old"),
                        str(tmp_path / "new")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stdout.splitlines() if "Mpps (" in x]
    assert len(lines) == 2 and all(x.endswith("(1.50x)") for x in lines), r.stdout
    assert any("buffer_size 9216" in x for x in lines) and not any("zc" in x for x in lines)
