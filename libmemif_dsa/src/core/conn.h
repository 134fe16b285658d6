/* SPDX-License-Identifier: Apache-2.0 */
/* Interfaces: an interface's parameters, queues, shared memory, copy
 * engine, state and disconnect reason; creation, setup from the handshake
 * (conn_secondary_create, conn_primary_*), connection and teardown.  No
 * fds other than the shared memory's and the rings' eventfds: watching
 * fds and telling the application is the socket layer's job. */
#ifndef MDSA_CONN_H
#define MDSA_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc.h"
#include "libmemif.h"
#include "memif_dsa.h"
#include "ring.h"
#include "shm.h"
#include "trace.h"
#include "wire.h"

struct mchannel; /* the socket layer's */
struct watch;    /* the socket layer's */

struct mconn {
    memif_conn_args_t args;
    memif_connection_update_t *on_connect, *on_disconnect;
    memif_on_interrupt_t *on_interrupt;
    void *private_ctx;
    const struct mdsa_alloc *al;
    const struct mdsa_tracer *trace;
    /* kept here for the socket layer, which owns them */
    struct mchannel *chan;       /* the bound control channel, NULL when none */
    struct watch *irq;           /* rx interrupt watches while connected */
    bool connected;
    bool faulted;                /* data path found a violation; teardown pending */
    char fault_reason[MEMIF_DISC_STRING_LEN];
    char reason[MEMIF_DISC_STRING_LEN + 16];
    char remote_if_name[MEMIF_NAME_LEN + 1];
    char remote_app_name[MEMIF_NAME_LEN + 1];
    mdsa_layout_t layout;        /* secondary: how our shared memory is laid out */
    uint8_t log2_want;           /* secondary: ring size asked for (mdsa_set_log2_ring_size) */
    /* run parameters, negotiated */
    uint16_t num_s2m, num_m2s;
    uint8_t log2;
    uint16_t buffer_size;
    struct shm shm;
    struct mqueue *s2m, *m2s;    /* index = ring index */
    struct copier cp;
    uint8_t rx_polling[MDSA_MAX_QUEUES]; /* requested rx mode, kept across reconnects */
    /* statistics that outlive a connection */
    uint64_t connects, disconnects, violations;
    mdsa_stats_t totals;         /* queue counters of past connections */
    struct mconn *next;          /* the socket's interfaces */
};

static inline bool conn_primary(const struct mconn *c) { return c->args.is_master; }
static inline struct mqueue *conn_txq(struct mconn *c, uint16_t qid)
{
    return conn_primary(c) ? &c->m2s[qid] : &c->s2m[qid];
}
static inline struct mqueue *conn_rxq(struct mconn *c, uint16_t qid)
{
    return conn_primary(c) ? &c->s2m[qid] : &c->m2s[qid];
}
static inline uint16_t conn_ntx(const struct mconn *c)
{
    return conn_primary(c) ? c->num_m2s : c->num_s2m;
}
static inline uint16_t conn_nrx(const struct mconn *c)
{
    return conn_primary(c) ? c->num_s2m : c->num_m2s;
}
static inline bool conn_live(const struct mconn *c)
{
    return c && c->connected && !c->faulted;
}

/* ---- lifecycle (conn.c) -------------------------------------------------- */

/* A new interface from the application's arguments (defaults filled in,
 * the CPU engine).  A memif_err_t. */
int conn_init(struct mconn *c, const memif_conn_args_t *args, const struct mdsa_alloc *al,
              const struct shm_ext *ext, const struct mdsa_tracer *trace, void *private_ctx);
/* Free what conn_init made (after conn_teardown). */
void conn_destroy(struct mconn *c);
/* The first primary with `id` in the list from `head`. */
struct mconn *conn_find_primary(struct mconn *head, uint32_t id);
/* Remember why an attempt failed (memif_get_details' error). */
void conn_note_reason(struct mconn *c, const char *reason);
/* Secondary: regions (at most max_regions) and rings for the negotiated
 * sizes, laid out as c->layout says.  0, or -1 with *why. */
int conn_secondary_create(struct mconn *c, uint16_t num_s2m, uint16_t num_m2s, uint8_t log2,
                          uint32_t max_regions, const char **why);
/* Primary: the peer's ADD_REGION / ADD_RING (their fds are ours from
 * here on) and CONNECT.  0, or -1 with *why. */
int conn_primary_add_region(struct mconn *c, uint16_t index, uint64_t size, int fd, const char **why);
int conn_primary_add_ring(struct mconn *c, const memif_msg_add_ring_t *ar, int fd, const char **why);
int conn_primary_map(struct mconn *c, const char **why);
/* The handshake completed: up, receive buffers handed out, rx modes set. */
void conn_up(struct mconn *c);
/* Down: wait for the engine, fold counters, free queues and memory.
 * Records `reason` (NULL: keep the last).  True if it was connected. */
bool conn_teardown(struct mconn *c, const char *reason);
/* The data path found a violation: mark for teardown.  True the first time. */
bool conn_fault(struct mconn *c, const char *reason);

/* ---- use (conn_use.c) ------------------------------------------------------ */

/* The queue of a live interface, or the memif_err_t an API call returns. */
int conn_queue(struct mconn *c, uint16_t qid, bool tx, struct mqueue **q);
/* The queue `p` points to if it is one of this interface's, else NULL. */
struct mqueue *conn_own_queue(struct mconn *c, void *p);
int conn_set_rx_mode(struct mconn *c, uint16_t qid, bool polling);
/* Switch the copy engine (no copies in flight).  A memif_err_t, `err`. */
int conn_set_engine(struct mconn *c, const char *name, const char *config, uint32_t threshold,
                    char *err, size_t errlen);
void conn_stats(struct mconn *c, mdsa_stats_t *st);

#endif
