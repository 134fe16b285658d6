# SPDX-License-Identifier: Apache-2.0
"""The conformance suite, run against deliberately broken peers, must fail
and say why -- and each failure must come from a named test.

Two kinds of broken peer, both run through the `command` adapter:
- memif_conformance/broken/reflector.py (libmemif-dsa's Interface underneath):
  payload and handshake defects (a lost byte, a flipped byte at a chain
  boundary, two packets swapped, the secret ignored);
- memif_conformance/broken/raw_peer.py (a whole memif peer in Python,
  memif_conformance/scripted_peer.py): protocol mutations (a ring index published
  before the bytes, MASK_INT ignored, a signal before publishing, a wrong
  ring cookie, NEXT left on a last buffer, a skipped slot, a wrong secret
  or mode accepted, a peer that stops reading while connected, a primary
  that ignores the secondary's ring size or buffer size or puts packets
  where the slot number says instead of where the descriptor points).
The same peers without a defect pass, so the failures come from the
defects."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARGS = ("--role {role} --socket {socket} --id {id} --mode {mode} [--secret {secret}] "
        "--tx-queues {tx_queues} --rx-queues {rx_queues} --ring-size {ring_size} "
        "--buffer-size {buffer_size} --rx-mode {rx_mode}")
SPLIT = ["memif_conformance/suite/test_chaining.py::test_every_split_point", "-k", "128"]
L2 = ["memif_conformance/suite/test_delivery.py::test_every_vector", "-k", "l2 and not l2_"]
SECRET = ["memif_conformance/suite/test_handshake.py::test_secret", "-k", "different or (same and not 24)"]


def reflector(defect):
    return f"{sys.executable} -m memif_conformance.broken.reflector --defect {defect} {ARGS}"


def raw_peer(mutation):
    return f"{sys.executable} -m memif_conformance.broken.raw_peer --mutation {mutation} {ARGS}"


def run_suite(tmp_path, template, selection, name="broken", capabilities=None, timeouts=None,
              engines="cpu", **declared):
    """pytest on memif_conformance/suite against a command peer: (exit code, the
    certification document, the report dir, pytest's output)."""
    spec = {"name": name, "ready": "^ready:", "connected": "^connected",
            "disconnected": "^disconnected: (.*)", "capabilities": capabilities or {}, **declared}
    if timeouts:
        spec["timeouts"] = timeouts
    tmp_path.mkdir(parents=True, exist_ok=True)
    caps = tmp_path / "caps.json"
    caps.write_text(json.dumps(spec))
    report = tmp_path / "report"
    cmd = [sys.executable, "-m", "pytest", *selection, "-p", "no:cacheprovider", "-q",
           "-p", "no:xdist", "--memif-peer", "command", "--memif-peer-cmd", template,
           "--memif-peer-caps", str(caps), "--memif-engines", engines, "--memif-report", str(report)]
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
            assert not os.path.isabs(path), f"{path}: pcap paths are relative to the report"
            assert os.path.getsize(report / path) > 24, f"{path} is empty"
    assert doc["result"] == "FAIL" and doc["verdict"].startswith("FAIL — ")
    assert "**FAIL** — " in (report / "matrix.md").read_text()
    assert (report / "junit.xml").exists()


# ---- payload and handshake defects (libmemif-dsa underneath) ------------------

def test_a_correct_reflector_passes(tmp_path):
    rc, doc, _, out = run_suite(tmp_path, reflector("none"), SPLIT[:1] + L2[:1] + SECRET[:1])
    assert rc == 0, out
    assert doc["result"].startswith("PASS") and not failures(doc)
    assert {t["outcome"] for t in doc["tests"]} == {"pass"} and len(doc["tests"]) >= 20


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_drop_last_byte_of_chains(tmp_path, role):
    rc, doc, report, out = run_suite(tmp_path, reflector("drop-last-byte"), SPLIT + ["--memif-roles", role])
    assert rc == 1, out
    # packet 69 is the first chained one: 60 + 69 = 129 bytes over 128-byte buffers
    assert_caught(doc, report, f"test_every_split_point[peer-{role}-cpu-128]",
                  "packet 69 of ", "first difference at offset 128 = buffer 1 of the chain, byte 0",
                  "129 bytes expected, 128 received", "the last 1 byte(s) are missing")


def test_flip_a_byte_at_the_chain_boundary(tmp_path):
    rc, doc, report, out = run_suite(tmp_path, reflector("flip-chain-boundary"), SPLIT)
    assert rc == 1, out
    for role in ("primary", "secondary"):
        assert_caught(doc, report, f"test_every_split_point[peer-{role}-cpu-128]",
                      "first difference at offset 128 = buffer 1 of the chain, byte 0 "
                      "(a chain boundary)", "1 byte(s) differ")


def test_swap_two_packets(tmp_path):
    rc, doc, report, out = run_suite(tmp_path, reflector("swap"), L2)
    assert rc == 1, out
    for role in ("primary", "secondary"):
        assert_caught(doc, report, f"test_every_vector[peer-{role}-cpu-l2]",
                      "packet 1 of ", "(l2/0001)", "it is packet 2: packets reordered")


def test_ignore_the_secret(tmp_path):
    rc, doc, report, out = run_suite(tmp_path, reflector("ignore-secret"), SECRET)
    assert rc == 1, out
    assert_caught(doc, report, "test_secret[peer-primary-different]",
                  "rule broken: a primary with secret 'conformance-s3cret' accepted a secondary "
                  "with 'not-the-secret'", pcaps=False)
    assert_caught(doc, report, "test_secret[peer-secondary-same]",
                  "the link did not come up: secret required", pcaps=False)


# ---- protocol mutations (a memif peer in Python) -------------------------------

BOTH = ["primary", "secondary"]
# mutation -> (roles it can play, selection, the test that must fail, phrases of its reason, pcaps)
MUTANTS = {
    "index-before-bytes": (
        ["secondary"], L2, "test_every_vector[peer-secondary-cpu-l2]",
        ["packet 0 of ", "(l2/0000): first difference at offset 0",
         "(0x02 expected, 0xee received)"], True),
    "ignore-mask-int": (
        BOTH, ["memif_conformance/suite/test_interrupt_polling.py::test_rx_mode_combination", "-k",
               "ours-polling and peer-interrupt"],
        "test_rx_mode_combination[peer-primary-cpu-ours-polling-peer-interrupt]",
        ["rule broken: we poll (MASK_INT set on our rx ring) yet the peer signalled our ring's "
         "eventfd"], False),
    "kick-before-publish": (
        BOTH, ["memif_conformance/suite/test_interrupt_polling.py::test_peer_signals_after_publishing"],
        "test_peer_signals_after_publishing[peer-secondary]",
        ["rule broken: the peer signalled our ring before publishing reply 0 and did not signal "
         "after publishing it"], False),
    "wrong-cookie": (
        ["secondary"], ["memif_conformance/suite/test_handshake.py::test_connects"],
        "test_connects[peer-secondary]",
        ["the link did not come up", "(our primary: wrong cookie on rx ring 0)"], False),
    "next-on-last-buffer": (
        BOTH, SPLIT, "test_every_split_point[peer-primary-cpu-128]",
        ["packet 69 of 455: first difference at offset 129 = buffer 1 of the chain, byte 1 with "
         "128-byte buffers; 129 bytes expected, 259 received; 130 byte(s) were appended"], True),
    "skip-slot": (
        BOTH, L2, "test_every_vector[peer-secondary-cpu-l2]",
        ["packet 2 of ", "(l2/0002): first difference at offset 0"], True),
    "accept-wrong-secret": (
        ["primary"], ["memif_conformance/suite/test_handshake.py::test_secret", "-k", "different"],
        "test_secret[peer-primary-different]",
        ["rule broken: a primary with secret 'conformance-s3cret' accepted a secondary with "
         "'not-the-secret'"], False),
    "accept-wrong-mode": (
        ["primary"], ["memif_conformance/suite/test_handshake.py::test_mode_mismatch", "-k", "ethernet-vs-ip"],
        "test_mode_mismatch[peer-primary-ethernet-vs-ip]",
        ["rule broken: a primary in ethernet mode accepted a secondary in ip mode"], False),
    # a primary must take the secondary's parameters and descriptors (parameters, regions)
    "ignore-ring-size": (
        ["primary"], ["memif_conformance/suite/test_parameters.py::test_primary_takes_our_ring_size",
                      "-k", "ring-64"],
        "test_primary_takes_our_ring_size[peer-primary-ring-64]",
        ["the link went down after ", " received: peer closed the connection"], False),
    "ignore-buffer-size": (
        ["primary"], ["memif_conformance/suite/test_parameters.py::test_primary_takes_our_buffer_size",
                      "-k", "cpu-128"],
        "test_primary_takes_our_buffer_size[peer-primary-cpu-128]",
        ["the link went down after ", "M2S descriptor length exceeds its buffer"], False),
    "buffer-from-slot": (
        ["primary"], ["memif_conformance/suite/test_regions.py::test_our_layout", "-k",
                      "other-buffer-each-refill"],
        "test_our_layout[peer-primary-cpu-other-buffer-each-refill]",
        ["layout other-buffer-each-refill, queue 0: packet 0 of ", "(l2/0000): first difference at "
         "offset 0"], True),
}


def test_a_correct_raw_peer_passes(tmp_path):
    """The Python peer without a mutation passes every test the mutants fail."""
    selection = sorted({s[0] for _, s, *_ in MUTANTS.values()})
    rc, doc, _, out = run_suite(tmp_path, raw_peer("none"), selection, name="raw-none")
    assert rc == 0, out
    assert not failures(doc) and {t["outcome"] for t in doc["tests"]} == {"pass"}
    assert len(doc["tests"]) >= 40


@pytest.mark.parametrize("mutation", sorted(MUTANTS))
def test_mutant_is_caught(tmp_path, mutation):
    roles, selection, test, phrases, pcaps = MUTANTS[mutation]
    rc, doc, report, out = run_suite(tmp_path, raw_peer(mutation), selection + ["--memif-roles", ",".join(roles)],
                                     name=f"raw-{mutation}", capabilities={"roles": roles})
    assert rc == 1, out
    assert_caught(doc, report, test, *phrases, pcaps=pcaps)


def test_a_peer_that_stops_reading_fails_and_the_run_goes_on(tmp_path):
    """Connected but no longer taking packets, with our ring full: the
    exchange gives up after timeouts.idle with the state it saw; with a
    longer idle, the per-test limit (timeouts.test) ends the test instead,
    naming what it was waiting for.  Either way one failure, the peer's
    output kept, and the next test runs."""
    wrap = "memif_conformance/suite/test_chaining.py::test_chains_across_the_ring_wrap"
    later = "memif_conformance/suite/test_handshake.py::test_connects"
    for name, timeouts, phrase in (
            ("idle", {"idle": 3}, "the peer stopped taking packets while connected: "),
            ("limit", {"idle": 120, "test": 6}, "the test did not finish within its 6 s limit "
                                               "(timeouts.test) while awaiting packets back from "
                                               "the peer on queue 0 (")):
        rc, doc, report, out = run_suite(tmp_path / name, raw_peer("stop-reading"),
                                         [wrap, later, "--memif-roles", "secondary"], timeouts=timeouts)
        assert rc == 1, out
        assert_caught(doc, report, "test_chains_across_the_ring_wrap[peer-secondary-cpu]", phrase,
                      pcaps=False)
        hung = failures(doc)["test_chains_across_the_ring_wrap[peer-secondary-cpu]"]
        assert "ready: secondary connecting to" in hung["peer_output"]
        outcomes = {t["nodeid"].split("::", 1)[1]: t["outcome"] for t in doc["tests"]}
        assert outcomes["test_connects[peer-secondary]"] == "pass", outcomes
        junit = (report / "junit.xml").read_text()
        assert 'errors="0"' in junit and 'failures="1"' in junit


# ---- robustness: a peer that falls over on one hostile class ------------------------

ROBUST = "memif_conformance/suite/test_robustness.py"


def robustness_run(tmp_path, defect, cases):
    return run_suite(tmp_path, reflector(defect), [ROBUST, "-k", " or ".join(cases),
                                                    "--memif-roles", "primary"], name=f"broken-{defect}")


@pytest.mark.parametrize("defect,case,outcome", [("crash-on-bad-ring", "ring-ring-log2-15", "crashed"),
                                                 ("hang-on-bad-region", "region-region-size-zero",
                                                  "hung")])
def test_robustness_catches_a_peer_that_falls_over(tmp_path, defect, case, outcome):
    """A peer that refuses one hostile class correctly, then crashes (or
    stops serving): that case fails as crashed (hung) with a reproducer,
    a case of another class survives, and the certificate's score says so;
    the reproducer replays exactly that case."""
    cls = case.split("-")[0]
    rc, doc, report, out = robustness_run(tmp_path / "run", defect, [case, "malformed-short-message"])
    assert rc == 1, out
    rob = doc["robustness"]
    assert (rob["run"], rob["survived"], rob["score"]) == (2, 1, "1/2"), rob
    assert rob["by_class"][cls] == {"run": 1, "survived": 0, "crashed": int(outcome == "crashed"),
                                    "hung": int(outcome == "hung")}
    assert rob["by_class"]["malformed"]["survived"] == 1
    [f] = rob["failures"]
    name = f"test_hostile_secondary[peer-primary-cpu-{case}]"
    assert (f["case"], f["outcome"], f["peer_role"]) == (case, outcome, "primary")
    assert f"-k '{name}'" in f["reproducer"]
    reason = failures(doc)[name]["reason"]
    assert reason.startswith(f"{outcome}: hostile case {case}"), reason
    assert "reproduce: memif-dsa certify --peer command" in reason
    matrix = (report / "matrix.md").read_text()
    assert "Score: **1 of 2** hostile cases survived" in matrix
    assert f"| `{case}` | primary | cpu | {outcome} | no |" in matrix
    if outcome == "hung":
        return
    # the reproducer alone: that one case, the same outcome
    argv = shlex.split(f["reproducer"])
    assert argv[:2] == ["memif-dsa", "certify"]
    again = tmp_path / "again"
    r = subprocess.run([sys.executable, "-m", "libmemif_dsa", "certify", "--report", str(again),
                        *argv[2:]], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    replay = json.loads((again / "certification.json").read_text())
    assert [t["robustness"]["case"] for t in replay["tests"]] == [case]
    assert replay["robustness"]["failures"][0]["outcome"] == outcome


def test_robustness_runs_the_declared_health_check_and_exclusions(tmp_path):
    """A failing health check (the declaration's `health` command) makes a
    case hung although the peer still serves; an excluded class is skipped
    by capability and named in the verdict."""
    health = f"{sys.executable} -c 'import sys; sys.exit(3)'"
    rc, doc, _, out = run_suite(tmp_path, reflector("none"),
                                [ROBUST, "-k", "malformed-short-message or init-unknown-id",
                                 "--memif-roles", "primary"],
                                capabilities={"robustness_exclude": ["malformed"]}, health=health)
    assert rc == 1, out
    tests = {t["robustness"]["case"] if t.get("robustness") else t["nodeid"]: t for t in doc["tests"]}
    skipped = next(t for t in doc["tests"] if "malformed-short-message" in t["nodeid"])
    assert skipped["outcome"] == "skip" and skipped["reason"].startswith("peer declares robustness "
                                                                          "class 'malformed'")
    hung = tests["init-unknown-id"]
    assert hung["robustness"]["outcome"] == "hung"
    assert "the health check " in hung["reason"] and "exited with status 3" in hung["reason"]
    assert doc["robustness"]["excluded_classes"] == ["malformed"]
    assert "robustness classes malformed" in doc["verdict"]
