/* SPDX-License-Identifier: Apache-2.0 */
/* Software DSA device: work queues (dedicated, shared, write()), the
 * synchronous and asynchronous completion models, fault arming, WQ reset
 * and the software-error register.  Descriptor execution is in
 * emu_exec.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_nanosleep, pthread_condattr_setclock under -std=c11 */
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_internal.h"

#define LATE_CAP 4096 /* late records held per WQ before early delivery */
#define WORKER_SPIN_NS 50000 /* async worker: spin this long before sleeping */

uint64_t emu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: tiny, deterministic, good enough for fault injection. */
uint64_t emu_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double emu_rng_unit(uint64_t *s)
{
    return (double)(emu_rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

int emu_armed_fire(struct emu_armed *a)
{
    if (!a->active)
        return 0;
    if (a->skip) {
        a->skip--;
        return 0;
    }
    if (--a->count == 0)
        a->active = 0;
    return 1;
}

void emu_swerr(struct mdsa_emu *emu, unsigned wq, uint8_t status, uint8_t opcode, int batch,
               uint32_t index, uint64_t addr)
{
    pthread_mutex_lock(&emu->err_mu);
    struct mdsa_emu_swerr *e = &emu->swerr;
    if (e->valid) {
        e->overflow = 1;
    } else {
        e->valid = 1;
        e->status = status;
        e->opcode = opcode;
        e->wq = (uint16_t)wq;
        e->batch = (uint8_t)batch;
        e->index = index;
        e->addr = addr;
    }
    e->count++;
    pthread_mutex_unlock(&emu->err_mu);
    if (wq < emu->n)
        __atomic_add_fetch(&emu->wqs[wq].swerrs, 1, __ATOMIC_RELEASE);
}

static void sleep_until(uint64_t due)
{
    struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ull),
                          .tv_nsec = (long)(due % 1000000000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static struct emu_wq *W(struct mdsa_wq *wq)
{
    return (struct emu_wq *)wq;
}

/* Injected "queue full": scripted first, then the random rate -- which
 * spares a DRAIN on a dedicated WQ: a host keeps an entry free for it
 * (the DSA engine does), so only a host bug could overrun the WQ then.
 * Caller holds the submission lock. */
static int inject_refusal(struct emu_wq *w, const struct mdsa_desc *d)
{
    double p = w->emu->cfg.qfull_rate;
    if (emu_armed_fire(&w->qfull))
        return 1;
    if (mdsa_desc_opcode(d) == MDSA_OP_DRAIN && w->base.info.mode == MDSA_WQ_DEDICATED)
        return 0;
    return p > 0 && emu_rng_unit(&w->sub_rng) < p;
}

static int refused_code(const struct emu_wq *w)
{
    return w->base.info.mode == MDSA_WQ_SHARED ? MDSA_WQ_RETRY : MDSA_WQ_FULL;
}

/* A full queue at submission.  A shared WQ (ENQCMD) answers retry.  A
 * dedicated WQ under hw-strict says nothing -- MOVDIR64B is a posted
 * write -- and the device drops the descriptor with a software error;
 * lenient answers FULL.  Returns what submit() reports. */
static int queue_full(struct emu_wq *w, const struct mdsa_desc *d)
{
    if (w->base.info.mode == MDSA_WQ_SHARED || !EMU_STRICT(w)) {
        w->refused++;
        return refused_code(w);
    }
    w->dropped++;
    emu_swerr(w->emu, w->idx, MDSA_EMU_SWERR_WQ_OVERFLOW, mdsa_desc_opcode(d), 0, 0,
              d->completion_addr);
    return MDSA_WQ_OK;
}

/* Synchronous model: execute inside the call; the queue never holds
 * anything, so only injection refuses. */
static int enqueue_sync(struct emu_wq *w, const struct mdsa_desc *d)
{
    pthread_mutex_lock(&w->x_mu);
    if (inject_refusal(w, d)) {
        int rc = queue_full(w, d);
        pthread_mutex_unlock(&w->x_mu);
        return rc;
    }
    w->submitted++;
    struct mdsa_desc copy = *d; /* the device reads the 64 bytes once */
    if (w->late_n)
        emu_deliver_late(w, emu_now_ns(), 0);
    emu_exec_top(w, &copy);
    pthread_mutex_unlock(&w->x_mu);
    return MDSA_WQ_OK;
}

static int enqueue_async(struct emu_wq *w, const struct mdsa_desc *d)
{
    uint64_t lat = w->emu->cfg.latency_ns;
    uint64_t due = lat ? emu_now_ns() + lat : 0;
    pthread_mutex_lock(&w->q_mu);
    if (w->count >= w->limit || inject_refusal(w, d)) {
        int rc = queue_full(w, d);
        pthread_mutex_unlock(&w->q_mu);
        return rc;
    }
    struct emu_entry *e = &w->ring[(w->head + w->count) % w->cap];
    e->d = *d;
    e->due_ns = due;
    __atomic_store_n(&w->count, w->count + 1, __ATOMIC_RELEASE); /* peeked by a spinning worker */
    w->submitted++;
    pthread_cond_signal(&w->q_cv);
    pthread_mutex_unlock(&w->q_mu);
    return MDSA_WQ_OK;
}

static int enqueue(struct emu_wq *w, const struct mdsa_desc *d)
{
    return w->emu->cfg.async ? enqueue_async(w, d) : enqueue_sync(w, d);
}

static int emu_submit(struct mdsa_wq *wq, const struct mdsa_desc *d)
{
    if (!wq->info.portal)
        return -ENOTSUP; /* like an mmap the kernel refused */
    return enqueue(W(wq), d);
}

/* The kernel's write(): per descriptor, refuse BATCH where the kernel
 * does and misaligned records, then submit (a shared WQ is retried
 * enq_retries times; a dedicated WQ is a plain MOVDIR64B). */
static int emu_write(struct mdsa_wq *wq, const struct mdsa_desc *d, uint32_t n)
{
    struct emu_wq *w = W(wq);
    uint32_t i;
    int rc = 0;
    for (i = 0; i < n; i++) {
        if ((mdsa_desc_opcode(&d[i]) == MDSA_OP_BATCH && !wq->info.write_batch) ||
            (d[i].completion_addr & (MDSA_CR_ALIGN - 1))) {
            rc = -EINVAL;
            break;
        }
        rc = enqueue(w, &d[i]);
        for (uint32_t t = 0; rc == MDSA_WQ_RETRY && t < w->emu->cfg.enq_retries; t++) {
            mdsa_cpu_relax();
            rc = enqueue(w, &d[i]);
        }
        if (rc == MDSA_WQ_RETRY)
            rc = -EAGAIN;
        else if (rc == MDSA_WQ_FULL)
            rc = -ENOSPC;
        if (rc)
            break;
    }
    return i ? (int)i : rc;
}

static void emu_progress(struct mdsa_wq *wq)
{
    struct emu_wq *w = W(wq);
    if (w->emu->cfg.async) {
        /* A poller spinning on a CPU the worker needs would starve it:
         * step aside while work is queued (emulator only). */
        if (__atomic_load_n(&w->count, __ATOMIC_ACQUIRE) ||
            __atomic_load_n(&w->busy, __ATOMIC_ACQUIRE))
            sched_yield();
        return; /* the worker delivers late records */
    }
    if (!__atomic_load_n(&w->late_n, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&w->x_mu);
    emu_deliver_late(w, emu_now_ns(), 0);
    pthread_mutex_unlock(&w->x_mu);
}

static uint64_t emu_errors(struct mdsa_wq *wq)
{
    return __atomic_load_n(&W(wq)->swerrs, __ATOMIC_ACQUIRE);
}

static void timed_wait(struct emu_wq *w, uint64_t until)
{
    struct timespec ts = {.tv_sec = (time_t)(until / 1000000000ull),
                          .tv_nsec = (long)(until % 1000000000ull)};
    pthread_cond_timedwait(&w->q_cv, &w->q_mu, &ts);
}

/* Disable and re-enable the WQ: what is queued is discarded, a descriptor
 * the device is stuck on is abandoned (unless it was armed to ignore
 * resets), late records still owed are dropped.  After 0 nothing
 * submitted earlier writes memory. */
static int emu_reset(struct mdsa_wq *wq, uint64_t timeout_ns)
{
    struct emu_wq *w = W(wq);
    uint64_t deadline = emu_now_ns() + timeout_ns;
    pthread_mutex_lock(&w->q_mu);
    w->aborting = 1;
    pthread_cond_broadcast(&w->q_cv);
    while (w->busy && emu_now_ns() < deadline)
        timed_wait(w, deadline);
    if (w->busy) { /* the device did not let go of its descriptor */
        w->aborting = 0;
        pthread_mutex_unlock(&w->q_mu);
        return -ETIMEDOUT;
    }
    w->aborted += w->count;
    w->head = 0;
    __atomic_store_n(&w->count, 0, __ATOMIC_RELEASE);
    pthread_mutex_lock(&w->x_mu);
    w->late_head = 0;
    __atomic_store_n(&w->late_n, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&w->x_mu);
    w->resets++;
    w->aborting = 0;
    pthread_cond_broadcast(&w->q_cv);
    pthread_mutex_unlock(&w->q_mu);
    return 0;
}

static const struct mdsa_wq_ops emu_ops = {
    .submit = emu_submit,
    .write = emu_write,
    .progress = emu_progress,
    .close = NULL, /* owned by the emulator */
    .errors = emu_errors,
    .reset = emu_reset,
};

static uint64_t late_next_due(struct emu_wq *w)
{
    uint64_t due = 0;
    pthread_mutex_lock(&w->x_mu);
    if (w->late_n)
        due = w->late[w->late_head].due_ns;
    pthread_mutex_unlock(&w->x_mu);
    return due;
}

static void deliver_due(struct emu_wq *w)
{
    pthread_mutex_lock(&w->x_mu);
    emu_deliver_late(w, emu_now_ns(), 0);
    pthread_mutex_unlock(&w->x_mu);
}

/* An armed STALL holds the head entry: the device is busy with it and
 * writes its destination only afterwards.  Returns 0 to go on executing
 * it, 1 when a reset or shutdown took it away.  q_mu held. */
static int stall(struct emu_wq *w)
{
    int64_t how = w->stall.offset;
    uint64_t until = how >= 0 ? emu_now_ns() + (uint64_t)how : UINT64_MAX;
    w->stalls++;
    while (!w->stop && emu_now_ns() < until) {
        if (w->aborting && how != -2)
            return 1; /* the WQ reset abandons it */
        if (until == UINT64_MAX)
            pthread_cond_wait(&w->q_cv, &w->q_mu);
        else
            timed_wait(w, until);
    }
    return w->stop || w->aborting;
}

/* Worker: executes its WQ in FIFO order once each entry's latency has
 * passed, and delivers late records when due.  Occupancy is what waits
 * in the ring; the entry being executed (or stalled) no longer counts,
 * but everything behind it waits for it. */
static void *worker(void *arg)
{
    struct emu_wq *w = arg;
    pthread_mutex_lock(&w->q_mu);
    while (!w->stop) {
        int runnable = !w->paused && w->count && !w->aborting;
        if (!runnable) {
            if (!__atomic_load_n(&w->late_n, __ATOMIC_ACQUIRE)) {
                pthread_cond_wait(&w->q_cv, &w->q_mu);
                continue;
            }
            pthread_mutex_unlock(&w->q_mu);
            deliver_due(w);
            uint64_t due = late_next_due(w);
            pthread_mutex_lock(&w->q_mu);
            if (due && !w->stop && (w->paused || !w->count))
                timed_wait(w, due);
            continue;
        }
        /* Dispatch: the entry leaves the WQ (its slot is free again, as
         * on the device once a descriptor reaches an engine) and the
         * worker is busy with it until it has executed. */
        struct emu_entry e = w->ring[w->head];
        w->head = (w->head + 1) % w->cap;
        __atomic_store_n(&w->count, w->count - 1, __ATOMIC_RELEASE);
        __atomic_store_n(&w->busy, 1, __ATOMIC_RELEASE);
        if (emu_armed_fire(&w->stall) && stall(w)) {
            __atomic_store_n(&w->busy, 0, __ATOMIC_RELEASE); /* abandoned by a reset (or shutdown): never written */
            w->aborted++;
            pthread_cond_broadcast(&w->q_cv);
            continue;
        }
        pthread_mutex_unlock(&w->q_mu);
        if (e.due_ns && emu_now_ns() < e.due_ns)
            sleep_until(e.due_ns);
        pthread_mutex_lock(&w->x_mu);
        if (w->late_n)
            emu_deliver_late(w, emu_now_ns(), 0);
        emu_exec_top(w, &e.d);
        pthread_mutex_unlock(&w->x_mu);
        pthread_mutex_lock(&w->q_mu);
        __atomic_store_n(&w->busy, 0, __ATOMIC_RELEASE);
        if (w->aborting)
            pthread_cond_broadcast(&w->q_cv); /* a reset waits for busy == 0 */
        if (!w->count) {
            /* Busy-wait briefly for the next submission: a condvar wake-up
             * costs tens of microseconds, more than a device would take. */
            pthread_mutex_unlock(&w->q_mu);
            uint64_t until = emu_now_ns() + WORKER_SPIN_NS;
            while (!__atomic_load_n(&w->count, __ATOMIC_ACQUIRE) &&
                   !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) && emu_now_ns() < until)
                sched_yield(); /* the submitter may share this CPU */
            pthread_mutex_lock(&w->q_mu);
        }
    }
    pthread_mutex_unlock(&w->q_mu);
    return NULL;
}

static void wq_fini(struct emu_wq *w)
{
    if (w->thr_started) {
        pthread_mutex_lock(&w->q_mu);
        __atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&w->q_cv);
        pthread_mutex_unlock(&w->q_mu);
        pthread_join(w->thr, NULL);
    }
    if (w->ring || w->late) {
        pthread_cond_destroy(&w->q_cv);
        pthread_mutex_destroy(&w->q_mu);
        pthread_mutex_destroy(&w->x_mu);
    }
    free(w->ring);
    free(w->late);
}

static int wq_init(struct mdsa_emu *emu, struct emu_wq *w, unsigned idx, char *err, size_t errlen)
{
    const struct mdsa_emu_config *c = &emu->cfg;
    w->emu = emu;
    w->idx = idx;
    w->base.ops = &emu_ops;
    struct mdsa_wq_info *i = &w->base.info;
    snprintf(i->name, sizeof i->name, "emu0.%u", idx);
    i->mode = (uint8_t)c->mode;
    i->portal = c->submit != MDSA_EMU_SUBMIT_WRITE;
    i->block_on_fault = (uint8_t)c->block_on_fault;
    i->cache_control = 1;
    i->version = (uint8_t)c->version;
    i->batch = c->max_batch >= 2;
    /* the kernel refuses BATCH through write() on version-1 devices with
     * the erratum; lenient keeps the old rule (never) */
    i->write_batch = c->profile == MDSA_EMU_HW_STRICT && i->batch &&
                     (c->version >= 2 || c->user_submission_safe);
    i->drain = 1;
    i->size = c->wq_size;
    i->threshold = c->mode == MDSA_WQ_SHARED ? (c->threshold ? c->threshold : c->wq_size) : 0;
    i->max_xfer = c->max_xfer;   /* as sysfs would show them; the device */
    i->max_batch = c->max_batch; /* enforces mdsa_emu_device_max_*() */
    w->limit = c->mode == MDSA_WQ_SHARED ? i->threshold : c->wq_size;
    w->max_xfer = mdsa_emu_device_max_xfer(c);
    w->max_batch = mdsa_emu_device_max_batch(c);
    w->cap = c->wq_size;
    w->ring = aligned_alloc(64, sizeof(struct emu_entry) * w->cap);
    w->late_cap = LATE_CAP;
    w->late = calloc(w->late_cap, sizeof *w->late);
    /* Independent, reproducible streams per WQ and per side. */
    w->rng = c->seed * 0x100000001b3ull + idx * 2 + 1;
    w->sub_rng = c->seed * 0x100000001b3ull + idx * 2 + 2;
    emu_rng_next(&w->rng);
    emu_rng_next(&w->sub_rng);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->q_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->q_mu, NULL);
    pthread_mutex_init(&w->x_mu, NULL);
    if (!w->ring || !w->late) {
        snprintf(err, errlen, "DSA emulator: out of memory");
        return -ENOMEM;
    }
    if (c->async) {
        int rc = pthread_create(&w->thr, NULL, worker, w);
        if (rc) {
            snprintf(err, errlen, "DSA emulator: cannot start worker thread: %s", strerror(rc));
            return -rc;
        }
        w->thr_started = 1;
    }
    return 0;
}

struct mdsa_emu *mdsa_emu_create(const struct mdsa_emu_config *c, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    if (mdsa_emu_config_check(c, err, errlen))
        return NULL;
    struct mdsa_emu *emu = calloc(1, sizeof *emu);
    if (!emu) {
        snprintf(err, errlen, "DSA emulator: out of memory");
        return NULL;
    }
    emu->cfg = *c;
    mdsa_crc32c_init(&emu->crc);
    pthread_mutex_init(&emu->err_mu, NULL);
    emu->wqs = calloc(c->wqs, sizeof *emu->wqs);
    if (!emu->wqs) {
        snprintf(err, errlen, "DSA emulator: out of memory");
        pthread_mutex_destroy(&emu->err_mu);
        free(emu);
        return NULL;
    }
    for (unsigned i = 0; i < c->wqs; i++) {
        emu->n = i + 1;
        if (wq_init(emu, &emu->wqs[i], i, err, errlen)) {
            mdsa_emu_destroy(emu);
            return NULL;
        }
    }
    return emu;
}

void mdsa_emu_destroy(struct mdsa_emu *emu)
{
    if (!emu)
        return;
    for (unsigned i = 0; i < emu->n; i++)
        wq_fini(&emu->wqs[i]);
    free(emu->wqs);
    pthread_mutex_destroy(&emu->err_mu);
    free(emu);
}

const struct mdsa_emu_config *mdsa_emu_config_of(const struct mdsa_emu *emu)
{
    return &emu->cfg;
}

unsigned mdsa_emu_nwqs(const struct mdsa_emu *emu)
{
    return emu->n;
}

struct mdsa_wq *mdsa_emu_wq(struct mdsa_emu *emu, unsigned idx)
{
    return idx < emu->n ? &emu->wqs[idx].base : NULL;
}

void mdsa_emu_pause(struct mdsa_emu *emu, unsigned wq, int paused)
{
    if (wq >= emu->n)
        return;
    struct emu_wq *w = &emu->wqs[wq];
    pthread_mutex_lock(&w->q_mu);
    w->paused = paused;
    pthread_cond_broadcast(&w->q_cv);
    pthread_mutex_unlock(&w->q_mu);
}

int mdsa_emu_wait_idle(struct mdsa_emu *emu, unsigned wq, uint64_t timeout_ns)
{
    if (wq >= emu->n)
        return -EINVAL;
    struct emu_wq *w = &emu->wqs[wq];
    uint64_t deadline = emu_now_ns() + timeout_ns;
    for (;;) {
        pthread_mutex_lock(&w->q_mu);
        uint32_t queued = w->count + (uint32_t)w->busy;
        pthread_mutex_unlock(&w->q_mu);
        mdsa_wq_progress(&w->base);
        if (!queued && !__atomic_load_n(&w->late_n, __ATOMIC_ACQUIRE))
            return 0;
        if (emu_now_ns() > deadline)
            return -ETIMEDOUT;
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

int mdsa_emu_arm_fault(struct mdsa_emu *emu, unsigned wq, const struct mdsa_emu_fault *f)
{
    if (wq >= emu->n || f->kind < 0 || f->kind >= MDSA_EMU_FAULT_KINDS)
        return -EINVAL;
    struct emu_wq *w = &emu->wqs[wq];
    struct emu_armed a = {.active = 1, .skip = f->skip, .count = f->count ? f->count : 1,
                          .offset = f->offset, .side = f->side};
    if (f->kind == MDSA_EMU_FAULT_STALL && !emu->cfg.async)
        return -EINVAL; /* a synchronous device finishes inside submit */
    pthread_mutex_lock(&w->q_mu);
    pthread_mutex_lock(&w->x_mu);
    switch (f->kind) {
    case MDSA_EMU_FAULT_PAGE: w->page = a; break;
    case MDSA_EMU_FAULT_CR: w->cr = a; break;
    case MDSA_EMU_FAULT_MEMBER_CR: w->member_cr = a; break;
    case MDSA_EMU_FAULT_BATCH_LIST: w->blist = a; break;
    case MDSA_EMU_FAULT_ERROR: w->errinj = a; break;
    case MDSA_EMU_FAULT_STALL: w->stall = a; break;
    case MDSA_EMU_FAULT_BATCH_INVALID: w->binval = a; break;
    default: w->qfull = a; break;
    }
    pthread_mutex_unlock(&w->x_mu);
    pthread_mutex_unlock(&w->q_mu);
    return 0;
}

struct mdsa_emu_swerr mdsa_emu_swerr_read(struct mdsa_emu *emu, int clear)
{
    pthread_mutex_lock(&emu->err_mu);
    struct mdsa_emu_swerr e = emu->swerr;
    if (clear)
        memset(&emu->swerr, 0, sizeof emu->swerr);
    pthread_mutex_unlock(&emu->err_mu);
    return e;
}

struct mdsa_emu_stats mdsa_emu_stats_read(struct mdsa_emu *emu, unsigned wq)
{
    struct mdsa_emu_stats s;
    memset(&s, 0, sizeof s);
    if (wq >= emu->n)
        return s;
    struct emu_wq *w = &emu->wqs[wq];
    pthread_mutex_lock(&w->q_mu);
    pthread_mutex_lock(&w->x_mu);
    s = w->st;
    s.submitted = w->submitted;
    s.refused = w->refused;
    s.dropped = w->dropped;
    s.stalls = w->stalls;
    s.resets = w->resets;
    s.aborted = w->aborted;
    s.swerrs = __atomic_load_n(&w->swerrs, __ATOMIC_ACQUIRE);
    pthread_mutex_unlock(&w->x_mu);
    pthread_mutex_unlock(&w->q_mu);
    return s;
}
