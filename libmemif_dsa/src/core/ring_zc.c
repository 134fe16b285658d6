/* SPDX-License-Identifier: Apache-2.0 */
/* The libmemif zero-copy buffer API on one queue: the application reads
 * and writes shared-memory buffers in place (memif_buffer_alloc,
 * memif_tx_burst, memif_rx_burst, memif_refill_queue, memif_buffer_enq_tx,
 * memif_buffer_requeue, memif_set_next_free_buffer). */
#include <string.h>

#include "ring.h"

/* Slots for one packet of `size` bytes (0: one whole buffer) from `*slot`,
 * chained with NEXT, in at most `max_bufs` buffers: 1, 0 when the ring
 * fills first or the buffers are too small for max_bufs (nothing taken),
 * -1 on a violation.  On a primary the peer decides how large each buffer
 * is: without max_bufs a secondary offering 1-byte buffers would make one
 * packet fill thousands of entries of the caller's array. */
static int alloc_packet(struct mqueue *q, memif_buffer_t *bufs, uint16_t *out, uint16_t *slot,
                        uint16_t *ns, uint16_t size, uint32_t max_bufs)
{
    uint16_t o = *out, s = *slot, n = *ns;
    uint32_t remaining = size;
    for (;;) {
        if (n == 0 || (uint32_t)(o - *out) == max_bufs) { /* roll the chain back */
            memset(&bufs[*out], 0, sizeof *bufs * (size_t)(o - *out));
            return 0;
        }
        uint32_t cap;
        uint8_t *p = ring_tx_buf(q, s, &cap);
        if (!p)
            return -1;
        memif_buffer_t *b = &bufs[o++];
        uint32_t take = size == 0 ? cap : (cap < remaining ? cap : remaining);
        *b = (memif_buffer_t){.desc_index = s, .queue = q, .data = p, .len = take};
        s++;
        n--;
        remaining -= size == 0 ? 0 : take;
        if (remaining == 0)
            break;
        b->flags |= MEMIF_BUFFER_FLAG_NEXT;
    }
    *out = o;
    *slot = s;
    *ns = n;
    return 1;
}

int ring_zc_alloc(struct mqueue *q, memif_buffer_t *bufs, uint16_t count, uint16_t *count_out,
                  uint16_t size, uint32_t max_bufs)
{
    *count_out = 0;
    uint16_t slot = q->next_buf, ns, out = 0, pk = 0;
    if (ring_tx_free(q, slot, &ns))
        return MEMIF_ERR_DISCONNECTED;
    if (!ns)
        ring_idle(); /* full: the caller will ask again at once */
    while (pk < count && ns) {
        int r = alloc_packet(q, bufs, &out, &slot, &ns, size, max_bufs);
        if (r < 0)
            return MEMIF_ERR_DISCONNECTED;
        if (r == 0) {
            q->st.rollbacks++;
            break;
        }
        pk++;
    }
    q->next_buf = slot;
    *count_out = out;
    if (pk < count) {
        q->st.ring_full++;
        return MEMIF_ERR_NOBUF_RING;
    }
    return MEMIF_ERR_SUCCESS;
}

/* Write the descriptor of ring position `pos` for buffer b; false when b
 * is not one this queue handed out (or it overflows its buffer). */
static bool describe(struct mqueue *q, uint16_t pos, const memif_buffer_t *b)
{
    uint16_t s = pos & q->mask;
    memif_desc_t *d = &q->ring->desc[s];
    if (q->primary) {
        if (b->len > q->cap[s])
            return false;
    } else {
        /* the application may have moved data inside the buffer (headroom) */
        const struct slot_loc *l = loc_of(q, pos);
        uint8_t *base = (uint8_t *)q->shm->r[l->region].addr;
        if ((uint8_t *)b->data < base + l->base ||
            (uint64_t)((uint8_t *)b->data - (base + l->base)) + b->len > q->buffer_size)
            return false;
        d->region = l->region;
        d->offset = (uint32_t)((uint8_t *)b->data - base);
    }
    d->length = b->len;
    d->flags = (b->flags & MEMIF_BUFFER_FLAG_NEXT) ? MEMIF_DESC_FLAG_NEXT : 0;
    return true;
}

int ring_zc_tx(struct mqueue *q, memif_buffer_t *bufs, uint16_t count, uint16_t *tx)
{
    *tx = 0;
    if (ring_tx_reap(q, true)) /* earlier copying bursts land first */
        return MEMIF_ERR_DISCONNECTED;
    int err = MEMIF_ERR_SUCCESS;
    uint16_t idx = q->reserved, boundary = q->pub;
    bool complete = false;
    for (uint16_t i = 0; i < count; i++, idx++) {
        memif_buffer_t *b = &bufs[i];
        /* only the next allocated buffer, in order */
        if ((b->desc_index & q->mask) != (idx & q->mask) ||
            (uint16_t)(idx - q->reserved) >= (uint16_t)(q->next_buf - q->reserved) ||
            !describe(q, idx, b)) {
            err = MEMIF_ERR_INVAL_ARG;
            break;
        }
        q->st.buffers++;
        q->st.bytes += b->len;
        if (!(b->flags & MEMIF_BUFFER_FLAG_NEXT)) {
            q->st.packets++;
            boundary = (uint16_t)(idx + 1);
            complete = true;
        }
        (*tx)++;
    }
    q->reserved = idx;
    /* publish whole packets only: a chain continues in a later call */
    if (complete && boundary != q->pub) {
        ring_publish(q, boundary);
        ring_kick(q);
    }
    return err;
}

int ring_zc_rx(struct mqueue *q, memif_buffer_t *bufs, uint16_t count, uint16_t *rx)
{
    *rx = 0;
    uint16_t n;
    if (ring_rx_avail(q, &n))
        return MEMIF_ERR_DISCONNECTED;
    if (!n)
        ring_idle(); /* empty: the caller will ask again at once */
    uint16_t k = n < count ? n : count;
    for (uint16_t i = 0; i < k; i++) {
        uint16_t slot = (uint16_t)(q->last + i);
        uint32_t len;
        uint16_t fl;
        uint8_t *p = ring_rx_buf(q, slot, &len, &fl);
        if (!p)
            return MEMIF_ERR_DISCONNECTED;
        bufs[i] = (memif_buffer_t){.desc_index = slot, .queue = q, .len = len,
                                   .flags = (fl & MEMIF_DESC_FLAG_NEXT) ? MEMIF_BUFFER_FLAG_NEXT : 0,
                                   .data = p};
        q->st.buffers++;
        q->st.bytes += len;
        if (!(fl & MEMIF_DESC_FLAG_NEXT))
            q->st.packets++;
    }
    ring_rx_consumed(q, q->last, (uint16_t)(q->last + k));
    q->last = (uint16_t)(q->last + k);
    *rx = k;
    if (n > count)
        return MEMIF_ERR_NOBUF;
    ring_drain_irq(q);
    return MEMIF_ERR_SUCCESS;
}

int ring_zc_refill(struct mqueue *q, uint16_t count, uint16_t headroom)
{
    if (q->primary) {
        uint16_t done = (uint16_t)(q->last - q->pub); /* consumed, not released */
        ring_publish(q, (uint16_t)(q->pub + (count < done ? count : done)));
        return MEMIF_ERR_SUCCESS;
    }
    if (headroom >= q->buffer_size - q->lo_headroom)
        return MEMIF_ERR_INVAL_ARG;
    uint16_t avail = (uint16_t)(q->size - (uint16_t)(q->pub - q->last));
    ring_refill(q, count < avail ? count : avail, headroom);
    return MEMIF_ERR_SUCCESS;
}

void ring_zc_swap(struct mqueue *qa, uint16_t sa, struct mqueue *qb, uint16_t sb)
{
    uint16_t ia = sa & qa->mask, ib = sb & qb->mask;
    struct slot_loc tl = qa->loc[ia];
    qa->loc[ia] = qb->loc[ib];
    qb->loc[ib] = tl;
    memif_desc_t td = qa->ring->desc[ia];
    qa->ring->desc[ia] = qb->ring->desc[ib];
    qb->ring->desc[ib] = td;
}

void ring_zc_enq(struct mqueue *q, struct mqueue *from, memif_buffer_t *b)
{
    ring_zc_swap(from, b->desc_index, q, q->next_buf);
    b->desc_index = q->next_buf++;
    b->queue = q;
}

int ring_zc_set_next(struct mqueue *q, uint16_t desc_index)
{
    /* only back into what was allocated and not yet transmitted */
    if ((uint16_t)(desc_index - q->reserved) > (uint16_t)(q->next_buf - q->reserved))
        return MEMIF_ERR_INVAL_ARG;
    q->next_buf = desc_index;
    return MEMIF_ERR_SUCCESS;
}
