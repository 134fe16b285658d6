/* SPDX-License-Identifier: Apache-2.0 */
/* One work-queue interface driven by both the hardware portal and the
 * software emulator, so the copy engine has a single submission path.
 */
#ifndef MDSA_DSA_WQ_H
#define MDSA_DSA_WQ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/cpu_relax.h"
#include "desc.h"

/* submit() results; negative values are -errno. */
enum {
    MDSA_WQ_OK = 0,
    MDSA_WQ_RETRY = 1, /* shared WQ refused (ENQCMD ZF=1): occupancy at threshold */
    MDSA_WQ_FULL = 2,  /* dedicated WQ has no free entry */
};

enum { MDSA_WQ_DEDICATED = 0, MDSA_WQ_SHARED = 1 };

struct mdsa_wq_info {
    char name[32];            /* "wq0.0" (hardware) or "emu0.0" */
    uint8_t mode;             /* MDSA_WQ_DEDICATED / MDSA_WQ_SHARED */
    uint8_t portal;           /* 1: submit() works; 0: write() only (mmap refused) */
    uint8_t block_on_fault;   /* WQ honours MDSA_F_BOF */
    uint8_t cache_control;    /* device accepts MDSA_F_CC */
    uint8_t version;          /* device major version (1 = SPR/EMR, 2 = ...) */
    uint8_t batch;            /* BATCH is an allowed operation of this WQ */
    uint8_t write_batch;      /* write() takes BATCH too (the kernel refuses it on
                                 version-1 devices with the INTEL-SA-01084 erratum) */
    uint8_t drain;            /* DRAIN is an allowed operation */
    uint32_t size;            /* entries */
    uint32_t threshold;       /* shared WQ: occupancy at which ENQCMD says retry */
    /* As sysfs shows them.  The device enforces the power of two at or
     * below each (the kernel programs WQCFG with ilog2() of the value):
     * users round down with mdsa_pow2_floor(). */
    uint32_t max_xfer;        /* bytes per descriptor */
    uint32_t max_batch;       /* descriptors per BATCH (< 2: no batches) */
};

/* Largest power of two <= x (0 for 0).  The idxd driver programs a WQ's
 * max_batch_size and max_transfer_size as ilog2(value), i.e. rounded
 * down to a power of two, whatever sysfs was given. */
static inline uint32_t mdsa_pow2_floor(uint32_t x)
{
    uint32_t p = 1;
    if (!x)
        return 0;
    while (p <= x / 2)
        p <<= 1;
    return p;
}

struct mdsa_wq;

struct mdsa_wq_ops {
    /* Portal-style: hand one descriptor to the queue.  MDSA_WQ_OK,
     * MDSA_WQ_RETRY, MDSA_WQ_FULL or -errno (-ENOTSUP: no portal). */
    int (*submit)(struct mdsa_wq *wq, const struct mdsa_desc *d);
    /* write()-style (the kernel's /dev/dsa write): returns how many
     * descriptors were accepted (> 0) or -errno when the first was not:
     * -EINVAL for BATCH or a completion record not 32-byte aligned,
     * -EAGAIN when a shared WQ stayed busy, -ENOSPC when a dedicated WQ
     * is full. */
    int (*write)(struct mdsa_wq *wq, const struct mdsa_desc *d, uint32_t n);
    /* Let a software back end make progress (deliver late records in
     * synchronous mode); NULL or a no-op for hardware. */
    void (*progress)(struct mdsa_wq *wq);
    /* Release the queue (hardware: unmap/close).  NULL when the queue is
     * owned by something else (an emulator's queues die with it). */
    void (*close)(struct mdsa_wq *wq);
    /* Software errors the device has reported for this queue so far (a
     * count that only grows; descriptors dropped, records that could not
     * be written ...).  Cheap to call while a completion is overdue; NULL
     * when the back end cannot tell. */
    uint64_t (*errors)(struct mdsa_wq *wq);
    /* Stop the queue and start it again (hardware: close and reopen the
     * device file; the kernel drains or aborts what this process had
     * queued).  0 means nothing submitted before can write memory any
     * more; -ETIMEDOUT (or -errno) means that could not be confirmed
     * within timeout_ns and the queue must not be used again.  NULL when
     * not supported. */
    int (*reset)(struct mdsa_wq *wq, uint64_t timeout_ns);
};

struct mdsa_wq {
    const struct mdsa_wq_ops *ops;
    struct mdsa_wq_info info;
};

static inline int mdsa_wq_submit(struct mdsa_wq *wq, const struct mdsa_desc *d)
{
    return wq->ops->submit(wq, d);
}

static inline int mdsa_wq_write(struct mdsa_wq *wq, const struct mdsa_desc *d, uint32_t n)
{
    return wq->ops->write(wq, d, n);
}

static inline void mdsa_wq_progress(struct mdsa_wq *wq)
{
    if (wq->ops->progress)
        wq->ops->progress(wq);
}

static inline void mdsa_wq_close(struct mdsa_wq *wq)
{
    if (wq && wq->ops->close)
        wq->ops->close(wq);
}

static inline uint64_t mdsa_wq_errors(struct mdsa_wq *wq)
{
    return wq->ops->errors ? wq->ops->errors(wq) : 0;
}

static inline int mdsa_wq_reset(struct mdsa_wq *wq, uint64_t timeout_ns)
{
    return wq->ops->reset ? wq->ops->reset(wq, timeout_ns) : -ENOTSUP;
}

/* Retry policy for a shared WQ that answers "retry": up to max_retries
 * further attempts, pausing 1, 2, 4, ... (capped at max_pause) CPU pause
 * instructions between them, then give up (the caller copies on the CPU).
 * Bounded so a busy shared queue never stalls the data path. */
struct mdsa_retry_policy {
    uint32_t max_retries;
    uint32_t max_pause;
};

#define MDSA_RETRY_DEFAULT_RETRIES 32 /* the kernel's enqcmds_retries default */
#define MDSA_RETRY_DEFAULT_PAUSE 64

/* Pauses before retry number `attempt` (0-based) under `p`. */
uint32_t mdsa_retry_backoff(const struct mdsa_retry_policy *p, uint32_t attempt);

/* submit() with the retry policy.  Returns the last submit() result;
 * *retries (may be NULL) gets the number of retries made. */
int mdsa_wq_submit_retry(struct mdsa_wq *wq, const struct mdsa_desc *d,
                         const struct mdsa_retry_policy *p, uint32_t *retries);

/* write() of n descriptors with the retry policy applied to -EAGAIN.
 * Returns descriptors accepted (0..n) or -errno if none and the error is
 * not a busy queue; *retries gets the number of retries made. */
int mdsa_wq_write_retry(struct mdsa_wq *wq, const struct mdsa_desc *d, uint32_t n,
                        const struct mdsa_retry_policy *p, uint32_t *retries);


/* "dedicated" / "shared". */
const char *mdsa_wq_mode_name(int mode);

/* One-line description of a queue into buf; returns snprintf's result. */
int mdsa_wq_describe(const struct mdsa_wq_info *info, char *buf, size_t len);

#endif
