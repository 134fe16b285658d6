/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the DSA copy engine shared by engine.c (data path),
 * engine_recover.c (draining the queue when a completion does not come),
 * engine_setup.c (limits, memory, probe) and engine_create.c
 * (choosing and opening a back end).  Not public. */
#ifndef MDSA_DSA_ENGINE_INTERNAL_H
#define MDSA_DSA_ENGINE_INTERNAL_H

#include "engine.h"
#include "wq.h"

struct seg {
    uint8_t *dst;
    const uint8_t *src;
    uint32_t len;
};

enum { U_SINGLE = 1, U_BATCH, U_WRITE };

/* One submission: a lone descriptor, a BATCH, or a group of plain
 * descriptors handed to write(). */
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
    uint8_t drained;   /* a completed DRAIN (or a WQ reset) came after it: what
                          has no record now will never get one */
    struct mdsa_desc *d;
    struct seg *s;
    struct mdsa_cr *cr;
};

#define MDSA_DRAIN_ATTEMPTS 4 /* DRAINs one drain may send (a lost one is resent) */

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
    uint32_t max_xfer;       /* the device's limit: sysfs value rounded down */
    uint32_t max_batch;      /* likewise */
    uint32_t cap;            /* descriptors per unit (1: lone descriptors) */
    uint32_t nunits, mask;
    uint32_t wq_limit;       /* dedicated: WQ entries we may occupy */
    uint32_t wq_inflight;
    uint32_t member_opflags; /* MEMMOVE | CRAV | RCR [| CC] */
    int write_mode;          /* no portal: write() */
    int batch_ok;            /* units of several descriptors go as one BATCH */
    int broken;              /* a hung device could not be stopped: poll fails */
    uint64_t head, tail;     /* unit ring indices */
    uint64_t next_ticket;
    uint64_t timeout_ns, quiesce_ns;
    uint64_t errors_seen;    /* mdsa_wq_errors() when last looked */
    uint64_t errors_checked; /* when (ns) */
    struct unit *units;
    struct seg *seg_mem;
    /* One mapping (locked when allowed) for everything the device reads or
     * writes besides packet data: descriptor lists, records, probe. */
    void *dev_mem;
    size_t dev_len;
    struct mdsa_desc *desc_mem;
    struct cr_line *cr_mem;
    struct cr_line *drain;   /* DRAIN records: two sets of MDSA_DRAIN_ATTEMPTS,
                                used by alternate drains */
    uint64_t drains;
    struct cr_line *probe;   /* probe records (3) */
    uint8_t *probe_buf;      /* probe source and destination bytes */
    struct mdsa_desc *probe_list; /* the probe BATCH's two members */
    char backend[96];
    char note[256];          /* why hardware is not used (kind "dsa") */
};

/* Build an engine over an open queue.  Takes ownership of wq (closed with
 * mdsa_wq_close) and of emu (destroyed) when non-NULL, also on failure. */
mdsa_engine_t *mdsa_dsa_engine_new(struct mdsa_wq *wq, struct mdsa_emu *emu,
                                   const struct mdsa_dsa_config *c, size_t threshold,
                                   const char *backend, const char *note, char *err,
                                   size_t errlen);

/* Copy two buffers through the queue -- one BATCH of two MEMMOVEs when
 * the engine batches, else two lone MEMMOVEs -- wait up to timeout_ns and
 * compare the bytes.  0 or -errno with a message.  A BATCH refused for
 * its own sake switches the engine to lone descriptors instead. */
int mdsa_dsa_engine_probe(mdsa_engine_t *e, uint64_t timeout_ns, char *err, size_t errlen);

uint64_t mdsa_dsa_now_ns(void);

/* A BATCH rejected for its own sake (opcode, flags, reserved fields,
 * count, list alignment): none of its members ran, and batches of this
 * shape will keep failing. */
static inline int mdsa_dsa_batch_refused(uint8_t status)
{
    uint8_t code = status & MDSA_ST_MASK;
    return code == MDSA_ST_BAD_OPCODE || code == MDSA_ST_INVALID_FLAGS ||
           code == MDSA_ST_NOZERO_RESERVE || code == MDSA_ST_DESC_CNT_ERANGE ||
           code == MDSA_ST_DESCLIST_ALIGN;
}

/* engine_setup.c */
int mdsa_dsa_engine_mem_alloc(struct dsa_engine *e, int want_lock);
void mdsa_dsa_engine_mem_free(struct dsa_engine *e);
void mdsa_dsa_engine_note(struct dsa_engine *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* From now on one descriptor per unit (BATCH refused); `why` for the note. */
void mdsa_dsa_engine_lone(struct dsa_engine *e, const char *why);

/* engine.c */
const struct mdsa_engine_ops *mdsa_dsa_engine_ops(void);
void mdsa_dsa_engine_destroy(mdsa_engine_t *eb);

/* engine_recover.c.  The head unit u is overdue, or the device reported a
 * software error: drain the queue so nothing in flight can still be
 * written, then mark every unit in flight `drained`.  A drain that does
 * not finish within quiesce_ns means a hung device: the WQ is reset and
 * the engine turns CPU-only; if even the reset fails the engine is
 * broken.  Returns 0 (units drained) or -EIO (broken). */
int mdsa_dsa_engine_quiesce(struct dsa_engine *e, const char *why);
/* Submit one descriptor however the queue takes it, retrying a busy
 * shared queue until deadline.  0 or -errno. */
int mdsa_dsa_engine_send(struct dsa_engine *e, const struct mdsa_desc *d, uint64_t deadline);
/* Wait for a record until deadline (letting a software queue progress).
 * Its status, or 0 on timeout. */
uint8_t mdsa_dsa_engine_wait_record(struct dsa_engine *e, const struct mdsa_cr *r,
                                    uint64_t deadline);

#endif
