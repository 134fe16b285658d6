/* SPDX-License-Identifier: Apache-2.0 */
/* Bursts copied through the copy engine: caller memory into shared
 * buffers (tx) and shared buffers into caller memory (rx), one engine
 * submission per burst.  A tx ring index is published only after the
 * burst's copies completed; rx slots go back to the peer only after the
 * copies out of them completed. */
#include "ring.h"

static int submit(struct mqueue *q, uint32_t nops, uint64_t *ticket)
{
    struct copier *cp = q->cp;
    if (cp->engine->ops->submit(cp->engine, cp->ops, nops, ticket) < 0) {
        ring_engine_failed(q);
        return -1;
    }
    cp->submitted++;
    cp->last_ticket = *ticket;
    return 0;
}

/* tx: the copies of one packet of `len` bytes from `src` into slots from
 * `slot` (ns free), appended to the op list at *nops.  Returns the slots
 * used, 0 when it does not fit (the ops appended so far stay for the
 * caller to count and drop), -1 on a violation. */
static int tx_packet_ops(struct mqueue *q, const uint8_t *src, uint32_t len, uint16_t slot,
                         uint16_t ns, uint32_t *nops)
{
    struct mdsa_copy_op *ops = q->cp->ops;
    uint32_t rem = len;
    uint16_t s = slot;
    while (rem) {
        if ((uint16_t)(s - slot) == ns || *nops == q->cp->ops_cap)
            return 0;
        uint32_t cap;
        uint8_t *dst = ring_tx_buf(q, s, &cap);
        if (!dst)
            return -1;
        uint32_t n = cap < rem ? cap : rem;
        ops[(*nops)++] = (struct mdsa_copy_op){.dst = dst, .src = src, .len = n};
        src += n;
        rem -= n;
        s++;
    }
    return (uint16_t)(s - slot);
}

/* tx: descriptors of a packet that fits, written only now: on the primary
 * side the length field held the buffer's capacity until here. */
static void tx_packet_descs(struct mqueue *q, uint16_t slot, uint32_t first, uint32_t nops)
{
    for (uint32_t k = first; k < nops; k++) {
        uint16_t i = (uint16_t)(slot + (k - first)) & q->mask;
        memif_desc_t *d = &q->ring->desc[i];
        if (!q->primary) {
            const struct slot_loc *l = loc_of(q, (uint16_t)(slot + (k - first)));
            d->region = l->region;
            d->offset = l->base + q->lo_headroom;
        }
        d->length = q->cp->ops[k].len;
        d->flags = k + 1 < nops ? MEMIF_DESC_FLAG_NEXT : 0;
    }
}

/* tx: build the burst's copies, whole packets only.  *pk packets, ending
 * at *slot, with *nops copies and *bytes bytes. */
static int tx_build(struct mqueue *q, const uint8_t *data, const uint32_t *lens, uint16_t count,
                    uint16_t *slot, uint16_t *pk, uint32_t *nops, uint64_t *bytes)
{
    uint16_t ns;
    if (ring_tx_free(q, *slot, &ns))
        return MEMIF_ERR_DISCONNECTED;
    size_t off = 0;
    for (; *pk < count; (*pk)++) {
        uint32_t len = lens[*pk], first = *nops;
        if (len == 0)
            return MEMIF_ERR_INVAL_ARG;
        int used = tx_packet_ops(q, data + off, len, *slot, ns, nops);
        if (used < 0)
            return MEMIF_ERR_DISCONNECTED;
        if (used == 0) { /* a packet is queued whole or not at all */
            if (*nops > first)
                q->st.rollbacks++;
            *nops = first;
            q->st.ring_full++;
            if (*pk == 0 && ns == q->size && q->inflight_head == q->inflight_tail)
                return MEMIF_ERR_INVAL_ARG; /* larger than the whole ring: never fits */
            return MEMIF_ERR_SUCCESS;
        }
        tx_packet_descs(q, *slot, first, *nops);
        ns = (uint16_t)(ns - used);
        *slot = (uint16_t)(*slot + used);
        off += len;
        *bytes += len;
    }
    return MEMIF_ERR_SUCCESS;
}

int ring_tx_copy(struct mqueue *q, const uint8_t *data, const uint32_t *lens, uint16_t count,
                 bool wait, uint16_t *sent)
{
    *sent = 0;
    if (ring_tx_reap(q, q->inflight_head - q->inflight_tail >= MDSA_TX_INFLIGHT))
        return MEMIF_ERR_DISCONNECTED;
    if (!count)
        return MEMIF_ERR_SUCCESS;
    uint16_t slot = q->reserved, pk = 0;
    uint32_t nops = 0;
    uint64_t bytes = 0;
    int err = tx_build(q, data, lens, count, &slot, &pk, &nops, &bytes);
    if (err == MEMIF_ERR_DISCONNECTED)
        return err;
    if (!pk)
        ring_idle(); /* full: the caller will ask again at once */
    if (nops) {
        uint64_t t;
        if (submit(q, nops, &t))
            return MEMIF_ERR_DISCONNECTED;
        q->inflight[q->inflight_head++ % MDSA_TX_INFLIGHT] = (struct pending_pub){.ticket = t, .index = slot};
        q->reserved = slot;
        q->next_buf = slot;
        q->st.packets += pk;
        q->st.bytes += bytes;
        q->st.buffers += nops;
    }
    *sent = pk;
    if (ring_tx_reap(q, wait))
        return MEMIF_ERR_DISCONNECTED;
    return err;
}

/* rx: copies of the packet starting at `slot` (ending before `end`) into
 * buf + out, when it fits in buflen.  Returns 1 with *s after it and its
 * *total length, 0 when the rest of its chain is not published yet, -1 on
 * a violation. */
static int rx_packet_ops(struct mqueue *q, uint16_t slot, uint16_t end, uint8_t *buf,
                         size_t out, size_t buflen, uint32_t *nops, uint16_t *s, uint64_t *total)
{
    struct mdsa_copy_op *ops = q->cp->ops;
    *total = 0;
    for (*s = slot; *s != end;) {
        uint32_t len;
        uint16_t fl;
        const uint8_t *p = ring_rx_buf(q, *s, &len, &fl);
        if (!p)
            return -1;
        if (out + *total + len <= buflen)
            ops[(*nops)++] = (struct mdsa_copy_op){.dst = buf + out + *total, .src = p, .len = len};
        *total += len;
        (*s)++;
        if (*total > MDSA_MAX_PACKET) {
            q->fault = "packet larger than 16 MiB";
            return -1;
        }
        if (!(fl & MEMIF_DESC_FLAG_NEXT))
            return 1;
    }
    if ((uint16_t)(*s - slot) >= q->size) {
        q->fault = "chain longer than the ring";
        return -1;
    }
    return 0;
}

/* rx: collect whole packets from q->last up to `n` slots.  Sets *slot to
 * the end of what was taken. */
static int rx_collect(struct mqueue *q, uint16_t n, uint8_t *buf, size_t buflen, uint32_t *lens,
                      uint16_t max, uint16_t *pk, uint16_t *slot, uint32_t *nops, size_t *out,
                      size_t *need)
{
    uint16_t end = (uint16_t)(q->last + n);
    while (*pk < max && *slot != end) {
        uint16_t s;
        uint64_t total;
        uint32_t first = *nops;
        int r = rx_packet_ops(q, *slot, end, buf, *out, buflen, nops, &s, &total);
        if (r < 0)
            return MEMIF_ERR_DISCONNECTED;
        if (r == 0 || *out + total > buflen) {
            *nops = first;
            if (r == 1 && *pk == 0) {
                if (need)
                    *need = (size_t)total;
                return MEMIF_ERR_NOBUF;
            }
            break;
        }
        lens[(*pk)++] = (uint32_t)total;
        *out += (size_t)total;
        q->st.buffers += (uint16_t)(s - *slot);
        ring_rx_consumed(q, *slot, s);
        *slot = s;
    }
    return MEMIF_ERR_SUCCESS;
}

int ring_rx_copy(struct mqueue *q, uint8_t *buf, size_t buflen, uint32_t *lens, uint16_t max,
                 uint16_t *count, size_t *need)
{
    *count = 0;
    uint16_t n;
    if (ring_rx_avail(q, &n))
        return MEMIF_ERR_DISCONNECTED;
    if (!n) {
        ring_idle(); /* empty: the caller will ask again at once */
        return MEMIF_ERR_SUCCESS;
    }
    uint16_t slot = q->last, pk = 0;
    uint32_t nops = 0;
    size_t out = 0;
    int err = rx_collect(q, n, buf, buflen, lens, max, &pk, &slot, &nops, &out, need);
    if (err == MEMIF_ERR_DISCONNECTED)
        return err;
    if (nops) {
        uint64_t t;
        if (submit(q, nops, &t) || mdsa_engine_wait(q->cp->engine, t)) {
            ring_engine_failed(q);
            return MEMIF_ERR_DISCONNECTED;
        }
        if (ring_check_regions(q)) /* what we copied came from pages the peer cut off */
            return MEMIF_ERR_DISCONNECTED;
    }
    if (slot != q->last) {
        q->last = slot;
        ring_rx_release(q, slot);
        q->st.packets += pk;
        q->st.bytes += out;
        ring_drain_irq(q);
    }
    *count = pk;
    return err;
}
