/* Rings: index math on free-running u16 counters, descriptor validation,
 * refill, interrupts, and the libmemif zero-copy buffer API
 * (memif_buffer_alloc / memif_tx_burst / memif_rx_burst / ...).
 *
 * Ownership (protocol): the slave writes head, the master writes tail, on
 * both rings.  We keep our own copy of every index we publish and never
 * trust a value the peer can write without checking it: a peer index may
 * only move forward and never by more than the ring allows, and every
 * descriptor field is read once into a local, checked, then used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static inline volatile uint16_t *pub_ptr(struct mqueue *q)
{
    return q->conn->args.is_master ? &q->ring->tail : &q->ring->head;
}

static inline void queue_publish(struct mqueue *q, uint16_t idx)
{
    q->pub = idx;
    ring_store(pub_ptr(q), idx);
}

void queue_kick(struct mqueue *q)
{
    if (__atomic_load_n(&q->ring->flags, __ATOMIC_RELAXED) & MEMIF_RING_FLAG_MASK_INT)
        return; /* the consumer polls */
    uint64_t one = 1;
    if (write(q->int_fd, &one, sizeof one) == sizeof one)
        q->irq_sent++;
}

static inline bool rx_interrupt_mode(const struct mqueue *q)
{
    return !(__atomic_load_n(&q->ring->flags, __ATOMIC_RELAXED) & MEMIF_RING_FLAG_MASK_INT);
}

/* In interrupt mode, consume the peer's signal along with the packets (as
 * libmemif's rx burst does), so a stale wake-up does not follow.  Polling
 * mode makes no system call. */
void rx_drain_irq(struct mqueue *q)
{
    uint64_t n;
    if (rx_interrupt_mode(q) && read(q->int_fd, &n, sizeof n) == sizeof n)
        q->irq_recv++;
}

int queue_rx_avail(struct mqueue *q, uint16_t *n)
{
    struct mconn *c = q->conn;
    if (c->args.is_master) {
        /* S2M: the slave produces; it may hold at most `size` unreleased slots */
        uint16_t head = ring_load(&q->ring->head);
        if ((uint16_t)(head - q->pub) > q->size || (uint16_t)(q->last - q->pub) > (uint16_t)(head - q->pub)) {
            conn_fault(c, "S2M head moved backwards or beyond the ring size");
            return -1;
        }
        *n = (uint16_t)(head - q->last);
    } else {
        /* M2S: the master fills only the slots we refilled (up to our head) */
        uint16_t tail = ring_load(&q->ring->tail);
        if ((uint16_t)(tail - q->last) > (uint16_t)(q->pub - q->last)) {
            conn_fault(c, "M2S tail moved backwards or beyond the slots we gave");
            return -1;
        }
        *n = (uint16_t)(tail - q->last);
    }
    return 0;
}

int queue_tx_free(struct mqueue *q, uint16_t from, uint16_t *n)
{
    struct mconn *c = q->conn;
    if (c->args.is_master) {
        uint16_t head = ring_load(&q->ring->head);
        if ((uint16_t)(head - q->pub) > q->size || (uint16_t)(from - q->pub) > (uint16_t)(head - q->pub)) {
            conn_fault(c, "M2S head moved backwards or beyond the ring size");
            return -1;
        }
        *n = (uint16_t)(head - from);
    } else {
        uint16_t tail = ring_load(&q->ring->tail);
        if ((uint16_t)(tail - q->last) > (uint16_t)(q->pub - q->last)) {
            conn_fault(c, "S2M tail moved backwards or beyond our head");
            return -1;
        }
        q->last = tail;
        *n = (uint16_t)(q->size - (uint16_t)(from - tail));
    }
    return 0;
}

uint8_t *queue_tx_buf(struct mqueue *q, uint16_t slot, uint32_t *cap)
{
    struct mconn *c = q->conn;
    uint16_t i = slot & q->mask;
    if (!c->args.is_master) {
        const struct slot_loc *l = &q->loc[i];
        *cap = c->buffer_size;
        return (uint8_t *)c->regions[l->region].addr + l->base;
    }
    /* the slave owns M2S descriptors: read each field once, check, use */
    const volatile memif_desc_t *d = &q->ring->desc[i];
    uint16_t region = d->region;
    uint32_t offset = d->offset, length = d->length;
    if (region >= c->nregions || length == 0 ||
        (uint64_t)offset + length > c->regions[region].size) {
        conn_fault(c, "M2S descriptor outside its region");
        return NULL;
    }
    q->cap[i] = length;
    *cap = length;
    return (uint8_t *)c->regions[region].addr + offset;
}

uint8_t *queue_rx_buf(struct mqueue *q, uint16_t slot, uint32_t *len, uint16_t *flags)
{
    struct mconn *c = q->conn;
    uint16_t i = slot & q->mask;
    const volatile memif_desc_t *d = &q->ring->desc[i];
    uint32_t length = d->length;
    *flags = d->flags;
    *len = length;
    if (!c->args.is_master) {
        /* our own buffer: only the length comes from the peer */
        const struct slot_loc *l = &q->loc[i];
        if (length > l->cap) {
            conn_fault(c, "M2S descriptor length exceeds its buffer");
            return NULL;
        }
        return (uint8_t *)c->regions[l->region].addr + l->offset;
    }
    uint16_t region = d->region;
    uint32_t offset = d->offset;
    if (region >= c->nregions || (uint64_t)offset + length > c->regions[region].size) {
        conn_fault(c, "S2M descriptor outside its region");
        return NULL;
    }
    return (uint8_t *)c->regions[region].addr + offset;
}

/* Master: clear NEXT on S2M descriptors we consumed, as libmemif's receive
 * does.  A slave that only ORs NEXT into a slot's flags (DPDK 22.11's
 * transmit) would otherwise leave a stale NEXT after the ring wraps and
 * chain unrelated packets together.  The slave rewrites flags anyway. */
void queue_rx_consumed(struct mqueue *q, uint16_t from, uint16_t to)
{
    if (!q->conn->args.is_master)
        return; /* our own M2S descriptors are rewritten at refill */
    for (uint16_t s = from; s != to; s++) {
        volatile memif_desc_t *d = &q->ring->desc[s & q->mask];
        uint16_t f = d->flags;
        if (f & MEMIF_DESC_FLAG_NEXT)
            d->flags = (uint16_t)(f & ~MEMIF_DESC_FLAG_NEXT);
    }
}

/* Slave: give `count` consumed slots back to the master as empty buffers. */
static void slave_refill(struct mqueue *q, uint16_t count, uint16_t headroom)
{
    uint16_t slot = q->pub;
    for (uint16_t k = 0; k < count; k++, slot++) {
        uint16_t i = slot & q->mask;
        struct slot_loc *l = &q->loc[i];
        l->offset = l->base + headroom;
        l->cap = q->conn->buffer_size - headroom;
        memif_desc_t *d = &q->ring->desc[i];
        d->flags = 0;
        d->region = l->region;
        d->offset = l->offset;
        d->length = l->cap;
    }
    q->headroom = headroom;
    queue_publish(q, slot);
}

void queue_refill_all(struct mqueue *q, uint16_t headroom)
{
    slave_refill(q, (uint16_t)(q->size - (uint16_t)(q->pub - q->last)), headroom);
}

void queue_rx_release(struct mqueue *q, uint16_t upto)
{
    if (q->conn->args.is_master)
        queue_publish(q, upto);
    else
        slave_refill(q, (uint16_t)(q->size - (uint16_t)(q->pub - upto)), q->headroom);
}

int queue_tx_reap(struct mqueue *q, bool wait)
{
    mdsa_engine_t *e = q->conn->engine;
    bool any = false;
    uint16_t idx = q->pub;
    while (q->inflight_tail != q->inflight_head) {
        struct pending_pub *p = &q->inflight[q->inflight_tail % MDSA_TX_INFLIGHT];
        int r = wait ? (mdsa_engine_wait(e, p->ticket) ? -1 : 1) : e->ops->poll(e, p->ticket);
        if (r == 0)
            break;
        if (r < 0) {
            conn_fault(q->conn, "copy engine failed");
            return -1;
        }
        idx = p->index;
        q->inflight_tail++;
        any = true;
    }
    if (any) {
        queue_publish(q, idx);
        queue_kick(q); /* only after the data is published */
    }
    return 0;
}

/* ---- libmemif zero-copy API ------------------------------------------ */

int memif_buffer_alloc(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                       uint16_t count, uint16_t *count_out, uint16_t size)
{
    struct mconn *c = conn;
    struct mqueue *q;
    int err = conn_queue(c, qid, true, &q);
    if (err)
        return err;
    if (!count_out || (count && !bufs))
        return MEMIF_ERR_INVAL_ARG;
    *count_out = 0;
    uint16_t slot = q->next_buf, ns;
    if (queue_tx_free(q, slot, &ns))
        return MEMIF_ERR_DISCONNECTED;
    uint16_t out = 0, pk = 0;
    while (pk < count && ns) {
        uint16_t start_out = out, start_slot = slot, start_ns = ns;
        uint32_t remaining = size;
        for (;;) {
            if (ns == 0) { /* ring full mid-packet: roll the chain back */
                memset(&bufs[start_out], 0, sizeof *bufs * (size_t)(out - start_out));
                out = start_out;
                slot = start_slot;
                ns = start_ns;
                q->rollbacks++;
                goto done;
            }
            uint32_t cap;
            uint8_t *p = queue_tx_buf(q, slot, &cap);
            if (!p)
                return MEMIF_ERR_DISCONNECTED;
            memif_buffer_t *b = &bufs[out++];
            uint32_t take = size == 0 ? cap : (cap < remaining ? cap : remaining);
            b->desc_index = slot;
            b->queue = q;
            b->data = p;
            b->len = take;
            b->flags = 0;
            slot++;
            ns--;
            remaining -= size == 0 ? 0 : take;
            if (remaining == 0)
                break;
            b->flags |= MEMIF_BUFFER_FLAG_NEXT;
        }
        pk++;
    }
done:
    q->next_buf = slot;
    *count_out = out;
    if (pk < count) {
        q->ring_full++;
        return MEMIF_ERR_NOBUF_RING;
    }
    return MEMIF_ERR_SUCCESS;
}

int memif_tx_burst(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                   uint16_t count, uint16_t *tx)
{
    struct mconn *c = conn;
    struct mqueue *q;
    int err = conn_queue(c, qid, true, &q);
    if (err)
        return err;
    if (!tx || (count && !bufs))
        return MEMIF_ERR_INVAL_ARG;
    *tx = 0;
    if (queue_tx_reap(q, true)) /* earlier copying bursts land first */
        return MEMIF_ERR_DISCONNECTED;
    uint16_t idx = q->reserved, boundary = q->pub;
    bool complete = false;
    for (uint16_t i = 0; i < count; i++, idx++) {
        memif_buffer_t *b = &bufs[i];
        if ((b->desc_index & q->mask) != (idx & q->mask) ||
            (uint16_t)(idx - q->reserved) >= (uint16_t)(q->next_buf - q->reserved)) {
            err = MEMIF_ERR_INVAL_ARG; /* not the next allocated buffer */
            break;
        }
        uint16_t s = idx & q->mask;
        memif_desc_t *d = &q->ring->desc[s];
        if (c->args.is_master) {
            if (b->len > q->cap[s]) {
                err = MEMIF_ERR_INVAL_ARG;
                break;
            }
        } else {
            /* the application may have moved data inside the buffer (headroom) */
            struct slot_loc *l = &q->loc[s];
            uint8_t *base = (uint8_t *)c->regions[l->region].addr;
            if ((uint8_t *)b->data < base + l->base ||
                (uint64_t)((uint8_t *)b->data - (base + l->base)) + b->len > c->buffer_size) {
                err = MEMIF_ERR_INVAL_ARG;
                break;
            }
            d->region = l->region;
            d->offset = (uint32_t)((uint8_t *)b->data - base);
        }
        d->length = b->len;
        d->flags = (b->flags & MEMIF_BUFFER_FLAG_NEXT) ? MEMIF_DESC_FLAG_NEXT : 0;
        q->buffers++;
        q->bytes += b->len;
        if (!(b->flags & MEMIF_BUFFER_FLAG_NEXT)) {
            q->packets++;
            boundary = (uint16_t)(idx + 1);
            complete = true;
        }
        (*tx)++;
    }
    q->reserved = idx;
    /* publish whole packets only: a chain continues in a later call */
    if (complete && boundary != q->pub) {
        queue_publish(q, boundary);
        queue_kick(q);
    }
    return err;
}

int memif_rx_burst(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                   uint16_t count, uint16_t *rx)
{
    struct mconn *c = conn;
    struct mqueue *q;
    int err = conn_queue(c, qid, false, &q);
    if (err)
        return err;
    if (!rx || (count && !bufs))
        return MEMIF_ERR_INVAL_ARG;
    *rx = 0;
    uint16_t n;
    if (queue_rx_avail(q, &n))
        return MEMIF_ERR_DISCONNECTED;
    uint16_t k = n < count ? n : count;
    for (uint16_t i = 0; i < k; i++) {
        uint16_t slot = (uint16_t)(q->last + i);
        uint32_t len;
        uint16_t fl;
        uint8_t *p = queue_rx_buf(q, slot, &len, &fl);
        if (!p)
            return MEMIF_ERR_DISCONNECTED;
        bufs[i] = (memif_buffer_t){.desc_index = slot, .queue = q, .len = len,
                                   .flags = (fl & MEMIF_DESC_FLAG_NEXT) ? MEMIF_BUFFER_FLAG_NEXT : 0,
                                   .data = p};
        q->buffers++;
        q->bytes += len;
        if (!(fl & MEMIF_DESC_FLAG_NEXT))
            q->packets++;
    }
    queue_rx_consumed(q, q->last, (uint16_t)(q->last + k));
    q->last = (uint16_t)(q->last + k);
    *rx = k;
    if (n > count)
        return MEMIF_ERR_NOBUF;
    rx_drain_irq(q);
    return MEMIF_ERR_SUCCESS;
}

int memif_refill_queue(memif_conn_handle_t conn, uint16_t qid, uint16_t count, uint16_t headroom)
{
    struct mconn *c = conn;
    struct mqueue *q;
    int err = conn_queue(c, qid, false, &q);
    if (err)
        return err;
    uint16_t done = (uint16_t)(q->last - q->pub); /* master: consumed, not released */
    if (c->args.is_master) {
        queue_publish(q, (uint16_t)(q->pub + (count < done ? count : done)));
        return MEMIF_ERR_SUCCESS;
    }
    if (headroom >= c->buffer_size)
        return MEMIF_ERR_INVAL_ARG;
    uint16_t avail = (uint16_t)(q->size - (uint16_t)(q->pub - q->last));
    slave_refill(q, count < avail ? count : avail, headroom);
    return MEMIF_ERR_SUCCESS;
}

static struct mqueue *own_queue(struct mconn *c, void *p)
{
    struct mqueue *q = p;
    if (c->s2m && q >= c->s2m && q < c->s2m + c->num_s2m)
        return q;
    if (c->m2s && q >= c->m2s && q < c->m2s + c->num_m2s)
        return q;
    return NULL;
}

/* Swap two slave-owned slots: the descriptors and our record of them. */
static void slot_swap(struct mqueue *qa, uint16_t sa, struct mqueue *qb, uint16_t sb)
{
    uint16_t ia = sa & qa->mask, ib = sb & qb->mask;
    struct slot_loc tl = qa->loc[ia];
    qa->loc[ia] = qb->loc[ib];
    qb->loc[ib] = tl;
    memif_desc_t td = qa->ring->desc[ia];
    qa->ring->desc[ia] = qb->ring->desc[ib];
    qb->ring->desc[ib] = td;
}

int memif_buffer_enq_tx(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                        uint16_t count, uint16_t *count_out)
{
    struct mconn *c = conn;
    struct mqueue *q;
    int err = conn_queue(c, qid, true, &q);
    if (err)
        return err;
    if (!count_out || c->args.is_master || (count && !bufs))
        return MEMIF_ERR_INVAL_ARG;
    *count_out = 0;
    uint16_t ns;
    if (queue_tx_free(q, q->next_buf, &ns))
        return MEMIF_ERR_DISCONNECTED;
    for (uint16_t i = 0; i < count && ns; i++, ns--) {
        struct mqueue *from = own_queue(c, bufs[i].queue);
        if (!from)
            return MEMIF_ERR_INVAL_ARG;
        slot_swap(from, bufs[i].desc_index, q, q->next_buf);
        bufs[i].desc_index = q->next_buf++;
        bufs[i].queue = q;
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
    if (c->args.is_master || !buf_a || !buf_b)
        return MEMIF_ERR_INVAL_ARG;
    struct mqueue *qa = own_queue(c, buf_a->queue), *qb = own_queue(c, buf_b->queue);
    if (!qa || !qb)
        return MEMIF_ERR_INVAL_ARG;
    slot_swap(qa, buf_a->desc_index, qb, buf_b->desc_index);
    uint16_t ia = buf_a->desc_index;
    buf_a->desc_index = buf_b->desc_index;
    buf_a->queue = qb;
    buf_b->desc_index = ia;
    buf_b->queue = qa;
    return MEMIF_ERR_SUCCESS;
}

int memif_set_next_free_buffer(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *buf)
{
    struct mconn *c = conn;
    struct mqueue *q;
    int err = conn_queue(c, qid, true, &q);
    if (err)
        return err;
    if (!buf)
        return MEMIF_ERR_INVAL_ARG;
    /* only back into what was allocated and not yet transmitted */
    if ((uint16_t)(buf->desc_index - q->reserved) > (uint16_t)(q->next_buf - q->reserved))
        return MEMIF_ERR_INVAL_ARG;
    q->next_buf = buf->desc_index;
    return MEMIF_ERR_SUCCESS;
}

void queue_apply_rx_mode(struct mqueue *q, bool polling)
{
    __atomic_store_n(&q->ring->flags, polling ? MEMIF_RING_FLAG_MASK_INT : 0, __ATOMIC_RELAXED);
}

int memif_set_rx_mode(memif_conn_handle_t conn, memif_rx_mode_t rx_mode, uint16_t qid)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (rx_mode != MEMIF_RX_MODE_INTERRUPT && rx_mode != MEMIF_RX_MODE_POLLING)
        return MEMIF_ERR_INVAL_ARG;
    if (qid >= MDSA_MAX_QUEUES || (conn_live(c) && qid >= conn_nrx(c)))
        return MEMIF_ERR_QID;
    c->rx_polling[qid] = rx_mode == MEMIF_RX_MODE_POLLING;
    if (conn_live(c))
        queue_apply_rx_mode(conn_rxq(c, qid), c->rx_polling[qid]);
    return MEMIF_ERR_SUCCESS;
}

int memif_get_queue_efd(memif_conn_handle_t conn, uint16_t qid, int *fd)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, false, &q);
    if (err)
        return err;
    if (!fd)
        return MEMIF_ERR_INVAL_ARG;
    *fd = q->int_fd;
    return MEMIF_ERR_SUCCESS;
}
