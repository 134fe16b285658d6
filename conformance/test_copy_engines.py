"""Copy engines: every Ethernet vector through the peer with our side
copying by DSA (the emulator, or hardware with --engines dsa-hw) gives
exactly what the CPU path gives: synchronous and asynchronous completion,
page faults (partial completions resumed or finished on the CPU), batch
and completion-record faults, a full or busy work queue, and the default
size threshold that keeps small copies on the CPU.  The `self` peer uses the
same engine settings, so both ends copy through DSA in both directions.
Each case also checks that what it injects really happened."""

import pytest

from fixtures.plugin import OPTIONS

pytestmark = pytest.mark.feature("copy-engines")

# name -> (emulator config, our extra settings, engine counters that must move).
# Every copy goes to DSA (threshold 0) except in "default-threshold".
ALL = {"dsa_threshold": 0}
EMULATOR = {
    "sync": (None, ALL, ("bytes_offloaded",)),
    "async": ("async=1,latency_ns=20000,max_batch=256", ALL, ("bytes_offloaded",)),
    "page-faults": ("fault_rate=0.05,seed=7", ALL, ("partial_completions",)),
    "async-faults": ("async=1,fault_rate=0.05,batch_fault_rate=0.05,cr_fault_rate=0.05,seed=11",
                     ALL, ("partial_completions",)),
    "queue-full": ("qfull_rate=0.2,seed=3", ALL, ("queue_full",)),
    "shared-wq-retry": ("async=1,mode=shared,qfull_rate=0.2,seed=3", ALL, ("retries",)),
    "default-threshold": (None, {}, ("cpu_small", "bytes_offloaded")),
}
VARIANTS = {"dsa-emu": EMULATOR, "dsa": {"auto": (None, ALL, ("bytes_offloaded",))},
            "dsa-hw": {"hw": (None, ALL, ("bytes_offloaded",))}}
SETS = ("l2", "sizes", "odd")


def pytest_generate_tests(metafunc):
    if "variant" not in metafunc.fixturenames:
        return
    engines = metafunc.config.stash[OPTIONS].engines
    names = [f"{e}:{v}" for e in engines if e in VARIANTS for v in VARIANTS[e]]
    if not names:
        names = [pytest.param("none:-", marks=pytest.mark.skip(
            reason=f"--engines {','.join(engines)} names no DSA engine"))]
    metafunc.parametrize("variant", names)


@pytest.mark.parametrize("buffer_size", [256, 2048])
def test_output_identical_to_cpu(link, vector_set, caps, peer_role, variant, buffer_size):
    engine, name = variant.split(":")
    config, ours, counters = VARIANTS[engine][name]
    limit = caps.max_frame if caps.chaining else min(caps.max_frame, buffer_size)
    vecs = [v for s in SETS for v in vector_set(s) if v.length <= limit]
    pkts, names = [v.data for v in vecs], [v.name for v in vecs]

    ref = link(peer_role, "cpu", buffer_size=buffer_size)
    cpu_out = ref.assert_reflects(pkts, names=names, context="the CPU path itself")

    lk = link(peer_role, engine, dsa_config=config, buffer_size=buffer_size, ours=ours)
    lk.assert_reflects(pkts, names=names, reference=cpu_out, labels=("cpu-path", f"{engine}-path"),
                       context=f"{variant} against the CPU path")
    st = lk.iface.stats()["engine"]
    if engine == "dsa-emu":
        assert st["backend"].startswith("dsa-emu"), f"engine backend is {st['backend']!r}"
    assert st["errors"] == 0 or "fault" in name, f"engine errors without injected faults: {st}"
    for counter in counters:
        assert st[counter] > 0, f"{variant}: engine counter {counter} stayed 0, nothing was tested: {st}"
