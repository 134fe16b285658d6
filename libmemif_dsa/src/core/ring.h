/* SPDX-License-Identifier: Apache-2.0 */
/* Rings: one queue of an interface.  Producer/consumer index math on
 * free-running u16 counters, descriptor validation, refill, interrupts,
 * the libmemif zero-copy buffer API (ring_zc.c) and bursts copied through
 * the copy engine (ring_copy.c).
 *
 * Ownership (protocol): the secondary writes head, the primary writes
 * tail, on both rings.  We keep our own copy of every index we publish and
 * never trust a value the peer can write without checking it: a peer index
 * may only move forward and never by more than the ring allows, and every
 * descriptor field is read once into a local, checked, then used.
 *
 * A call that finds the peer broke the rules (or the copy engine failed)
 * sets q->fault to the reason and returns -1, NULL or
 * MEMIF_ERR_DISCONNECTED; the caller tears the interface down. */
#ifndef MDSA_RING_H
#define MDSA_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "../engines/copy.h"
#include "alloc.h"
#include "shm.h"
#include "shm_layout.h"
#include "stats.h"
#include "wire.h"

#define MDSA_MAX_QUEUES 256  /* per direction (index <= 255) */
#define MDSA_TX_INFLIGHT 64  /* async tx bursts in flight per queue */
#define MDSA_MAX_PACKET (16u << 20) /* refuse absurd chains from a peer */

/* An interface's copy engine and the scratch list of one burst's copies. */
struct copier {
    mdsa_engine_t *engine;
    struct mdsa_copy_op *ops; /* one op per ring slot */
    uint32_t ops_cap;
    uint64_t submitted;       /* bursts submitted to this engine */
    uint64_t last_ticket;
};

struct pending_pub {          /* an async tx burst awaiting completion */
    uint64_t ticket;
    uint16_t index;           /* ring index to publish when it lands */
};

struct slot_loc {             /* where a secondary-owned buffer lives */
    uint32_t base;            /* start of the buffer */
    uint32_t offset;          /* data start (base + headroom) */
    uint32_t cap;             /* bytes from offset to the buffer end */
    uint16_t region;
};

struct mqueue {
    memif_ring_t *ring;
    struct shm *shm;          /* the interface's regions */
    struct copier *cp;        /* the interface's copy engine */
    uint32_t size;            /* slots */
    uint16_t mask;
    uint8_t log2;
    bool primary;             /* our role: the primary publishes tail */
    bool is_tx;               /* we produce on this ring */
    bool s2m;
    uint16_t region;          /* ring location as announced */
    uint32_t offset;
    int int_fd;
    uint32_t buffer_size;     /* secondary: size of each of our buffers */
    uint16_t lo_headroom;     /* secondary: bytes every buffer skips (the layout's) */
    uint32_t offer;           /* secondary rx: length offered at refill, 0: all */
    uint32_t loc_mask;        /* secondary: buffers - 1 (2 per slot when rotating) */
    uint32_t seen_len;        /* primary: the longest descriptor length the peer gave */
    /* Our private cursors: never re-read our own index from shared memory,
     * the peer can write it. */
    uint16_t pub;             /* last index we published (head or tail) */
    uint16_t next_buf;        /* tx: next slot to hand out (libmemif API) */
    uint16_t last;            /* rx: consumed up to (last_head / last_tail) */
    uint16_t reserved;        /* tx: slots handed to the engine (>= pub) */
    uint16_t headroom;        /* secondary rx: headroom of the last refill */
    struct slot_loc *loc;     /* secondary: our buffers, by ring position (loc_of) */
    uint32_t *cap;            /* primary tx: validated capacity per slot */
    struct pending_pub inflight[MDSA_TX_INFLIGHT];
    uint32_t inflight_head, inflight_tail;
    const char *fault;        /* why the last call failed on the peer's input */
    struct mdsa_qstats st;
};

/* Ring index publication: release store so descriptors and data written
 * before are visible to the peer first; acquire load on the other side. */
static inline void ring_store(volatile uint16_t *p, uint16_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}
static inline uint16_t ring_load(volatile uint16_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
/* A poll that found nothing to do (rx empty, tx full).  Polling callers
 * call again at once: one pause makes the next look wait a moment, which
 * keeps a spinning side off the peer's index line and leaves the core's
 * pipeline to a sibling hyperthread (the peer, when the host placed them
 * so).  Upstream libmemif pays a read() system call per empty receive
 * poll; this costs tens of nanoseconds and no system call. */
static inline void ring_idle(void)
{
    mdsa_cpu_relax();
}

static inline void ring_publish(struct mqueue *q, uint16_t idx)
{
    q->pub = idx;
    ring_store(q->primary ? &q->ring->tail : &q->ring->head, idx);
}

/* Secondary: the buffer a ring position uses.  A slot always uses the same
 * buffer, unless the layout rotates two per slot (a different one at each
 * lap of the ring, i.e. at each refill). */
static inline struct slot_loc *loc_of(const struct mqueue *q, uint16_t pos)
{
    return &q->loc[pos & q->loc_mask];
}

/* ---- setup and teardown (ring.c) --------------------------------------- */

/* Secondary: the ring of 1 << log2 slots of `m` placed as `at` says, with
 * `buffer_size`-byte buffers laid out as `lo` says. */
int ring_secondary_init(struct mqueue *q, const struct mdsa_alloc *al, struct shm *m,
                        const struct shm_ring_at *at, uint8_t log2, bool s2m,
                        uint32_t buffer_size, const mdsa_layout_t *lo);
/* Primary: the peer's ADD_RING, which must be ring `index` of its
 * direction, checked against the regions announced so far.  The interrupt
 * fd is ours from here on.  0, or -1 with *why. */
int ring_primary_add(struct mqueue *q, struct shm *m, const memif_msg_add_ring_t *ar, int fd,
                     uint16_t index, const char **why);
/* Primary, regions mapped: find the ring, check its cookie, reset.
 * MEMIF_ERR_COOKIE, MEMIF_ERR_NOMEM or MEMIF_ERR_SUCCESS. */
int ring_primary_map(struct mqueue *q, const struct mdsa_alloc *al);
void ring_release(struct mqueue *q, const struct mdsa_alloc *al);

/* ---- index math and descriptors (ring.c) ------------------------------- */

/* rx: packets available (validated).  0, or -1 on a violation. */
int ring_rx_avail(struct mqueue *q, uint16_t *n);
/* tx: free slots from `from` (validated).  0, or -1 on a violation. */
int ring_tx_free(struct mqueue *q, uint16_t from, uint16_t *n);
/* A tx slot's buffer and its capacity; NULL on a violation. */
uint8_t *ring_tx_buf(struct mqueue *q, uint16_t slot, uint32_t *cap);
/* An rx slot's buffer, length and flags; NULL on a violation. */
uint8_t *ring_rx_buf(struct mqueue *q, uint16_t slot, uint32_t *len, uint16_t *flags);
/* Primary: clear NEXT on S2M descriptors consumed in [from, to). */
void ring_rx_consumed(struct mqueue *q, uint16_t from, uint16_t to);
/* Secondary: give `count` slots back as empty buffers with `headroom`. */
void ring_refill(struct mqueue *q, uint16_t count, uint16_t headroom);
/* Secondary: every receive buffer to the primary (at connect). */
void ring_refill_all(struct mqueue *q);
/* rx slots up to `upto` go back to the peer. */
void ring_rx_release(struct mqueue *q, uint16_t upto);
/* Signal the consumer, unless it polls (MASK_INT). */
void ring_kick(struct mqueue *q);
/* Interrupt mode: consume the peer's signal with the packets. */
void ring_drain_irq(struct mqueue *q);
void ring_set_rx_mode(struct mqueue *q, bool polling);
bool ring_rx_polling(const struct mqueue *q);
/* Publish tx bursts whose copies completed (`wait`: all of them).
 * 0, or -1 when the engine failed. */
int ring_tx_reap(struct mqueue *q, bool wait);
/* The copy engine failed: sets q->fault to the engine's reason; returns -1. */
int ring_engine_failed(struct mqueue *q);
/* A region of the queue's interface shrank under us (the SIGBUS guard
 * noticed): sets q->fault and returns -1; else 0. */
int ring_check_regions(struct mqueue *q);

/* ---- the libmemif zero-copy buffer API (ring_zc.c) ---------------------- */

/* `count` packets of `size` bytes, each in at most `max_bufs` buffers
 * (the caller's array holds count * max_bufs). */
int ring_zc_alloc(struct mqueue *q, memif_buffer_t *bufs, uint16_t count, uint16_t *count_out,
                  uint16_t size, uint32_t max_bufs);
int ring_zc_tx(struct mqueue *q, memif_buffer_t *bufs, uint16_t count, uint16_t *tx);
int ring_zc_rx(struct mqueue *q, memif_buffer_t *bufs, uint16_t count, uint16_t *rx);
int ring_zc_refill(struct mqueue *q, uint16_t count, uint16_t headroom);
/* Secondary: move the buffer of slot `sa` of qa and of slot `sb` of qb
 * into each other's place. */
void ring_zc_swap(struct mqueue *qa, uint16_t sa, struct mqueue *qb, uint16_t sb);
/* Secondary: the rx buffer `b` (of queue `from`) becomes tx queue q's
 * next allocated buffer (check ring_tx_free first). */
void ring_zc_enq(struct mqueue *q, struct mqueue *from, memif_buffer_t *b);
int ring_zc_set_next(struct mqueue *q, uint16_t desc_index);

/* ---- bursts copied through the engine (ring_copy.c) --------------------- */

int ring_tx_copy(struct mqueue *q, const uint8_t *data, const uint32_t *lens, uint16_t count,
                 bool wait, uint16_t *sent);
int ring_rx_copy(struct mqueue *q, uint8_t *buf, size_t buflen, uint32_t *lens, uint16_t max,
                 uint16_t *count, size_t *need);

#endif
