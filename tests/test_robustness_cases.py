# SPDX-License-Identifier: Apache-2.0
"""The robustness group's case data (memif_conformance/robustness_cases.py):
at least 100 distinct cases, every class at its minimum, ids that a
reproducer can select alone, the docs table generated from the data, and
the declaration's class exclusions checked by name."""

import json
from pathlib import Path

import pytest

from memif_conformance import hostile_cases as HC
from memif_conformance import robustness_cases as R
from memif_conformance import robustness_report
from memif_conformance.declaration import DeclarationError, check

DOC = Path(__file__).resolve().parent.parent / "docs/robustness.md"
STEPS = (HC.Send, HC.Poke, R.Push, R.Serve, R.SetRing, R.Desc, R.Kick, R.Packet, R.Shrink,
         R.RingAboveHello, R.Await, R.Close)


def test_at_least_100_cases_and_every_class_at_its_minimum():
    assert len(R.CASES) >= 100
    for cls, (minimum, _) in R.CLASSES.items():
        n = sum(1 for c in R.CASES if c.cls == cls)
        assert n >= minimum, f"class {cls}: {n} cases, minimum {minimum}"
    assert {c.cls for c in R.CASES} == set(R.CLASSES)
    assert R.by_target("primary") and R.by_target("secondary")


def test_case_ids_are_unique_and_well_formed():
    ids = [R.case_id(c) for c in R.CASES]
    assert len(ids) == len(set(ids))
    for c in R.CASES:
        assert R.case_id(c).startswith(c.cls + "-")
        assert c.target in ("primary", "secondary") and c.timeout > 0
        assert all(isinstance(s, STEPS) for s in c.steps), c.name
        if c.target == "primary":
            assert not any(isinstance(s, R.Serve) for s in c.steps), c.name
        else:
            assert not any(isinstance(s, (HC.Poke, R.Shrink, R.RingAboveHello)) for s in c.steps)
    assert R.find(ids[0]) is R.CASES[0]
    with pytest.raises(KeyError):
        R.find("no-such-case")


def test_the_docs_table_is_generated_from_the_cases():
    text = DOC.read_text()
    assert text == R.with_table(text), ("docs/robustness.md is stale: python -m "
                                        "memif_conformance.robustness_cases --write docs/robustness.md")
    for c in R.CASES:
        assert f"`{R.case_id(c)}`" in text


def test_a_declaration_excludes_classes_by_name_only():
    check({"capabilities": {"robustness_exclude": ["eventfd-flood", "region"]}})
    with pytest.raises(DeclarationError) as e:
        check({"capabilities": {"robustness_exclude": ["floods"]}})
    assert "robustness_exclude[0]: expected one of 'malformed'" in str(e.value)
    with pytest.raises(DeclarationError):
        check({"capabilities": {"robustness_exclude": ["ring", "ring"]}})


def test_the_score_counts_by_class_and_lists_what_fell():
    def entry(case, outcome, role="primary"):
        c = R.find(case)
        return {"nodeid": f"x::t[{case}]", "peer_role": role, "engine": "cpu", "reason": "r",
                "robustness": {"case": case, "class": c.cls, "outcome": outcome, "answer": "",
                               "reproducer": f"memif-dsa certify -- -k {case}"}}
    tests = [entry("ring-ring-log2-15", "crashed"), entry("ring-ring-misaligned", "survived"),
             entry("malformed-short-message", "hung"), {"nodeid": "other", "reason": ""}]
    rob = robustness_report.summary(tests, ["eventfd-flood"])
    assert (rob["score"], rob["run"]) == ("1/3", 3)
    assert rob["by_class"] == {"malformed": {"run": 1, "survived": 0, "crashed": 0, "hung": 1},
                               "ring": {"run": 2, "survived": 1, "crashed": 1, "hung": 0}}
    assert [(f["case"], f["outcome"]) for f in rob["failures"]] == [
        ("malformed-short-message", "hung"), ("ring-ring-log2-15", "crashed")]
    md = "\n".join(robustness_report.markdown(rob))
    assert "Score: **1 of 3**" in md and "excluded by the declaration: eventfd-flood" in md
    assert robustness_report.summary([{"nodeid": "x"}]) is None
    json.dumps(rob)
