/* SPDX-License-Identifier: Apache-2.0 */
/* DSA copy engine: data path.
 *
 * A burst becomes one or more submission units: a lone MEMMOVE when the
 * unit holds one descriptor, else one BATCH (through the portal, or
 * write() where the kernel takes BATCH); write()-only queues that refuse
 * BATCH get groups of plain descriptors.  Every descriptor carries
 * CRAV|RCR: a member of a failed BATCH that has no success record is
 * copied again by the CPU (copies are idempotent), never assumed done.
 * Member records overlay the member's own descriptor slot (its byte 0,
 * the PASID, is 0 before submission), so nothing needs zeroing per burst.
 * Units live in a preallocated ring and are retired strictly in order;
 * every non-success status is finished by the CPU, so correctness never
 * depends on the device.  A completion that does not come is never
 * finished by the CPU while the device might still write it: the queue is
 * drained first (engine_recover.c).
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

#define CLOCK_EVERY 64          /* polls of a pending unit between clock reads */
#define ERRORS_AFTER_NS 50000   /* look at the device's software errors once a
                                   completion is this late, and this often */

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
 * memif_dsa.h's fallback_* the CPU copies are charged to. */
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
    e->base.ctr.emu_faults = s.page_faults + s.batch_faults + s.refused + s.dropped +
                             s.records_lost - s.records_lost_silent;
}

/* A completion that never came although the queue has been drained (the
 * descriptor was dropped, or its record could not be written): the device
 * will not touch it any more, so the CPU does the whole copy.  One error
 * per missing record; `quiet` for members of a BATCH whose own record is
 * the one missing (that one counts). */
static void lost(struct dsa_engine *e, const struct seg *s, int quiet)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    if (!quiet) {
        c->lost_completions++;
        c->errors++;
    }
    fall_back(e, &c->fallback_errors, s, 0, 1);
}

/* Consume one descriptor's completion (record r, status st != 0). */
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

/* Members of a BATCH that did not succeed as a whole (or whose own record
 * is missing after a drain: batch_lost): a member's success record is the
 * only proof it was copied.  `done` = descs_completed (members processed). */
static void finish_members(struct dsa_engine *e, struct unit *u, uint32_t done, int batch_lost)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    struct mdsa_cr r;
    for (uint32_t i = 0; i < done; i++) {
        uint8_t ms = mdsa_status_at(&u->d[i]);
        if (!ms) { /* processed (or dropped with the batch), RCR set, no record */
            lost(e, &u->s[i], batch_lost);
            continue;
        }
        memcpy(&r, &u->d[i], sizeof r); /* the record overlays the slot */
        finish_desc(e, &u->s[i], &r, ms);
    }
    if (done < u->n) /* never attempted (list fault or fence) */
        fall_back(e, &c->fallback_errors, u->s, done, u->n);
}

static int unit_done(struct dsa_engine *e, struct unit *u);

/* Pending.  Let a software queue progress; once the completion is late
 * look for software errors the device reported (a dropped descriptor, a
 * record it could not write); after timeout_ns, or on such an error,
 * drain the queue and decide.  1 done, 0 pending, -1 broken. */
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
    const char *why = NULL;
    if (now - u->t0 >= e->timeout_ns) {
        why = "completion timeout";
    } else if (now - u->t0 >= ERRORS_AFTER_NS && now - e->errors_checked >= ERRORS_AFTER_NS) {
        e->errors_checked = now;
        uint64_t n = mdsa_wq_errors(e->wq);
        if (n != e->errors_seen) {
            e->base.ctr.swerrors += n - e->errors_seen;
            e->errors_seen = n;
            why = "software error reported by the device";
        }
    }
    if (!why)
        return 0;
    if (mdsa_dsa_engine_quiesce(e, why))
        return -1;
    note_fault(e);
    return unit_done(e, u); /* drained now: decides */
}

/* 1 when the unit is complete (and its failures repaired), 0 if pending,
 * -1 when the engine is broken. */
static int unit_done(struct dsa_engine *e, struct unit *u)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    struct mdsa_cr r;
    if (u->kind == U_WRITE) {
        while (u->checked < u->sent) {
            uint8_t st = mdsa_status_at(&u->d[u->checked]);
            if (!st && !u->drained)
                return not_yet(e, u);
            if (!st) {
                lost(e, &u->s[u->checked], 0);
            } else {
                memcpy(&r, &u->d[u->checked], sizeof r); /* record overlays the slot */
                finish_desc(e, &u->s[u->checked], &r, st);
            }
            u->checked++;
        }
        return 1;
    }
    uint8_t st = mdsa_cr_status(u->cr);
    if (!st && !u->drained)
        return not_yet(e, u);
    if (u->kind == U_SINGLE) {
        if (st)
            finish_desc(e, &u->s[0], u->cr, st);
        else
            lost(e, &u->s[0], 0);
        return 1;
    }
    if (!st) { /* the BATCH's own record never came: trust member records only */
        c->lost_completions++;
        c->errors++;
        finish_members(e, u, u->n, 1);
        return 1;
    }
    uint8_t code = st & MDSA_ST_MASK;
    if (code == MDSA_ST_SUCCESS) {
        c->bytes_offloaded += u->bytes;
        return 1;
    }
    note_fault(e);
    if (code != MDSA_ST_BATCH_FAIL && code != MDSA_ST_BATCH_PAGE_FAULT) {
        c->errors++; /* the batch itself was rejected: no member ran */
        fall_back(e, &c->fallback_errors, u->s, 0, u->n);
        if (mdsa_dsa_batch_refused(code) && e->cap > 1) {
            char why[96];
            snprintf(why, sizeof why, "BATCH refused with 0x%02x (%s)", code,
                     mdsa_status_name(code));
            mdsa_dsa_engine_lone(e, why);
        }
        return 1;
    }
    uint32_t done = u->cr->bytes_completed < u->n ? u->cr->bytes_completed : u->n;
    if (code == MDSA_ST_BATCH_PAGE_FAULT)
        c->errors++;
    finish_members(e, u, done, 0);
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
    while (e->head != e->tail && unit_done(e, &e->units[e->head & e->mask]) == 1)
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

/* Plain descriptors through write() (the kernel refuses BATCH here). */
static int flush_write(struct dsa_engine *e, struct unit *u)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    uint32_t retries = 0;
    int fb = 0;
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
        return fb | 4; /* nothing in flight */
    u->kind = U_WRITE;
    u->sent = (uint32_t)got;
    u->wq_entries = (uint32_t)got;
    return fb;
}

/* One descriptor -- the lone MEMMOVE or the BATCH -- through the portal
 * or write(). */
static int flush_one(struct dsa_engine *e, struct unit *u)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    uint32_t retries = 0;
    struct mdsa_desc b;
    const struct mdsa_desc *d = &u->d[0];
    int rc;
    u->cr->status = 0;
    if (u->n == 1) {
        u->d[0].completion_addr = (uint64_t)(uintptr_t)u->cr;
        u->kind = U_SINGLE;
    } else {
        memset(&b, 0, sizeof b);
        b.op_flags = mdsa_op_flags(MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR);
        b.completion_addr = (uint64_t)(uintptr_t)u->cr;
        b.src = (uint64_t)(uintptr_t)u->d;
        b.size = u->n;
        u->kind = U_BATCH;
        d = &b;
    }
    if (e->write_mode) {
        rc = mdsa_wq_write_retry(e->wq, d, 1, &e->retry, &retries);
        rc = rc == 1 ? MDSA_WQ_OK : rc == 0 ? MDSA_WQ_RETRY : rc == -ENOSPC ? MDSA_WQ_FULL : rc;
    } else {
        rc = mdsa_wq_submit_retry(e->wq, d, &e->retry, &retries);
    }
    c->retries += retries != 0;
    c->refusals += retries;
    if (retries || rc != MDSA_WQ_OK)
        note_fault(e);
    if (rc < 0) { /* a broken queue, not a busy one */
        c->errors++;
        fall_back(e, &c->fallback_errors, u->s, 0, u->n);
        return FB_ERR | 4;
    }
    if (rc != MDSA_WQ_OK) { /* full, or a shared WQ busy after every retry */
        c->refusals++;
        fall_back(e, &c->fallback_queue_full, u->s, 0, u->n);
        return FB_FULL | 4;
    }
    c->descriptors += u->n;
    c->batches += u->kind == U_BATCH;
    u->sent = u->n;
    u->wq_entries = 1;
    return 0;
}

/* Hand a filled unit to the queue.  Whatever the queue does not take is
 * copied by the CPU now; returns FB_* flags for the burst's counters.
 * Descriptors and batches count once the queue has accepted them. */
static int unit_flush(struct dsa_engine *e, struct unit *u)
{
    u->t0 = 0;
    u->spins = 0;
    u->checked = 0;
    u->drained = 0;
    int fb = e->write_mode && !e->batch_ok ? flush_write(e, u) : flush_one(e, u);
    if (fb & 4)
        return fb & 3; /* nothing of it is in flight */
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
        if (c->state == MDSA_ENGINE_CPU_ONLY) { /* the device was given up */
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
    if (e->broken)
        return -EIO;
    while (e->head != e->tail) {
        struct unit *u = &e->units[e->head & e->mask];
        if (u->ticket > ticket)
            return 1;
        int r = unit_done(e, u);
        if (r < 0)
            return -EIO;
        if (!r)
            return 0;
        retire(e);
    }
    return 1;
}

static const char *dsa_backend(mdsa_engine_t *eb)
{
    return E(eb)->backend;
}

void mdsa_dsa_engine_destroy(mdsa_engine_t *eb)
{
    if (!eb)
        return;
    struct dsa_engine *e = E(eb);
    /* Everything submitted must land before the memory goes away; poll
     * ends by completion, by a drain after the timeout, or broken. */
    while (e->next_ticket && dsa_poll(eb, e->next_ticket - 1) == 0)
        mdsa_cpu_relax();
    /* After this nothing writes our descriptors or records: the emulator
     * joins its workers; for hardware, the last reference to the device
     * file (munmap + close) makes the idxd driver drain our PASID/WQ. */
    if (e->emu)
        mdsa_emu_destroy(e->emu);
    else
        mdsa_wq_close(e->wq);
    if (e->broken && !e->emu) {
        /* A device that ignored drain and reset may still write them:
         * keep that memory mapped rather than hand it back. */
        e->dev_mem = NULL;
    }
    mdsa_dsa_engine_mem_free(e);
    free(e);
}

static const struct mdsa_engine_ops dsa_ops = {
    .submit = dsa_submit,
    .poll = dsa_poll,
    .backend = dsa_backend,
    .destroy = mdsa_dsa_engine_destroy,
};

const struct mdsa_engine_ops *mdsa_dsa_engine_ops(void)
{
    return &dsa_ops;
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
