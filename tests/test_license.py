# SPDX-License-Identifier: Apache-2.0
"""A LICENSE file matching pyproject's license, and an SPDX line in every
source file."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = re.compile(r"\.(c|h|py|mk|map|in|toml|yml)$|^(Makefile|Containerfile|ci/[^.]*|ci/.*\.(sh|py)|\.ci/.*|"
                    r".*/Makefile|container/[^.]*)$")


def test_license_matches_pyproject():
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert re.search(r'^license = \{text = "Apache-2.0"\}', (ROOT / "pyproject.toml").read_text(), re.M)


TREES = ("libmemif_dsa", "tests", "ci", ".ci", "memif_conformance", "container", ".github")
GENERATED = re.compile(r"(^|/)(build[^/]*|__pycache__|[^/]*\.egg-info)/|_memif_dsa\.|\.pyc$")


def sources():
    """The tree's source files (the sanitizer lane's copy has no .git)."""
    top = [ROOT / n for n in ("setup.py", "Makefile", "pyproject.toml", "Containerfile")]
    files = [p for p in top if p.exists()] + [p for t in TREES for p in (ROOT / t).rglob("*")
                                              if p.is_file()]
    for p in files:
        rel = p.relative_to(ROOT).as_posix()
        if SOURCE.search(rel) and not GENERATED.search(rel):
            yield rel


def test_every_source_file_has_an_spdx_line():
    missing = [f for f in sources()
               if "SPDX-License-Identifier: Apache-2.0" not in (ROOT / f).read_text()[:400]]
    assert missing == []
