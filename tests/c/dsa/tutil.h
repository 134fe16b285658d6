/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the DSA tests: emulator set-up from a config string,
 * descriptor builders, aligned buffers, a deterministic PRNG. */
#ifndef MDSA_TEST_TUTIL_H
#define MDSA_TEST_TUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/dsa/emu.h"
#include "harness.h"

static inline struct mdsa_emu *emu_from(const char *cfgstr)
{
    struct mdsa_emu_config c;
    char err[512];
    mdsa_emu_config_default(&c);
    if (mdsa_emu_config_parse(&c, cfgstr, err, sizeof err)) {
        fprintf(stderr, "bad test config '%s': %s\n", cfgstr, err);
        abort();
    }
    struct mdsa_emu *e = mdsa_emu_create(&c, err, sizeof err);
    if (!e) {
        fprintf(stderr, "emu create failed: %s\n", err);
        abort();
    }
    return e;
}

static inline uint64_t A(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static inline void desc_init(struct mdsa_desc *d, uint8_t op, uint32_t flags, const void *cr)
{
    memset(d, 0, sizeof *d);
    d->op_flags = mdsa_op_flags(op, flags);
    d->completion_addr = A(cr);
}

static inline void desc_move(struct mdsa_desc *d, uint32_t flags, const void *cr, void *dst,
                             const void *src, uint32_t n)
{
    desc_init(d, MDSA_OP_MEMMOVE, flags, cr);
    d->src = A(src);
    d->dst = A(dst);
    d->size = n;
}

static inline void *zalloc_aligned(size_t align, size_t n)
{
    size_t sz = (n + align - 1) / align * align;
    void *p = aligned_alloc(align, sz ? sz : align);
    if (!p)
        abort();
    memset(p, 0, sz ? sz : align);
    return p;
}

static inline uint64_t trng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void fill_random(void *p, size_t n, uint64_t seed)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(trng(&seed) >> 32);
}

/* Wait (bounded) for a record's status byte; returns it (0 on timeout). */
static inline uint8_t wait_status(struct mdsa_wq *wq, const void *rec)
{
    for (long i = 0; i < 200000000L; i++) {
        uint8_t st = mdsa_status_at(rec);
        if (st)
            return st;
        mdsa_wq_progress(wq);
        if (i > 1000) {
            struct timespec ts = {0, 10000};
            nanosleep(&ts, NULL);
        }
        if (i > 300000)
            break;
    }
    return 0;
}

/* Wait until the emulated device has taken n stalled descriptors (its worker
 * thread runs on its own schedule).  The bound only guards against a hang:
 * a loaded sanitizer run can take seconds to schedule the worker. */
static inline uint64_t wait_emu_stalls(struct mdsa_emu *emu, uint64_t n)
{
    for (int i = 0; i < 60000 && mdsa_emu_stats_read(emu, 0).stalls < n; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return mdsa_emu_stats_read(emu, 0).stalls;
}

#endif
