/* Introspection: memif_get_details, ring details, statistics. */
#define _GNU_SOURCE
#include <stdalign.h>
#include <string.h>

#include "internal.h"

struct packer {
    char *buf;
    size_t len, used;
    int err;
};

static void *pack(struct packer *p, const void *src, size_t n, size_t align)
{
    size_t at = (p->used + align - 1) & ~(align - 1);
    if (!p->buf || at + n > p->len) {
        p->err = MEMIF_ERR_NOBUF_DET;
        return NULL;
    }
    void *dst = p->buf + at;
    if (src)
        memcpy(dst, src, n);
    else
        memset(dst, 0, n);
    p->used = at + n;
    return dst;
}

static uint8_t *pack_str(struct packer *p, const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = pack(p, NULL, n + 1, 1);
    if (d)
        memcpy(d, s, n);
    return (uint8_t *)d;
}

static void queue_details(const struct mconn *c, const struct mqueue *q, uint16_t qid,
                          memif_queue_details_t *d)
{
    d->region = (uint8_t)q->region;
    d->qid = qid;
    d->ring_size = q->size;
    d->flags = (__atomic_load_n(&q->ring->flags, __ATOMIC_RELAXED) & MEMIF_RING_FLAG_MASK_INT)
                   ? MEMIF_QUEUE_FLAG_POLLING : 0;
    d->head = ring_load(&q->ring->head);
    d->tail = ring_load(&q->ring->tail);
    d->buffer_size = c->buffer_size;
}

int memif_get_details(memif_conn_handle_t conn, memif_details_t *md, char *buf, ssize_t buflen)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (!md)
        return MEMIF_ERR_INVAL_ARG;
    struct packer p = {.buf = buf, .len = buflen > 0 ? (size_t)buflen : 0};
    memset(md, 0, sizeof *md);
    md->if_name = pack_str(&p, (const char *)c->args.interface_name, MEMIF_NAME_LEN);
    md->inst_name = pack_str(&p, c->sock->args.app_name, sizeof c->sock->args.app_name);
    md->remote_if_name = pack_str(&p, c->remote_if_name, MEMIF_NAME_LEN);
    md->remote_inst_name = pack_str(&p, c->remote_app_name, MEMIF_NAME_LEN);
    md->id = c->args.interface_id;
    if (c->args.secret[0])
        md->secret = pack_str(&p, (const char *)c->args.secret, MEMIF_SECRET_LEN);
    md->role = c->args.is_master ? 0 : 1;
    md->mode = c->args.mode;
    md->socket_path = pack_str(&p, c->sock->args.path[0] ? c->sock->args.path : c->sock->args.path + 1,
                               sizeof c->sock->args.path);
    md->error = pack_str(&p, c->reason, sizeof c->reason);
    bool up = conn_live(c);
    md->link_up_down = up ? 1 : 0;
    if (!up)
        return p.err;
    md->regions_num = (uint8_t)(c->nregions > 255 ? 255 : c->nregions);
    md->regions = pack(&p, NULL, sizeof *md->regions * md->regions_num, alignof(memif_region_details_t));
    for (uint8_t i = 0; md->regions && i < md->regions_num; i++)
        md->regions[i] = (memif_region_details_t){.index = i, .addr = c->regions[i].addr,
                                                  .size = (uint32_t)c->regions[i].size,
                                                  .fd = c->regions[i].fd,
                                                  .is_external = c->regions[i].external};
    uint16_t nrx = conn_nrx(c), ntx = conn_ntx(c);
    md->rx_queues_num = (uint8_t)(nrx > 255 ? 255 : nrx);
    md->tx_queues_num = (uint8_t)(ntx > 255 ? 255 : ntx);
    md->rx_queues = pack(&p, NULL, sizeof *md->rx_queues * md->rx_queues_num, alignof(memif_queue_details_t));
    md->tx_queues = pack(&p, NULL, sizeof *md->tx_queues * md->tx_queues_num, alignof(memif_queue_details_t));
    for (uint16_t i = 0; md->rx_queues && i < md->rx_queues_num; i++)
        queue_details(c, conn_rxq(c, i), i, &md->rx_queues[i]);
    for (uint16_t i = 0; md->tx_queues && i < md->tx_queues_num; i++)
        queue_details(c, conn_txq(c, i), i, &md->tx_queues[i]);
    return p.err;
}

static int ring_details(struct mqueue *q, memif_ring_details_t *rd, uint16_t ndesc)
{
    rd->head = ring_load(&q->ring->head);
    rd->tail = ring_load(&q->ring->tail);
    rd->flags = __atomic_load_n(&q->ring->flags, __ATOMIC_RELAXED);
    rd->offset = (void *)q->ring;
    rd->ndesc = (uint16_t)(ndesc < q->size ? ndesc : q->size);
    for (uint16_t i = 0; i < rd->ndesc; i++) {
        const volatile memif_desc_t *d = &q->ring->desc[i];
        rd->descs[i] = (memif_desc_details_t){.flags = d->flags, .region = d->region,
                                              .length = d->length, .offset = d->offset,
                                              .metadata = d->metadata};
    }
    return ndesc < q->size ? MEMIF_ERR_NOBUF_DET : MEMIF_ERR_SUCCESS;
}

static int ring_details_of(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid,
                           uint16_t ndesc, bool tx)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, tx, &q);
    if (err)
        return err;
    if (!rd)
        return MEMIF_ERR_INVAL_ARG;
    return ring_details(q, rd, ndesc);
}

int memif_get_tx_ring_details(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid, uint16_t ndesc)
{
    return ring_details_of(conn, rd, qid, ndesc, true);
}

int memif_get_rx_ring_details(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid, uint16_t ndesc)
{
    return ring_details_of(conn, rd, qid, ndesc, false);
}

/* Fold a queue's counters into the interface's running totals. */
void conn_account_queue(struct mconn *c, const struct mqueue *q, mdsa_stats_t *st)
{
    (void)c;
    if (q->is_tx) {
        st->tx_packets += q->packets;
        st->tx_bytes += q->bytes;
        st->tx_buffers += q->buffers;
        st->tx_ring_full += q->ring_full;
        st->tx_rollbacks += q->rollbacks;
        st->interrupts_sent += q->irq_sent;
    } else {
        st->rx_packets += q->packets;
        st->rx_bytes += q->bytes;
        st->rx_buffers += q->buffers;
        st->interrupts_received += q->irq_recv;
    }
}

int mdsa_get_stats(memif_conn_handle_t conn, mdsa_stats_t *st)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (!st)
        return MEMIF_ERR_INVAL_ARG;
    *st = c->totals;
    st->connects = c->connects;
    st->disconnects = c->disconnects;
    st->peer_violations = c->violations;
    if (c->connected) {
        for (uint16_t i = 0; c->s2m && i < c->num_s2m; i++)
            conn_account_queue(c, &c->s2m[i], st);
        for (uint16_t i = 0; c->m2s && i < c->num_m2s; i++)
            conn_account_queue(c, &c->m2s[i], st);
    }
    st->engine = c->engine->ctr;
    return MEMIF_ERR_SUCCESS;
}
