/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the programs here share, written against the libmemif 4.0 API
 * only (a header, not a program: the build helper builds *.c). */
#ifndef LIBMEMIF_TEST_APP_H
#define LIBMEMIF_TEST_APP_H

#include <libmemif.h>

#include <string.h>
#include <sys/epoll.h>
#include <time.h>

static inline double app_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One packet of `len` bytes on tx queue `qid`: memif_buffer_alloc (chained
 * as needed), a copy, memif_tx_burst.  A memif_err_t. */
static inline int app_send(memif_conn_handle_t conn, uint16_t qid, const uint8_t *data, uint32_t len)
{
    memif_buffer_t bufs[64];
    uint16_t n = 0, tx = 0;
    int err = memif_buffer_alloc(conn, qid, bufs, 1, &n, (uint16_t)len);
    if (err)
        return err;
    uint32_t off = 0;
    for (uint16_t i = 0; i < n; i++) {
        memcpy(bufs[i].data, data + off, bufs[i].len);
        off += bufs[i].len;
    }
    err = memif_tx_burst(conn, qid, bufs, n, &tx);
    return err ? err : off != len || tx != n ? MEMIF_ERR_NOBUF_RING : MEMIF_ERR_SUCCESS;
}

/* The packet starting at b[*used] (of n), gathered into out: 1 with its
 * length, *used moved past it; 0 when its chain goes on beyond n. */
static inline int app_gather(const memif_buffer_t *b, uint16_t n, uint16_t *used, uint8_t *out,
                             uint32_t *len)
{
    *len = 0;
    for (uint16_t i = *used; i < n; i++) {
        memcpy(out + *len, b[i].data, b[i].len);
        *len += b[i].len;
        if (!(b[i].flags & MEMIF_BUFFER_FLAG_NEXT)) {
            *used = (uint16_t)(i + 1);
            return 1;
        }
    }
    return 0;
}

/* One event of the application's own epoll (fds it was given by the
 * control-fd callback, private_ctx in the event data), handed to libmemif. */
static inline void app_epoll_once(int epfd, int timeout_ms)
{
    struct epoll_event ev;
    if (epoll_wait(epfd, &ev, 1, timeout_ms) == 1) {
        memif_fd_event_type_t e = 0;
        if (ev.events & EPOLLIN)
            e |= MEMIF_FD_EVENT_READ;
        if (ev.events & (EPOLLERR | EPOLLHUP))
            e |= MEMIF_FD_EVENT_ERROR;
        memif_control_fd_handler(ev.data.ptr, e);
    }
}

#endif
