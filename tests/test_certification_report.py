# SPDX-License-Identifier: Apache-2.0
"""What a certification says, and when it refuses to say anything: the
verdict shows coverage (PASS only when every feature ran in every declared
role), a malformed declaration or a known-defect key that could hide
regressions is refused before any test runs, an xfail keeps both the
declared reason and what actually failed, declared defects that did not
reproduce are listed, a peer that cannot start is one failure per test
(never a failure and an error), a DSA cell whose bytes stayed on the CPU
fails, and the report says where it came from."""

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REFLECT = (f"{sys.executable} -m libmemif_dsa reflect --role {{role}} --socket {{socket}} "
           "--id {id} --mode {mode} [--secret {secret}] --tx-queues {tx_queues} "
           "--rx-queues {rx_queues} --ring-size {ring_size} --buffer-size {buffer_size} "
           "--rx-mode {rx_mode}")
BROKEN = (f"{sys.executable} -m memif_conformance.broken.reflector --defect {{defect}} "
          "--role {{role}} --socket {{socket}} --id {{id}} --mode {{mode}} [--secret {{secret}}] "
          "--tx-queues {{tx_queues}} --rx-queues {{rx_queues}} --ring-size {{ring_size}} "
          "--buffer-size {{buffer_size}} --rx-mode {{rx_mode}}")
LINES = {"ready": "^ready:", "connected": "^connected", "disconnected": "^disconnected: (.*)"}


def certify(tmp_path, template, spec, *selection, engines="cpu", workers=None):
    """pytest on memif_conformance/suite against a command peer: (exit status, report
    document or None, report dir, output)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    caps = tmp_path / "caps.json"
    caps.write_text(json.dumps(spec))
    report = tmp_path / "report"
    cmd = [sys.executable, "-m", "pytest", *(selection or ["-m", "feature", "memif_conformance/suite"]),
           "-p", "no:cacheprovider", "-q", "--memif-peer", "command", "--memif-peer-cmd", template,
           "--memif-peer-caps", str(caps), "--memif-engines", engines, "--memif-report", str(report)]
    cmd += ["-n", str(workers)] if workers else ["-p", "no:xdist"]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    path = report / "certification.json"
    doc = json.loads(path.read_text()) if path.exists() else None
    return r.returncode, doc, report, r.stdout + r.stderr


def by_test(doc):
    return {t["nodeid"].split("::", 1)[1]: t for t in doc["tests"]}


def test_every_capability_off_is_partial_never_pass(tmp_path):
    off = {"roles": ["primary"], "modes": ["ethernet"], "max_frame": 1500, "chaining": False,
           "interrupt_mode": False, "polling_mode": True, "max_queues": 1,
           "unequal_queues": False, "secret": False, "abstract_sockets": False,
           "ring_sizes": [1024, 1024], "buffer_sizes": [2048, 2048], "reconnect": False}
    spec = dict(LINES, name="all-off", capabilities=off,
                version=f"{sys.executable} -c \"print('acme-memif 2.3.1')\"")
    rc, doc, report, out = certify(tmp_path, REFLECT, spec, workers=2)
    assert rc == 0, out
    assert doc["result"].startswith("PASS (partial: "), doc["result"]
    assert "with the peer as secondary" in doc["result"] or "not run" in doc["result"]
    cov = doc["coverage"]["all"]
    assert 0 < cov["run"] < cov["tests"] and cov["skipped_capability"] > 0
    assert doc["verdict"].startswith(f"{doc['result']} — {cov['run']} of {cov['tests']} tests run")
    for what in ("roles secondary", "modes ip,punt", "chaining", "interrupt_mode",
                 "max_queues 1", "unequal_queues", "secret", "reconnect"):
        assert what in doc["capabilities_off"], doc["capabilities_off"]
        assert what in doc["verdict"]
    matrix = (report / "matrix.md").read_text()
    assert f"**{doc['result']}** — " in matrix and "| skipped: capability |" in matrix
    # provenance: suite, vectors, the peer's own version, machine, command
    manifest = (REPO / "memif_conformance" / "vectors" / "manifest.json").read_bytes()
    assert doc["vectors"]["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    commit = doc["suite"]["commit"]
    if (REPO / ".git").exists():
        assert len(commit.split()[0]) == 40, commit
    else:   # a copy of the tree (the sanitizer lane): it says so
        assert commit.startswith("unknown (not a git checkout)"), commit
    assert doc["suite"]["version"]
    assert doc["peer"]["version"] == "acme-memif 2.3.1"
    assert doc["host"]["machine"] and "--memif-peer-caps" in doc["command_line"]
    for line in ("- peer version: acme-memif 2.3.1", "- vectors: manifest sha256 ",
                 "- suite: ", "- machine: ", "- command line: `"):
        assert line in matrix


def test_a_cell_with_a_pass_and_skips_is_mixed(tmp_path):
    spec = dict(LINES, name="no-24", capabilities={"roles": ["primary"]})
    rc, doc, _, out = certify(tmp_path, REFLECT, spec, "memif_conformance/suite/test_handshake.py",
                              "-k", "test_connects or test_socket_kind")
    assert rc == 0, out
    cells = {(c["feature"], c["peer_role"], c["engine"]): c for c in doc["cells"]}
    assert cells[("handshake", "primary", "-")]["result"] == "pass"
    assert doc["peer"]["version"].startswith("app name in its handshake: ")
    # a file socket the peer cannot use: one pass, one capability skip in one cell
    spec["capabilities"]["file_sockets"] = False
    rc, doc, _, out = certify(tmp_path / "mixed", REFLECT, spec, "memif_conformance/suite/test_handshake.py",
                              "-k", "test_socket_kind")
    cells = {(c["feature"], c["peer_role"], c["engine"]): c for c in doc["cells"]}
    assert cells[("handshake", "primary", "-")]["result"] == "mixed", doc["cells"]


@pytest.mark.parametrize("capabilities,words", [
    ({"roles": "primary"}, "capabilities.roles: expected an array, got a string ('primary')"),
    ({"max_queues": "lots"}, "capabilities.max_queues: expected an integer, got a string ('lots')"),
    ({"known_defects": {"chaining": "flaky: overruns"}},
     "capabilities.known_defects.chaining: names a whole feature"),
], ids=["roles-as-string", "number-as-text", "whole-feature"])
def test_a_malformed_declaration_is_refused_before_anything_runs(tmp_path, capabilities, words):
    rc, doc, report, out = certify(tmp_path, REFLECT, dict(LINES, capabilities=capabilities))
    assert rc == 4, out
    assert words in out and doc is None


@pytest.mark.parametrize("workers", [None, 2], ids=["one-process", "xdist"])
def test_a_known_defect_that_matches_no_test_is_refused(tmp_path, workers):
    spec = dict(LINES, capabilities={"known_defects": {"chaining/test_every_slit_point": "x"}})
    rc, doc, _, out = certify(tmp_path, REFLECT, spec, workers=workers)
    assert rc == 4, out
    assert "known_defects.chaining/test_every_slit_point: matches no test of chaining" in out
    assert doc is None and " passed" not in out


def test_a_flaky_key_over_two_test_functions_is_refused(tmp_path):
    spec = dict(LINES, capabilities={"known_defects": {
        "lifecycle/test_peer_se*": "flaky: crashes when we leave"}})
    rc, _, _, out = certify(tmp_path, REFLECT, spec)
    assert rc == 4, out
    assert "a flaky: key may cover one test function, this one covers 2" in out


def test_an_xfail_keeps_the_declared_reason_and_what_failed(tmp_path):
    known = {"chaining/test_every_split_point[*-128]": "drops the last byte of chains (ACME-7)",
             "delivery/test_every_vector[*-l2]": "flaky: swaps packets now and then (ACME-9)"}
    spec = dict(LINES, name="drops", capabilities={"known_defects": known})
    sel = ("memif_conformance/suite/test_chaining.py::test_every_split_point",
           "memif_conformance/suite/test_delivery.py::test_every_vector", "-k", "128 or (l2 and not l2_)")
    rc, doc, report, out = certify(tmp_path, BROKEN.format(defect="drop-last-byte"), spec, *sel)
    assert rc == 0, out
    t = by_test(doc)["test_every_split_point[peer-primary-cpu-128]"]
    assert t["outcome"] == "xfail" and "drops the last byte of chains (ACME-7)" in t["reason"]
    assert "first difference at offset 128" in t["failure"]
    assert "the last 1 byte(s) are missing" in t["failure"]
    assert doc["known_defects"]["chaining/test_every_split_point[*-128]"]["reproduced"]
    # the l2 vectors are single buffers: the declared flaky defect did not show
    assert doc["defects_not_reproduced"] == ["delivery/test_every_vector[*-l2]"]
    matrix = (report / "matrix.md").read_text()
    assert "## Declared defects that did not reproduce" in matrix
    assert "| what failed |" in matrix and "the last 1 byte(s) are missing" in matrix
    # the same declaration against a fixed peer: the strict one is a failure
    rc, doc, _, out = certify(tmp_path / "fixed", BROKEN.format(defect="none"), spec, *sel)
    assert rc == 1, out
    t = by_test(doc)["test_every_split_point[peer-primary-cpu-128]"]
    assert t["outcome"] == "fail" and "XPASS(strict)" in t["reason"]


def test_a_peer_that_cannot_start_is_one_failure_per_test(tmp_path):
    """Like a primary that refuses to bind over a stale socket file: each
    test fails once, with the reason and the peer's output, and neither
    pytest nor JUnit adds an error for the same test."""
    cant = "sh -c 'echo \"bind {socket}: Address already in use\"; exit 3'"
    rc, doc, report, out = certify(tmp_path, cant, dict(LINES, name="cant-start"),
                                   "memif_conformance/suite/test_handshake.py", "memif_conformance/suite/test_lifecycle.py",
                                   "-k", "test_connects or test_stale_socket_file")
    assert rc == 1, out
    tests = doc["tests"]
    assert len(tests) == 3 and {t["outcome"] for t in tests} == {"fail"}, tests
    for t in tests:
        assert "the peer did not get ready" in t["reason"] and "exited with status 3" in t["reason"]
        assert "Address already in use" in t["reason"]
    junit = (report / "junit.xml").read_text()
    assert 'errors="0"' in junit and 'failures="3"' in junit
    assert " error" not in out.splitlines()[-1]


FORCED = '''
import pytest
from memif_conformance import packets as P

pytestmark = pytest.mark.feature("copy-engines")
SMALL = [P.tagged(100, seq=i) for i in range(50)]


def test_default_threshold(link, peer_role, engine):
    link(peer_role, engine, ours={"dsa_threshold": 256}).assert_reflects(SMALL)


def test_threshold_zero(link, peer_role, engine):
    link(peer_role, engine).assert_reflects(SMALL)


def test_queue_full_declared(link, peer_role, engine):
    link(peer_role, engine, dsa_config="mode=shared,retries=0,qfull_rate=0.5,seed=5", faults=True).assert_reflects(SMALL)


def test_queue_full_undeclared(link, peer_role, engine):
    link(peer_role, engine, dsa_config="mode=shared,retries=0,qfull_rate=0.5,seed=5").assert_reflects(SMALL)
'''


def test_a_dsa_cell_forced_onto_the_cpu_fails(tmp_path):
    """Our side left at the default 256-byte threshold with 100-byte
    packets: nothing goes through DSA, and the test says so."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_forced.py").write_text(textwrap.dedent(FORCED))
    report = tmp_path / "report"
    r = subprocess.run([sys.executable, "-m", "pytest", str(suite), "-p", "no:cacheprovider",
                        "-p", "no:xdist", "-q", "--memif-engines", "dsa-emu", "--memif-roles", "primary",
                        "--memif-report", str(report), "--rootdir", str(suite)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600)
    doc = json.loads((report / "certification.json").read_text())
    got = {t["test"]: t for t in doc["tests"]}
    forced = got["test_default_threshold"]
    assert forced["outcome"] == "fail", r.stdout
    assert forced["reason"].startswith("DSA path not exercised: 0 of "), forced["reason"]
    assert "bytes offloaded, " in forced["reason"] and "copies under the dsa_threshold)" in forced["reason"]
    assert got["test_threshold_zero"]["outcome"] == "pass", got["test_threshold_zero"]["reason"]
    assert got["test_queue_full_declared"]["outcome"] == "pass", got["test_queue_full_declared"]
    undeclared = got["test_queue_full_undeclared"]
    assert undeclared["outcome"] == "fail" and "for a full work queue" in undeclared["reason"]
    cell = next(c for c in doc["cells"] if c["engine"] == "dsa-emu")
    assert cell["dsa"]["descriptors"] > 0 and cell["dsa"]["bytes_offloaded"] > 0
