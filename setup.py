# SPDX-License-Identifier: Apache-2.0
# The C core is compiled by cffi (API mode) through setuptools.  The
# version is the C library's: MDSA_VERSION in include/memif_dsa.h, its one
# place.
import re
from pathlib import Path

from setuptools import setup


def version():
    header = Path(__file__).parent / "libmemif_dsa" / "include" / "memif_dsa.h"
    return re.search(r'^#define MDSA_VERSION "([^"]+)"', header.read_text(), re.M).group(1)


setup(version=version(), cffi_modules=["libmemif_dsa/_ffi_build.py:ffibuilder"])
