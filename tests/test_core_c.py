# SPDX-License-Identifier: Apache-2.0
"""The C core's per-layer unit tests (tests/c/core): each binary links one
layer and those below it, so a call reaching upward fails to build."""
import pathlib

import pytest

from c_tests import BUILDS, build, run

CORE = pathlib.Path(__file__).resolve().parent / "c" / "core"
TESTS = sorted(p.stem for p in CORE.glob("test_*.c"))


@pytest.fixture(scope="module", params=sorted(BUILDS))
def build_dir(request):
    return build(CORE, request.param)


@pytest.mark.parametrize("name", TESTS)
def test_core_c(build_dir, name):
    run(build_dir, name, CORE)
