/* Copying bursts: caller memory into shared buffers (tx) and shared buffers
 * into caller memory (rx), through the interface's copy engine, one engine
 * submission per burst.  A tx ring index is published only after the
 * burst's copies completed; rx slots go back to the peer only after the
 * copies out of them completed. */
#define _GNU_SOURCE
#include <string.h>

#include "internal.h"

#define MDSA_MAX_PACKET (16u << 20) /* refuse absurd chains from a peer */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int submit(struct mconn *c, uint32_t nops, uint64_t *ticket)
{
    int r = c->engine->ops->submit(c->engine, c->ops, nops, ticket);
    if (r < 0) {
        conn_fault(c, "copy engine failed");
        return -1;
    }
    c->tickets++;
    c->last_ticket = *ticket;
    return 0;
}

int mdsa_tx_copy_burst(memif_conn_handle_t conn, uint16_t qid, const uint8_t *data,
                       const uint32_t *lens, uint16_t count, uint32_t flags, uint16_t *sent)
{
    struct mconn *c = conn;
    struct mqueue *q;
    if (!sent || (count && (!data || !lens)))
        return c ? MEMIF_ERR_INVAL_ARG : MEMIF_ERR_NOCONN;
    *sent = 0;
    int err = conn_queue(c, qid, true, &q);
    if (err)
        return err;
    if (queue_tx_reap(q, q->inflight_head - q->inflight_tail >= MDSA_TX_INFLIGHT))
        return MEMIF_ERR_DISCONNECTED;
    if (!count)
        return MEMIF_ERR_SUCCESS;
    uint16_t slot = q->reserved, ns;
    if (queue_tx_free(q, slot, &ns))
        return MEMIF_ERR_DISCONNECTED;
    struct mdsa_copy_op *ops = c->ops;
    uint32_t nops = 0;
    size_t off = 0;
    uint16_t pk = 0;
    uint64_t bytes = 0;
    for (; pk < count; pk++) {
        uint32_t len = lens[pk], rem = len, start = nops;
        if (len == 0) {
            err = MEMIF_ERR_INVAL_ARG;
            break;
        }
        const uint8_t *src = data + off;
        uint16_t s = slot;
        bool fits = true;
        while (rem) {
            if ((uint16_t)(s - slot) == ns || nops == c->ops_cap) {
                fits = false;
                break;
            }
            uint32_t cap;
            uint8_t *dst = queue_tx_buf(q, s, &cap);
            if (!dst)
                return MEMIF_ERR_DISCONNECTED;
            uint32_t n = cap < rem ? cap : rem;
            ops[nops++] = (struct mdsa_copy_op){.dst = dst, .src = src, .len = n};
            src += n;
            rem -= n;
            s++;
        }
        if (!fits) {
            /* a packet is queued whole or not at all */
            if (nops > start)
                q->rollbacks++;
            q->ring_full++;
            if (pk == 0 && ns == q->size && q->inflight_head == q->inflight_tail)
                err = MEMIF_ERR_INVAL_ARG; /* larger than the whole ring: never fits */
            nops = start;
            break;
        }
        /* descriptors are written only once the whole packet fits: on the
         * master side the length field held the buffer's capacity */
        for (uint32_t k = start; k < nops; k++) {
            uint16_t i = (uint16_t)(slot + (k - start)) & q->mask;
            memif_desc_t *d = &q->ring->desc[i];
            if (!c->args.is_master) {
                d->region = q->loc[i].region;
                d->offset = q->loc[i].base;
            }
            d->length = ops[k].len;
            d->flags = k + 1 < nops ? MEMIF_DESC_FLAG_NEXT : 0;
        }
        ns = (uint16_t)(ns - (uint16_t)(s - slot));
        slot = s;
        off += len;
        bytes += len;
    }
    if (nops) {
        uint64_t t;
        if (submit(c, nops, &t))
            return MEMIF_ERR_DISCONNECTED;
        q->inflight[q->inflight_head++ % MDSA_TX_INFLIGHT] = (struct pending_pub){.ticket = t, .index = slot};
        q->reserved = slot;
        q->next_buf = slot;
        q->packets += pk;
        q->bytes += bytes;
        q->buffers += nops;
    }
    *sent = pk;
    if (queue_tx_reap(q, flags & MDSA_TX_WAIT))
        return MEMIF_ERR_DISCONNECTED;
    return err;
}

int mdsa_tx_flush(memif_conn_handle_t conn, uint16_t qid, int wait, uint32_t *pending)
{
    struct mqueue *q;
    if (pending)
        *pending = 0;
    int err = conn_queue(conn, qid, true, &q);
    if (err)
        return err;
    if (queue_tx_reap(q, wait != 0))
        return MEMIF_ERR_DISCONNECTED;
    if (pending)
        *pending = q->inflight_head - q->inflight_tail;
    return MEMIF_ERR_SUCCESS;
}

int mdsa_rx_copy_burst(memif_conn_handle_t conn, uint16_t qid, uint8_t *buf, size_t buflen,
                       uint32_t *lens, uint16_t max, uint16_t *count, size_t *need)
{
    struct mconn *c = conn;
    struct mqueue *q;
    if (!count || (max && (!buf || !lens)))
        return c ? MEMIF_ERR_INVAL_ARG : MEMIF_ERR_NOCONN;
    *count = 0;
    if (need)
        *need = 0;
    int err = conn_queue(c, qid, false, &q);
    if (err)
        return err;
    uint16_t n;
    if (queue_rx_avail(q, &n))
        return MEMIF_ERR_DISCONNECTED;
    uint16_t slot = q->last, end = (uint16_t)(q->last + n);
    struct mdsa_copy_op *ops = c->ops;
    uint32_t nops = 0;
    size_t out = 0;
    uint16_t pk = 0;
    while (pk < max && slot != end) {
        uint16_t s = slot;
        uint64_t total = 0;
        uint32_t start = nops;
        bool complete = false;
        while (s != end) {
            uint32_t len;
            uint16_t fl;
            const uint8_t *p = queue_rx_buf(q, s, &len, &fl);
            if (!p)
                return MEMIF_ERR_DISCONNECTED;
            if (out + total + len <= buflen)
                ops[nops++] = (struct mdsa_copy_op){.dst = buf + out + total, .src = p, .len = len};
            total += len;
            s++;
            if (!(fl & MEMIF_DESC_FLAG_NEXT)) {
                complete = true;
                break;
            }
        }
        if (total > MDSA_MAX_PACKET) {
            conn_fault(c, "packet larger than 16 MiB");
            return MEMIF_ERR_DISCONNECTED;
        }
        if (!complete) {
            if ((uint16_t)(s - slot) >= q->size) {
                conn_fault(c, "chain longer than the ring");
                return MEMIF_ERR_DISCONNECTED;
            }
            nops = start; /* the rest of the chain is not published yet */
            break;
        }
        if (out + total > buflen) {
            nops = start;
            if (pk == 0) {
                if (need)
                    *need = (size_t)total;
                err = MEMIF_ERR_NOBUF;
            }
            break;
        }
        lens[pk++] = (uint32_t)total;
        out += (size_t)total;
        q->buffers += (uint16_t)(s - slot);
        queue_rx_consumed(q, slot, s);
        slot = s;
    }
    if (nops) {
        uint64_t t;
        if (submit(c, nops, &t) || mdsa_engine_wait(c->engine, t)) {
            conn_fault(c, "copy engine failed");
            return MEMIF_ERR_DISCONNECTED;
        }
    }
    if (slot != q->last) {
        q->last = slot;
        queue_rx_release(q, slot);
        q->packets += pk;
        q->bytes += out;
        rx_drain_irq(q);
    }
    *count = pk;
    return err;
}

int mdsa_rx_wait(memif_conn_handle_t conn, uint16_t qid, int timeout_ms)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    struct msock *s = c->sock;
    if (s->epfd < 0)
        return MEMIF_ERR_INVAL_ARG;
    uint64_t deadline = mdsa_deadline(timeout_ms);
    for (;;) {
        if (c->faulted)
            conn_run_deferred(s);
        if (!conn_live(c))
            return MEMIF_ERR_DISCONNECTED;
        if (qid >= conn_nrx(c))
            return MEMIF_ERR_QID;
        struct mqueue *q = conn_rxq(c, qid);
        uint16_t n;
        if (queue_rx_avail(q, &n))
            continue; /* faulted: torn down on the next turn */
        if (n)
            return MEMIF_ERR_SUCCESS;
        if (mdsa_now_ns() >= deadline)
            return MEMIF_ERR_AGAIN;
        if (c->rx_polling[qid]) {
            /* the peer does not signal: spin on the index, and look at the
             * control channel now and then */
            volatile uint16_t *idx = c->args.is_master ? &q->ring->head : &q->ring->tail;
            uint16_t seen = ring_load(idx);
            for (int i = 0; i < 512 && ring_load(idx) == seen; i++)
                cpu_relax();
            memif_poll_event(s, 0);
        } else {
            int err = mdsa_poll_until(s, deadline);
            if (err == MEMIF_ERR_POLL_CANCEL)
                return err;
        }
    }
}
