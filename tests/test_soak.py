# SPDX-License-Identifier: Apache-2.0
"""The soak (`memif-dsa soak`, src/tools/soak.c): a short run per engine
loses, corrupts, duplicates, reorders and misroutes nothing, and the
checker really counts each of those (mistakes injected by the sender).
The 10^7-packet run per engine is the nightly lane ci/lanes/80-soak-nightly."""

import json
import subprocess
import sys

import pytest

from libmemif_dsa import soak
from libmemif_dsa.low_level import lib

SHORT = 10**5


@pytest.mark.parametrize("engine", ["cpu", "dsa-emu"])
def test_short_soak_loses_nothing(engine):
    seen = []
    r = soak.run_one(engine, packets=SHORT, progress=seen.append, step=0.2)
    assert soak.clean(r), soak.format_summary(r)
    assert r["received"] == r["sent"] == SHORT
    assert r["streams"] == 4, "2 queues in each direction"
    assert r["chained"] > SHORT // 2, "most of 1..9018-byte packets span several 2048-byte buffers"
    assert r["ring_full"] > 0, "back-pressure ran"
    assert seen and seen[-1]["received"] == SHORT
    if engine == "dsa-emu":
        c = r["engine_counters"]
        # the injected faults happened and were survived
        assert c["partial_completions"] > 0 and c["retries"] > 0 and c["fallback_errors"] > 0


@pytest.mark.parametrize("mistake,counts", [
    ("DROP", {"lost": 1}),
    ("DUP", {"duplicated": 1}),
    ("SWAP", {"reordered": 1}),
    ("CORRUPT", {"corrupted": 1, "lost": 1}),
    ("MISROUTE", {"misrouted": 1}),
])
def test_the_checker_counts_each_mistake(mistake, counts):
    r = soak.run_one("cpu", packets=2000, inject=getattr(lib, f"MDSA_TOOLS_SOAK_INJECT_{mistake}"))
    assert {k: r[k] for k in soak.COUNTS} == {k: counts.get(k, 0) for k in soak.COUNTS}
    assert not soak.clean(r)


def test_short_packets_are_checked_too():
    """Packets under the 16-byte header are checked by position."""
    r = soak.run_one("cpu", packets=5000, min_size=1, max_size=20, burst=7)
    assert soak.clean(r), soak.format_summary(r)
    r = soak.run_one("cpu", packets=5000, min_size=1, max_size=20,
                     inject=lib.MDSA_TOOLS_SOAK_INJECT_SWAP)
    assert r["reordered"] == 1 and r["lost"] == r["corrupted"] == r["duplicated"] == 0


def test_cli_soak_json_and_exit_status():
    out = subprocess.run([sys.executable, "-m", "libmemif_dsa", "soak", "--packets", "1e4",
                          "--engines", "cpu", "--queues", "3", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)["results"][0]
    assert res["planned"] == res["received"] == 10000 and res["streams"] == 6
    assert "PASS cpu" in out.stderr and "received (100.0%)" in out.stderr


@pytest.mark.parametrize("args,message", [
    (["--engines", "gpu"], "unknown engine 'gpu'"),
    (["--min-size", "100", "--max-size", "10"], "--min-size/--max-size"),
    (["--packets", "0"], "--packets: must be positive, got 0"),
])
def test_cli_soak_bad_arguments(args, message):
    out = subprocess.run([sys.executable, "-m", "libmemif_dsa", "soak", *args],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert message in out.stderr
