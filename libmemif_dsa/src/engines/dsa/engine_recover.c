/* SPDX-License-Identifier: Apache-2.0 */
/* DSA engine: what happens when a completion does not come.
 *
 * The CPU may finish a copy only once the device can no longer write it:
 * a late device write would otherwise land in a buffer the application
 * already reused.  So the engine first quiesces the queue -- a DRAIN
 * descriptor, which completes only after every earlier descriptor of
 * this queue has (and, on devices with an event log, after the kernel
 * wrote their records) -- and waits for it, bounded by quiesce_ms.  Then
 * whatever has no success record will never get one: the CPU does it.
 * A DRAIN that does not finish means a hung device: the WQ is reset
 * (closed and reopened; the kernel drains or aborts it), the engine
 * copies on the CPU from then on, and if even the reset cannot be
 * confirmed the bursts in flight fail with an error instead of being
 * finished under a device that may still write them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

int mdsa_dsa_engine_send(struct dsa_engine *e, const struct mdsa_desc *d, uint64_t deadline)
{
    for (;;) {
        int rc;
        if (e->write_mode) {
            rc = mdsa_wq_write(e->wq, d, 1);
            if (rc == 1)
                return 0;
            if (rc != -EAGAIN)
                return rc < 0 ? rc : -EIO;
        } else {
            rc = mdsa_wq_submit(e->wq, d);
            if (rc == MDSA_WQ_OK)
                return 0;
            if (rc != MDSA_WQ_RETRY)
                return rc < 0 ? rc : -ENOSPC;
            e->base.ctr.refusals++; /* a busy shared WQ, as on the data path */
        }
        if (mdsa_dsa_now_ns() > deadline)
            return -ETIMEDOUT; /* a shared queue that never took it */
        mdsa_wq_progress(e->wq);
        mdsa_cpu_relax();
    }
}

uint8_t mdsa_dsa_engine_wait_record(struct dsa_engine *e, const struct mdsa_cr *r,
                                    uint64_t deadline)
{
    uint8_t st;
    uint32_t spins = 0;
    while (!(st = mdsa_cr_status(r))) {
        mdsa_wq_progress(e->wq);
        if (++spins % 64 == 0 && mdsa_dsa_now_ns() > deadline)
            return 0;
        mdsa_cpu_relax();
    }
    return st;
}

/* Every unit now in flight was submitted before the drain (or the reset):
 * what has no record stays without one. */
static void mark_drained(struct dsa_engine *e)
{
    for (uint64_t i = e->head; i != e->tail; i++)
        e->units[i & e->mask].drained = 1;
}

/* The first status among the records of the DRAINs sent so far. */
static uint8_t drain_status(const struct cr_line *slot, int sent)
{
    for (int k = 0; k < sent; k++) {
        uint8_t st = mdsa_cr_status(&slot[k].cr);
        if (st)
            return st;
    }
    return 0;
}

/* Submit a DRAIN and wait for it.  0 when it completed.  The DRAIN itself
 * can be lost like any descriptor (dropped, or its record not written);
 * the device then reports a software error, and another DRAIN goes in
 * (each with its own record, never shared with another drain's DRAINs
 * that may still complete).  Any DRAIN completing proves everything
 * submitted before the first one has completed.  A hung device reports
 * nothing: the deadline decides. */
static int drain(struct dsa_engine *e, uint64_t deadline, char *why, size_t whylen)
{
    struct cr_line *slot = &e->drain[(e->drains++ % 2) * MDSA_DRAIN_ATTEMPTS];
    struct mdsa_desc d;
    if (!e->wq->info.drain) {
        snprintf(why, whylen, "DRAIN is not an allowed operation of %s", e->wq->info.name);
        return -ENOTSUP;
    }
    memset(&d, 0, sizeof d);
    d.op_flags = mdsa_op_flags(MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR);
    uint8_t st = 0;
    int sent = 0, again = 1;
    uint64_t errs = 0;
    while (!st) {
        if (again && sent < MDSA_DRAIN_ATTEMPTS) {
            memset(&slot[sent].cr, 0, sizeof slot[sent].cr);
            d.completion_addr = (uint64_t)(uintptr_t)&slot[sent].cr;
            errs = mdsa_wq_errors(e->wq);
            int rc = mdsa_dsa_engine_send(e, &d, deadline);
            if (rc) {
                snprintf(why, whylen, "DRAIN not accepted: %s", strerror(-rc));
                return rc;
            }
            sent++;
        }
        uint64_t now = mdsa_dsa_now_ns(), step = now + 50000;
        if (now >= deadline)
            break;
        while (!(st = drain_status(slot, sent)) && mdsa_dsa_now_ns() < step) {
            mdsa_wq_progress(e->wq);
            mdsa_cpu_relax();
        }
        uint64_t now_errs = mdsa_wq_errors(e->wq);
        again = now_errs != errs; /* this DRAIN may be the one lost: another */
        if (again) {
            e->base.ctr.swerrors += now_errs - e->errors_seen;
            e->errors_seen = now_errs;
        }
    }
    if (!st) {
        snprintf(why, whylen, "DRAIN did not complete within %llu ms",
                 (unsigned long long)(e->quiesce_ns / 1000000));
        return -ETIMEDOUT;
    }
    /* 0x26: a descriptor before the DRAIN faulted and the kernel wrote its
     * record from the event log first: drained all the same. */
    if ((st & MDSA_ST_MASK) != MDSA_ST_SUCCESS && (st & MDSA_ST_MASK) != MDSA_ST_DRAIN_EVL) {
        snprintf(why, whylen, "DRAIN completed with 0x%02x (%s)", st, mdsa_status_name(st));
        return -EIO;
    }
    return 0;
}

static void give_up(struct dsa_engine *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void give_up(struct dsa_engine *e, const char *fmt, ...)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->state_reason, sizeof c->state_reason, fmt, ap);
    va_end(ap);
    c->state = MDSA_ENGINE_CPU_ONLY;
    snprintf(e->note, sizeof e->note, "%s", c->state_reason);
}

int mdsa_dsa_engine_quiesce(struct dsa_engine *e, const char *why)
{
    struct mdsa_engine_counters *c = &e->base.ctr;
    char fail[160];
    c->timeouts++;
    uint64_t deadline = mdsa_dsa_now_ns() + e->quiesce_ns;
    if (!drain(e, deadline, fail, sizeof fail)) {
        mark_drained(e);
        return 0;
    }
    /* A hung device (or one that cannot drain): stop the queue itself. */
    c->wq_resets++;
    int rc = mdsa_wq_reset(e->wq, e->quiesce_ns);
    if (!rc) {
        mark_drained(e);
        give_up(e, "%s on %s, %s: WQ reset, copies continue on the CPU", why, e->wq->info.name,
                fail);
        return 0;
    }
    e->broken = 1;
    give_up(e, "%s on %s, %s, WQ reset failed (%s): copies in flight abandoned", why,
            e->wq->info.name, fail, strerror(rc < 0 ? -rc : EIO));
    return -EIO;
}
