# SPDX-License-Identifier: Apache-2.0
"""The one exception type of libmemif-dsa."""


class MemifError(Exception):
    """A memif operation failed.

    ``code`` is the libmemif error code (``memif_err_t``), ``name`` its
    symbolic name (e.g. ``"MEMIF_ERR_DISCONNECTED"``) and ``reason`` why the
    interface last disconnected: the peer's DISCONNECT string (``"incorrect
    secret"``) or our own (``"peer closed the connection"``, a protocol
    violation by the peer, ...), or ``""``.
    """

    def __init__(self, code, name, message, reason="", context=""):
        self.code = code
        self.name = name
        self.message = message
        self.reason = reason
        self.context = context
        text = f"{context}: {message}" if context else message
        text += f" [{name}]"
        if reason:
            text += f"; disconnect reason: {reason}"
        super().__init__(text)


class MemifTimeout(MemifError, TimeoutError):
    """A wait (for a connection, for packets) ran out of time."""
