# SPDX-License-Identifier: Apache-2.0
"""What a benchmark runs, and in which order.

A *cell* is one workload: frame size, direction, queue pairs, buffer size.
A *variant* is who moves the packets: our copying bursts with an engine
("cpu", "dsa-emu", "dsa-hw"), the libmemif zero-copy API ("zc"), DPDK's
testpmd against itself ("testpmd") or against our side ("testpmd>ours":
testpmd transmits, we receive; "ours>testpmd": we transmit, testpmd
receives).  Every repeat runs every (cell, variant) once, variants of a
cell back to back, so ratios inside a cell and a repeat compare runs made
under the same machine conditions (the machines swing 2-4x over minutes).

Frame sizes follow the seed study (docs/performance.md): an MTU-1500 set
(frames up to 1500 B, one 2048-byte buffer each) and an MTU-9000 set
(larger frames chained over 2048-byte buffers, as VPP's memif with its
default buffer size carries them).
"""

from dataclasses import dataclass, field

DIRECTIONS = ("primary->secondary", "secondary->primary")
SHORT_DIR = {"primary->secondary": "p->s", "secondary->primary": "s->p"}
ALL_SIZES = (64, 128, 256, 512, 1024, 1500, 2048, 4400, 9000)
DEFAULT_SIZES = (64, 256, 1500, 4400, 9000)
MTU1500_MAX = 1500
BUFFER_SIZE = 2048
ENGINE_VARIANTS = ("cpu", "dsa-emu", "dsa-hw")
OUR_VARIANTS = ENGINE_VARIANTS + ("zc",)
DPDK_VARIANTS = ("testpmd", "testpmd>ours", "ours>testpmd")
# The seed's core-scaling figures: 1500 B at MTU 1500 (fig. 5), 4400 B at MTU 9000 (fig. 6)
SCALING_SIZES_DEFAULT = (1500,)
SCALING_SIZES_FULL = (1500, 4400)
# DPDK 22.11's memif loses or corrupts chained packets under back-pressure
# (docs/dpdk.md), so testpmd runs only frames that fit one buffer.
DPDK_MAX_SIZE = 1500

VARIANT_TEXT = {
    "cpu": "our copying bursts (mdsa_tx/rx_copy_burst), CPU engine",
    "dsa-emu": "our copying bursts, DSA engine on the software emulator",
    "dsa-hw": "our copying bursts, DSA engine on Intel DSA hardware",
    "zc": "the libmemif zero-copy API (memif_buffer_alloc/tx_burst/rx_burst/refill_queue; "
          "tx writes every payload byte, rx reads 8 bytes per packet)",
    "testpmd": "DPDK testpmd txonly -> testpmd rxonly (net_memif, copy mode)",
    "testpmd>ours": "DPDK testpmd txonly -> our receiver (copying bursts, CPU engine)",
    "ours>testpmd": "our transmitter (copying bursts, CPU engine) -> DPDK testpmd rxonly",
}


def mtu_set(size):
    return "mtu1500" if size <= MTU1500_MAX else "mtu9000"


@dataclass(frozen=True, order=True)
class Cell:
    size: int
    direction: str
    queues: int = 1
    buffer_size: int = BUFFER_SIZE

    @property
    def mtu_set(self):
        return mtu_set(self.size)

    @property
    def buffers_per_frame(self):
        return -(-self.size // self.buffer_size)

    def label(self):
        return f"{self.size} B {SHORT_DIR[self.direction]} q{self.queues}"


@dataclass(frozen=True)
class Variant:
    name: str          # one of OUR_VARIANTS or DPDK_VARIANTS
    tree: str = ""     # "" = this tree; "base" = the --ab baseline tree

    @property
    def label(self):
        return self.name + (f"@{self.tree}" if self.tree else "")

    @property
    def uses_dpdk(self):
        return self.name in DPDK_VARIANTS


@dataclass
class Plan:
    cells: list
    variants: dict          # cell -> [Variant, ...] in run order
    repeats: int
    baseline: Variant       # ratios are against this variant in the same cell and repeat
    notes: list = field(default_factory=list)

    def schedule(self):
        """(repeat, cell, variant) in run order: repeats outermost, the
        variants of a cell back to back."""
        for rep in range(self.repeats):
            for cell in self.cells:
                for v in self.variants[cell]:
                    yield rep, cell, v

    def runs(self):
        return self.repeats * sum(len(self.variants[c]) for c in self.cells)

    def pairs(self):
        """Distinct (variant, direction, queues, buffer) pairs of processes."""
        return sorted({(v.label, c.direction, c.queues, c.buffer_size)
                       for c in self.cells for v in self.variants[c]})


def make_plan(sizes=None, engines=None, paths=("copy", "zc"), directions=DIRECTIONS,
              queues=None, repeats=3, full=False, vs_dpdk=False, ab=False, cores=2,
              buffer_size=BUFFER_SIZE, scaling_sizes=None):
    """The benchmark's cells and variants.

    sizes: frame sizes (default: DEFAULT_SIZES, or ALL_SIZES with full).
    engines: our copy engines (default cpu, dsa-emu).  paths: "copy" (our
    copying bursts, once per engine) and/or "zc" (libmemif zero-copy API).
    queues: the queue-scaling sweep (default 1..cores), run at
    scaling_sizes.  vs_dpdk: testpmd variants at sizes that fit one buffer.
    ab: every variant of ours also runs from the baseline tree.
    """
    notes = []
    sizes = tuple(sorted(set(sizes or (ALL_SIZES if full else DEFAULT_SIZES))))
    engines = tuple(engines or ("cpu", "dsa-emu"))
    for e in engines:
        if e not in ENGINE_VARIANTS + ("dsa",):
            raise ValueError(f"unknown engine {e!r} (choose from {', '.join(ENGINE_VARIANTS)})")
    for p in paths:
        if p not in ("copy", "zc"):
            raise ValueError(f"unknown data path {p!r} (choose copy, zc)")
    for d in directions:
        if d not in DIRECTIONS:
            raise ValueError(f"unknown direction {d!r}")
    if not sizes or min(sizes) < 1 or max(sizes) > 65535:
        raise ValueError("frame sizes must be 1..65535")
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    if queues is None:
        queues = tuple(range(1, max(1, cores) + 1))
    queues = tuple(sorted(set(queues)))
    if min(queues) < 1:
        raise ValueError("queue counts must be at least 1")
    if scaling_sizes is None:
        scaling_sizes = SCALING_SIZES_FULL if full else SCALING_SIZES_DEFAULT
    scaling_sizes = tuple(s for s in scaling_sizes if s in sizes)
    if not scaling_sizes:  # the largest MTU-1500 size, else the smallest
        small = [s for s in sizes if s <= MTU1500_MAX]
        scaling_sizes = (max(small) if small else sizes[0],)
    if max(queues) * 2 > cores:
        notes.append(f"{max(queues)} queue pairs need {2 * max(queues)} cores for one thread per "
                     f"queue per side; this machine has {cores}: those runs share cores "
                     f"(threads yield when idle) and measure the cores, not the queues")

    ours = [e for e in engines if "copy" in paths] + (["zc"] if "zc" in paths else [])
    if not ours:
        raise ValueError("nothing of ours to run: give --paths copy and/or zc")
    base_name = ours[0]

    def ours_variants():
        out = []
        for name in ours:
            out.append(Variant(name))
            if ab:
                out.append(Variant(name, "base"))
        return out

    cells, variants = [], {}

    def add(cell, vs):
        if cell not in variants:
            cells.append(cell)
            variants[cell] = vs

    for size in sizes:
        for d in directions:
            vs = ours_variants()
            if vs_dpdk and size <= DPDK_MAX_SIZE and size <= buffer_size:
                vs += [Variant(n) for n in DPDK_VARIANTS]
            add(Cell(size, d, 1, buffer_size), vs)
            # the queue sweep right after its one-queue cell, so that its
            # ratios against one queue pair are runs made seconds apart
            if size in scaling_sizes:
                for q in queues:
                    add(Cell(size, d, q, buffer_size), ours_variants())
    if vs_dpdk and any(s > DPDK_MAX_SIZE for s in sizes):
        notes.append("testpmd runs frames up to 1500 B only: DPDK 22.11's memif loses or "
                     "corrupts chained packets under back-pressure (docs/dpdk.md)")
    return Plan(cells=cells, variants=variants, repeats=repeats, baseline=Variant(base_name),
                notes=notes)
