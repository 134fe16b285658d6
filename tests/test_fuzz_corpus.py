# SPDX-License-Identifier: Apache-2.0
"""The fuzzers' seed corpus (tests/fuzz/corpus/, written by
tests/fuzz/make_corpus.py) holds every hostile case of
memif_conformance/hostile_cases.py, recorded handshakes in both roles, and every
past finding, each documented.  The fuzzing itself is lane 20-fuzz."""

import pathlib
import re

from memif_conformance import hostile_cases as C

FUZZ = pathlib.Path(__file__).resolve().parent / "fuzz"
CORPUS = FUZZ / "corpus"


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def test_every_hostile_case_is_a_seed():
    for case in C.CASES:
        fuzzer = "fuzz_control_primary" if case.target == "primary" else "fuzz_control_secondary"
        assert (CORPUS / fuzzer / slug(f"hostile-{case.cls}-{case.name}")).is_file(), case.name


def test_recorded_handshakes_in_both_roles():
    for fuzzer in ("fuzz_control_primary", "fuzz_control_secondary"):
        seeds = [p for p in (CORPUS / fuzzer).iterdir() if p.name.startswith("handshake-")]
        assert seeds, fuzzer
        for p in seeds:  # records: flags, u32 size, length (0 = 128), bytes
            data, n = p.read_bytes(), 0
            while data:
                length = data[5] or 128
                assert len(data) >= 6 + length
                data = data[6 + length:]
                n += 1
            assert n >= 3, p.name


def test_every_finding_is_documented_with_its_test():
    readme = (FUZZ / "README.md").read_text()
    findings = sorted(CORPUS.glob("*/finding-*"))
    assert findings
    for f in findings:
        row = next((ln for ln in readme.splitlines() if f.name in ln), None)
        assert row, f"{f.name} is not in tests/fuzz/README.md"
        assert re.search(r"`test_\w+`", row), f"{f.name}: no regression test named"


def test_hostile_cases_are_well_formed():
    names = [c.name for c in C.CASES]
    assert len(names) == len(set(names))
    for c in C.CASES:
        assert c.target in ("primary", "secondary")
        for step in c.steps:
            assert isinstance(step, (C.Send, C.Poke))
            if isinstance(step, C.Send):
                assert len(step.msg) <= 255
