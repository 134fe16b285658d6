# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa bench` end to end, briefly: one command writes the table,
JSON, CSV and plots; the zero-copy path and the queue sweep run; testpmd
joins with --vs dpdk where it is installed.  Numbers are only checked to
exist (no timing thresholds: the machines are shared)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

CMD = [sys.executable, "-m", "libmemif_dsa", "bench"]
QUICK = ["--duration", "0.15", "--warmup", "0.05", "--repeats", "1"]


def bench(*args, timeout=300):
    return subprocess.run(CMD + QUICK + list(args), capture_output=True, text=True, timeout=timeout)


def test_one_command_writes_table_json_csv_and_plots(tmp_path):
    out = tmp_path / "run"
    r = bench("--sizes", "64,4400", "--engines", "cpu,dsa-emu", "--queues", "1,2",
              "--scaling-sizes", "64", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "ratio vs cpu" in r.stdout and "Gbps = frame bytes" in r.stdout
    assert "rep 1/1" in r.stderr and "left ~" in r.stderr  # the progress line
    doc = json.loads((out / "bench.json").read_text())
    assert doc["schema"] == "memif-dsa-bench/2"
    assert doc["machine"]["cores"] and doc["machine"]["kernel"]
    assert "frame bytes" in doc["definitions"]["gbps"]
    seen = {(x["variant"], x["size"], x["queues"]) for x in doc["results"] if x["runs"]}
    for v in ("cpu", "dsa-emu", "zc"):
        assert {(v, 64, 1), (v, 4400, 1), (v, 64, 2)} <= seen, seen
    for x in doc["results"]:
        assert x["mpps_median"] > 0 and x["cpu_ns_median"] > 0, x
    assert doc["model"]["seed"]["calibrated_512"]["checks"]
    assert (out / "bench.csv").read_text().startswith("size,direction,queues")
    assert (out / "table.txt").exists()
    if _has_matplotlib():
        for f in ("fig3_mtu1500.png", "fig4_mtu9000.png", "fig5_queues.png", "fig6_cpu.png",
                  "fig_model_seed.png"):
            assert (out / f).stat().st_size > 1000, f


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


def test_bad_arguments_are_named():
    r = bench("--sizes", "64,abc")
    assert r.returncode != 0 and "--sizes" in r.stderr
    r = bench("--paths", "mmap")
    assert r.returncode != 0 and "mmap" in r.stderr
    r = bench("--ab", "/nonexistent")
    assert r.returncode != 0 and "--ab" in r.stderr


@pytest.mark.skipif(not shutil.which("dpdk-testpmd") or os.geteuid() != 0,
                    reason="needs dpdk-testpmd and root (ci/setup installs it)")
def test_vs_dpdk_runs_testpmd_in_both_roles(tmp_path):
    r = bench("--sizes", "64", "--engines", "cpu", "--paths", "copy", "--queues", "1", "--vs", "dpdk",
              "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    got = {(x["variant"], x["direction"]) for x in doc["results"] if x["runs"]}
    for v in ("testpmd", "testpmd>ours", "ours>testpmd"):
        for d in ("primary->secondary", "secondary->primary"):
            assert (v, d) in got, (v, d, [(x["variant"], x["direction"], x["errors"])
                                          for x in doc["results"]])
    assert doc["config"]["testpmd"] != "unknown"
    t = [x for x in doc["targets"] if x["denominator"] == "testpmd" and x["size"] == 64]
    assert len(t) == 2 and all(x["ratio_median"] > 0 for x in t)
