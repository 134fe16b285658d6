/* SPDX-License-Identifier: Apache-2.0 */
/* Shared memory: the regions of one interface.  The secondary creates them
 * (memfd, sealed against shrinking, pre-faulted; laid out by
 * shm_layout.h); the primary checks what the peer sent (sizes against the
 * file behind the fd, seals) before it maps it, and every address the data
 * path derives from a peer's descriptor goes through shm_buf's bounds
 * check.  A peer region that cannot be sealed is mapped under the SIGBUS
 * guard (shm_guard.h): if the peer shrinks it, shm_shrunk() says so and
 * the interface goes down. */
#ifndef MDSA_SHM_H
#define MDSA_SHM_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc.h"
#include "libmemif.h"

#define MDSA_MAX_REGIONS 256 /* index <= 255 */
/* Largest region we create or accept: bounds what a peer can make us map. */
#define MDSA_MAX_REGION_SIZE (16ull << 30)
/* Our own regions are pre-faulted at setup when at most this large. */
#define MDSA_PREFAULT_LIMIT (256ull << 20)

struct mregion {
    void *addr;
    uint64_t size;
    int fd;
    bool external; /* the application's (memif_register_external_region) */
    bool unsealed; /* the peer's, and it cannot be sealed against shrinking */
    bool guarded;  /* mapped under the SIGBUS guard */
};

/* The application's external-region callbacks. */
struct shm_ext {
    memif_add_external_region_t *add;
    memif_get_external_region_addr_t *get;
    memif_del_external_region_t *del;
    memif_get_external_buffer_offset_t *off;
};

struct shm {
    struct mregion *r;
    uint16_t n;
    const struct mdsa_alloc *al;
    const struct shm_ext *ext; /* NULL: none registered */
    void *ext_ctx;             /* private_ctx handed to the callbacks */
    bool refuse_unsealed;      /* primary: refuse regions that cannot be sealed */
    bool create_unsealed;      /* secondary: make regions that cannot be sealed (test knob) */
    int shrunk;                /* set by the SIGBUS guard: index + 1 of a region that shrank */
    char shrunk_why[96];
};

void shm_init(struct shm *m, const struct mdsa_alloc *al, const struct shm_ext *ext, void *ext_ctx);
/* Secondary: `n` regions of `sizes` bytes; region `ext` (-1: none) is
 * the application's when it registered external regions.  A memif_err_t. */
int shm_create_regions(struct shm *m, const uint64_t *sizes, uint16_t n, int ext);
/* Secondary, libmemif's layout: region 0 of `ring_bytes` for the rings,
 * region 1 of `buf_bytes` for the buffers (external if registered). */
int shm_create(struct shm *m, uint64_t ring_bytes, uint64_t buf_bytes);
/* Primary: take the peer's region `index` (its fd is ours from here on,
 * whatever the outcome).  0, or -1 with *why. */
int shm_add_peer_region(struct shm *m, uint16_t index, uint64_t size, int fd, const char **why);
/* Primary: map every region taken (the unsealed ones under the SIGBUS
 * guard).  0, or -1 with *why. */
int shm_map_peer_regions(struct shm *m, const char **why);
/* The reason text for region `index` having shrunk. */
const char *shm_shrunk_reason(struct shm *m, int index);
/* Unmap and close everything; the regions can be created again. */
void shm_free(struct shm *m);

/* `len` bytes at `offset` of `region`, or NULL when any byte lies outside
 * it (the 64-bit sum of two 32-bit values cannot overflow). */
static inline uint8_t *shm_buf(const struct shm *m, uint16_t region, uint32_t offset, uint32_t len)
{
    if (region >= m->n || (uint64_t)offset + len > m->r[region].size)
        return NULL;
    return (uint8_t *)m->r[region].addr + offset;
}

/* Why the interface must go down because a guarded region shrank, or NULL
 * (one atomic load when nothing happened). */
static inline const char *shm_shrunk(struct shm *m)
{
    int r = __atomic_load_n(&m->shrunk, __ATOMIC_ACQUIRE);
    return r ? shm_shrunk_reason(m, r - 1) : NULL;
}

#endif
