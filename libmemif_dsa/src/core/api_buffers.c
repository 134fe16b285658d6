/* SPDX-License-Identifier: Apache-2.0 */
/* The libmemif 4.0 zero-copy buffer functions: find the queue, check the
 * arguments, run the ring's operation; a violation it finds takes the
 * interface down. */
#include "conn.h"
#include "iface.h"
#include "libmemif.h"
#include "ring.h"

/* The outcome of a ring operation: a fault becomes a teardown. */
static int done(struct mconn *c, struct mqueue *q, int err)
{
    return err == MEMIF_ERR_DISCONNECTED ? iface_fault(c, q->fault) : err;
}

int memif_buffer_alloc(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                       uint16_t count, uint16_t *count_out, uint16_t size)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, true, &q);
    if (err)
        return err;
    if (!count_out || (count && !bufs))
        return MEMIF_ERR_INVAL_ARG;
    /* The application sized `bufs` by its own buffer size (upstream's
     * contract); a peer with smaller buffers must not make a chain longer. */
    struct mconn *c = conn;
    uint32_t bs = c->args.buffer_size, per = size ? (size + bs - 1u) / bs : 1u;
    return done(conn, q, ring_zc_alloc(q, bufs, count, count_out, size, per));
}

int memif_tx_burst(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs, uint16_t count,
                   uint16_t *tx)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, true, &q);
    if (err)
        return err;
    if (!tx || (count && !bufs))
        return MEMIF_ERR_INVAL_ARG;
    return done(conn, q, ring_zc_tx(q, bufs, count, tx));
}

int memif_rx_burst(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs, uint16_t count,
                   uint16_t *rx)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, false, &q);
    if (err)
        return err;
    if (!rx || (count && !bufs))
        return MEMIF_ERR_INVAL_ARG;
    return done(conn, q, ring_zc_rx(q, bufs, count, rx));
}

int memif_refill_queue(memif_conn_handle_t conn, uint16_t qid, uint16_t count, uint16_t headroom)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, false, &q);
    if (err)
        return err;
    return ring_zc_refill(q, count, headroom);
}

int memif_buffer_enq_tx(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                        uint16_t count, uint16_t *count_out)
{
    struct mconn *c = conn;
    struct mqueue *q;
    int err = conn_queue(c, qid, true, &q);
    if (err)
        return err;
    if (!count_out || conn_primary(c) || (count && !bufs) || q->loc_mask != q->mask)
        return MEMIF_ERR_INVAL_ARG; /* only the secondary owns buffers to move (not rotating) */
    *count_out = 0;
    uint16_t ns;
    if (ring_tx_free(q, q->next_buf, &ns))
        return iface_fault(c, q->fault);
    for (uint16_t i = 0; i < count && ns; i++, ns--) {
        struct mqueue *from = conn_own_queue(c, bufs[i].queue);
        if (!from)
            return MEMIF_ERR_INVAL_ARG;
        ring_zc_enq(q, from, &bufs[i]);
        (*count_out)++;
    }
    return *count_out < count ? MEMIF_ERR_NOBUF_RING : MEMIF_ERR_SUCCESS;
}

int memif_buffer_requeue(memif_conn_handle_t conn, memif_buffer_t *buf_a, memif_buffer_t *buf_b)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (!conn_live(c))
        return MEMIF_ERR_DISCONNECTED;
    if (conn_primary(c) || !buf_a || !buf_b)
        return MEMIF_ERR_INVAL_ARG;
    struct mqueue *qa = conn_own_queue(c, buf_a->queue), *qb = conn_own_queue(c, buf_b->queue);
    if (!qa || !qb || qa->loc_mask != qa->mask || qb->loc_mask != qb->mask)
        return MEMIF_ERR_INVAL_ARG; /* rotating buffers (a test layout) stay in their ring */
    ring_zc_swap(qa, buf_a->desc_index, qb, buf_b->desc_index);
    uint16_t ia = buf_a->desc_index;
    buf_a->desc_index = buf_b->desc_index;
    buf_a->queue = qb;
    buf_b->desc_index = ia;
    buf_b->queue = qa;
    return MEMIF_ERR_SUCCESS;
}

int memif_set_next_free_buffer(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *buf)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, true, &q);
    if (err)
        return err;
    if (!buf)
        return MEMIF_ERR_INVAL_ARG;
    return ring_zc_set_next(q, buf->desc_index);
}
