/* SPDX-License-Identifier: Apache-2.0 */
/* Where a secondary puts its rings and buffers: libmemif's layout by
 * default, or another one a real peer may use (the mdsa_layout_t test
 * knob): one region for everything (VPP copy mode), a region per ring
 * plus a buffer region per ring (zero-copy style), rings and buffers at
 * non-zero and unaligned offsets, two buffers per slot handed out in
 * turn.  Pure arithmetic: sizes and offsets, checked to fit the 32-bit
 * offsets of the wire. */
#ifndef MDSA_SHM_LAYOUT_H
#define MDSA_SHM_LAYOUT_H

#include <stdint.h>

#include "memif_dsa.h"
#include "shm.h"

/* One ring's place: its header, and the area holding its buffers. */
struct shm_ring_at {
    uint16_t region;
    uint32_t offset;
    uint16_t buf_region;
    uint32_t buf_base;  /* first buffer of the area */
};

struct shm_plan {
    uint16_t n;                     /* regions */
    uint64_t size[MDSA_MAX_REGIONS];
    int ext;                        /* region external callbacks may supply, -1: none */
};

/* Buffers per slot a layout uses (2 when it rotates them). */
static inline uint32_t shm_layout_banks(const mdsa_layout_t *lo)
{
    return lo->rotate ? 2 : 1;
}

/* The layout `lo` for `nrings` rings (S2M first) of 2^log2 slots and
 * `buffer_size`-byte buffers, in at most `max_regions` regions: each
 * ring's place in at[], the regions in *plan.  0, or -1 with *why. */
int shm_plan_layout(const mdsa_layout_t *lo, uint32_t nrings, uint8_t log2, uint32_t buffer_size,
                    uint32_t max_regions, struct shm_ring_at *at, struct shm_plan *plan,
                    const char **why);
/* 0, or -1 when `lo` is not a layout (the mdsa_set_layout rules). */
int shm_layout_check(const mdsa_layout_t *lo, uint32_t buffer_size);

#endif
