/* SPDX-License-Identifier: Apache-2.0 */
/* The benchmark's zero-copy path: the libmemif 4.0 buffer API used as an
 * application uses it.  The transmitter allocates ring buffers, writes
 * every payload byte into them and sends them; the receiver takes a
 * burst, reads the first 8 bytes of every packet (what a header parser
 * touches) and gives the buffers back. */
#include <stdlib.h>
#include <string.h>

#include "bench_path.h"
#include "clock.h"

/* A step boundary when timing the steps: the time, else 0 (no clock read). */
static inline uint64_t mark(int on)
{
    return on ? tools_now_ns() : 0;
}

/* The buffer size of our tx or rx queue `qid`. */
static int queue_buffer_size(memif_conn_handle_t conn, uint16_t qid, int tx, uint32_t *size)
{
    memif_details_t md;
    char text[2048];
    int err = memif_get_details(conn, &md, text, sizeof text);
    if (err)
        return err;
    uint8_t n = tx ? md.tx_queues_num : md.rx_queues_num;
    memif_queue_details_t *qd = tx ? md.tx_queues : md.rx_queues;
    if (qid >= n)
        return MEMIF_ERR_QID;
    *size = qd[qid].buffer_size ? qd[qid].buffer_size : 1;
    return MEMIF_ERR_SUCCESS;
}

int bench_zc_tx_setup(struct bench_tx *t)
{
    uint32_t bsize;
    int err = queue_buffer_size(t->conn, t->qid, 1, &bsize);
    if (err)
        return err;
    /* a burst of packets, each chained over as many buffers as it needs */
    t->nbufs = (uint32_t)t->burst * ((t->frame_size + bsize - 1) / bsize);
    t->bufs = calloc(t->nbufs, sizeof *t->bufs);
    return t->bufs ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
}

int bench_zc_tx(struct bench_tx *t, uint16_t *sent)
{
    uint16_t nb = 0, pk = 0;
    *sent = 0;
    uint64_t t0 = mark(t->phases);
    int err = memif_buffer_alloc(t->conn, t->qid, t->bufs, t->burst, &nb, (uint16_t)t->frame_size);
    if (err && err != MEMIF_ERR_NOBUF_RING)
        return err;
    if (!nb)
        return MEMIF_ERR_SUCCESS; /* the ring is full */
    uint64_t t1 = mark(t->phases);
    /* write each packet's bytes across its chain */
    const uint8_t *src = t->frames;
    for (uint16_t i = 0; i < nb; i++) {
        memif_buffer_t *b = &t->bufs[i];
        memcpy(b->data, src, b->len);
        src += b->len;
        if (!(b->flags & MEMIF_BUFFER_FLAG_NEXT)) {
            pk++;
            src = t->frames + (size_t)(pk % t->burst) * t->frame_size;
        }
    }
    uint64_t t2 = mark(t->phases);
    uint16_t done = 0;
    err = memif_tx_burst(t->conn, t->qid, t->bufs, nb, &done);
    if (err)
        return err;
    if (t->phases) {
        uint64_t t3 = tools_now_ns();
        t->phase_ns[0] += t1 - t0;
        t->phase_ns[1] += t2 - t1;
        t->phase_ns[2] += t3 - t2;
    }
    *sent = pk;
    return MEMIF_ERR_SUCCESS;
}

int bench_zc_rx_setup(struct bench_rx *r)
{
    r->bufs = calloc(r->burst, sizeof *r->bufs);
    return r->bufs ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
}

int bench_zc_rx(struct bench_rx *r, uint64_t *pk, uint64_t *bytes)
{
    uint16_t n = 0;
    *pk = *bytes = 0;
    uint64_t t0 = mark(r->phases);
    int err = memif_rx_burst(r->conn, r->qid, r->bufs, r->burst, &n);
    if (err && err != MEMIF_ERR_NOBUF)
        return err;
    if (!n)
        return err;
    uint64_t t1 = mark(r->phases);
    uint64_t sink = r->sink;
    for (uint16_t i = 0; i < n; i++) {
        const memif_buffer_t *b = &r->bufs[i];
        *bytes += b->len;
        if (!r->mid_chain && b->len >= 8) { /* a packet's first buffer */
            uint64_t v;
            memcpy(&v, b->data, sizeof v);
            sink += v;
        }
        r->mid_chain = (b->flags & MEMIF_BUFFER_FLAG_NEXT) != 0;
        if (!r->mid_chain)
            (*pk)++;
    }
    r->sink = sink;
    uint64_t t2 = mark(r->phases);
    int rerr = memif_refill_queue(r->conn, r->qid, n, 0);
    if (r->phases) {
        uint64_t t3 = tools_now_ns();
        r->phase_ns[0] = t1 - t0;
        r->phase_ns[1] = t2 - t1;
        r->phase_ns[2] = t3 - t2;
    }
    return rerr ? rerr : err;
}
