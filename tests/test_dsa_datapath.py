# SPDX-License-Identifier: Apache-2.0
"""The DSA copy engine in the data path, on the emulator: byte-exact in both
roles and directions, synchronous and asynchronous, with page faults at
random offsets and with the work queue full; indices published only after
the copies completed."""

import json
import random
import zlib
import subprocess
import sys

import pytest

from memif_conformance.reflector import start_reflector
from libmemif_dsa import Interface
from memif_helpers import assert_same_packets, transfer, unique_socket

# The emulator runs its default hw-strict profile (as SPR/EMR hardware):
# a full dedicated WQ drops descriptors, lost records are never written.
CONFIGS = {
    "sync": "",
    "async": "async=1,latency_ns=20000",
    "page-faults": "fault_rate=0.3,seed=11",
    # a shared WQ answering retry, no retries: bursts go to the CPU
    "queue-full": "mode=shared,qfull_rate=0.3,retries=0,seed=12",
    # a dedicated WQ overrun: dropped descriptors, found through the
    # device's software errors, redone by the CPU after a drain
    "dropped-descriptors": "qfull_rate=0.3,seed=12",
    # DSA 1.x: records on faulting addresses are never written
    "lost-records": "cr_fault_rate=0.1,seed=16",
    "shared-wq": "mode=shared,wq_size=8,threshold=4,seed=13",
    "async+faults+full": "async=1,latency_ns=5000,fault_rate=0.2,qfull_rate=0.2,cr_fault_rate=0.05,seed=14",
    "write-submission": "submit=write,seed=15",
}


def packets(seed, n=600, top=9000):
    rnd = random.Random(seed)
    return [rnd.randbytes(rnd.randint(1, top)) for _ in range(n)]


@pytest.mark.parametrize("cfg", sorted(CONFIGS))
def test_dsa_emu_byte_exact_both_roles_and_directions(make_pair, cfg):
    a, b = make_pair(engine="dsa-emu", dsa_config=CONFIGS[cfg] or None, buffer_size=1024)
    pkts = packets(zlib.crc32(cfg.encode()))
    assert_same_packets(pkts, transfer(b, a, pkts))   # secondary -> primary
    assert_same_packets(pkts, transfer(a, b, pkts))   # primary -> secondary
    for side in (a, b):
        eng = side.stats()["engine"]
        assert eng["name"].startswith("dsa-emu(")
        assert eng["descriptors"] > 0
        # write() on a DSA 1.x device with the erratum refuses BATCH (as the kernel does)
        assert (eng["batches"] == 0) == (cfg == "write-submission")
        if "fault" in cfg:
            assert eng["partial_completions"] > 0, "faults were injected and resumed"
        if cfg == "queue-full":
            assert eng["queue_full"] > 0 and eng["fallback_queue_full"] > 0
        if cfg in ("dropped-descriptors", "lost-records", "async+faults+full"):
            assert eng["lost_completions"] > 0 and eng["swerrors"] > 0, eng
            assert eng["timeouts"] > 0, "each loss was found by a drain"
        # whatever was injected, the engine saw it once and kept the device
        assert eng["emu_faults"] == eng["partial_completions"] + eng["errors"] + eng["refusals"]
        assert eng["state"] == "normal", eng["state_reason"]
        assert eng["wq_resets"] == 0


@pytest.mark.parametrize("cfg", ["sync", "async+faults+full"])
def test_dsa_emu_against_a_reflector_process(cfg, sock):
    """Our engine on one side, the reflector's (also dsa-emu) in another process."""
    peer = start_reflector("secondary", sock, engine="dsa-emu", dsa_config=CONFIGS[cfg] or None,
                           buffer_size=2048)
    try:
        with Interface("primary", sock, engine="dsa-emu", dsa_config=CONFIGS[cfg] or None) as me:
            me.wait_connected(10)
            pkts = packets(7, n=400, top=20000)
            assert_same_packets(pkts, transfer(me, me, pkts))
    finally:
        peer.stop()


def test_nothing_visible_before_the_copy_completes(make_pair):
    """With asynchronous completion and a slow emulator, the peer never sees
    a packet before its copy completed: while a burst is in flight the ring
    index does not move and the peer receives nothing."""
    a, b = make_pair(primary=dict(engine="dsa-emu", dsa_config="async=1,latency_ns=50000000"),
                     buffer_size=2048)
    in_flight_seen = 0
    for i in range(20):
        pkt = [bytes([i]) * 1500]
        tail_before = b.details()["rx_queues"][0]["tail"]
        assert a.send(pkt, wait=False) == 1
        if a.flush(wait=False):  # still copying: not published
            in_flight_seen += 1
            assert b.recv(timeout=0) == []
            assert b.details()["rx_queues"][0]["tail"] == tail_before
        assert a.flush(wait=True) == 0
        assert_same_packets(pkt, b.recv(timeout=5.0))
    assert in_flight_seen > 0, "a 50 ms emulator latency left bursts in flight"


def test_threshold_keeps_small_copies_on_the_cpu(make_pair):
    a, b = make_pair(engine="dsa-emu", dsa_threshold=4096)
    pkts = [b"s" * 100, b"L" * 2000 * 4]
    assert_same_packets(pkts, transfer(b, a, pkts))
    eng = b.stats()["engine"]
    assert eng["cpu_small"] >= 1, "the 100-byte copy stayed on the CPU"
    assert eng["bytes_offloaded"] < eng["bytes"]


def test_default_threshold_keeps_small_copies_on_the_cpu(make_pair):
    """The default (256 bytes, dsa_threshold=None): small frames stay on the
    CPU, larger ones go to DSA -- the split the conformance suite's DSA
    cells must not have (they run at 0)."""
    a, b = make_pair(engine="dsa-emu", buffer_size=2048)
    pkts = [b"s" * 100] * 10 + [b"L" * 1500] * 10
    assert_same_packets(pkts, transfer(b, a, pkts))
    eng = b.stats()["engine"]
    assert eng["cpu_small"] == 10 and eng["cpu_fallbacks"] == 0
    assert eng["bytes_offloaded"] == 10 * 1500 and eng["bytes"] == 10 * 100 + 10 * 1500
    assert eng["descriptors"] == 10


def test_full_queue_copies_are_fallbacks_with_their_reason(make_pair):
    a, b = make_pair(engine="dsa-emu", dsa_config="mode=shared,retries=0,qfull_rate=0.5,seed=3",
                     dsa_threshold=0)
    pkts = packets(5, n=200, top=3000)
    assert_same_packets(pkts, transfer(b, a, pkts))
    eng = b.stats()["engine"]
    assert eng["fallback_queue_full"] > 0 and eng["queue_full"] > 0
    assert eng["cpu_fallbacks"] == eng["fallback_queue_full"] + eng["fallback_errors"]
    assert eng["emu_faults"] == eng["refusals"] + eng["partial_completions"] + eng["errors"]
    assert eng["state"] == "normal" and eng["state_reason"] == ""


def test_engine_choice_errors_are_clear(sock):
    with pytest.raises(ValueError, match="engine='dsa-hw'.*DSA"):
        Interface("primary", sock, engine="dsa-hw")
    with pytest.raises(ValueError, match="dsa_config.*bogus"):
        Interface("primary", sock, engine="dsa-emu", dsa_config="bogus=1")
    with Interface("primary", sock, engine="dsa") as a:
        assert a.stats()["engine"]["name"].startswith("dsa-emu"), "no hardware here: the emulator"


def test_emulator_configured_from_the_environment(sock):
    env = dict(__import__("os").environ, MEMIF_DSA_EMU="async=1,mode=shared,wq_size=16,threshold=8")
    p = start_reflector("primary", sock, engine="dsa-emu", env=env)
    try:
        assert "engine dsa-emu(async,shared)" in p.lines[0]
    finally:
        p.stop()


def test_info_lists_dsa_devices_and_emulator():
    r = subprocess.run([sys.executable, "-m", "libmemif_dsa", "info", "--dsa-config", "async=1"],
                       capture_output=True, text=True)
    assert r.returncode == 0
    assert "DSA hardware:" in r.stdout and "async=1" in r.stdout
    assert "profile=hw-strict" in r.stdout, "hw-strict is the default profile"
    assert "timeout_ms=100" in r.stdout
    assert "state normal; descriptors/records" in r.stdout
    r = subprocess.run([sys.executable, "-m", "libmemif_dsa", "info", "--json", "--dsa-config",
                        "mlock=0,max_batch=100"], capture_output=True, text=True)
    st = json.loads(r.stdout)["engine_state"]["dsa-emu"]
    assert st["memory_locked"] is False and "prefaulted" in st["note"]
    assert "max_batch_size 100 used as 64" in st["note"]
    r = subprocess.run([sys.executable, "-m", "libmemif_dsa", "info", "--dsa-config", "nope=1"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "nope" in r.stderr
