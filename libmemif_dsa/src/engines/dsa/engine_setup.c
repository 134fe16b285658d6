/* SPDX-License-Identifier: Apache-2.0 */
/* DSA engine set-up: sizing from the queue's limits (rounded down the way
 * the kernel programs them), the memory the device reads and writes
 * (locked so it can never fault), and the start-up probe. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "engine_internal.h"

#define UNIT_MAX_DESCS 256   /* BATCH size cap: enough for a 256-copy burst */
#define WRITE_UNIT_DESCS 64  /* write() path: descriptors per write() call */
#define PROBE_BYTES 256      /* per probe copy */

void mdsa_dsa_engine_note(struct dsa_engine *e, const char *fmt, ...)
{
    char *n = e->base.ctr.note;
    size_t len = sizeof e->base.ctr.note, used = strlen(n);
    if (used + 3 >= len)
        return;
    if (used) {
        memcpy(n + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n + used, len - used, fmt, ap);
    va_end(ap);
}

void mdsa_dsa_engine_lone(struct dsa_engine *e, const char *why)
{
    e->cap = 1;
    e->batch_ok = 0;
    mdsa_dsa_engine_note(e, "%s: lone descriptors", why);
}

static size_t round_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

/* Descriptor lists, records and probe buffers in one anonymous mapping.
 * The device must never fault on them (on DSA 1.x a faulting record is
 * simply never written): mlock them; where RLIMIT_MEMLOCK refuses, they
 * are at least prefaulted (MAP_POPULATE and written once) and the
 * counters' note says so. */
int mdsa_dsa_engine_mem_alloc(struct dsa_engine *e, int want_lock)
{
    size_t nd = (size_t)e->nunits * e->cap;
    size_t off_desc = 0;
    size_t off_cr = round_up(nd * sizeof(struct mdsa_desc), 64);
    size_t off_drain = off_cr + (size_t)e->nunits * sizeof(struct cr_line);
    size_t off_probe = off_drain + 2 * MDSA_DRAIN_ATTEMPTS * sizeof(struct cr_line);
    size_t off_list = off_probe + 3 * sizeof(struct cr_line);
    size_t off_buf = off_list + 2 * sizeof(struct mdsa_desc);
    size_t len = round_up(off_buf + 4 * PROBE_BYTES, 4096);
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                   -1, 0);
    if (m == MAP_FAILED)
        return -errno;
    memset(m, 0, len); /* prefault every page for writing */
    e->dev_mem = m;
    e->dev_len = len;
    e->desc_mem = (struct mdsa_desc *)((char *)m + off_desc);
    e->cr_mem = (struct cr_line *)((char *)m + off_cr);
    e->drain = (struct cr_line *)((char *)m + off_drain);
    e->probe = (struct cr_line *)((char *)m + off_probe);
    e->probe_list = (struct mdsa_desc *)((char *)m + off_list);
    e->probe_buf = (uint8_t *)m + off_buf;
    int rc = want_lock ? mlock(m, len) : -1;
    int why = want_lock ? errno : 0;
    e->base.ctr.memory_locked = rc == 0;
    if (rc == 0)
        return 0;
    if (!want_lock) {
        mdsa_dsa_engine_note(e, "records prefaulted, not locked (mlock=0)");
    } else {
        struct rlimit rl;
        getrlimit(RLIMIT_MEMLOCK, &rl);
        mdsa_dsa_engine_note(e, "records prefaulted, not locked: mlock of %zu KiB: %s "
                             "(RLIMIT_MEMLOCK %llu KiB)", len / 1024, strerror(why),
                             rl.rlim_cur == RLIM_INFINITY ? 0ull
                                                          : (unsigned long long)rl.rlim_cur / 1024);
    }
    return 0;
}

void mdsa_dsa_engine_mem_free(struct dsa_engine *e)
{
    if (e->dev_mem)
        munmap(e->dev_mem, e->dev_len); /* also unlocks */
    free(e->seg_mem);
    free(e->units);
}

static uint32_t pow2_at_least(uint32_t x)
{
    uint32_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

mdsa_engine_t *mdsa_dsa_engine_new(struct mdsa_wq *wq, struct mdsa_emu *emu,
                                   const struct mdsa_dsa_config *c, size_t threshold,
                                   const char *backend, const char *note, char *err,
                                   size_t errlen)
{
    const struct mdsa_wq_info *i = &wq->info;
    struct dsa_engine *e = calloc(1, sizeof *e);
    if (!e)
        goto oom;
    e->base.ops = mdsa_dsa_engine_ops();
    e->wq = wq;
    e->emu = emu;
    e->threshold = threshold;
    e->retry.max_retries = c->retries;
    e->retry.max_pause = MDSA_RETRY_DEFAULT_PAUSE;
    e->timeout_ns = c->timeout_ns;
    e->quiesce_ns = c->quiesce_ns;
    /* The kernel programs the WQ with ilog2(max_transfer_size) and
     * ilog2(max_batch_size): the device's limits are the powers of two at
     * or below what sysfs shows.  Using the sysfs value itself would make
     * every full-size descriptor or BATCH fail validation. */
    e->max_xfer = mdsa_pow2_floor(i->max_xfer ? i->max_xfer : 1);
    e->max_batch = mdsa_pow2_floor(i->max_batch);
    if (e->max_xfer != i->max_xfer && i->max_xfer)
        mdsa_dsa_engine_note(e, "max_transfer_size %u used as %u (the device's power of two)",
                             i->max_xfer, e->max_xfer);
    if (e->max_batch != i->max_batch && i->max_batch >= 2)
        mdsa_dsa_engine_note(e, "max_batch_size %u used as %u (the device's power of two)",
                             i->max_batch, e->max_batch);
    e->write_mode = !i->portal;
    /* BATCH when the WQ allows it; through write() only where the kernel
     * takes it (not on version-1 devices with the INTEL-SA-01084 erratum) */
    e->batch_ok = i->batch && e->max_batch >= 2 && (!e->write_mode || i->write_batch);
    uint32_t cc = (c->cc < 0 ? i->cache_control : c->cc) ? MDSA_F_CC : 0;
    e->member_opflags = mdsa_op_flags(MDSA_OP_MEMMOVE, MDSA_F_CRAV | MDSA_F_RCR | cc);
    if (e->batch_ok) {
        e->cap = c->batch_descs ? c->batch_descs : UNIT_MAX_DESCS;
        if (e->cap > e->max_batch)
            e->cap = e->max_batch;
    } else {
        e->cap = e->write_mode ? WRITE_UNIT_DESCS : 1; /* plain descriptors */
    }
    /* A dedicated WQ must never be overrun (the device would drop the
     * descriptor): keep at most size - 1 entries and the last for the
     * DRAIN of a recovery. */
    e->wq_limit = UINT32_MAX;
    if (i->mode == MDSA_WQ_DEDICATED && i->size)
        e->wq_limit = i->size > 1 && i->drain ? i->size - 1 : i->size;
    if (e->write_mode && !e->batch_ok && e->cap > e->wq_limit)
        e->cap = e->wq_limit;
    uint32_t units = c->ring ? c->ring : 64;
    if ((!e->write_mode || e->batch_ok) && units > e->wq_limit)
        units = e->wq_limit; /* never more submissions in flight than WQ entries */
    e->nunits = pow2_at_least(units);
    e->mask = e->nunits - 1;
    size_t nd = (size_t)e->nunits * e->cap;
    e->units = calloc(e->nunits, sizeof *e->units);
    e->seg_mem = calloc(nd, sizeof(struct seg));
    if (!e->units || !e->seg_mem)
        goto oom;
    int rc = mdsa_dsa_engine_mem_alloc(e, c->mlock);
    if (rc) {
        snprintf(err, errlen, "DSA engine: cannot map %zu descriptors: %s", nd, strerror(-rc));
        goto fail;
    }
    for (uint32_t k = 0; k < e->nunits; k++) {
        e->units[k].d = e->desc_mem + (size_t)k * e->cap;
        e->units[k].s = e->seg_mem + (size_t)k * e->cap;
        e->units[k].cr = &e->cr_mem[k].cr;
    }
    e->errors_seen = mdsa_wq_errors(wq);
    snprintf(e->backend, sizeof e->backend, "%s", backend);
    snprintf(e->note, sizeof e->note, "%s", note ? note : "");
    return &e->base;
oom:
    snprintf(err, errlen, "DSA engine: out of memory");
fail:
    if (e)
        mdsa_dsa_engine_mem_free(e);
    free(e);
    if (emu)
        mdsa_emu_destroy(emu);
    else
        mdsa_wq_close(wq);
    return NULL;
}

/* The probe's descriptor i: copy PROBE_BYTES of a pattern. */
static void probe_desc(struct dsa_engine *e, struct mdsa_desc *d, unsigned k, const void *rec)
{
    uint8_t *src = e->probe_buf + (size_t)k * PROBE_BYTES;
    uint8_t *dst = e->probe_buf + (size_t)(2 + k) * PROBE_BYTES;
    for (unsigned b = 0; b < PROBE_BYTES; b++)
        src[b] = (uint8_t)(0x5a ^ (b * 7 + k * 131));
    memset(dst, 0, PROBE_BYTES);
    memset(d, 0, sizeof *d);
    d->op_flags = e->member_opflags;
    d->completion_addr = (uint64_t)(uintptr_t)rec;
    d->src = (uint64_t)(uintptr_t)src;
    d->dst = (uint64_t)(uintptr_t)dst;
    d->size = PROBE_BYTES;
}

static int probe_fail(struct dsa_engine *e, char *err, size_t errlen, int rc, const char *what,
                      uint8_t st)
{
    if (st)
        snprintf(err, errlen, "probe on %s: %s: status 0x%02x (%s)", e->wq->info.name, what, st,
                 mdsa_status_name(st));
    else
        snprintf(err, errlen, "probe on %s: %s", e->wq->info.name, what);
    return rc;
}

/* Send one probe descriptor and wait for its record.  0 with the status
 * in *st, or -errno with the reason in err. */
static int probe_run(struct dsa_engine *e, const struct mdsa_desc *d, const struct mdsa_cr *r,
                     uint64_t deadline, uint64_t timeout_ns, const char *what, uint8_t *st,
                     char *err, size_t errlen)
{
    char msg[160];
    int rc = mdsa_dsa_engine_send(e, d, deadline);
    if (rc) {
        snprintf(msg, sizeof msg, "%s: submission failed", what);
        return probe_fail(e, err, errlen, rc, msg, 0);
    }
    *st = mdsa_dsa_engine_wait_record(e, r, deadline);
    if (!*st) {
        snprintf(msg, sizeof msg, "%s: no completion within %llu ms", what,
                 (unsigned long long)(timeout_ns / 1000000));
        return probe_fail(e, err, errlen, -ETIMEDOUT, msg, 0);
    }
    return 0;
}

int mdsa_dsa_engine_probe(mdsa_engine_t *eb, uint64_t timeout_ns, char *err, size_t errlen)
{
    struct dsa_engine *e = (struct dsa_engine *)eb;
    uint64_t deadline = mdsa_dsa_now_ns() + timeout_ns;
    struct mdsa_cr *r = &e->probe[0].cr;
    uint8_t st;
    int rc;
    if (e->batch_ok) {
        struct mdsa_desc b;
        probe_desc(e, &e->probe_list[0], 0, &e->probe_list[0]);
        probe_desc(e, &e->probe_list[1], 1, &e->probe_list[1]);
        memset(&b, 0, sizeof b);
        memset(r, 0, sizeof *r);
        b.op_flags = mdsa_op_flags(MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR);
        b.completion_addr = (uint64_t)(uintptr_t)r;
        b.src = (uint64_t)(uintptr_t)e->probe_list;
        b.size = 2;
        if ((rc = probe_run(e, &b, r, deadline, timeout_ns, "BATCH of 2 MEMMOVE", &st, err,
                            errlen)))
            return rc;
        if (mdsa_dsa_batch_refused(st)) {
            char why[96];
            snprintf(why, sizeof why, "probe BATCH refused with 0x%02x (%s)", st,
                     mdsa_status_name(st));
            mdsa_dsa_engine_lone(e, why);
        } else if ((st & MDSA_ST_MASK) != MDSA_ST_SUCCESS) {
            return probe_fail(e, err, errlen, -EIO, "BATCH of 2 MEMMOVE", st);
        }
    }
    for (unsigned k = 0; !e->batch_ok && k < 2; k++) { /* two lone MEMMOVEs */
        struct mdsa_desc d;
        struct mdsa_cr *rk = &e->probe[1 + k].cr;
        memset(rk, 0, sizeof *rk);
        probe_desc(e, &d, k, rk);
        if ((rc = probe_run(e, &d, rk, deadline, timeout_ns, "MEMMOVE", &st, err, errlen)))
            return rc;
        if ((st & MDSA_ST_MASK) != MDSA_ST_SUCCESS)
            return probe_fail(e, err, errlen, -EIO, "MEMMOVE", st);
    }
    for (unsigned k = 0; k < 2; k++)
        if (memcmp(e->probe_buf + (size_t)k * PROBE_BYTES,
                   e->probe_buf + (size_t)(2 + k) * PROBE_BYTES, PROBE_BYTES))
            return probe_fail(e, err, errlen, -EIO,
                              "copied bytes differ from the source (device reports success)", 0);
    return 0;
}
