# SPDX-License-Identifier: Apache-2.0
"""A LICENSE file matching pyproject's license, and an SPDX line in every
source file."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = re.compile(r"\.(c|h|py|mk|map|in|toml)$|^(Makefile|ci/.*|\.ci/.*|.*/Makefile)$")
# Not yet: trees other work streams are changing; their SPDX lines come
# when those streams are merged (remove an entry once its files have them).
PENDING = ("fixtures/", "conformance/", "libmemif_dsa/src/engines/dsa/", "tests/c/dsa/",
           "libmemif_dsa/certify.py", "tests/test_conformance_plugin.py",
           "tests/test_suite_catches_broken_peers.py")


def test_license_matches_pyproject():
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert re.search(r'^license = \{text = "Apache-2.0"\}', (ROOT / "pyproject.toml").read_text(), re.M)


def test_every_source_file_has_an_spdx_line():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    missing = [f for f in files if SOURCE.search(f) and not f.startswith(PENDING)
               and not f.endswith(".gitignore")
               and "SPDX-License-Identifier: Apache-2.0" not in (ROOT / f).read_text()[:400]]
    assert missing == []
