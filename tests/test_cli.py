# SPDX-License-Identifier: Apache-2.0
"""The memif-dsa command: info, bench --json, reflect's argument errors,
the old spellings of --engine/--engines."""

import json
import subprocess
import sys

CMD = [sys.executable, "-m", "libmemif_dsa"]


def run(*args, timeout=120):
    return subprocess.run(CMD + list(args), capture_output=True, text=True, timeout=timeout)


def test_info():
    r = run("info")
    assert r.returncode == 0, r.stderr
    assert "memif protocol 2.0" in r.stdout
    assert "cpu      available" in r.stdout
    info = json.loads(run("info", "--json").stdout)
    assert info["protocol"] == "2.0" and info["engines"]["cpu"][0] is True


def test_bench_json_reports_both_directions():
    r = run("bench", "--sizes", "64,1500", "--duration", "0.2", "--warmup", "0.05",
            "--repeats", "1", "--engines", "cpu", "--paths", "copy", "--queues", "1", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["results"]
    assert {(x["size"], x["direction"]) for x in rows} == {
        (64, "primary->secondary"), (64, "secondary->primary"),
        (1500, "primary->secondary"), (1500, "secondary->primary")}
    for x in rows:
        assert x["mpps_median"] > 0 and x["gbps_median"] > 0
        assert x["ratio_vs_baseline"] == 1.0


def test_bench_rejects_unknown_engine():
    r = run("bench", "--engines", "cpu,warp-drive")
    assert r.returncode != 0 and "warp-drive" in r.stderr


def test_bench_old_engine_flag_still_works_with_a_warning():
    r = run("bench", "--engine", "cpu", "--sizes", "64", "--duration", "0.1", "--warmup", "0.05",
            "--repeats", "1", "--paths", "copy", "--queues", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert "--engine is deprecated, use --engines" in r.stderr
    row = json.loads(r.stdout)["results"][0]
    assert row["engine"] == "cpu" and row["engine_name"] == "cpu" == row["backend"]


def test_reflect_old_copy_flag_still_works_with_a_warning(sock):
    from memif_conformance.reflector import start_reflector
    p = start_reflector("primary", sock, copy="cpu")
    try:
        assert "memif-dsa reflect: --copy is deprecated, use --engine" in p.lines
        assert any(ln.startswith("ready:") and ln.endswith("engine cpu") for ln in p.lines)
    finally:
        p.stop()


def test_reflect_argument_errors_are_clear():
    r = run("reflect", "--role", "primary", "--socket", "@x", "--ring-size", "1000")
    assert r.returncode == 2 and "ring_size must be a power of two" in r.stderr
    r = run("reflect", "--role", "primary", "--socket", "@x", "--secret", "y" * 30)
    assert r.returncode == 2 and "secret is at most 24 bytes" in r.stderr
    r = run("reflect", "--role", "boss", "--socket", "@x")
    assert r.returncode == 2 and "--role" in r.stderr


def test_reflect_serves_several_ids_on_one_socket(sock):
    """--id 5,6: two interfaces on one socket, each reflecting its own
    peer; --layout and --max-log2-ring-size are the test knobs."""
    from memif_conformance.reflector import PeerProcess
    from libmemif_dsa import Interface
    p = PeerProcess(CMD + ["reflect", "--role", "primary", "--socket", sock, "--id", "5,6",
                           "--max-log2-ring-size", "15"])
    try:
        p.wait_for(r"^ready: primary listening on .* id 5,6 ")
        with Interface("secondary", sock, id=5, layout={"unsealed": True}) as a, \
                Interface("secondary", sock, id=6, ring_size=32768, buffer_size=128) as b:
            for me, pkt in ((a, b"five" * 20), (b, b"six" * 300)):
                me.wait_connected(10)
                assert me.send([pkt]) == 1
                assert me.recv(timeout=10) == [pkt]
            assert b.details()["tx_queues"][0]["ring_size"] == 32768
        p.wait_for(r"^disconnected: id 5 interface deleted")
        p.wait_for(r"^disconnected: id 6 interface deleted")
    finally:
        p.stop()
    r = run("reflect", "--role", "primary", "--socket", "@x", "--id", "5,5")
    assert r.returncode == 2 and "an id is given twice" in r.stderr
