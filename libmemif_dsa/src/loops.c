/* C-level loops behind `memif-dsa reflect` and `memif-dsa bench`: no
 * Python runs per packet or per burst inside them. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Packets are received into a per-queue holding buffer and sent back from
 * it; what the tx ring cannot take yet stays held, nothing is dropped. */
static int reflect_queue(struct mconn *c, uint16_t i, uint16_t burst, uint64_t *reflected)
{
    struct msock *s = c->sock;
    struct mqueue *rq = conn_rxq(c, i);
    int act = 0;
    if (rq->hold_i == rq->hold_n) {
        if (!rq->hold_lens) {
            rq->hold_cap = (size_t)burst * 2048 > 65536 ? (size_t)burst * 2048 : 65536;
            rq->hold = ms_alloc(s, rq->hold_cap);
            rq->hold_lens = ms_alloc(s, sizeof *rq->hold_lens * 256);
            if (!rq->hold || !rq->hold_lens)
                return -1;
        }
        uint16_t n;
        size_t need;
        int err = mdsa_rx_copy_burst(c, i, rq->hold, rq->hold_cap, rq->hold_lens, burst, &n, &need);
        if (err == MEMIF_ERR_NOBUF) {
            uint8_t *nb = ms_alloc(s, need);
            if (!nb)
                return -1;
            ms_free(s, rq->hold);
            rq->hold = nb;
            rq->hold_cap = need;
            err = mdsa_rx_copy_burst(c, i, rq->hold, rq->hold_cap, rq->hold_lens, burst, &n, &need);
        }
        if (err)
            return -1;
        if (!n)
            return 0;
        rq->hold_n = n;
        rq->hold_i = 0;
        rq->hold_off = 0;
        act = 1;
    }
    uint16_t sent = 0;
    int err = mdsa_tx_copy_burst(c, (uint16_t)(i % conn_ntx(c)), rq->hold + rq->hold_off,
                                 rq->hold_lens + rq->hold_i, (uint16_t)(rq->hold_n - rq->hold_i),
                                 MDSA_TX_WAIT, &sent);
    for (uint16_t k = 0; k < sent; k++)
        rq->hold_off += rq->hold_lens[rq->hold_i + k];
    rq->hold_i = (uint16_t)(rq->hold_i + sent);
    if (err == MEMIF_ERR_INVAL_ARG && rq->hold_i < rq->hold_n) {
        /* larger than the whole tx ring: it can never go back */
        rq->hold_off += rq->hold_lens[rq->hold_i++];
    } else if (err) {
        return -1;
    }
    *reflected += sent;
    return act || sent;
}

int mdsa_reflect_run(memif_conn_handle_t conn, uint16_t burst, int timeout_ms, uint64_t *reflected)
{
    struct mconn *c = conn;
    if (!c || !reflected)
        return MEMIF_ERR_INVAL_ARG;
    struct msock *s = c->sock;
    if (s->epfd < 0 || burst == 0 || burst > 256)
        return MEMIF_ERR_INVAL_ARG;
    uint64_t deadline = mdsa_deadline(timeout_ms);
    unsigned idle = 0;
    for (;;) {
        if (c->faulted)
            conn_run_deferred(s);
        int act = 0;
        bool polling = true, holding = false;
        if (conn_live(c)) {
            uint16_t nrx = conn_nrx(c);
            for (uint16_t i = 0; i < nrx && conn_live(c); i++) {
                int r = reflect_queue(c, i, burst, reflected);
                if (r > 0)
                    act = 1;
                if (!conn_live(c))
                    break;
                struct mqueue *rq = conn_rxq(c, i);
                holding |= rq->hold_i < rq->hold_n;
                polling &= c->rx_polling[i] != 0;
            }
        }
        if (mdsa_now_ns() >= deadline)
            return MEMIF_ERR_SUCCESS;
        if (act) {
            idle = 0;
            continue;
        }
        if (conn_live(c) && (polling || holding)) {
            /* nobody will wake us: spin, and serve the control channel
             * every so often */
            cpu_relax();
            if (++idle % 1024 == 0)
                memif_poll_event(s, 0);
            continue;
        }
        if (memif_poll_event(s, timeout_ms < 0 ? -1 : 10) == MEMIF_ERR_POLL_CANCEL)
            return MEMIF_ERR_POLL_CANCEL;
    }
}

int mdsa_bench_tx(memif_conn_handle_t conn, uint32_t frame_size, uint16_t burst,
                  uint64_t duration_ns, mdsa_bench_result_t *res)
{
    struct mconn *c = conn;
    if (!c || !res || frame_size == 0 || frame_size > (1u << 20) || burst == 0 || burst > 256)
        return MEMIF_ERR_INVAL_ARG;
    memset(res, 0, sizeof *res);
    if (!conn_live(c))
        return MEMIF_ERR_DISCONNECTED;
    size_t span = ((size_t)frame_size + 63) & ~(size_t)63;
    uint8_t *frames = aligned_alloc(64, span * burst);
    uint32_t *lens = calloc(burst, sizeof *lens);
    if (!frames || !lens) {
        free(frames);
        free(lens);
        return MEMIF_ERR_NOMEM;
    }
    /* frames laid end to end, as mdsa_tx_copy_burst expects */
    for (size_t i = 0; i < (size_t)frame_size * burst; i++)
        frames[i] = (uint8_t)(i * 31 + 7);
    for (uint16_t i = 0; i < burst; i++)
        lens[i] = frame_size;
    uint64_t t0 = mdsa_now_ns(), now = t0, deadline = t0 + duration_ns;
    int err = MEMIF_ERR_SUCCESS;
    uint16_t ntx = conn_ntx(c);
    for (uint64_t it = 1;; it++) {
        for (uint16_t q = 0; q < ntx; q++) {
            uint16_t sent = 0;
            err = mdsa_tx_copy_burst(c, q, frames, lens, burst, 0, &sent);
            if (err)
                goto out;
            res->packets += sent;
            res->bursts++;
            if (!sent)
                res->empty_polls++;
        }
        if ((it & 15) == 0 && (now = mdsa_now_ns()) >= deadline)
            break;
    }
out:
    for (uint16_t q = 0; conn_live(c) && q < ntx; q++)
        mdsa_tx_flush(c, q, 1, NULL);
    res->bytes = res->packets * frame_size;
    res->elapsed_ns = mdsa_now_ns() - t0;
    free(frames);
    free(lens);
    return err;
}

int mdsa_bench_rx(memif_conn_handle_t conn, uint16_t burst, uint64_t warmup_ns,
                  uint64_t duration_ns, uint64_t idle_ns, mdsa_bench_result_t *res)
{
    struct mconn *c = conn;
    if (!c || !res || burst == 0 || burst > 256)
        return MEMIF_ERR_INVAL_ARG;
    memset(res, 0, sizeof *res);
    if (!conn_live(c))
        return MEMIF_ERR_DISCONNECTED;
    size_t cap = (size_t)burst * 65536;
    uint8_t *buf = aligned_alloc(64, cap);
    uint32_t *lens = calloc(burst, sizeof *lens);
    if (!buf || !lens) {
        free(buf);
        free(lens);
        return MEMIF_ERR_NOMEM;
    }
    uint64_t start = mdsa_now_ns(), first = 0, win0 = 0, win1 = 0, last = start, now = start;
    uint16_t nrx = conn_nrx(c);
    int err = MEMIF_ERR_SUCCESS;
    for (;;) {
        uint64_t got = 0, bytes = 0;
        for (uint16_t q = 0; q < nrx; q++) {
            uint16_t n = 0;
            size_t need;
            err = mdsa_rx_copy_burst(c, q, buf, cap, lens, burst, &n, &need);
            if (err)
                goto out;
            got += n;
            for (uint16_t k = 0; k < n; k++)
                bytes += lens[k];
        }
        now = mdsa_now_ns();
        if (got) {
            if (!first) {
                first = now;
                win0 = first + warmup_ns;
                win1 = win0 + duration_ns;
            }
            if (now >= win0 && now < win1) {
                res->packets += got;
                res->bytes += bytes;
                res->bursts++;
            }
            last = now;
        } else {
            res->empty_polls++;
        }
        if (first && now >= win1)
            break;
        if (now - last > idle_ns)
            break; /* the transmitter stopped */
    }
out:
    if (first && now > win0)
        res->elapsed_ns = (now < win1 ? now : win1) - win0;
    free(buf);
    free(lens);
    return err;
}
