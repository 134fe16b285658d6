# SPDX-License-Identifier: Apache-2.0
"""Build and run the DSA copy-path C unit tests (tests/c/dsa) so CI runs them.

Two builds, with the project's flags (libmemif_dsa/src/flags.mk): plain,
and with -fsanitize=address,undefined.  One pytest item per C test binary
and build; a failing item shows that binary's output.  Nothing is skipped:
the tests need no DSA hardware (they use the emulator and a fake sysfs).
"""
import pathlib

import pytest

from c_tests import BUILDS, build, run

DSA = pathlib.Path(__file__).resolve().parent / "c" / "dsa"
TESTS = sorted(p.stem for p in DSA.glob("test_*.c"))


@pytest.fixture(scope="module", params=sorted(BUILDS))
def build_dir(request):
    return build(DSA, request.param)


@pytest.mark.parametrize("name", TESTS)
def test_dsa_c(build_dir, name):
    run(build_dir, name, DSA)
