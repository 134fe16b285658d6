# SPDX-License-Identifier: Apache-2.0
"""ci/check-layers in the test lanes: the core's layers stay one-way (no
include or call reaching up, no cycle), no core function over 80 lines,
engines and tools stay out of the core."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_layers_are_one_way():
    r = subprocess.run([sys.executable, str(ROOT / "ci" / "check-layers"), "-v"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
