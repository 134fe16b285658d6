/* SPDX-License-Identifier: Apache-2.0 */
/* Introspection: memif_get_details, ring details, statistics. */
#include <stdalign.h>
#include <string.h>

#include "conn.h"
#include "libmemif.h"
#include "memif_dsa.h"
#include "ring.h"
#include "sock.h"

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
    d->flags = ring_rx_polling(q) ? MEMIF_QUEUE_FLAG_POLLING : 0;
    d->head = ring_load(&q->ring->head);
    d->tail = ring_load(&q->ring->tail);
    /* a primary knows the secondary's buffers only from its descriptors:
     * the longest length it offered (M2S) or used (S2M) so far */
    uint32_t bs = conn_primary(c) ? q->seen_len : c->buffer_size;
    d->buffer_size = (uint16_t)(bs > UINT16_MAX ? UINT16_MAX : bs);
}

static void pack_names(struct packer *p, const struct mconn *c, memif_details_t *md)
{
    const struct msock *s = c->args.socket;
    md->if_name = pack_str(p, (const char *)c->args.interface_name, MEMIF_NAME_LEN);
    md->inst_name = pack_str(p, s->args.app_name, sizeof s->args.app_name);
    md->remote_if_name = pack_str(p, c->remote_if_name, MEMIF_NAME_LEN);
    md->remote_inst_name = pack_str(p, c->remote_app_name, MEMIF_NAME_LEN);
    if (c->args.secret[0])
        md->secret = pack_str(p, (const char *)c->args.secret, MEMIF_SECRET_LEN);
    md->socket_path = pack_str(p, s->args.path[0] ? s->args.path : s->args.path + 1,
                               sizeof s->args.path);
    md->error = pack_str(p, c->reason, sizeof c->reason);
}

static void pack_memory(struct packer *p, struct mconn *c, memif_details_t *md)
{
    md->regions_num = (uint8_t)(c->shm.n > 255 ? 255 : c->shm.n);
    md->regions = pack(p, NULL, sizeof *md->regions * md->regions_num, alignof(memif_region_details_t));
    for (uint8_t i = 0; md->regions && i < md->regions_num; i++)
        md->regions[i] = (memif_region_details_t){.index = i, .addr = c->shm.r[i].addr,
                                                  .size = (uint32_t)c->shm.r[i].size,
                                                  .fd = c->shm.r[i].fd,
                                                  .is_external = c->shm.r[i].external};
    uint16_t nrx = conn_nrx(c), ntx = conn_ntx(c);
    md->rx_queues_num = (uint8_t)(nrx > 255 ? 255 : nrx);
    md->tx_queues_num = (uint8_t)(ntx > 255 ? 255 : ntx);
    md->rx_queues = pack(p, NULL, sizeof *md->rx_queues * md->rx_queues_num, alignof(memif_queue_details_t));
    md->tx_queues = pack(p, NULL, sizeof *md->tx_queues * md->tx_queues_num, alignof(memif_queue_details_t));
    for (uint16_t i = 0; md->rx_queues && i < md->rx_queues_num; i++)
        queue_details(c, conn_rxq(c, i), i, &md->rx_queues[i]);
    for (uint16_t i = 0; md->tx_queues && i < md->tx_queues_num; i++)
        queue_details(c, conn_txq(c, i), i, &md->tx_queues[i]);
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
    pack_names(&p, c, md);
    md->id = c->args.interface_id;
    md->role = conn_primary(c) ? 0 : 1;
    md->mode = c->args.mode;
    md->link_up_down = conn_live(c) ? 1 : 0;
    if (md->link_up_down)
        pack_memory(&p, c, md);
    return p.err;
}

static int ring_details(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid,
                        uint16_t ndesc, bool tx)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, tx, &q);
    if (err)
        return err;
    if (!rd)
        return MEMIF_ERR_INVAL_ARG;
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

int memif_get_tx_ring_details(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid,
                              uint16_t ndesc)
{
    return ring_details(conn, rd, qid, ndesc, true);
}

int memif_get_rx_ring_details(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid,
                              uint16_t ndesc)
{
    return ring_details(conn, rd, qid, ndesc, false);
}

int mdsa_get_stats(memif_conn_handle_t conn, mdsa_stats_t *st)
{
    if (!conn)
        return MEMIF_ERR_NOCONN;
    if (!st)
        return MEMIF_ERR_INVAL_ARG;
    conn_stats(conn, st);
    return MEMIF_ERR_SUCCESS;
}
