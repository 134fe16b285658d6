# SPDX-License-Identifier: Apache-2.0
"""One word for the copy engine (engine=, stats()["engine"]["name"]) with
the old spellings kept for one release behind a DeprecationWarning, and the
trace hook (MEMIF_DSA_DEBUG, mdsa_set_trace)."""

import subprocess
import sys
import warnings

import pytest

from libmemif_dsa import Interface, Socket
from libmemif_dsa.low_level import ffi, lib


def test_engine_keyword_and_names(make_pair):
    a, b = make_pair(engine="dsa-emu")
    st = a.stats()
    assert a.engine == "dsa-emu"
    assert st["engine"]["name"].startswith("dsa-emu(")
    assert a.details()["engine"] == st["engine"]["name"] == a.engine_name
    assert set(st) >= {"connects", "tx_packets", "peer_violations", "engine"}
    assert set(st["engine"]) >= {"bursts", "bytes_offloaded", "errors", "name"}


def test_old_copy_keyword_warns_and_still_works(sock):
    with pytest.warns(DeprecationWarning, match="use engine="):
        iface = Interface("primary", sock, copy="dsa-emu")
    with iface:
        assert iface.engine == "dsa-emu"
        with pytest.warns(DeprecationWarning, match="Interface.engine"):
            assert iface.copy == "dsa-emu"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            st = iface.stats()  # the alias key is there, without a warning
        assert st["engine"]["backend"] == st["engine"]["name"]
        assert iface.details()["copy_engine"] == iface.engine_name


def test_bad_engine_names_the_argument(sock):
    with pytest.raises(ValueError, match="engine must be one of"):
        Interface("primary", sock, engine="warp")


TRACED = """
from libmemif_dsa import Interface, Socket
s = Socket({sock!r})
a = Interface("primary", s, id=3)
b = Interface("secondary", s, id=3)
a.wait_connected(5); b.wait_connected(5)
b.close(); a.close(); s.close()
"""


@pytest.mark.parametrize("debug", ["1", None])
def test_memif_dsa_debug_traces_handshake_and_disconnects(sock, debug):
    env = {k: v for k, v in __import__("os").environ.items() if k != "MEMIF_DSA_DEBUG"}
    if debug:
        env["MEMIF_DSA_DEBUG"] = debug
    r = subprocess.run([sys.executable, "-c", TRACED.format(sock=sock)], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("memif-dsa: ")]
    if not debug:
        assert lines == []
        return
    text = "\n".join(lines)
    for step in ("listening on", "accepted a connection", "secondary id 3: received HELLO",
                 "received INIT", "primary id 3: received ADD_REGION",
                 "primary id 3: received ADD_RING", "primary id 3: received CONNECT",
                 "secondary id 3: received CONNECTED", "primary id 3: connected to",
                 "secondary id 3: disconnected: interface deleted",
                 "primary id 3: disconnected: interface deleted"):
        assert step in text, f"{step!r} not traced:\n{text}"


def test_trace_hook_gets_every_line(sock):
    got = []

    @ffi.callback("mdsa_trace_fn")
    def hook(line, ctx):
        got.append(ffi.string(line).decode())

    s = Socket(sock)
    try:
        assert lib.mdsa_set_trace(s.handle, hook, ffi.NULL) == lib.MEMIF_ERR_SUCCESS
        with Interface("primary", s, id=1, secret="a"), Interface("secondary", s, id=1, secret="b") as b:
            for _ in range(200):
                s.poll(0.02)
                if b.disconnect_reason:
                    break
            assert b.disconnect_reason == "incorrect secret"
        lib.mdsa_set_trace(s.handle, ffi.NULL, ffi.NULL)
        n = len(got)
        s.poll(0)
        assert len(got) == n, "off again"
    finally:
        s.close()
    assert any("closing the channel: incorrect secret" in g for g in got), got
    assert any("secondary id 1: received DISCONNECT" in g for g in got), got
