# SPDX-License-Identifier: Apache-2.0
"""memif-dsa certify's tools around a run: the published JSON Schemas (one
source with the suite's own checks), --diff across report schema
versions (the first committed DPDK report is schema 1), --list-features,
--list-peers and adapters from other packages (entry points), the
progress line and the HTML matrix."""

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from memif_conformance import diff, peers, schemas
from memif_conformance.declaration import DeclarationError, check
from memif_conformance.progress import feature_of_nodeid
from memif_conformance.report_html import html

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "memif_conformance/suite/peer-caps.example.json"
DPDK_REPORT = REPO / "docs/certification/dpdk-22.11.json"
OLD_REPORT = "9b215fa:docs/certification/dpdk-22.11.json"   # report schema 1, from git history
CMD = [sys.executable, "-m", "libmemif_dsa", "certify"]


def validator(name):
    s = schemas.SCHEMAS[name]()
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker())


def test_published_schema_files_are_current():
    for name in schemas.SCHEMAS:
        assert schemas.path(name).read_text() == schemas.text(name), (
            f"{schemas.path(name)} is stale: python -m memif_conformance.schemas --write")


def test_certify_prints_the_schemas():
    for name in schemas.SCHEMAS:
        r = subprocess.run(CMD + ["--schema", name], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == schemas.SCHEMAS[name]()


BAD = [({"name": ""}, "name"), ({"capabilities": {"max_queues": 0}}, "max_queues"),
       ({"capabilities": {"roles": ["boss"]}}, "roles"), ({"timeouts": {"ready": -1}}, "ready"),
       ({"expect": "mirror"}, "expect"), ({"colour": "red"}, "colour"),
       ({"capabilities": {"known_defects": {"handshake": "x"}}}, "known_defects")]


@pytest.mark.parametrize("change,key", BAD, ids=[k for _, k in BAD])
def test_the_declaration_schema_refuses_what_the_suite_refuses(change, key):
    doc = json.loads(EXAMPLE.read_text())
    assert not list(validator("declaration").iter_errors(doc))
    bad = copy.deepcopy(doc)
    for k, v in change.items():
        bad[k] = dict(bad.get(k, {}), **v) if isinstance(v, dict) and k in bad else v
    assert list(validator("declaration").iter_errors(bad)), bad
    with pytest.raises(DeclarationError, match=key):
        check(bad)


def test_the_committed_dpdk_report_follows_the_certification_schema():
    errors = list(validator("certification").iter_errors(json.loads(DPDK_REPORT.read_text())))
    assert errors == []


def old_report(tmp_path):
    """The schema-1 report from git history: in this tree, or (the sanitizer
    lane's copy has no .git) in the checkout whose .venv runs the tests."""
    for tree in (REPO, Path(sys.prefix).parent):
        r = subprocess.run(["git", "-C", str(tree), "show", OLD_REPORT], capture_output=True,
                           text=True, timeout=60)
        if r.returncode == 0:
            path = tmp_path / "old.json"
            path.write_text(r.stdout)
            return path
    pytest.fail(f"git show {OLD_REPORT} failed: {r.stderr.strip()}")


def test_diff_reads_a_schema_1_report(tmp_path):
    old = old_report(tmp_path)
    r = subprocess.run(CMD + ["--diff", str(old), str(DPDK_REPORT)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "(report schema 1, " in r.stdout and "(report schema 2, " in r.stdout
    # same test, different file (conformance/ then, memif_conformance/suite/ now): one key,
    # so only tests that really came or went are listed as such
    old_doc, new_doc = json.loads(old.read_text()), json.loads(DPDK_REPORT.read_text())
    assert old_doc["tests"][0]["nodeid"].startswith("conformance/")
    assert new_doc["tests"][0]["nodeid"].startswith("memif_conformance/suite/")
    came = r.stdout.split("new tests (", 1)[1].split("\n\n", 1)[0]
    went = r.stdout.split("tests no longer run (", 1)[1].split("\n\n", 1)[0]
    for key in ("handshake/test_connects[peer-primary]", "delivery/test_every_vector[peer-secondary-cpu-l2]"):
        assert key not in came and key not in went
    def keys(doc):
        return {f"{t['feature']}/{t['nodeid'].split('::', 1)[1]}" for t in doc["tests"]}
    def listed(part):   # lines shown, plus the "... and N more" the listing stops with
        more = re.search(r"\.\.\. and (\d+) more", part)
        return part.count("\n  ") - bool(more) + (int(more.group(1)) if more else 0)
    assert listed(came) == len(keys(new_doc) - keys(old_doc))
    assert listed(went) == len(keys(old_doc) - keys(new_doc))


def test_diff_exits_1_when_a_test_got_worse(tmp_path):
    doc = json.loads(DPDK_REPORT.read_text())
    worse = copy.deepcopy(doc)
    t = next(t for t in worse["tests"] if t["outcome"] == "pass")
    t["outcome"], t["reason"] = "fail", "packet 3 of 9 differs at byte 14"
    worse["result"] = "FAIL"
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(doc))
    b.write_text(json.dumps(worse))
    key = diff.test_key(t)
    r = subprocess.run(CMD + ["--diff", str(a), str(b)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stdout
    assert "result: PASS -> FAIL" in r.stdout
    assert f"got worse (1):\n  {key}: pass -> fail — packet 3 of 9 differs at byte 14" in r.stdout
    r = subprocess.run(CMD + ["--diff", str(b), str(a)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and f"got better (1):\n  {key}: fail -> pass" in r.stdout
    r = subprocess.run(CMD + ["--diff", str(a), str(a)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "no change in any test's outcome" in r.stdout


def test_diff_refuses_what_is_not_a_report(tmp_path):
    (tmp_path / "x.json").write_text('{"schema": 2}')
    r = subprocess.run(CMD + ["--diff", str(tmp_path / "x.json"), str(DPDK_REPORT)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not a certification report" in r.stderr
    future = dict(json.loads(DPDK_REPORT.read_text()), schema=99)
    (tmp_path / "f.json").write_text(json.dumps(future))
    r = subprocess.run(CMD + ["--diff", str(DPDK_REPORT), str(tmp_path / "f.json")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "report schema 99 is newer" in r.stderr


def test_list_features_counts_tests_for_the_given_roles():
    both = subprocess.run(CMD + ["--list-features", "--engines", "cpu"], capture_output=True,
                          text=True, timeout=120)
    one = subprocess.run(CMD + ["--list-features", "--engines", "cpu", "--roles", "primary"],
                         capture_output=True, text=True, timeout=120)
    assert both.returncode == 0 == one.returncode, both.stderr + one.stderr

    def counts(out):
        rows = [ln.split() for ln in out.splitlines()[1:]]
        return {r[0]: int(r[1]) for r in rows}
    a, b = counts(both.stdout), counts(one.stdout)
    assert {"handshake", "delivery", "copy-engines", "all"} <= set(a)
    assert 0 < b["all"] < a["all"] and b["delivery"] * 2 == a["delivery"]
    assert "Handshake: the peer connects in both roles" in both.stdout


def test_list_peers_includes_other_packages_adapters(tmp_path, monkeypatch):
    """An adapter another package registers in the memif_conformance.peers
    group: listed, and created by --memif-peer NAME."""
    pkg = tmp_path / "acme_memif_peer"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        '"""ACME memif, through its own launcher."""\n'
        "from memif_conformance.peers.self_peer import SelfAdapter\n\n\n"
        "class AcmeAdapter(SelfAdapter):\n"
        '    """ACME memif (a relabelled self peer, for the test)."""\n'
        '    name = "acme"\n')
    dist = tmp_path / "acme_memif_peer-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-memif-peer\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[memif_conformance.peers]\nacme = acme_memif_peer:AcmeAdapter\n")
    path = [str(tmp_path)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    r = subprocess.run(CMD + ["--list-peers"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(path)))
    assert r.returncode == 0, r.stderr
    assert "acme" in r.stdout and "ACME memif (a relabelled self peer" in r.stdout
    assert "(entry point acme_memif_peer:AcmeAdapter)" in r.stdout
    for name in ("self", "command", "dpdk"):
        assert f"\n{name} " in "\n" + r.stdout
    monkeypatch.syspath_prepend(str(tmp_path))
    assert peers.create("acme", peers.PeerOptions()).name == "acme"
    with pytest.raises(LookupError, match=r"unknown peer 'acne' \(available: .*acme"):
        peers.create("acne", peers.PeerOptions())


def test_progress_feature_names_follow_the_module_names():
    assert feature_of_nodeid("memif_conformance/suite/test_interrupt_polling.py::test_x[a]") \
        == "interrupt-polling"
    assert feature_of_nodeid("x/test_copy_engines.py::t") == "copy-engines"


def test_html_matrix_links_the_pcaps():
    doc = json.loads(DPDK_REPORT.read_text())
    page = html(doc)
    with_pcaps = next(t for t in doc["tests"] if t["pcaps"] and t["outcome"] != "pass")
    for p in with_pcaps["pcaps"]:
        assert f'<a href="{p}">' in page
    assert page.count("<tr") > len(doc["cells"])
    assert "<script" not in page and doc["verdict"].split(" — ")[0] in page
