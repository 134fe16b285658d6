# SPDX-License-Identifier: Apache-2.0
"""libmemif-dsa: memif 2.0 with CPU, Intel DSA and DSA-emulator copy engines.

    from libmemif_dsa import Interface
    with Interface("primary", "/run/memif.sock") as a, \\
         Interface("secondary", "/run/memif.sock") as b:
        a.wait_connected(); b.wait_connected()
        b.send([b"\\x00" * 60])
        print(a.recv(timeout=1.0))
"""

from .errors import MemifError, MemifTimeout
from .interface import Interface, Socket
from .low_level import ffi as _ffi
from .low_level import lib as _lib

# the C library's version (MDSA_VERSION in memif_dsa.h, its one place)
__version__ = _ffi.string(_lib.mdsa_version()).decode()
PROTOCOL_VERSION = "2.0"

__all__ = ["Interface", "Socket", "MemifError", "MemifTimeout", "__version__", "PROTOCOL_VERSION",
           "protocol_version"]


def protocol_version():
    """The memif protocol version the library speaks, e.g. "2.0"."""
    return _ffi.string(_lib.memif_get_version_str()).decode()
