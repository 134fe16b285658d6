# SPDX-License-Identifier: Apache-2.0
"""docs/libmemif-compat.md against include/libmemif.h: everything the page
calls "same" is declared in our header, and the page lists everything the
header declares."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "libmemif-compat.md").read_text()
HEADER = (ROOT / "libmemif_dsa" / "include" / "libmemif.h").read_text()
ROW = re.compile(r"^\| `([^`]+)` \| ([\w ]+) \| (same|differs) \|", re.M)


def rows():
    return [(m.group(1), m.group(2).strip(), m.group(3)) for m in ROW.finditer(DOC)]


def code(text):
    """The header without comments."""
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def declared(name, kind):
    text = code(HEADER)
    patterns = {
        "function": rf"\b{name}\s*\(",
        "macro": rf"^\s*#\s*define\s+{name}\b",
        "enumerator": rf"\b{name}\s*(=[^,}}]*)?[,}}]",
        "type": rf"\b{name}\s*;",
        "struct": rf"}}\s*{name}\s*;",
        "enum": rf"}}\s*{name}\s*;",
        "callback": rf"\(\s*{name}\s*\)\s*\(",
    }
    return re.search(patterns[kind], text, re.M) is not None


def test_every_same_item_is_declared_in_our_header():
    same = [(n, k) for n, k, s in rows() if s == "same"]
    assert len(same) > 60, "the page lists the API"
    missing = [(n, k) for n, k in same if not declared(n, k)]
    assert missing == [], f"listed as same but not declared in include/libmemif.h: {missing}"


def test_every_declaration_of_our_header_is_listed():
    listed = {n for n, _, _ in rows()}
    text = code(HEADER)
    names = set(re.findall(r"\b(memif_\w+)\s*\(", text))
    names |= set(re.findall(r"\b(MEMIF_[A-Z0-9_]+|LIBMEMIF_VERSION)\b", text))
    names |= set(re.findall(r"\b(memif_\w+_t)\b", text))
    names -= {"MEMIF_H_"}  # the include guard upstream's memif.h defines
    assert sorted(names - listed) == []


def test_rows_have_a_known_kind_and_differences_a_reason():
    kinds = {"function", "macro", "enumerator", "type", "struct", "enum", "callback", "header"}
    for name, kind, status in rows():
        assert kind in kinds, name
    for m in re.finditer(r"^\| `([^`]+)` \| [\w ]+ \| differs \| *(.*?) *\|$", DOC, re.M):
        assert m.group(2), f"{m.group(1)} differs without saying why"
