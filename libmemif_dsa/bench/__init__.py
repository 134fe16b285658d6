# SPDX-License-Identifier: Apache-2.0
"""`memif-dsa bench`: frame-size and queue sweeps over our copy engines and
data paths (and DPDK's testpmd with --vs dpdk), interleaved repeats,
table + JSON + CSV + plots, and a DSA performance model.

    plan.py      what runs, in which order (cells x variants x repeats)
    worker.py    our side of a pair, as a process (C loops in src/tools/bench*.c)
    ours.py      a pair of our workers;  dpdk.py  testpmd in a pair
    proc.py      a child process over pipes;  perf.py  perf stat over a window
    runner.py    runs the plan, progress line
    sample.py    one measurement and its units;  summary.py  medians, ratios, targets
    machine.py   the machine;  baseline.py  stored baselines (nightly lane)
    model.py     the DSA performance model (docs/performance.md)
    output.py    table, JSON, CSV;  plots.py  PNG figures;  cli.py  the options
"""
