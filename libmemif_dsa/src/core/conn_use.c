/* SPDX-License-Identifier: Apache-2.0 */
/* Using an interface: its queues, receive modes, copy engine and
 * statistics. */
#include <stdio.h>

#include "conn.h"

int conn_queue(struct mconn *c, uint16_t qid, bool tx, struct mqueue **q)
{
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (!conn_live(c))
        return MEMIF_ERR_DISCONNECTED;
    if (qid >= (tx ? conn_ntx(c) : conn_nrx(c)))
        return MEMIF_ERR_QID;
    *q = tx ? conn_txq(c, qid) : conn_rxq(c, qid);
    return MEMIF_ERR_SUCCESS;
}

struct mqueue *conn_own_queue(struct mconn *c, void *p)
{
    struct mqueue *q = p;
    if (c->s2m && q >= c->s2m && q < c->s2m + c->num_s2m)
        return q;
    if (c->m2s && q >= c->m2s && q < c->m2s + c->num_m2s)
        return q;
    return NULL;
}

int conn_set_rx_mode(struct mconn *c, uint16_t qid, bool polling)
{
    if (qid >= MDSA_MAX_QUEUES || (conn_live(c) && qid >= conn_nrx(c)))
        return MEMIF_ERR_QID;
    c->rx_polling[qid] = polling;
    if (conn_live(c))
        ring_set_rx_mode(conn_rxq(c, qid), polling);
    return MEMIF_ERR_SUCCESS;
}

int conn_set_engine(struct mconn *c, const char *name, const char *config, uint32_t threshold,
                    char *err, size_t errlen)
{
    struct copier *cp = &c->cp;
    if (cp->submitted && cp->engine->ops->poll(cp->engine, cp->last_ticket) != 1) {
        if (err && errlen)
            snprintf(err, errlen, "copies are still in flight");
        return MEMIF_ERR_AGAIN;
    }
    mdsa_engine_t *e = mdsa_engine_create(name, config, threshold, err, errlen);
    if (!e)
        return MEMIF_ERR_INVAL_ARG;
    cp->engine->ops->destroy(cp->engine);
    cp->engine = e;
    cp->submitted = 0;
    cp->last_ticket = 0;
    for (uint16_t i = 0; c->connected && i < conn_ntx(c); i++) {
        struct mqueue *q = conn_txq(c, i);
        q->inflight_head = q->inflight_tail = 0;
    }
    return MEMIF_ERR_SUCCESS;
}

void conn_stats(struct mconn *c, mdsa_stats_t *st)
{
    *st = c->totals;
    st->connects = c->connects;
    st->disconnects = c->disconnects;
    st->peer_violations = c->violations;
    if (c->connected) {
        for (uint16_t i = 0; c->s2m && i < c->num_s2m; i++)
            mdsa_stats_add_queue(st, &c->s2m[i].st, c->s2m[i].is_tx);
        for (uint16_t i = 0; c->m2s && i < c->num_m2s; i++)
            mdsa_stats_add_queue(st, &c->m2s[i].st, c->m2s[i].is_tx);
    }
    st->engine = c->cp.engine->ctr;
}
