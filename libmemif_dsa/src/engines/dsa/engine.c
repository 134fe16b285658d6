/* DSA copy engine: data path.
 *
 * A burst becomes one or more submission units: a lone MEMMOVE (CRAV|RCR)
 * when the unit holds one descriptor, else one BATCH whose members carry
 * CRAV without RCR so only failures write a record; write()-only queues
 * get plain descriptors with RCR (the kernel refuses BATCH).  Member
 * records overlay the member's own descriptor slot (its byte 0, the
 * PASID, is 0 before submission), so nothing needs zeroing per burst.
 * Units live in a preallocated ring and are retired strictly in order;
 * every non-success status is finished by the CPU, so correctness never
 * depends on the device.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_internal.h"

#define UNIT_MAX_DESCS 256   /* BATCH size cap: enough for a 256-copy burst */
#define WRITE_UNIT_DESCS 64  /* write() path: descriptors per write() call */
#define CLOCK_EVERY 64       /* polls of a pending unit between clock reads */

struct seg {
    uint8_t *dst;
    const uint8_t *src;
    uint32_t len;
};

enum { U_SINGLE = 1, U_BATCH, U_WRITE };

struct unit {
    uint64_t ticket;
    uint64_t t0;       /* first time seen pending (lazily, for the timeout) */
    uint64_t bytes;    /* bytes described by the unit's descriptors */
    uint32_t n;        /* descriptors built */
    uint32_t sent;     /* descriptors the queue accepted */
    uint32_t checked;  /* write units: records already consumed */
    uint32_t spins;
    uint32_t wq_entries;
    uint8_t kind;
    struct mdsa_desc *d;
    struct seg *s;
    struct mdsa_cr *cr;
};

struct cr_line { /* one record per cache line */
    struct mdsa_cr cr;
    uint8_t pad[32];
};

struct dsa_engine {
    struct mdsa_engine base; /* first: what copy.h callers hold */
    struct mdsa_wq *wq;
    struct mdsa_emu *emu;    /* owned emulator, NULL on hardware */
    struct mdsa_retry_policy retry;
    size_t threshold;
    uint32_t max_xfer;
    uint32_t cap;            /* descriptors per unit */
    uint32_t nunits, mask;
    uint32_t wq_limit;       /* dedicated: WQ entries we may occupy */
    uint32_t wq_inflight;
    uint32_t member_opflags; /* MEMMOVE | CRAV [| RCR] [| CC] */
    uint32_t cc;
    int write_mode;
    int degraded;            /* a completion timed out: CPU from now on */
    uint64_t head, tail;     /* unit ring indices */
    uint64_t next_ticket;
    uint64_t timeout_ns;
    struct unit *units;
    struct mdsa_desc *desc_mem;
    struct seg *seg_mem;
    struct cr_line *cr_mem;
    struct cr_line *probe;
    char backend[96];
    char note[256];
};

static const struct mdsa_engine_ops dsa_ops;

uint64_t mdsa_dsa_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct dsa_engine *E(mdsa_engine_t *e)
{
    return (struct dsa_engine *)e;
}

static void cpu_copy(const struct seg *s, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++)
        memmove(s[i].dst, s[i].src, s[i].len);
}

/* Copies from..to of a unit go to the CPU; `reason` is the counter of
 * engine.h's fallback_* the CPU copies are charged to. */
static void fall_back(struct dsa_engine *e, uint64_t *reason, const struct seg *s, uint32_t from,
                      uint32_t to)
{
    cpu_copy(s, from, to);
    e->base.ctr.cpu_fallbacks += to - from;
    *reason += to - from;
}

/* Something other than success happened: bring the emulator's own count
 * of what it produced up to date (off the fast path; nothing on hardware). */
static void note_fault(struct dsa_engine *e)
{
    if (!e->emu)
        return;
    struct mdsa_emu_stats s = mdsa_emu_stats_read(e->emu, 0);
    e->base.ctr.emu_faults = s.page_faults + s.batch_faults + s.refused;
}

/* Consume one descriptor's completion (record r, status st). */
static void finish_desc(struct dsa_engine *e, const struct seg *s, const struct mdsa_cr *r,
                        uint8_t st)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    if ((st & MDSA_ST_MASK) != MDSA_ST_SUCCESS)
        note_fault(e);
    switch (st & MDSA_ST_MASK) {
    case MDSA_ST_SUCCESS:
        c->bytes_offloaded += s->len;
        return;
    case MDSA_ST_PAGE_FAULT:
    case MDSA_ST_PAGE_FAULT_IR: {
        /* Partial completion: the device did bytes_completed bytes.
         * Ascending (result 0): the rest is the tail.  Descending
         * (result 1, overlapping copy): the rest is the front. */
        uint32_t done = r->bytes_completed < s->len ? r->bytes_completed : s->len;
        c->partial_completions++;
        c->bytes_offloaded += done;
        if (r->result == 0)
            memmove(s->dst + done, s->src + done, s->len - done);
        else
            memmove(s->dst, s->src, s->len - done);
        return;
    }
    default: /* any error: this copy is redone by the CPU */
        c->errors++;
        fall_back(e, &c->fallback_errors, s, 0, 1);
        return;
    }
}

/* Pending: let a software queue progress; after timeout_ns declare the
 * path broken, finish the unit on the CPU and stop using the device. */
static int not_yet(struct dsa_engine *e, struct unit *u)
{
    mdsa_wq_progress(e->wq);
    if (++u->spins % CLOCK_EVERY)
        return 0;
    uint64_t now = mdsa_dsa_now_ns();
    if (!u->t0) {
        u->t0 = now;
        return 0;
    }
    if (now - u->t0 < e->timeout_ns)
        return 0;
    uint32_t from = u->kind == U_WRITE ? u->checked : 0;
    uint32_t to = u->kind == U_WRITE ? u->sent : u->n;
    struct mdsa_engine_counters *c = &e->base.ctr;
    e->degraded = 1;
    c->errors++;
    fall_back(e, &c->fallback_errors, u->s, from, to);
    c->state = MDSA_ENGINE_CPU_ONLY;
    snprintf(c->state_reason, sizeof c->state_reason,
             "completion timeout on %s: DSA disabled, copies continue on the CPU",
             e->wq->info.name);
    snprintf(e->note, sizeof e->note, "%s", c->state_reason);
    note_fault(e);
    return 1;
}

/* 1 when the unit is complete (and its failures repaired), 0 if pending. */
static int unit_done(struct dsa_engine *e, struct unit *u)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    struct mdsa_cr r;
    if (u->kind == U_WRITE) {
        while (u->checked < u->sent) {
            uint8_t st = mdsa_status_at(&u->d[u->checked]);
            if (!st)
                return not_yet(e, u);
            memcpy(&r, &u->d[u->checked], sizeof r); /* record overlays the slot */
            finish_desc(e, &u->s[u->checked], &r, st);
            u->checked++;
        }
        return 1;
    }
    uint8_t st = mdsa_cr_status(u->cr);
    if (!st)
        return not_yet(e, u);
    if (u->kind == U_SINGLE) {
        finish_desc(e, &u->s[0], u->cr, st);
        return 1;
    }
    uint8_t code = st & MDSA_ST_MASK;
    if (code == MDSA_ST_SUCCESS) {
        c->bytes_offloaded += u->bytes;
        return 1;
    }
    note_fault(e);
    if (code != MDSA_ST_BATCH_FAIL && code != MDSA_ST_BATCH_PAGE_FAULT) {
        c->errors++; /* the batch itself was rejected */
        fall_back(e, &c->fallback_errors, u->s, 0, u->n);
        return 1;
    }
    uint32_t done = u->cr->bytes_completed < u->n ? u->cr->bytes_completed : u->n;
    if (code == MDSA_ST_BATCH_PAGE_FAULT)
        c->errors++;
    for (uint32_t i = 0; i < done; i++) {
        uint8_t ms = mdsa_status_at(&u->d[i]);
        if (!ms) { /* no record: the member succeeded */
            c->bytes_offloaded += u->s[i].len;
            continue;
        }
        memcpy(&r, &u->d[i], sizeof r);
        finish_desc(e, &u->s[i], &r, ms);
    }
    if (done < u->n) /* never attempted (list fault or fence) */
        fall_back(e, &c->fallback_errors, u->s, done, u->n);
    return 1;
}

static void retire(struct dsa_engine *e)
{
    struct unit *u = &e->units[e->head & e->mask];
    e->wq_inflight -= u->wq_entries;
    e->head++;
}

/* Retire completed units from the head (in order) without waiting. */
static void retire_done(struct dsa_engine *e)
{
    while (e->head != e->tail && unit_done(e, &e->units[e->head & e->mask]))
        retire(e);
}

static int have_room(const struct dsa_engine *e)
{
    return e->tail - e->head < e->nunits && e->wq_inflight < e->wq_limit;
}

static struct unit *unit_open(struct dsa_engine *e, uint64_t ticket)
{
    if (!have_room(e)) {
        retire_done(e);
        if (!have_room(e))
            return NULL;
    }
    struct unit *u = &e->units[e->tail & e->mask];
    u->ticket = ticket;
    u->n = 0;
    u->bytes = 0;
    return u;
}

static void unit_add(struct dsa_engine *e, struct unit *u, uint8_t *dst, const uint8_t *src,
                     uint32_t len)
{
    struct mdsa_desc *d = &u->d[u->n];
    struct seg *s = &u->s[u->n];
    s->dst = dst;
    s->src = src;
    s->len = len;
    d->pasid = 0; /* doubles as the overlaid record's status byte */
    d->op_flags = e->member_opflags;
    d->completion_addr = (uint64_t)(uintptr_t)d;
    d->src = (uint64_t)(uintptr_t)src;
    d->dst = (uint64_t)(uintptr_t)dst;
    d->size = len;
    d->int_handle = 0;
    d->rsvd = 0;
    memset(d->op.bytes, 0, sizeof d->op.bytes);
    u->n++;
    u->bytes += len;
}

enum { FB_FULL = 1, FB_ERR = 2 };

/* Hand a filled unit to the queue.  Whatever the queue does not take is
 * copied by the CPU now; returns FB_* flags for the burst's counters.
 * Descriptors and batches count once the queue has accepted them. */
static int unit_flush(struct dsa_engine *e, struct unit *u)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    uint32_t retries = 0;
    int fb = 0;
    u->t0 = 0;
    u->spins = 0;
    u->checked = 0;
    if (e->write_mode) {
        uint32_t room = e->wq_limit - e->wq_inflight;
        uint32_t k = u->n < room ? u->n : room;
        int got = k ? mdsa_wq_write_retry(e->wq, u->d, k, &e->retry, &retries) : 0;
        c->retries += retries != 0;
        c->refusals += retries;
        if (got < 0 && got != -ENOSPC) { /* the queue refused outright (not full, not busy) */
            c->errors++;
            fall_back(e, &c->fallback_errors, u->s, 0, u->n);
            note_fault(e);
            return FB_ERR;
        }
        if (got < 0)
            got = 0;
        if ((uint32_t)got < u->n) { /* no room, or a shared WQ stayed busy */
            c->refusals += (uint32_t)got < k; /* the attempt that ended it */
            fall_back(e, &c->fallback_queue_full, u->s, (uint32_t)got, u->n);
            fb |= FB_FULL;
        }
        if (retries || (uint32_t)got < k)
            note_fault(e);
        c->descriptors += (uint32_t)got;
        if (!got)
            return fb;
        u->kind = U_WRITE;
        u->sent = (uint32_t)got;
        u->wq_entries = (uint32_t)got;
    } else {
        int rc;
        u->cr->status = 0;
        if (u->n == 1) {
            u->d[0].op_flags |= MDSA_F_RCR;
            u->d[0].completion_addr = (uint64_t)(uintptr_t)u->cr;
            u->kind = U_SINGLE;
            rc = mdsa_wq_submit_retry(e->wq, &u->d[0], &e->retry, &retries);
        } else {
            struct mdsa_desc b;
            memset(&b, 0, sizeof b);
            b.op_flags = mdsa_op_flags(MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR);
            b.completion_addr = (uint64_t)(uintptr_t)u->cr;
            b.src = (uint64_t)(uintptr_t)u->d;
            b.size = u->n;
            u->kind = U_BATCH;
            rc = mdsa_wq_submit_retry(e->wq, &b, &e->retry, &retries);
        }
        c->retries += retries != 0;
        c->refusals += retries;
        if (retries || rc != MDSA_WQ_OK)
            note_fault(e);
        if (rc < 0) { /* a broken queue, not a busy one */
            c->errors++;
            fall_back(e, &c->fallback_errors, u->s, 0, u->n);
            return FB_ERR;
        }
        if (rc != MDSA_WQ_OK) { /* full, or a shared WQ busy after every retry */
            c->refusals++;
            fall_back(e, &c->fallback_queue_full, u->s, 0, u->n);
            return FB_FULL;
        }
        c->descriptors += u->n;
        c->batches += u->kind == U_BATCH;
        u->sent = u->n;
        u->wq_entries = 1;
    }
    e->wq_inflight += u->wq_entries;
    e->tail++;
    return fb;
}

static int dsa_submit(mdsa_engine_t *eb, const struct mdsa_copy_op *ops, uint32_t n,
                      uint64_t *ticket)
{
    struct dsa_engine *e = E(eb);
    struct mdsa_engine_counters *c = &e->base.ctr;
    uint64_t t = e->next_ticket++;
    struct unit *u = NULL;
    int fb = 0;
    c->bursts++;
    c->copies += n;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *dst = ops[i].dst;
        const uint8_t *src = ops[i].src;
        uint32_t len = ops[i].len;
        c->bytes += len;
        if (!len)
            continue;
        if (len < e->threshold) {
            memmove(dst, src, len);
            c->cpu_small++;
            continue;
        }
        if (e->degraded) { /* after a completion timeout */
            memmove(dst, src, len);
            c->cpu_fallbacks++;
            c->fallback_cpu_only++;
            continue;
        }
        uint32_t off = 0;
        while (off < len) {
            if (!u && !(u = unit_open(e, t)))
                break;
            uint32_t chunk = len - off < e->max_xfer ? len - off : e->max_xfer;
            unit_add(e, u, dst + off, src + off, chunk);
            off += chunk;
            if (u->n == e->cap) {
                fb |= unit_flush(e, u);
                u = NULL;
            }
        }
        if (off < len) { /* no free unit: the ring or the WQ is full */
            memmove(dst + off, src + off, len - off);
            c->cpu_fallbacks++;
            c->fallback_queue_full++;
            fb |= FB_FULL;
        }
    }
    if (u)
        fb |= unit_flush(e, u);
    if (fb & FB_FULL)
        c->queue_full++;
    *ticket = t;
    return 0;
}

static int dsa_poll(mdsa_engine_t *eb, uint64_t ticket)
{
    struct dsa_engine *e = E(eb);
    if (ticket >= e->next_ticket)
        return -EINVAL;
    while (e->head != e->tail) {
        struct unit *u = &e->units[e->head & e->mask];
        if (u->ticket > ticket)
            return 1;
        if (!unit_done(e, u))
            return 0;
        retire(e);
    }
    return 1;
}

static const char *dsa_backend(mdsa_engine_t *eb)
{
    return E(eb)->backend;
}

static void free_mem(struct dsa_engine *e)
{
    free(e->desc_mem);
    free(e->seg_mem);
    free(e->cr_mem);
    free(e->probe);
    free(e->units);
}

static void dsa_destroy(mdsa_engine_t *eb)
{
    if (!eb)
        return;
    struct dsa_engine *e = E(eb);
    /* Everything submitted must land before the memory goes away; poll
     * ends by completion or by the timeout. */
    while (e->next_ticket && dsa_poll(eb, e->next_ticket - 1) == 0)
        mdsa_cpu_pause();
    /* After this nothing writes our descriptors or records: the emulator
     * joins its workers; for hardware, the last reference to the device
     * file (munmap + close) makes the idxd driver drain our PASID/WQ. */
    if (e->emu)
        mdsa_emu_destroy(e->emu);
    else
        mdsa_wq_close(e->wq);
    free_mem(e);
    free(e);
}

static const struct mdsa_engine_ops dsa_ops = {
    .submit = dsa_submit,
    .poll = dsa_poll,
    .backend = dsa_backend,
    .destroy = dsa_destroy,
};

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
    e->base.ops = &dsa_ops;
    e->wq = wq;
    e->emu = emu;
    e->threshold = threshold;
    e->retry.max_retries = c->retries;
    e->retry.max_pause = MDSA_RETRY_DEFAULT_PAUSE;
    e->timeout_ns = c->timeout_ns;
    e->max_xfer = i->max_xfer ? i->max_xfer : 1;
    e->write_mode = !i->portal;
    e->cc = (c->cc < 0 ? i->cache_control : c->cc) ? MDSA_F_CC : 0;
    e->member_opflags = mdsa_op_flags(MDSA_OP_MEMMOVE,
                                      MDSA_F_CRAV | e->cc | (e->write_mode ? MDSA_F_RCR : 0));
    if (e->write_mode)
        e->cap = WRITE_UNIT_DESCS;
    else if (i->max_batch < 2)
        e->cap = 1; /* no batches: one descriptor per submission */
    else
        e->cap = c->batch_descs ? c->batch_descs : UNIT_MAX_DESCS;
    if (!e->write_mode && e->cap > 1 && e->cap > i->max_batch)
        e->cap = i->max_batch;
    e->wq_limit = i->mode == MDSA_WQ_DEDICATED && i->size ? i->size : UINT32_MAX;
    if (e->write_mode && e->cap > e->wq_limit)
        e->cap = e->wq_limit;
    uint32_t units = c->ring ? c->ring : 64;
    if (!e->write_mode && units > e->wq_limit)
        units = e->wq_limit; /* never more BATCHes in flight than WQ entries */
    e->nunits = pow2_at_least(units);
    e->mask = e->nunits - 1;
    size_t nd = (size_t)e->nunits * e->cap;
    e->units = calloc(e->nunits, sizeof *e->units);
    e->desc_mem = aligned_alloc(64, nd * sizeof(struct mdsa_desc));
    e->seg_mem = calloc(nd, sizeof(struct seg));
    e->cr_mem = aligned_alloc(64, (size_t)e->nunits * sizeof(struct cr_line));
    e->probe = aligned_alloc(64, sizeof(struct cr_line));
    if (!e->units || !e->desc_mem || !e->seg_mem || !e->cr_mem || !e->probe)
        goto oom;
    memset(e->desc_mem, 0, nd * sizeof(struct mdsa_desc));
    memset(e->cr_mem, 0, (size_t)e->nunits * sizeof(struct cr_line));
    for (uint32_t k = 0; k < e->nunits; k++) {
        e->units[k].d = e->desc_mem + (size_t)k * e->cap;
        e->units[k].s = e->seg_mem + (size_t)k * e->cap;
        e->units[k].cr = &e->cr_mem[k].cr;
    }
    snprintf(e->backend, sizeof e->backend, "%s", backend);
    snprintf(e->note, sizeof e->note, "%s", note ? note : "");
    return &e->base;
oom:
    snprintf(err, errlen, "DSA engine: out of memory");
    if (e)
        free_mem(e);
    free(e);
    if (emu)
        mdsa_emu_destroy(emu);
    else
        mdsa_wq_close(wq);
    return NULL;
}

int mdsa_dsa_engine_probe(mdsa_engine_t *eb, uint64_t timeout_ns, char *err, size_t errlen)
{
    struct dsa_engine *e = E(eb);
    struct mdsa_cr *r = &e->probe->cr;
    struct mdsa_desc d;
    memset(&d, 0, sizeof d);
    memset(r, 0, sizeof *r);
    d.op_flags = mdsa_op_flags(MDSA_OP_NOOP, MDSA_F_CRAV | MDSA_F_RCR);
    d.completion_addr = (uint64_t)(uintptr_t)r;
    int rc = e->write_mode ? mdsa_wq_write_retry(e->wq, &d, 1, &e->retry, NULL)
                           : mdsa_wq_submit_retry(e->wq, &d, &e->retry, NULL);
    if (e->write_mode ? rc != 1 : rc != MDSA_WQ_OK) {
        snprintf(err, errlen, "NOOP probe on %s: submission failed (%d%s%s)", e->wq->info.name,
                 rc, rc < 0 ? ": " : "", rc < 0 ? strerror(-rc) : "");
        return rc < 0 ? rc : -EAGAIN;
    }
    uint64_t deadline = mdsa_dsa_now_ns() + timeout_ns;
    uint8_t st;
    while (!(st = mdsa_cr_status(r))) {
        mdsa_wq_progress(e->wq);
        if (mdsa_dsa_now_ns() > deadline) {
            snprintf(err, errlen, "NOOP probe on %s: no completion within %llu ms",
                     e->wq->info.name, (unsigned long long)(timeout_ns / 1000000));
            return -ETIMEDOUT; /* destroy() closes the queue before freeing */
        }
        mdsa_cpu_pause();
    }
    if ((st & MDSA_ST_MASK) != MDSA_ST_SUCCESS) {
        snprintf(err, errlen, "NOOP probe on %s: status 0x%02x (%s)", e->wq->info.name, st,
                 mdsa_status_name(st));
        return -EIO;
    }
    return 0;
}

int mdsa_engine_is_dsa(const mdsa_engine_t *e)
{
    return e && e->ops == &dsa_ops;
}

const char *mdsa_engine_dsa_note(const mdsa_engine_t *e)
{
    return mdsa_engine_is_dsa(e) ? ((const struct dsa_engine *)e)->note : "";
}

struct mdsa_emu *mdsa_engine_dsa_emu(mdsa_engine_t *e)
{
    return mdsa_engine_is_dsa(e) ? E(e)->emu : NULL;
}

uint64_t mdsa_engine_dsa_inflight(const mdsa_engine_t *e)
{
    if (!mdsa_engine_is_dsa(e))
        return 0;
    const struct dsa_engine *d = (const struct dsa_engine *)e;
    return d->tail - d->head;
}
