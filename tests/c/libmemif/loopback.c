/* SPDX-License-Identifier: Apache-2.0 */
/* libmemif's loopback, written only against the libmemif 4.0 API
 * (<libmemif.h>): a master and a slave with the SAME id on ONE socket in
 * one process, driven by memif_poll_event (the library's own epoll), in
 * interrupt mode.
 *
 * Forward (default): the master sends; the slave replies zero-copy
 * (memif_rx_burst, memif_buffer_enq_tx, memif_refill_queue, memif_tx_burst:
 * the received buffers go back as they are, a marker written in place).
 * Reverse (-r): the slave sends; the master replies by copy (a master owns
 * no buffers to hand back: memif_buffer_enq_tx refuses it).
 * Then the sender is deleted alone: the other side sees the disconnect,
 * stays, and connects again when the sender is created again; the
 * exchange is repeated.
 *
 *   loopback [-r] SOCKET [PACKETS]      exit status 0 and "OK ..." on success
 */
#include <libmemif.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define MAX_BUFS 256
#define WINDOW 32 /* packets in flight: the rings never fill */

struct side {
    const char *name;
    int is_master;
    memif_conn_handle_t conn;
    int up, connects, disconnects;
    int in_chain; /* replier: the next buffer continues a packet */
};

static struct side master = {.name = "master", .is_master = 1}, slave = {.name = "slave"};
static memif_socket_handle_t sock;
static struct side *sender = &master, *replier = &slave;
static int sent, replied, verified, failed;

static uint16_t size_of(int i)
{
    static const uint16_t sizes[] = {64, 1500, 60, 2048, 3000, 9000, 1, 128};
    return sizes[i % 8];
}

static uint8_t pattern(int pkt, uint32_t off)
{
    return (uint8_t)(pkt * 7 + off * 13 + 1);
}

static void die(const char *what, int err)
{
    fprintf(stderr, "FAIL: %s: %s\n", what, memif_strerror(err));
    exit(1);
}

static int on_connect(memif_conn_handle_t conn, void *ctx)
{
    struct side *s = ctx;
    s->up = 1;
    s->connects++;
    s->in_chain = 0;
    return memif_refill_queue(conn, 0, (uint16_t)-1, 0);
}

static int on_disconnect(memif_conn_handle_t conn, void *ctx)
{
    (void)conn;
    struct side *s = ctx;
    s->up = 0;
    s->disconnects++;
    return 0;
}

/* The slave's reply: the received buffers themselves go back. */
static int reply_zero_copy(struct side *s, uint16_t qid)
{
    memif_buffer_t bufs[MAX_BUFS];
    uint16_t rx = 0, enq = 0, tx = 0;
    int err = memif_rx_burst(s->conn, qid, bufs, MAX_BUFS, &rx);
    if (err != MEMIF_ERR_SUCCESS)
        return err;
    for (uint16_t i = 0; i < rx; i++) {
        if (!s->in_chain) {
            ((uint8_t *)bufs[i].data)[0] ^= 0xff; /* marker, written in place */
            replied++;
        }
        s->in_chain = bufs[i].flags & MEMIF_BUFFER_FLAG_NEXT;
    }
    if ((err = memif_buffer_enq_tx(s->conn, qid, bufs, rx, &enq)) != MEMIF_ERR_SUCCESS)
        return err;
    if ((err = memif_refill_queue(s->conn, qid, enq, 0)) != MEMIF_ERR_SUCCESS)
        return err;
    err = memif_tx_burst(s->conn, qid, bufs, enq, &tx);
    return err == MEMIF_ERR_SUCCESS && tx != enq ? MEMIF_ERR_NOBUF_RING : err;
}

/* The master's reply: a copy into buffers of its tx ring. */
static int reply_copy(struct side *s, uint16_t qid)
{
    static uint8_t pkt[65536];
    memif_buffer_t bufs[MAX_BUFS];
    uint16_t rx = 0, used = 0, enq = 0;
    int err = memif_rx_burst(s->conn, qid, bufs, MAX_BUFS, &rx);
    if (err != MEMIF_ERR_SUCCESS)
        return err;
    if (memif_buffer_enq_tx(s->conn, qid, bufs, rx, &enq) != MEMIF_ERR_INVAL_ARG)
        return MEMIF_ERR_INVAL_ARG; /* a master has no buffers of its own to hand back */
    uint32_t len;
    while (app_gather(bufs, rx, &used, pkt, &len)) {
        pkt[0] ^= 0xff;
        if (app_send(s->conn, qid, pkt, len))
            return MEMIF_ERR_NOBUF_RING;
        replied++;
    }
    return memif_refill_queue(s->conn, qid, rx, 0);
}

static int verify(struct side *s, uint16_t qid)
{
    static uint8_t pkt[65536];
    memif_buffer_t bufs[MAX_BUFS];
    uint16_t rx = 0, used = 0;
    int err = memif_rx_burst(s->conn, qid, bufs, MAX_BUFS, &rx);
    if (err != MEMIF_ERR_SUCCESS)
        return err;
    uint32_t len;
    while (app_gather(bufs, rx, &used, pkt, &len)) {
        int k = verified + failed;
        uint8_t marked = (uint8_t)(pattern(k, 0) ^ 0xff);
        int ok = len == size_of(k) && pkt[0] == marked;
        for (uint32_t i = 1; ok && i < len; i++)
            ok = pkt[i] == pattern(k, i);
        if (ok)
            verified++;
        else
            failed++;
    }
    return memif_refill_queue(s->conn, qid, rx, 0);
}

static int on_interrupt(memif_conn_handle_t conn, void *ctx, uint16_t qid)
{
    (void)conn;
    struct side *s = ctx;
    int err = s == sender ? verify(s, qid) : s->is_master ? reply_copy(s, qid) : reply_zero_copy(s, qid);
    if (err)
        die(s == sender ? "verify" : "reply", err);
    return err;
}

static void create(struct side *s)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.socket = sock;
    a.is_master = (uint8_t)s->is_master;
    a.interface_id = 0; /* the same id for both: libmemif's loopback */
    snprintf((char *)a.interface_name, sizeof a.interface_name, "lo-%s", s->name);
    s->conn = NULL;
    int err = memif_create(&s->conn, &a, on_connect, on_disconnect, on_interrupt, s);
    if (err)
        die(s->is_master ? "memif_create master" : "memif_create slave", err);
}

/* Run the event loop until cond() holds; fail after `secs`. */
static void run_until(int (*cond)(void), double secs, const char *what)
{
    double end = app_now() + secs;
    while (!cond()) {
        if (app_now() > end) {
            fprintf(stderr, "FAIL: timed out waiting for %s\n", what);
            exit(1);
        }
        int err = memif_poll_event(sock, 10);
        if (err)
            die("memif_poll_event", err);
    }
}

static int both_up(void) { return master.up && slave.up; }
static int replier_down(void) { return !replier->up && replier->disconnects == 1; }

static void exchange(int count)
{
    static uint8_t pkt[9000];
    int base = verified + failed, goal = base + count;
    double end = app_now() + 30;
    while (verified + failed < goal && app_now() < end) {
        if (sent < goal && sent - (verified + failed) < WINDOW) {
            uint32_t len = size_of(sent);
            for (uint32_t k = 0; k < len; k++)
                pkt[k] = pattern(sent, k);
            if (app_send(sender->conn, 0, pkt, len) == 0)
                sent++;
        }
        int err = memif_poll_event(sock, sent < goal ? 0 : 10);
        if (err)
            die("memif_poll_event", err);
    }
}

int main(int argc, char **argv)
{
    int arg = 1, total = 100;
    if (argc > 1 && !strcmp(argv[1], "-r")) {
        sender = &slave;
        replier = &master;
        arg++;
    }
    if (argc <= arg) {
        fprintf(stderr, "usage: %s [-r] SOCKET [PACKETS]\n", argv[0]);
        return 2;
    }
    if (argc > arg + 1)
        total = atoi(argv[arg + 1]);
    memif_socket_args_t sa;
    memset(&sa, 0, sizeof sa);
    snprintf(sa.path, sizeof sa.path, "%s", argv[arg]);
    snprintf(sa.app_name, sizeof sa.app_name, "loopback");
    sa.connection_request_timer.it_value.tv_nsec = 50 * 1000 * 1000;
    sa.connection_request_timer.it_interval.tv_nsec = 50 * 1000 * 1000;
    int err = memif_create_socket(&sock, &sa, NULL);
    if (err)
        die("memif_create_socket", err);
    create(&master);
    create(&slave);
    run_until(both_up, 10, "both sides to connect");
    exchange(total);
    int first = verified;

    /* the sender goes alone; the replier stays and reconnects */
    memif_delete(&sender->conn);
    run_until(replier_down, 10, "the other side to see the disconnect");
    create(sender);
    run_until(both_up, 10, "both sides to connect again");
    exchange(total / 4 + 1);

    int ok = verified == sent && !failed && replied == sent && replier->connects == 2;
    printf("%s: %s sends, %s replies%s: sent %d replied %d verified %d (%d before the %s was "
           "deleted alone) failed %d\n",
           ok ? "OK" : "FAIL", sender->name, replier->name, sender == &master ? " zero-copy" : " by copy",
           sent, replied, verified, first, sender->name, failed);
    memif_delete(&slave.conn);
    memif_delete(&master.conn);
    if ((err = memif_delete_socket(&sock)))
        die("memif_delete_socket", err);
    return ok ? 0 : 1;
}
