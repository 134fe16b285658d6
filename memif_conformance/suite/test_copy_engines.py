# SPDX-License-Identifier: Apache-2.0
"""Copy engines: with our side copying every byte through DSA (the
emulator, or hardware with --engines dsa-hw), every Ethernet vector comes
back exactly as the vectors' manifest records it (its sha256), so DSA
output equals CPU output by the same independent standard rather than by
comparing two runs through the peer.  Cells: synchronous and asynchronous
completion, page faults (partial completions resumed), batch and
completion-record faults, a full or busy shared work queue, descriptors a
dedicated work queue dropped, and the asynchronous
emulator with 16-slot rings, several queues, interrupt mode and chained
buffers.  The `self` peer uses the same engine settings, so both ends copy
through DSA.  After each test the suite checks our engine's counters
(memif_conformance/engine_check.py): every byte offloaded and no CPU fallback, or,
where faults are injected, fallbacks equal to what the emulator injected.
(The default size threshold, which keeps small copies on the CPU, is a
library matter: tests/test_dsa_datapath.py.)"""

import pytest

from memif_conformance.engine_check import engine_name, uses_dsa
from memif_conformance.plugin import OPTIONS

pytestmark = pytest.mark.feature("copy-engines")

# name -> (emulator config, whether it injects faults)
EMULATOR = {
    "sync": (None, False),
    "async": ("async=1,latency_ns=20000,max_batch=256", False),
    "page-faults": ("fault_rate=0.05,seed=7", True),
    "async-faults": ("async=1,fault_rate=0.05,batch_fault_rate=0.05,cr_fault_rate=0.05,seed=11",
                     True),
    # a shared WQ that answers "retry", given up at once: CPU copies for a full queue
    "queue-full": ("mode=shared,retries=0,qfull_rate=0.2,seed=3", True),
    "shared-wq-retry": ("async=1,mode=shared,qfull_rate=0.2,seed=3", True),
    # a dedicated WQ dropping descriptors (what a host that overruns it gets):
    # the engine drains the queue and the CPU redoes what was lost
    "dedicated-wq-drops": ("qfull_rate=0.05,seed=3", True),
}
VARIANTS = {"dsa-emu": EMULATOR, "dsa": {"auto": (None, False)}, "dsa-hw": {"hw": (None, False)}}
# the ring test: small rings, several queues, interrupts, chains
SMALL_RINGS = {"dsa-emu": ("async", "async=1,latency_ns=20000"), "dsa": ("auto", None),
               "dsa-hw": ("hw", None)}
SETS = ("l2", "sizes", "odd")


def pytest_generate_tests(metafunc):
    if "variant" not in metafunc.fixturenames:
        return
    engines = [e for e in metafunc.config.stash[OPTIONS].engines if uses_dsa(e)]
    if metafunc.function.__name__ == "test_small_rings_many_queues_chains":
        names = [f"{e}:{SMALL_RINGS[e][0]}" for e in engines]
    else:
        names = [f"{e}:{v}" for e in engines for v in VARIANTS[e]]
    if not names:
        names = [pytest.param("none:-", marks=pytest.mark.skip(
            reason=f"--engines {','.join(metafunc.config.stash[OPTIONS].engines)} names no DSA "
                   f"engine"))]
    metafunc.parametrize("variant", names)


def carryable(vector_set, caps, buffer_size, limit=None):
    top = caps.max_frame if caps.chaining else min(caps.max_frame, buffer_size)
    top = min(top, limit or top)
    return [v for s in SETS for v in vector_set(s) if v.length <= top]


@pytest.mark.parametrize("buffer_size", [256, 2048])
def test_vectors_match_manifest(link, vector_set, caps, peer_role, variant, buffer_size):
    engine, name = variant.split(":")
    config, faults = VARIANTS[engine][name]
    vecs = carryable(vector_set, caps, buffer_size)
    lk = link(peer_role, engine, dsa_config=config, faults=faults, buffer_size=buffer_size)
    if engine == "dsa-emu":
        running = engine_name(lk.iface.stats())
        assert running.startswith("dsa-emu"), f"our engine is {running!r}, not the emulator"
    lk.assert_vectors(vecs, context=f"{variant} with {buffer_size}-byte buffers")


def test_small_rings_many_queues_chains(link, need, vector_set, caps, peer_role, variant):
    """16-slot rings on up to 4 queue pairs, 1024-byte buffers (chains of up
    to 9 buffers), our side in interrupt mode, the emulator completing
    asynchronously: completions and ring wraps interleave on every queue."""
    engine, _ = variant.split(":")
    config = SMALL_RINGS[engine][1]
    ring, bs = 16, 1024
    need(ring_sizes=ring, buffer_sizes=bs)
    pairs = min(4, caps.max_queues)
    peer_rx = "interrupt" if caps.interrupt_mode else "polling"
    vecs = carryable(vector_set, caps, bs, limit=ring * bs)
    lk = link(peer_role, engine, dsa_config=config, s2m=pairs, m2s=pairs, ring_size=ring,
              buffer_size=bs, rx_mode="interrupt", peer_rx_mode=peer_rx)
    lk.assert_vectors_on_queues({q: vecs[q::pairs] for q in range(pairs)},
                                context=f"{variant}, {pairs} queues of {ring} slots")
