# SPDX-License-Identifier: Apache-2.0
"""Thin layer over the C calls: the cffi module and error translation.

Every C error code becomes a :class:`~libmemif_dsa.errors.MemifError` here
and nowhere else.
"""

from ._memif_dsa import ffi, lib  # noqa: F401  (re-exported)
from .errors import MemifError, MemifTimeout

ERROR_NAMES = {
    getattr(lib, n): n
    for n in dir(lib)
    if n.startswith("MEMIF_ERR_")
}


def string(ptr):
    """A C string (or NULL) as str."""
    if ptr == ffi.NULL:
        return ""
    return ffi.string(ptr).decode("utf-8", "replace")


def error(code, context="", reason=""):
    name = ERROR_NAMES.get(code, f"MEMIF_ERR_{code}")
    cls = MemifTimeout if code == lib.MEMIF_ERR_AGAIN else MemifError
    return cls(code, name, string(lib.memif_strerror(code)), reason=reason, context=context)


def check(code, context="", conn=None):
    """Raise MemifError for a non-zero libmemif return code."""
    if code != lib.MEMIF_ERR_SUCCESS:
        reason = string(lib.mdsa_disconnect_reason(conn)) if conn is not None else ""
        raise error(code, context, reason)
    return code
