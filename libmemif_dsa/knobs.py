# SPDX-License-Identifier: Apache-2.0
"""Test knobs: ways a real memif peer may legitimately differ from libmemif,
for testing other implementations (the conformance suite).  An application
has no reason to use them.

- ``layout`` (a secondary's shared memory): a dict with any of
    arrangement    "libmemif" (region 0: rings, region 1: buffers; the default),
                   "single-region" (rings, then buffers, as VPP's copy mode),
                   "region-per-queue" (a region per ring, then a buffer region per ring)
    ring_offset    bytes before the first ring of a region (a multiple of 8)
    buffer_offset  bytes before the first buffer of a buffer area (any: unaligned is fine)
    headroom       bytes at the start of every buffer that the data skips
    rotate         True: after each refill a slot's descriptor points at another buffer
    m2s_length     length offered in M2S descriptors (0: all a buffer holds)
    unsealed       True: regions that cannot be sealed against shrinking (as a zero-copy
                   peer's mempool memory)
- ``hello_limits`` (what a primary advertises in HELLO, and holds its
  secondaries to): a dict with any of max_region, max_m2s_ring, max_s2m_ring
  (highest indices, as on the wire: 0 = one) and max_log2_ring_size (up to 15).
"""

from .low_level import ffi, lib

ARRANGEMENTS = {"libmemif": "MDSA_LAYOUT_LIBMEMIF", "single-region": "MDSA_LAYOUT_SINGLE_REGION",
                "region-per-queue": "MDSA_LAYOUT_REGION_PER_QUEUE"}
LAYOUT_KEYS = {"arrangement", "ring_offset", "buffer_offset", "headroom", "rotate", "m2s_length",
               "unsealed"}
# named layouts (memif-dsa reflect --layout): "zero-copy" looks like a zero-copy peer
# (DPDK's zero-copy client): buffers of its own in regions of their own, a
# different one at each refill, mbuf-style headroom, memory it cannot seal
PRESETS = {
    "libmemif": {},
    "single-region": {"arrangement": "single-region"},
    "region-per-queue": {"arrangement": "region-per-queue"},
    "zero-copy": {"arrangement": "region-per-queue", "buffer_offset": 64, "headroom": 128,
                  "rotate": True, "unsealed": True},
}


# the ways of laying memory out that a primary must handle (memif-protocol.md
# 1.5, 1.7), one knob at a time plus a zero-copy peer's: what the conformance
# suite's secondary offers a peer primary and the library tests offer ours
# (2048-byte buffers)
EXAMPLES = {
    "libmemif": {},
    "single-region": {"arrangement": "single-region"},
    "region-per-queue": {"arrangement": "region-per-queue"},
    "ring-offsets": {"ring_offset": 4096 + 64},
    "unaligned-headroom": {"buffer_offset": 13, "headroom": 3},
    "other-buffer-each-refill": {"rotate": True},
    "short-m2s-offer": {"m2s_length": 1000},
    "zero-copy-style": dict(PRESETS["zero-copy"]),
}


def preset(name, buffer_size):
    """The named layout for `buffer_size`-byte buffers (a headroom never
    takes more than half a buffer)."""
    if name not in PRESETS:
        raise ValueError(f"layout must be one of {', '.join(PRESETS)}; got {name!r}")
    lo = dict(PRESETS[name])
    if "headroom" in lo:
        lo["headroom"] = min(lo["headroom"], buffer_size // 2)
    return lo
DEFAULT_LIMITS = {"max_region": 255, "max_m2s_ring": 255, "max_s2m_ring": 255,
                  "max_log2_ring_size": 14}
MAX_OFFSET = 1 << 20


def check_int(name, value, lo, hi):
    """`value` if it is an int in lo..hi, else TypeError/ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _keys(name, given, known):
    if not isinstance(given, dict):
        raise TypeError(f"{name} must be a dict (keys: {', '.join(sorted(known))})")
    unknown = set(given) - known
    if unknown:
        raise ValueError(f"{name}: unknown key {sorted(unknown)[0]!r} "
                         f"(known: {', '.join(sorted(known))})")


def layout_struct(layout, buffer_size):
    """A checked mdsa_layout_t for `layout` (see the module doc)."""
    _keys("layout", layout, LAYOUT_KEYS)
    lo = ffi.new("mdsa_layout_t *")
    arr = layout.get("arrangement", "libmemif")
    if arr not in ARRANGEMENTS:
        raise ValueError(f"layout['arrangement'] must be one of {', '.join(ARRANGEMENTS)}; got {arr!r}")
    lo.arrangement = getattr(lib, ARRANGEMENTS[arr])
    lo.ring_offset = check_int("layout['ring_offset']", layout.get("ring_offset", 0), 0, MAX_OFFSET)
    if lo.ring_offset % 8:
        raise ValueError(f"layout['ring_offset'] must be a multiple of 8, got {lo.ring_offset}")
    lo.buffer_offset = check_int("layout['buffer_offset']", layout.get("buffer_offset", 0), 0, MAX_OFFSET)
    lo.headroom = check_int("layout['headroom']", layout.get("headroom", 0), 0, buffer_size - 1)
    for key in ("rotate", "unsealed"):
        flag = layout.get(key, False)
        if not isinstance(flag, bool):
            raise TypeError(f"layout[{key!r}] must be True or False")
        setattr(lo, key, int(flag))
    lo.m2s_length = check_int("layout['m2s_length']", layout.get("m2s_length", 0), 0,
                         buffer_size - lo.headroom)
    return lo


def hello_limits_struct(limits):
    """A checked mdsa_hello_limits_t for `limits` (missing keys: libmemif's)."""
    _keys("hello_limits", limits, set(DEFAULT_LIMITS))
    merged = {**DEFAULT_LIMITS, **limits}
    hl = ffi.new("mdsa_hello_limits_t *")
    for key in ("max_region", "max_m2s_ring", "max_s2m_ring"):
        setattr(hl, key, check_int(f"hello_limits[{key!r}]", merged[key], 0, 65535))
    hl.max_log2_ring_size = check_int("hello_limits['max_log2_ring_size']",
                                 merged["max_log2_ring_size"], 0, 15)
    return hl
