# SPDX-License-Identifier: Apache-2.0
# Compiler flags of every build of the C sources: the shared library
# (Makefile), the Python extension (libmemif_dsa/_ffi_build.py reads this
# file) and the C tests (tests/c/*/Makefile).  Change them here only.
MDSA_CFLAGS = -std=c11 -O2 -g -Wall -Wextra -Werror -fvisibility=hidden -pthread -D_GNU_SOURCE
MDSA_LDFLAGS = -pthread
# AddressSanitizer + UBSan (make SANITIZE=1, MEMIF_DSA_SANITIZE=1 for the extension)
MDSA_SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# Exported symbols of the shared library, relative to this directory.  The
# Python extension links without it: it must export its module init
# function, and hidden visibility already keeps everything else local.
MDSA_SYMBOL_MAP = libmemif_dsa.map
