/* SPDX-License-Identifier: Apache-2.0 */
/* The transmit and receive loops behind `memif-dsa bench`: one queue per
 * call, the measurement window, CPU time, and our copying bursts.  The
 * zero-copy path's bursts are in bench_zc.c. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_path.h"
#include "clock.h"

/* This thread's CPU time (user + system): read at the ends of a span only,
 * never per burst. */
static uint64_t thread_cpu_ns(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru))
        return 0;
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

static void idle(uint32_t flags)
{
    if (flags & MDSA_TOOLS_BENCH_YIELD)
        sched_yield();
}

/* ---- our copying bursts ---------------------------------------------- */

static int copy_tx(struct bench_tx *t, uint16_t *sent)
{
    return mdsa_tx_copy_burst(t->conn, t->qid, t->frames, t->lens, t->burst, 0, sent);
}

static int copy_rx(struct bench_rx *r, uint64_t *pk, uint64_t *bytes)
{
    uint16_t n = 0;
    size_t need;
    int err = mdsa_rx_copy_burst(r->conn, r->qid, r->buf, r->cap, r->lens, r->burst, &n, &need);
    *pk = n;
    *bytes = 0;
    for (uint16_t k = 0; k < n; k++)
        *bytes += r->lens[k];
    return err;
}

/* ---- transmit ----------------------------------------------------------- */

static int tx_loop(struct bench_tx *t, bench_tx_fn *send, uint32_t flags, uint64_t deadline,
                   mdsa_tools_bench_result_t *res)
{
    for (uint64_t it = 1;; it++) {
        uint16_t sent = 0;
        int err = send(t, &sent);
        if (err)
            return err;
        if (sent) {
            res->packets += sent;
            res->bursts++;
        } else {
            res->empty_polls++;
            idle(flags);
        }
        if ((it & 15) == 0 && tools_now_ns() >= deadline)
            return MEMIF_ERR_SUCCESS;
    }
}

static void tx_free(struct bench_tx *t)
{
    free(t->frames);
    free(t->lens);
    free(t->bufs);
}

int mdsa_tools_bench_tx(memif_conn_handle_t conn, uint16_t qid, uint32_t frame_size,
                        uint16_t burst, uint64_t duration_ns, uint32_t flags,
                        mdsa_tools_bench_result_t *res)
{
    if (!conn || !res || frame_size == 0 || frame_size > 65535 || burst == 0 || burst > 256)
        return MEMIF_ERR_INVAL_ARG;
    memset(res, 0, sizeof *res);
    if (!mdsa_is_connected(conn))
        return MEMIF_ERR_DISCONNECTED;
    struct bench_tx t = {.conn = conn, .qid = qid, .burst = burst, .frame_size = frame_size,
                         .phases = (flags & MDSA_TOOLS_BENCH_PHASES) != 0};
    t.frames = aligned_alloc(64, (((size_t)frame_size * burst) + 63) & ~(size_t)63);
    t.lens = calloc(burst, sizeof *t.lens);
    int err = t.frames && t.lens ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
    if (!err && (flags & MDSA_TOOLS_BENCH_ZC))
        err = bench_zc_tx_setup(&t);
    if (err) {
        tx_free(&t);
        return err;
    }
    /* frames laid end to end, as mdsa_tx_copy_burst expects */
    for (size_t i = 0; i < (size_t)frame_size * burst; i++)
        t.frames[i] = (uint8_t)(i * 31 + 7);
    for (uint16_t i = 0; i < burst; i++)
        t.lens[i] = frame_size;
    bench_tx_fn *send = (flags & MDSA_TOOLS_BENCH_ZC) ? bench_zc_tx : copy_tx;
    uint64_t t0 = tools_now_ns(), c0 = thread_cpu_ns();
    err = tx_loop(&t, send, flags, t0 + duration_ns, res);
    if (mdsa_is_connected(conn))
        mdsa_tx_flush(conn, qid, 1, NULL); /* copies in flight land before we count them */
    res->bytes = res->packets * frame_size;
    res->elapsed_ns = tools_now_ns() - t0;
    res->cpu_ns = thread_cpu_ns() - c0;
    memcpy(res->phase_ns, t.phase_ns, sizeof res->phase_ns);
    tx_free(&t);
    return err;
}

/* ---- receive ------------------------------------------------------------ */

struct rx_window {
    uint64_t first, win0, win1, last, now, cpu0, cpu1;
    int open;
};

static int rx_loop(struct bench_rx *r, bench_rx_fn *recv, uint32_t flags, const uint64_t ns[3],
                   struct rx_window *w, mdsa_tools_bench_result_t *res)
{
    for (;;) {
        uint64_t got, bytes;
        int err = recv(r, &got, &bytes);
        if (err && err != MEMIF_ERR_NOBUF)
            return err;
        w->now = tools_now_ns();
        if (got) {
            if (!w->first) {
                w->first = w->now;
                w->win0 = w->first + ns[0];
                w->win1 = w->win0 + ns[1];
            }
            if (w->now >= w->win0 && w->now < w->win1) {
                if (!w->open) { /* the window opens: CPU time from here */
                    w->open = 1;
                    w->cpu0 = thread_cpu_ns();
                }
                res->packets += got;
                res->bytes += bytes;
                res->bursts++;
                for (int i = 0; i < 3; i++) /* the steps of this burst */
                    res->phase_ns[i] += r->phase_ns[i];
            }
            w->last = w->now;
        } else {
            if (w->open)
                res->empty_polls++;
            idle(flags);
        }
        if (w->first && w->now >= w->win1) {
            w->cpu1 = thread_cpu_ns();
            return MEMIF_ERR_SUCCESS;
        }
        if (w->now - w->last > ns[2]) {
            w->cpu1 = thread_cpu_ns();
            return MEMIF_ERR_SUCCESS; /* the transmitter stopped */
        }
    }
}

static void rx_free(struct bench_rx *r)
{
    free(r->buf);
    free(r->lens);
    free(r->bufs);
}

int mdsa_tools_bench_rx(memif_conn_handle_t conn, uint16_t qid, uint16_t burst,
                        uint64_t warmup_ns, uint64_t duration_ns, uint64_t idle_ns,
                        uint32_t flags, mdsa_tools_bench_result_t *res)
{
    if (!conn || !res || burst == 0 || burst > 256)
        return MEMIF_ERR_INVAL_ARG;
    memset(res, 0, sizeof *res);
    if (!mdsa_is_connected(conn))
        return MEMIF_ERR_DISCONNECTED;
    struct bench_rx r = {.conn = conn, .qid = qid, .burst = burst,
                         .phases = (flags & MDSA_TOOLS_BENCH_PHASES) != 0};
    int err;
    if (flags & MDSA_TOOLS_BENCH_ZC) {
        err = bench_zc_rx_setup(&r);
    } else {
        r.cap = (size_t)burst * 65536;
        r.buf = aligned_alloc(64, r.cap);
        r.lens = calloc(burst, sizeof *r.lens);
        err = r.buf && r.lens ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
    }
    if (err) {
        rx_free(&r);
        return err;
    }
    struct rx_window w = {0};
    w.last = w.now = tools_now_ns();
    const uint64_t ns[3] = {warmup_ns, duration_ns, idle_ns};
    err = rx_loop(&r, (flags & MDSA_TOOLS_BENCH_ZC) ? bench_zc_rx : copy_rx, flags, ns, &w, res);
    if (w.open) {
        res->elapsed_ns = (w.now < w.win1 ? w.now : w.win1) - w.win0;
        res->cpu_ns = w.cpu1 - w.cpu0;
    }
    rx_free(&r);
    return err;
}
