/* SPDX-License-Identifier: Apache-2.0 */
/* The transmit and receive loops behind `memif-dsa bench`. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "mdsa_tools.h"

static uint16_t tx_queues(memif_conn_handle_t conn)
{
    uint16_t rx = 0, tx = 0;
    mdsa_queue_counts(conn, &rx, &tx);
    return tx;
}

static uint16_t rx_queues(memif_conn_handle_t conn)
{
    uint16_t rx = 0, tx = 0;
    mdsa_queue_counts(conn, &rx, &tx);
    return rx;
}

static int tx_loop(memif_conn_handle_t conn, const uint8_t *frames, const uint32_t *lens,
                   uint16_t burst, uint64_t deadline, mdsa_tools_bench_result_t *res)
{
    uint16_t ntx = tx_queues(conn);
    for (uint64_t it = 1;; it++) {
        for (uint16_t q = 0; q < ntx; q++) {
            uint16_t sent = 0;
            int err = mdsa_tx_copy_burst(conn, q, frames, lens, burst, 0, &sent);
            if (err)
                return err;
            res->packets += sent;
            res->bursts++;
            if (!sent)
                res->empty_polls++;
        }
        if ((it & 15) == 0 && tools_now_ns() >= deadline)
            return MEMIF_ERR_SUCCESS;
    }
}

int mdsa_tools_bench_tx(memif_conn_handle_t conn, uint32_t frame_size, uint16_t burst,
                        uint64_t duration_ns, mdsa_tools_bench_result_t *res)
{
    if (!conn || !res || frame_size == 0 || frame_size > (1u << 20) || burst == 0 || burst > 256)
        return MEMIF_ERR_INVAL_ARG;
    memset(res, 0, sizeof *res);
    if (!mdsa_is_connected(conn))
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
    uint64_t t0 = tools_now_ns();
    int err = tx_loop(conn, frames, lens, burst, t0 + duration_ns, res);
    for (uint16_t q = 0; mdsa_is_connected(conn) && q < tx_queues(conn); q++)
        mdsa_tx_flush(conn, q, 1, NULL);
    res->bytes = res->packets * frame_size;
    res->elapsed_ns = tools_now_ns() - t0;
    free(frames);
    free(lens);
    return err;
}

struct rx_window {
    uint64_t first, win0, win1, last, now;
};

/* One round over the rx queues: packets and bytes received. */
static int rx_round(memif_conn_handle_t conn, uint16_t nrx, uint8_t *buf, size_t cap,
                    uint32_t *lens, uint16_t burst, uint64_t *got, uint64_t *bytes)
{
    *got = *bytes = 0;
    for (uint16_t q = 0; q < nrx; q++) {
        uint16_t n = 0;
        size_t need;
        int err = mdsa_rx_copy_burst(conn, q, buf, cap, lens, burst, &n, &need);
        if (err)
            return err;
        *got += n;
        for (uint16_t k = 0; k < n; k++)
            *bytes += lens[k];
    }
    return MEMIF_ERR_SUCCESS;
}

static int rx_loop(memif_conn_handle_t conn, uint8_t *buf, size_t cap, uint32_t *lens,
                   uint16_t burst, const uint64_t ns[3], struct rx_window *w,
                   mdsa_tools_bench_result_t *res)
{
    uint16_t nrx = rx_queues(conn);
    for (;;) {
        uint64_t got, bytes;
        int err = rx_round(conn, nrx, buf, cap, lens, burst, &got, &bytes);
        if (err)
            return err;
        w->now = tools_now_ns();
        if (got) {
            if (!w->first) {
                w->first = w->now;
                w->win0 = w->first + ns[0];
                w->win1 = w->win0 + ns[1];
            }
            if (w->now >= w->win0 && w->now < w->win1) {
                res->packets += got;
                res->bytes += bytes;
                res->bursts++;
            }
            w->last = w->now;
        } else {
            res->empty_polls++;
        }
        if (w->first && w->now >= w->win1)
            return MEMIF_ERR_SUCCESS;
        if (w->now - w->last > ns[2])
            return MEMIF_ERR_SUCCESS; /* the transmitter stopped */
    }
}

int mdsa_tools_bench_rx(memif_conn_handle_t conn, uint16_t burst, uint64_t warmup_ns,
                        uint64_t duration_ns, uint64_t idle_ns, mdsa_tools_bench_result_t *res)
{
    if (!conn || !res || burst == 0 || burst > 256)
        return MEMIF_ERR_INVAL_ARG;
    memset(res, 0, sizeof *res);
    if (!mdsa_is_connected(conn))
        return MEMIF_ERR_DISCONNECTED;
    size_t cap = (size_t)burst * 65536;
    uint8_t *buf = aligned_alloc(64, cap);
    uint32_t *lens = calloc(burst, sizeof *lens);
    if (!buf || !lens) {
        free(buf);
        free(lens);
        return MEMIF_ERR_NOMEM;
    }
    struct rx_window w = {0};
    w.last = w.now = tools_now_ns();
    const uint64_t ns[3] = {warmup_ns, duration_ns, idle_ns};
    int err = rx_loop(conn, buf, cap, lens, burst, ns, &w, res);
    if (w.first && w.now > w.win0)
        res->elapsed_ns = (w.now < w.win1 ? w.now : w.win1) - w.win0;
    free(buf);
    free(lens);
    return err;
}
