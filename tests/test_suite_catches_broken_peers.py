"""The conformance suite, run against deliberately broken peers
(fixtures/broken/reflector.py through the `command` adapter), must fail
and say why: the first differing offset or the rule broken, with pcaps of
what was sent and received.  The same reflector without a defect passes,
so the failures come from the defects; a defect declared as known turns
into a strict xfail, and a declared defect that is not there fails."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BROKEN = REPO / "fixtures" / "broken" / "reflector.py"
TEMPLATE = (f"{sys.executable} {BROKEN} --defect {{defect}} --role {{{{role}}}} "
            "--socket {{socket}} --id {{id}} --mode {{mode}} [--secret {{secret}}] "
            "--tx-queues {{tx_queues}} --rx-queues {{rx_queues}} --ring-size {{ring_size}} "
            "--buffer-size {{buffer_size}} --rx-mode {{rx_mode}}")
SPLIT = ["conformance/test_chaining.py::test_every_split_point", "-k", "128"]
L2 = ["conformance/test_delivery.py::test_every_vector", "-k", "l2 and not l2_"]
SECRET = ["conformance/test_handshake.py::test_secret", "-k", "different or (same and not 24)"]


def run_suite(tmp_path, defect, selection, known_defects=None):
    """pytest conformance against the broken reflector: (exit code, the
    certification document, the report dir, pytest's output)."""
    spec = {"name": f"broken-{defect}", "ready": "^ready:", "connected": "^connected",
            "disconnected": "^disconnected: (.*)",
            "capabilities": {"known_defects": known_defects or {}}}
    tmp_path.mkdir(parents=True, exist_ok=True)
    caps = tmp_path / "caps.json"
    caps.write_text(json.dumps(spec))
    report = tmp_path / "report"
    cmd = [sys.executable, "-m", "pytest", *selection, "-p", "no:cacheprovider", "-q",
           "-p", "no:xdist", "--peer", "command", "--peer-cmd", TEMPLATE.format(defect=defect),
           "--peer-caps", str(caps), "--engines", "cpu", "--report", str(report)]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    doc_path = report / "certification.json"
    assert doc_path.exists(), f"no certification report; pytest said:\n{r.stdout}\n{r.stderr}"
    return r.returncode, json.loads(doc_path.read_text()), report, r.stdout + r.stderr


def failures(doc):
    return {t["nodeid"].split("::", 1)[1]: t for t in doc["tests"] if t["outcome"] == "fail"}


def assert_caught(doc, report, test, *phrases, pcaps=True):
    fails = failures(doc)
    assert test in fails, f"{test} did not fail; failures: {sorted(fails)}"
    reason = fails[test]["reason"]
    for phrase in phrases:
        assert phrase in reason, f"{phrase!r} not in the reason of {test}: {reason}"
    if pcaps:
        assert fails[test]["pcaps"], f"no pcap recorded for {test}"
        for path in fails[test]["pcaps"]:
            assert os.path.getsize(path) > 24, f"{path} is empty"
            assert Path(path).is_relative_to(report)
    assert doc["result"] == "FAIL"
    assert "**FAIL**" in (report / "matrix.md").read_text()
    assert (report / "junit.xml").exists()


def test_a_correct_reflector_passes(tmp_path):
    rc, doc, _, out = run_suite(tmp_path, "none", SPLIT[:1] + L2[:1] + SECRET[:1])
    assert rc == 0, out
    assert doc["result"] == "PASS" and not failures(doc)
    assert {t["outcome"] for t in doc["tests"]} == {"pass"} and len(doc["tests"]) >= 20


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_drop_last_byte_of_chains(tmp_path, role):
    rc, doc, report, out = run_suite(tmp_path, "drop-last-byte", SPLIT + ["--roles", role])
    assert rc == 1, out
    # packet 69 is the first chained one: 60 + 69 = 129 bytes over 128-byte buffers
    assert_caught(doc, report, f"test_every_split_point[peer-{role}-cpu-128]",
                  "packet 69 of ", "first difference at offset 128 = buffer 1 of the chain, byte 0",
                  "129 bytes expected, 128 received", "the last 1 byte(s) are missing")


def test_flip_a_byte_at_the_chain_boundary(tmp_path):
    rc, doc, report, out = run_suite(tmp_path, "flip-chain-boundary", SPLIT)
    assert rc == 1, out
    for role in ("primary", "secondary"):
        assert_caught(doc, report, f"test_every_split_point[peer-{role}-cpu-128]",
                      "first difference at offset 128 = buffer 1 of the chain, byte 0 "
                      "(a chain boundary)", "1 byte(s) differ")


def test_swap_two_packets(tmp_path):
    rc, doc, report, out = run_suite(tmp_path, "swap", L2)
    assert rc == 1, out
    for role in ("primary", "secondary"):
        assert_caught(doc, report, f"test_every_vector[peer-{role}-cpu-l2]",
                      "packet 1 of ", "(l2/0001)", "it is packet 2: packets reordered")


def test_ignore_the_secret(tmp_path):
    rc, doc, report, out = run_suite(tmp_path, "ignore-secret", SECRET)
    assert rc == 1, out
    assert_caught(doc, report, "test_secret[peer-primary-different]",
                  "rule broken: a primary with secret 'conformance-s3cret' accepted a secondary "
                  "with 'not-the-secret'", pcaps=False)
    assert_caught(doc, report, "test_secret[peer-secondary-same]",
                  "the link did not come up: secret required", pcaps=False)


def test_a_known_defect_is_a_strict_xfail(tmp_path):
    known = {"chaining/test_every_split_point": "drops the last byte of chained packets"}
    rc, doc, _, out = run_suite(tmp_path / "broken", "drop-last-byte", SPLIT, known)
    assert rc == 0, out
    outcomes = {t["outcome"] for t in doc["tests"]}
    assert outcomes == {"xfail"}, doc["tests"]
    assert all("drops the last byte" in t["reason"] for t in doc["tests"])
    # the same declaration against a peer without the defect: XPASS(strict) fails
    rc, doc, _, out = run_suite(tmp_path / "fixed", "none", SPLIT, known)
    assert rc == 1, out
    assert {t["outcome"] for t in doc["tests"]} == {"fail"}
    assert all("XPASS(strict)" in t["reason"] for t in doc["tests"])
