/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the DSA engine tests: an engine over the emulator from a
 * config string, copy lists drawn from a pool of random bytes, fault
 * arming. */
#ifndef MDSA_TEST_TENGINE_H
#define MDSA_TEST_TENGINE_H

#include <stdlib.h>

#include "engines/copy.h"
#include "engines/dsa/engine.h"
#include "tutil.h"

static uint8_t *pool; /* random source bytes */
#define POOL (1u << 20)

static inline void pool_init(void)
{
    pool = zalloc_aligned(64, POOL);
    fill_random(pool, POOL, 77);
}

static inline mdsa_engine_t *mk(const char *cfg, size_t threshold)
{
    char err[512];
    mdsa_engine_t *e = mdsa_engine_dsa_create("dsa-emu", cfg, threshold, err, sizeof err);
    if (!e) {
        fprintf(stderr, "engine create '%s': %s\n", cfg, err);
        abort();
    }
    return e;
}

static inline const struct mdsa_engine_counters *ctr(mdsa_engine_t *e)
{
    return &e->ctr;
}

/* n copies of len bytes from pool+k*len*3 into dst+k*len. */
static inline void ops_fill(struct mdsa_copy_op *ops, uint32_t n, uint8_t *dst, uint32_t len)
{
    for (uint32_t k = 0; k < n; k++) {
        ops[k].dst = dst + (size_t)k * len;
        ops[k].src = pool + ((size_t)k * len * 3) % (POOL - len);
        ops[k].len = len;
    }
}

static inline int ops_ok(const struct mdsa_copy_op *ops, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        if (memcmp(ops[k].dst, ops[k].src, ops[k].len))
            return 0;
    return 1;
}

static inline void arm(mdsa_engine_t *e, int kind, uint32_t skip, int64_t off)
{
    struct mdsa_emu_fault f = {.kind = kind, .skip = skip, .offset = off,
                               .side = MDSA_EMU_SIDE_RANDOM};
    CHECK_EQ(mdsa_emu_arm_fault(mdsa_engine_dsa_emu(e), 0, &f), 0);
}

/* An engine and one burst of n copies of len bytes into fresh memory. */
#define RIG_MAX 16
struct rig {
    mdsa_engine_t *e;
    struct mdsa_emu *emu;
    uint8_t *dst;
    struct mdsa_copy_op ops[RIG_MAX];
    uint32_t n, len;
    uint64_t t;
};

static inline void rig_up(struct rig *r, const char *cfg, uint32_t n, uint32_t len)
{
    r->e = mk(cfg, 0);
    r->emu = mdsa_engine_dsa_emu(r->e);
    r->dst = zalloc_aligned(64, (size_t)RIG_MAX * len);
    r->n = n;
    r->len = len;
    ops_fill(r->ops, n, r->dst, len);
}

/* Submit the burst (destination cleared first). */
static inline void rig_submit(struct rig *r)
{
    memset(r->dst, 0, (size_t)r->n * r->len);
    CHECK_EQ(r->e->ops->submit(r->e, r->ops, r->n, &r->t), 0);
}

/* Submit and wait: mdsa_engine_wait()'s result. */
static inline int rig_go(struct rig *r)
{
    rig_submit(r);
    return mdsa_engine_wait(r->e, r->t);
}

static inline int rig_ok(const struct rig *r)
{
    return ops_ok(r->ops, r->n);
}

static inline void rig_down(struct rig *r)
{
    r->e->ops->destroy(r->e);
    free(r->dst);
}

#endif
