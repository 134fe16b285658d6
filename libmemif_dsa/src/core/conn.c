/* SPDX-License-Identifier: Apache-2.0 */
#include "conn.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int conn_init(struct mconn *c, const memif_conn_args_t *args, const struct mdsa_alloc *al,
              const struct shm_ext *ext, const struct mdsa_tracer *trace, void *private_ctx)
{
    if (args->log2_ring_size > MEMIF_MAX_LOG2_RING)
        return MEMIF_ERR_MAX_RING;
    if ((unsigned)args->mode > MEMIF_INTERFACE_MODE_PUNT_INJECT)
        return MEMIF_ERR_INVAL_ARG;
    memset(c, 0, sizeof *c);
    c->args = *args;
    if (!c->args.num_s2m_rings)
        c->args.num_s2m_rings = 1;
    if (!c->args.num_m2s_rings)
        c->args.num_m2s_rings = 1;
    if (!c->args.buffer_size)
        c->args.buffer_size = 2048;
    if (!c->args.log2_ring_size)
        c->args.log2_ring_size = 10;
    c->log2_want = c->args.log2_ring_size;
    c->al = al;
    c->trace = trace;
    c->private_ctx = private_ctx;
    shm_init(&c->shm, al, ext, private_ctx);
    c->cp.engine = mdsa_engine_cpu_create();
    return c->cp.engine ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
}

void conn_destroy(struct mconn *c)
{
    if (c->cp.engine)
        c->cp.engine->ops->destroy(c->cp.engine);
    c->cp.engine = NULL;
}

struct mconn *conn_find_primary(struct mconn *head, uint32_t id)
{
    while (head && !(conn_primary(head) && head->args.interface_id == id))
        head = head->next;
    return head;
}

void conn_note_reason(struct mconn *c, const char *reason)
{
    snprintf(c->reason, sizeof c->reason, "%s", reason);
}

static struct mqueue *queues_alloc(struct mconn *c, uint16_t n)
{
    struct mqueue *q = mdsa_zalloc(c->al, sizeof *q * n);
    for (uint16_t i = 0; q && i < n; i++) {
        q[i].int_fd = -1;
        q[i].cp = &c->cp;
    }
    return q;
}

/* Scratch for one burst's copies: one per slot of the largest ring. */
static int copier_alloc(struct mconn *c)
{
    uint32_t max = 1;
    for (uint16_t i = 0; i < c->num_s2m; i++)
        max = c->s2m[i].size > max ? c->s2m[i].size : max;
    for (uint16_t i = 0; i < c->num_m2s; i++)
        max = c->m2s[i].size > max ? c->m2s[i].size : max;
    c->cp.ops = mdsa_zalloc(c->al, sizeof *c->cp.ops * max);
    c->cp.ops_cap = max;
    return c->cp.ops ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
}

/* Every ring where the plan puts it (S2M rings first, then M2S). */
static int secondary_rings(struct mconn *c, const struct shm_ring_at *at)
{
    uint32_t nrings = (uint32_t)c->num_s2m + c->num_m2s;
    for (uint32_t k = 0; k < nrings; k++) {
        bool s2m = k < c->num_s2m;
        struct mqueue *q = s2m ? &c->s2m[k] : &c->m2s[k - c->num_s2m];
        int err = ring_secondary_init(q, c->al, &c->shm, &at[k], c->log2, s2m, c->buffer_size,
                                      &c->layout);
        if (err)
            return err;
    }
    return copier_alloc(c);
}

/* The layout for this connection: the one asked for, except that
 * libmemif's two regions become one when the primary allows only one. */
static int secondary_plan(struct mconn *c, uint32_t max_regions, struct shm_ring_at *at,
                          struct shm_plan *plan, const char **why)
{
    mdsa_layout_t lo = c->layout;
    if (lo.arrangement == MDSA_LAYOUT_LIBMEMIF && max_regions < 2)
        lo.arrangement = MDSA_LAYOUT_SINGLE_REGION;
    return shm_plan_layout(&lo, (uint32_t)c->num_s2m + c->num_m2s, c->log2, c->buffer_size,
                           max_regions, at, plan, why);
}

int conn_secondary_create(struct mconn *c, uint16_t num_s2m, uint16_t num_m2s, uint8_t log2,
                          uint32_t max_regions, const char **why)
{
    c->num_s2m = num_s2m;
    c->num_m2s = num_m2s;
    c->log2 = log2;
    c->buffer_size = c->args.buffer_size;
    uint32_t nrings = (uint32_t)num_s2m + num_m2s;
    struct shm_ring_at *at = mdsa_zalloc(c->al, sizeof *at * nrings);
    struct shm_plan *plan = mdsa_zalloc(c->al, sizeof *plan);
    int err = at && plan ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
    c->shm.create_unsealed = c->layout.unsealed;
    if (!err && secondary_plan(c, max_regions, at, plan, why))
        err = MEMIF_ERR_INVAL_ARG;
    else if (!err && (err = shm_create_regions(&c->shm, plan->size, plan->n, plan->ext)) == 0) {
        c->s2m = queues_alloc(c, num_s2m);
        c->m2s = queues_alloc(c, num_m2s);
        err = c->s2m && c->m2s ? secondary_rings(c, at) : MEMIF_ERR_NOMEM;
    }
    if (err && err != MEMIF_ERR_INVAL_ARG)
        *why = memif_strerror(err);
    mdsa_free(c->al, at);
    mdsa_free(c->al, plan);
    if (err)
        conn_teardown(c, NULL);
    return err ? -1 : 0;
}

int conn_primary_add_region(struct mconn *c, uint16_t index, uint64_t size, int fd, const char **why)
{
    return shm_add_peer_region(&c->shm, index, size, fd, why);
}

int conn_primary_add_ring(struct mconn *c, const memif_msg_add_ring_t *ar, int fd, const char **why)
{
    bool s2m = ar->flags & MEMIF_MSG_ADD_RING_FLAG_S2M;
    uint16_t *count = s2m ? &c->num_s2m : &c->num_m2s;
    struct mqueue **arr = s2m ? &c->s2m : &c->m2s;
    struct mqueue *na = mdsa_realloc(c->al, *arr, sizeof **arr * (*count + 1u));
    if (!na) {
        if (fd >= 0)
            close(fd);
        return *why = "out of memory", -1;
    }
    *arr = na;
    if (ring_primary_add(&na[*count], &c->shm, ar, fd, *count, why))
        return -1;
    na[*count].cp = &c->cp;
    (*count)++;
    return 0;
}

static int primary_map_rings(struct mconn *c, const char **why)
{
    uint8_t maxlog2 = 0;
    for (int dir = 0; dir < 2; dir++) {
        uint16_t n = dir ? c->num_m2s : c->num_s2m;
        for (uint16_t i = 0; i < n; i++) {
            struct mqueue *q = dir ? &c->m2s[i] : &c->s2m[i];
            int err = ring_primary_map(q, c->al);
            if (err == MEMIF_ERR_COOKIE) {
                snprintf(c->fault_reason, sizeof c->fault_reason, "wrong cookie on %s ring %u",
                         dir ? "tx" : "rx", i);
                return *why = c->fault_reason, -1;
            }
            if (err)
                return *why = "out of memory", -1;
            maxlog2 = q->log2 > maxlog2 ? q->log2 : maxlog2;
        }
    }
    c->log2 = maxlog2;
    return 0;
}

int conn_primary_map(struct mconn *c, const char **why)
{
    if (c->shm.n == 0)
        return *why = "no memory regions", -1;
    if (c->num_s2m == 0 || c->num_m2s == 0)
        return *why = "rings missing in one direction", -1;
    if (shm_map_peer_regions(&c->shm, why) || primary_map_rings(c, why))
        return -1;
    c->buffer_size = 0; /* the secondary's choice; a primary reads it from descriptors */
    if (copier_alloc(c))
        return *why = "out of memory", -1;
    return 0;
}

void conn_up(struct mconn *c)
{
    c->connected = true;
    c->faulted = false;
    c->reason[0] = '\0';
    c->connects++;
    if (!conn_primary(c)) /* hand every receive buffer to the primary at once */
        for (uint16_t i = 0; i < c->num_m2s; i++)
            ring_refill_all(&c->m2s[i]);
    for (uint16_t i = 0; i < conn_nrx(c); i++)
        ring_set_rx_mode(conn_rxq(c, i), c->rx_polling[i]);
}

static void queues_release(struct mconn *c, struct mqueue **qs, uint16_t *n)
{
    for (uint16_t i = 0; *qs && i < *n; i++) {
        mdsa_stats_add_queue(&c->totals, &(*qs)[i].st, (*qs)[i].is_tx);
        ring_release(&(*qs)[i], c->al);
    }
    mdsa_free(c->al, *qs);
    *qs = NULL;
    *n = 0;
}

bool conn_teardown(struct mconn *c, const char *reason)
{
    bool was = c->connected;
    c->connected = false;
    c->faulted = false;
    if (reason)
        conn_note_reason(c, reason);
    /* the engine may still be writing into shared memory */
    if (c->cp.engine && c->cp.submitted)
        mdsa_engine_wait(c->cp.engine, c->cp.last_ticket);
    queues_release(c, &c->s2m, &c->num_s2m);
    queues_release(c, &c->m2s, &c->num_m2s);
    shm_free(&c->shm);
    mdsa_free(c->al, c->cp.ops);
    c->cp.ops = NULL;
    c->cp.ops_cap = 0;
    if (was)
        c->disconnects++;
    return was;
}

bool conn_fault(struct mconn *c, const char *reason)
{
    if (!c->connected || c->faulted)
        return false;
    c->faulted = true;
    c->violations++;
    snprintf(c->fault_reason, sizeof c->fault_reason, "%s", reason);
    return true;
}
