/* SPDX-License-Identifier: Apache-2.0 */
/* A program written only against the libmemif 4.0 API (<libmemif.h>):
 * a master and a slave in one process, driven by the application's own
 * epoll loop through the control-fd callback, in interrupt mode.  The slave
 * sends packets of many sizes (chained across 2048-byte buffers); the
 * master's on_interrupt echoes them; the slave checks every byte.
 *
 *   api_example SOCKET_PATH [PACKETS]
 * Exit status 0 and "OK" on success.
 */
#include <libmemif.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "app.h"

static int epfd;
static memif_conn_handle_t master, slave;
static int up_master, up_slave;
static int sent, echoed, verified, failed;
static int total = 200;

static int on_fd_update(memif_fd_event_t fde, void *ctx)
{
    (void)ctx;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = fde.private_ctx};
    if (fde.type & MEMIF_FD_EVENT_DEL)
        return epoll_ctl(epfd, EPOLL_CTL_DEL, fde.fd, NULL) < 0 ? -1 : 0;
    if (fde.type & MEMIF_FD_EVENT_MOD)
        return epoll_ctl(epfd, EPOLL_CTL_MOD, fde.fd, &ev) < 0 ? -1 : 0;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fde.fd, &ev) < 0 ? -1 : 0;
}

static int on_connect(memif_conn_handle_t conn, void *ctx)
{
    (void)ctx;
    if (conn == master)
        up_master = 1;
    else
        up_slave = 1;
    return memif_refill_queue(conn, 0, (uint16_t)-1, 0);
}

static int on_disconnect(memif_conn_handle_t conn, void *ctx)
{
    (void)conn;
    (void)ctx;
    return 0;
}

static uint16_t packet_size(int i)
{
    static const uint16_t sizes[] = {60, 64, 2047, 2048, 2049, 4096, 5000, 9000, 1, 1500};
    return sizes[i % 10];
}

static uint8_t pattern(int pkt, uint32_t off)
{
    return (uint8_t)(pkt * 7 + off * 13 + 1);
}

static uint8_t scratch[65536];

static int on_interrupt(memif_conn_handle_t conn, void *ctx, uint16_t qid)
{
    (void)ctx;
    memif_buffer_t bufs[256];
    uint16_t rx = 0;
    int err;
    do {
        err = memif_rx_burst(conn, qid, bufs, 256, &rx);
        if (err != MEMIF_ERR_SUCCESS && err != MEMIF_ERR_NOBUF)
            return err;
        uint16_t used = 0;
        uint32_t len;
        uint16_t consumed = 0;
        while (app_gather(bufs, rx, &used, scratch, &len)) {
            consumed = used;
            if (conn == master) {
                if (app_send(master, 0, scratch, len) == 0)
                    echoed++;
            } else {
                int pkt = verified + failed;
                int ok = len == packet_size(pkt);
                for (uint32_t k = 0; ok && k < len; k++)
                    ok = scratch[k] == pattern(pkt, k);
                if (ok)
                    verified++;
                else
                    failed++;
            }
        }
        memif_refill_queue(conn, qid, consumed, 0);
        if (consumed < rx) /* a chain continues in the next burst */
            return MEMIF_ERR_SUCCESS;
    } while (err == MEMIF_ERR_NOBUF);
    return MEMIF_ERR_SUCCESS;
}

static memif_socket_handle_t make_socket(const char *path)
{
    memif_socket_args_t sa;
    memset(&sa, 0, sizeof sa);
    snprintf(sa.path, sizeof sa.path, "%s", path);
    snprintf(sa.app_name, sizeof sa.app_name, "api_example");
    sa.connection_request_timer.it_value.tv_nsec = 50 * 1000 * 1000;
    sa.connection_request_timer.it_interval.tv_nsec = 50 * 1000 * 1000;
    sa.on_control_fd_update = on_fd_update;
    memif_socket_handle_t s = NULL;
    int err = memif_create_socket(&s, &sa, NULL);
    if (err) {
        fprintf(stderr, "memif_create_socket: %s\n", memif_strerror(err));
        exit(1);
    }
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET_PATH [PACKETS]\n", argv[0]);
        return 2;
    }
    if (argc > 2)
        total = atoi(argv[2]);
    epfd = epoll_create1(0);
    memif_socket_handle_t ms = make_socket(argv[1]), ss = make_socket(argv[1]);
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.is_master = 1;
    a.socket = ms;
    a.interface_id = 7;
    strcpy((char *)a.interface_name, "master");
    int err = memif_create(&master, &a, on_connect, on_disconnect, on_interrupt, NULL);
    if (err) {
        fprintf(stderr, "memif_create master: %s\n", memif_strerror(err));
        return 1;
    }
    a.is_master = 0;
    a.socket = ss;
    strcpy((char *)a.interface_name, "slave");
    if ((err = memif_create(&slave, &a, on_connect, on_disconnect, on_interrupt, NULL))) {
        fprintf(stderr, "memif_create slave: %s\n", memif_strerror(err));
        return 1;
    }
    for (int i = 0; i < 500 && !(up_master && up_slave); i++)
        app_epoll_once(epfd, 10);
    if (!(up_master && up_slave)) {
        fprintf(stderr, "not connected\n");
        return 1;
    }
    static uint8_t pkt[9000];
    for (int spins = 0; verified + failed < total && spins < 100000; spins++) {
        if (sent < total && sent - (verified + failed) < 32) {
            uint16_t len = packet_size(sent);
            for (uint32_t k = 0; k < len; k++)
                pkt[k] = pattern(sent, k);
            if (app_send(slave, 0, pkt, len) == 0)
                sent++;
        }
        app_epoll_once(epfd, sent < total ? 0 : 10);
    }
    memif_details_t md;
    char buf[4096];
    memif_get_details(slave, &md, buf, sizeof buf);
    printf("%s: sent %d echoed %d verified %d failed %d (remote %s)\n",
           verified == total && !failed ? "OK" : "FAIL", sent, echoed, verified, failed,
           (char *)md.remote_if_name);
    memif_delete(&slave);
    memif_delete(&master);
    memif_delete_socket(&ss);
    memif_delete_socket(&ms);
    return verified == total && !failed ? 0 : 1;
}
