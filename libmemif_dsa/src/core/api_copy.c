/* SPDX-License-Identifier: Apache-2.0 */
/* Our copying bursts: caller memory in and out of shared memory through
 * the interface's copy engine, and waiting for packets. */
#include "../common/cpu_relax.h"
#include "clock.h"
#include "conn.h"
#include "events.h"
#include "iface.h"
#include "memif_dsa.h"
#include "ring.h"

int mdsa_tx_copy_burst(memif_conn_handle_t conn, uint16_t qid, const uint8_t *data,
                       const uint32_t *lens, uint16_t count, uint32_t flags, uint16_t *sent)
{
    struct mqueue *q;
    if (!sent || (count && (!data || !lens)))
        return conn ? MEMIF_ERR_INVAL_ARG : MEMIF_ERR_NOCONN;
    *sent = 0;
    int err = conn_queue(conn, qid, true, &q);
    if (err)
        return err;
    err = ring_tx_copy(q, data, lens, count, flags & MDSA_TX_WAIT, sent);
    return err == MEMIF_ERR_DISCONNECTED ? iface_fault(conn, q->fault) : err;
}

int mdsa_tx_flush(memif_conn_handle_t conn, uint16_t qid, int wait, uint32_t *pending)
{
    struct mqueue *q;
    if (pending)
        *pending = 0;
    int err = conn_queue(conn, qid, true, &q);
    if (err)
        return err;
    if (ring_tx_reap(q, wait != 0))
        return iface_fault(conn, q->fault);
    if (pending)
        *pending = q->inflight_head - q->inflight_tail;
    return MEMIF_ERR_SUCCESS;
}

int mdsa_rx_copy_burst(memif_conn_handle_t conn, uint16_t qid, uint8_t *buf, size_t buflen,
                       uint32_t *lens, uint16_t max, uint16_t *count, size_t *need)
{
    struct mqueue *q;
    if (!count || (max && (!buf || !lens)))
        return conn ? MEMIF_ERR_INVAL_ARG : MEMIF_ERR_NOCONN;
    *count = 0;
    if (need)
        *need = 0;
    int err = conn_queue(conn, qid, false, &q);
    if (err)
        return err;
    err = ring_rx_copy(q, buf, buflen, lens, max, count, need);
    return err == MEMIF_ERR_DISCONNECTED ? iface_fault(conn, q->fault) : err;
}

/* Polling mode: the peer does not signal.  Spin on the index a while,
 * then look at the control channel. */
static void rx_spin(struct msock *s, struct mconn *c, struct mqueue *q)
{
    volatile uint16_t *idx = conn_primary(c) ? &q->ring->head : &q->ring->tail;
    uint16_t seen = ring_load(idx);
    for (int i = 0; i < 512 && ring_load(idx) == seen; i++)
        mdsa_cpu_relax();
    events_poll(s, 0);
}

int mdsa_rx_wait(memif_conn_handle_t conn, uint16_t qid, int timeout_ms)
{
    struct mconn *c = conn;
    int err;
    struct msock *s = iface_own_loop(c, &err);
    if (!s)
        return err;
    uint64_t deadline = mdsa_deadline(timeout_ms);
    for (;;) {
        if (c->faulted)
            iface_run_deferred(s);
        if (!conn_live(c))
            return MEMIF_ERR_DISCONNECTED;
        if (qid >= conn_nrx(c))
            return MEMIF_ERR_QID;
        struct mqueue *q = conn_rxq(c, qid);
        uint16_t n;
        if (ring_rx_avail(q, &n)) {
            iface_fault(c, q->fault); /* torn down on the next turn */
            continue;
        }
        if (n)
            return MEMIF_ERR_SUCCESS;
        if (mdsa_now_ns() >= deadline)
            return MEMIF_ERR_AGAIN;
        if (c->rx_polling[qid])
            rx_spin(s, c, q);
        else if (events_poll(s, mdsa_remaining_ms(deadline)) == MEMIF_ERR_POLL_CANCEL)
            return MEMIF_ERR_POLL_CANCEL;
    }
}
