/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator internals shared by emu.c (queues, threads, API) and
 * emu_exec.c (descriptor execution).  Not a public header. */
#ifndef MDSA_DSA_EMU_INTERNAL_H
#define MDSA_DSA_EMU_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "crc32c.h"
#include "emu.h"

struct emu_armed {
    int active;
    uint32_t skip, count;
    int64_t offset;
    int side;
};

/* A record whose write "faulted": delivered later, in order. */
struct emu_late {
    uint64_t addr;
    uint64_t due_ns;
    struct mdsa_cr rec;
};

struct emu_entry {
    struct mdsa_desc d;
    uint64_t due_ns;
};

struct emu_wq {
    struct mdsa_wq base; /* first: the wq.h handle */
    struct mdsa_emu *emu;
    unsigned idx;
    uint32_t limit;      /* dedicated: size; shared: threshold */
    uint32_t max_xfer, max_batch; /* what the device enforces (mdsa_emu_device_max_*) */

    /* Submission side.  Async: guarded by q_mu.  Sync: by x_mu (the
     * submitter executes inline, so one lock covers both). */
    pthread_mutex_t q_mu;
    pthread_cond_t q_cv;
    struct emu_entry *ring;
    uint32_t cap, head, count;
    int paused, stop, thr_started;
    int busy;     /* the worker holds the head entry (executing or stalled) */
    int aborting; /* a reset is discarding the queue: execute nothing */
    pthread_t thr;
    uint64_t sub_rng;
    struct emu_armed qfull, stall;
    uint64_t submitted, refused, dropped, stalls, resets, aborted;
    uint64_t swerrs; /* atomic: software errors raised for this WQ */

    /* Execution side, guarded by x_mu. */
    pthread_mutex_t x_mu;
    uint64_t rng;
    struct emu_armed page, cr, member_cr, blist, errinj, binval;
    uint32_t batch_lost, batch_lost_ok; /* member records lost in the running batch */
    struct emu_late *late;
    uint32_t late_cap, late_head;
    uint32_t late_n; /* written under x_mu, peeked atomically */
    struct mdsa_emu_stats st;
};

struct mdsa_emu {
    struct mdsa_emu_config cfg;
    unsigned n;
    struct emu_wq *wqs;
    struct mdsa_crc32c_tab crc;
    pthread_mutex_t err_mu;
    struct mdsa_emu_swerr swerr;
};

/* Limits the device enforces (emu_config.c: ilog2 rounding under hw-strict). */
#define EMU_STRICT(w) ((w)->emu->cfg.profile == MDSA_EMU_HW_STRICT)

uint64_t emu_now_ns(void);
uint64_t emu_rng_next(uint64_t *s);
double emu_rng_unit(uint64_t *s);
/* Consume one eligible event of an armed fault; 1 when it fires. */
int emu_armed_fire(struct emu_armed *a);
void emu_swerr(struct mdsa_emu *emu, unsigned wq, uint8_t status, uint8_t opcode,
               int batch, uint32_t index, uint64_t addr);

/* Execute one top-level descriptor (x_mu held). */
void emu_exec_top(struct emu_wq *w, const struct mdsa_desc *d);
/* Deliver late records due at `now` (all of them if force). x_mu held. */
void emu_deliver_late(struct emu_wq *w, uint64_t now, int force);

#endif
