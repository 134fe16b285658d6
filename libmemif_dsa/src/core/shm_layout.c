/* SPDX-License-Identifier: Apache-2.0 */
#include "shm_layout.h"

#include "wire.h"

#define MAX_LAYOUT_OFFSET (1u << 20)

int shm_layout_check(const mdsa_layout_t *lo, uint32_t buffer_size)
{
    if (lo->arrangement > MDSA_LAYOUT_REGION_PER_QUEUE || lo->ring_offset % 8 ||
        lo->ring_offset > MAX_LAYOUT_OFFSET || lo->buffer_offset > MAX_LAYOUT_OFFSET ||
        lo->headroom >= buffer_size || lo->m2s_length > buffer_size - lo->headroom ||
        lo->rotate > 1 || lo->unsealed > 1)
        return -1;
    return 0;
}

/* A region of `size` bytes more; false when it cannot be addressed with
 * 32-bit offsets or there are too many. */
static int add_region(struct shm_plan *p, uint64_t size, uint32_t max_regions, const char **why)
{
    if (p->n >= max_regions || p->n >= MDSA_MAX_REGIONS)
        return *why = "the layout needs more regions than the primary allows", -1;
    if (size > UINT32_MAX + 1ull || size > MDSA_MAX_REGION_SIZE)
        return *why = "a region of the layout exceeds 4 GiB", -1;
    p->size[p->n++] = size;
    return 0;
}

int shm_plan_layout(const mdsa_layout_t *lo, uint32_t nrings, uint8_t log2, uint32_t buffer_size,
                    uint32_t max_regions, struct shm_ring_at *at, struct shm_plan *plan,
                    const char **why)
{
    uint64_t rb = memif_ring_bytes(log2);
    uint64_t area = (uint64_t)buffer_size * (1u << log2) * shm_layout_banks(lo);
    uint64_t rings_end = lo->ring_offset + rb * nrings;
    plan->n = 0;
    plan->ext = -1;
    if (lo->arrangement == MDSA_LAYOUT_REGION_PER_QUEUE) {
        for (uint32_t k = 0; k < nrings; k++) {
            at[k] = (struct shm_ring_at){.region = (uint16_t)k, .offset = lo->ring_offset,
                                         .buf_region = (uint16_t)(nrings + k),
                                         .buf_base = lo->buffer_offset};
            if (add_region(plan, lo->ring_offset + rb, max_regions, why))
                return -1;
        }
        for (uint32_t k = 0; k < nrings; k++)
            if (add_region(plan, lo->buffer_offset + area, max_regions, why))
                return -1;
        return 0;
    }
    bool single = lo->arrangement == MDSA_LAYOUT_SINGLE_REGION;
    uint64_t first = (single ? rings_end : 0) + lo->buffer_offset;
    if (first + area * nrings > UINT32_MAX + 1ull)
        return *why = "a region of the layout exceeds 4 GiB", -1;
    for (uint32_t k = 0; k < nrings; k++)
        at[k] = (struct shm_ring_at){.region = 0, .offset = (uint32_t)(lo->ring_offset + rb * k),
                                     .buf_region = single ? 0 : 1,
                                     .buf_base = (uint32_t)(first + area * k)};
    if (single)
        return add_region(plan, first + area * nrings, max_regions, why);
    plan->ext = 1;
    if (add_region(plan, rings_end, max_regions, why) ||
        add_region(plan, first + area * nrings, max_regions, why))
        return -1;
    return 0;
}
