# SPDX-License-Identifier: Apache-2.0
"""One measurement (a *sample*) and the units it is reported in.

Gbps counts frame bytes: the bytes of each packet as the memif descriptors
carry them (an Ethernet frame without preamble, inter-frame gap or FCS),
times 8, per second.  The seed study's figures are layer-1 rates (its
traffic generator converts to L1: + 20 bytes per frame for preamble and
gap); ``gbps_l1`` gives that for comparison.  Mpps are packets (frames),
not buffers.  CPU ns per packet: CPU time of the busy threads (user +
system) divided by the packets they moved, per side and summed.
"""

L1_OVERHEAD = 20  # preamble + start delimiter (8) + inter-frame gap (12)

GBPS_DEFINITION = ("Gbps = frame bytes x 8 / s (the packet bytes memif carries: no preamble, "
                   "inter-frame gap or FCS); gbps_l1 adds 20 B per frame (preamble + gap), "
                   "as the seed study's layer-1 figures do")


def rates(packets, nbytes, seconds, size):
    if seconds <= 0 or packets <= 0:
        raise ValueError("no packets in the measured window")
    pps = packets / seconds
    return {"mpps": pps / 1e6, "gbps": nbytes * 8 / seconds / 1e9,
            "gbps_l1": (nbytes + packets * L1_OVERHEAD) * 8 / seconds / 1e9,
            "packets": packets, "seconds": seconds}


def _per_packet(cpu_ns, packets):
    return cpu_ns / packets if packets else None


def from_threads(rx, tx, size):
    """A sample from our C loops' results (one dict per thread of each side):
    rates are the sum of the receiving threads' rates over their windows."""
    pps = sum(t["packets"] / (t["elapsed_ns"] / 1e9) for t in rx if t["elapsed_ns"])
    bps = sum(t["bytes"] / (t["elapsed_ns"] / 1e9) for t in rx if t["elapsed_ns"])
    if not pps:
        raise ValueError("the receiver counted no packets")
    out = rates(pps, bps, 1.0, size)
    out["packets"] = sum(t["packets"] for t in rx)
    out["seconds"] = max(t["elapsed_ns"] for t in rx) / 1e9
    rx_cpu = _per_packet(sum(t["cpu_ns"] for t in rx), sum(t["packets"] for t in rx))
    tx_cpu = _per_packet(sum(t["cpu_ns"] for t in tx), sum(t["packets"] for t in tx))
    out.update(cpu_ns_rx=rx_cpu, cpu_ns_tx=tx_cpu,
               cpu_ns=(rx_cpu + tx_cpu) if rx_cpu is not None and tx_cpu is not None else None,
               empty_polls_rx=sum(t["empty_polls"] for t in rx),
               full_polls_tx=sum(t["empty_polls"] for t in tx),
               bursts_rx=sum(t["bursts"] for t in rx))
    for side, th, names in (("rx", rx, ("rx_burst", "read", "refill")),
                            ("tx", tx, ("alloc", "write", "tx_burst"))):
        pk = sum(t["packets"] for t in th)
        if pk and any(any(t.get("phase_ns", ())) for t in th):
            out[f"phases_{side}_ns"] = {n: sum(t["phase_ns"][i] for t in th) / pk
                                        for i, n in enumerate(names)}
    return out
