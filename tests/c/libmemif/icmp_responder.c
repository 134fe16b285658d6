/* SPDX-License-Identifier: Apache-2.0 */
/* An ICMP responder written only against the libmemif 4.0 API
 * (<libmemif.h>), driven by memif_poll_event: the library polls its own
 * fds; the interrupt callback answers every IPv4 ICMP echo request with an
 * echo reply and ignores everything else (other protocols, bad checksums,
 * chained packets).  SIGTERM or SIGINT cancels the poll
 * (memif_cancel_poll_event is safe in a signal handler: one write()).
 *
 *   icmp_responder SOCKET master|slave ID [ethernet|ip]
 *
 * Prints "ready", "connected", "disconnected: REASON" and, at the end,
 * "stopped: replied N ignored M". */
#include <libmemif.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define MAX_BUFS 256
#define ETH_HLEN 14

static memif_socket_handle_t sock;
static memif_conn_handle_t conn;
static int ethernet = 1;
static unsigned long replied, ignored;

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* The Internet checksum (RFC 1071) of n bytes. */
static uint16_t inet_csum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Turn the echo request in pkt (len bytes) into its reply, in place.
 * 0 when it is not a well-formed IPv4 ICMP echo request. */
static int make_reply(uint8_t *pkt, uint32_t len)
{
    uint32_t l3 = ethernet ? ETH_HLEN : 0;
    if (len < l3 + 20 || (ethernet && get16(pkt + 12) != 0x0800))
        return 0;
    uint8_t *ip = pkt + l3;
    uint32_t ihl = (ip[0] & 0x0f) * 4u, total = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 || l3 + total > len || ip[9] != 1 ||
        inet_csum(ip, ihl) != 0)
        return 0;
    uint8_t *icmp = ip + ihl;
    if (icmp[0] != 8 || icmp[1] != 0 || inet_csum(icmp, total - ihl) != 0)
        return 0;
    if (ethernet) { /* swap the MAC addresses */
        uint8_t mac[6];
        memcpy(mac, pkt, 6);
        memcpy(pkt, pkt + 6, 6);
        memcpy(pkt + 6, mac, 6);
    }
    uint8_t addr[4];
    memcpy(addr, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);
    memcpy(ip + 16, addr, 4);
    ip[8] = 64; /* TTL */
    put16(ip + 10, 0);
    put16(ip + 10, inet_csum(ip, ihl));
    icmp[0] = 0; /* echo reply */
    put16(icmp + 2, 0);
    put16(icmp + 2, inet_csum(icmp, total - ihl));
    return 1;
}

static int on_interrupt(memif_conn_handle_t c, void *ctx, uint16_t qid)
{
    (void)c;
    (void)ctx;
    static uint8_t pkt[65536];
    static uint32_t len; /* of the packet gathered so far (it may span bursts) */
    memif_buffer_t bufs[MAX_BUFS];
    uint16_t rx = 0;
    int err;
    do {
        err = memif_rx_burst(conn, qid, bufs, MAX_BUFS, &rx);
        if (err != MEMIF_ERR_SUCCESS && err != MEMIF_ERR_NOBUF)
            return err;
        for (uint16_t i = 0; i < rx; i++) {
            uint32_t n = bufs[i].len <= sizeof pkt - len ? bufs[i].len : 0;
            memcpy(pkt + len, bufs[i].data, n);
            len += n;
            if (bufs[i].flags & MEMIF_BUFFER_FLAG_NEXT)
                continue;
            if (make_reply(pkt, len) && app_send(conn, qid, pkt, len) == 0)
                replied++;
            else
                ignored++;
            len = 0;
        }
        memif_refill_queue(conn, qid, rx, 0);
    } while (err == MEMIF_ERR_NOBUF);
    return MEMIF_ERR_SUCCESS;
}

static int on_connect(memif_conn_handle_t c, void *ctx)
{
    (void)ctx;
    printf("connected\n");
    fflush(stdout);
    return memif_refill_queue(c, 0, (uint16_t)-1, 0);
}

static int on_disconnect(memif_conn_handle_t c, void *ctx)
{
    (void)ctx;
    memif_details_t md;
    char buf[2048];
    memif_get_details(c, &md, buf, sizeof buf);
    printf("disconnected: %s\n", md.error ? (char *)md.error : "");
    fflush(stdout);
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    memif_cancel_poll_event(sock);
}

static int fail(const char *what, int err)
{
    fprintf(stderr, "%s: %s\n", what, memif_strerror(err));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[2], "master") && strcmp(argv[2], "slave"))) {
        fprintf(stderr, "usage: %s SOCKET master|slave ID [ethernet|ip]\n", argv[0]);
        return 2;
    }
    ethernet = argc < 5 || strcmp(argv[4], "ip");
    memif_socket_args_t sa;
    memset(&sa, 0, sizeof sa);
    snprintf(sa.path, sizeof sa.path, "%s", argv[1]);
    snprintf(sa.app_name, sizeof sa.app_name, "icmp_responder");
    sa.connection_request_timer.it_value.tv_nsec = 50 * 1000 * 1000;
    sa.connection_request_timer.it_interval.tv_nsec = 50 * 1000 * 1000;
    int err = memif_create_socket(&sock, &sa, NULL);
    if (err)
        return fail("memif_create_socket", err);
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.socket = sock;
    a.is_master = !strcmp(argv[2], "master");
    a.interface_id = (uint32_t)strtoul(argv[3], NULL, 0);
    a.mode = ethernet ? MEMIF_INTERFACE_MODE_ETHERNET : MEMIF_INTERFACE_MODE_IP;
    snprintf((char *)a.interface_name, sizeof a.interface_name, "icmp");
    if ((err = memif_create(&conn, &a, on_connect, on_disconnect, on_interrupt, NULL)))
        return fail("memif_create", err);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("ready\n");
    fflush(stdout);
    do
        err = memif_poll_event(sock, -1);
    while (err == MEMIF_ERR_SUCCESS);
    printf("stopped: replied %lu ignored %lu\n", replied, ignored);
    memif_delete(&conn);
    memif_delete_socket(&sock);
    return err == MEMIF_ERR_POLL_CANCEL ? 0 : fail("memif_poll_event", err);
}
