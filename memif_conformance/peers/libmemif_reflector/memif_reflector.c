/* SPDX-License-Identifier: Apache-2.0 */
/* A memif reflector written only against the libmemif 4.0 API
 * (<libmemif.h> and the C library, nothing else): every packet received on
 * a queue goes back, unchanged, on the queue of the same number.  Link it
 * against your own libmemif and certify your product with the conformance
 * suite's `command` peer (memif_reflector.json is its declaration):
 *
 *   cc -std=c11 -Wall -Wextra -Werror memif_reflector.c -o memif_reflector \
 *      $(pkg-config --cflags --libs libmemif)
 *   memif-dsa certify --peer command --peer-caps memif_reflector.json \
 *      --peer-cmd './memif_reflector --role {role} --socket {socket} ...'
 *
 *   memif_reflector --role primary|secondary --socket PATH|@NAME [--id N]
 *                   [--mode ethernet|ip|punt] [--secret S] [--tx-queues N]
 *                   [--rx-queues N] [--ring-size N] [--buffer-size N]
 *                   [--rx-mode interrupt|polling]
 *   memif_reflector --version
 *
 * It prints "ready: ...", "connected: ...", "disconnected: REASON" and
 * "stopped" lines, serves one peer after another (a secondary connects
 * again on libmemif's connection timer) and stops on SIGTERM or SIGINT.
 * A packet that finds the tx ring full waits in the queue's hold (the rx
 * ring is read no further meanwhile): nothing is dropped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sigaction, nanosleep under -std=c11 */
#endif
#include <libmemif.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REFLECTOR_VERSION "1.0"
#define MAX_QUEUES 255
#define BURST 64
#define MAX_PACKET 65535          /* memif_buffer_alloc takes a u16 size */
#define MIN_OFFER 64              /* the shortest peer buffer a packet is chained over */
#define HOLD_BYTES (1u << 20)     /* per queue: packets received, not yet sent back */
#define HOLD_PACKETS 1024

struct hold {                     /* a FIFO of whole packets in a ring of bytes */
    uint8_t *data;
    uint32_t off[HOLD_PACKETS], len[HOLD_PACKETS];
    uint32_t head, tail;          /* packet indices (free-running) */
    size_t end;                   /* where the newest packet ends */
    uint8_t partial[MAX_PACKET];  /* a chain cut by the end of an rx burst */
    uint32_t partial_len;
    int partial_bad;              /* the chain grew beyond MAX_PACKET: dropped */
};

struct options {
    int primary, polling;
    const char *socket, *secret;
    const char *mode_name;
    memif_interface_mode_t mode;
    uint32_t id;
    uint8_t tx_queues, rx_queues, log2_ring;
    uint16_t buffer_size;
};

static volatile sig_atomic_t stop;
static struct options opt;
static memif_conn_handle_t conn;
static int connected;
static uint16_t n_rx, n_tx;
static struct hold *holds[MAX_QUEUES];
static unsigned long long dropped;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: memif_reflector --role primary|secondary --socket PATH|@NAME [--id N]\n"
                    "       [--mode ethernet|ip|punt] [--secret S] [--tx-queues N] [--rx-queues N]\n"
                    "       [--ring-size N] [--buffer-size N] [--rx-mode interrupt|polling]\n");
    exit(2);
}

static unsigned long number(const char *what, const char *s, unsigned long lo, unsigned long hi)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "memif_reflector: %s must be %lu..%lu, got '%s'\n", what, lo, hi, s);
        exit(2);
    }
    return v;
}

static uint8_t log2_of(unsigned long ring_size)
{
    uint8_t l = 0;
    while ((1ul << l) < ring_size)
        l++;
    if ((1ul << l) != ring_size) {
        fprintf(stderr, "memif_reflector: --ring-size must be a power of two\n");
        exit(2);
    }
    return l;
}

static void parse(int argc, char **argv)
{
    opt = (struct options){.mode_name = "ethernet", .tx_queues = 1, .rx_queues = 1,
                           .log2_ring = 10, .buffer_size = 2048};
    const char *role = NULL;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--version")) {
            printf("memif_reflector %s (libmemif API, memif protocol %s)\n", REFLECTOR_VERSION,
                   memif_get_version_str());
            exit(0);
        }
        if (!v)
            usage();
        i++;
        if (!strcmp(k, "--role"))
            role = v;
        else if (!strcmp(k, "--socket"))
            opt.socket = v;
        else if (!strcmp(k, "--id"))
            opt.id = (uint32_t)number("--id", v, 0, UINT32_MAX);
        else if (!strcmp(k, "--mode"))
            opt.mode_name = v;
        else if (!strcmp(k, "--secret"))
            opt.secret = v;
        else if (!strcmp(k, "--tx-queues"))
            opt.tx_queues = (uint8_t)number("--tx-queues", v, 1, MAX_QUEUES);
        else if (!strcmp(k, "--rx-queues"))
            opt.rx_queues = (uint8_t)number("--rx-queues", v, 1, MAX_QUEUES);
        else if (!strcmp(k, "--ring-size"))
            opt.log2_ring = log2_of(number("--ring-size", v, 2, 1u << 14));
        else if (!strcmp(k, "--buffer-size"))
            opt.buffer_size = (uint16_t)number("--buffer-size", v, 1, 65535);
        else if (!strcmp(k, "--rx-mode"))
            opt.polling = !strcmp(v, "polling") ? 1 : strcmp(v, "interrupt") ? (usage(), 0) : 0;
        else
            usage();
    }
    if (!role || !opt.socket || (strcmp(role, "primary") && strcmp(role, "secondary")))
        usage();
    opt.primary = !strcmp(role, "primary");
    if (!strcmp(opt.mode_name, "ethernet"))
        opt.mode = MEMIF_INTERFACE_MODE_ETHERNET;
    else if (!strcmp(opt.mode_name, "ip"))
        opt.mode = MEMIF_INTERFACE_MODE_IP;
    else if (!strcmp(opt.mode_name, "punt"))
        opt.mode = MEMIF_INTERFACE_MODE_PUNT_INJECT;
    else
        usage();
    if (opt.secret && strlen(opt.secret) > 24) {
        fprintf(stderr, "memif_reflector: --secret is at most 24 bytes\n");
        exit(2);
    }
}

/* ---- holding packets ------------------------------------------------- */

static struct hold *hold_of(uint16_t q)
{
    if (!holds[q]) {
        holds[q] = calloc(1, sizeof *holds[q]);
        if (!holds[q] || !(holds[q]->data = malloc(HOLD_BYTES))) {
            fprintf(stderr, "memif_reflector: out of memory\n");
            exit(1);
        }
    }
    return holds[q];
}

/* Where a packet of `len` bytes goes (packets never straddle the end of
 * the byte ring): 1 with *at, 0 when there is no room. */
static int hold_place(const struct hold *h, uint32_t len, size_t *at)
{
    if (h->head - h->tail == HOLD_PACKETS)
        return 0;
    if (h->head == h->tail)
        return *at = 0, len <= HOLD_BYTES;
    size_t start = h->off[h->tail % HOLD_PACKETS];
    if (h->end > start) { /* not wrapped: after the newest, or over from 0 */
        if (h->end + len <= HOLD_BYTES)
            return *at = h->end, 1;
        return *at = 0, len <= start;
    }
    return *at = h->end, h->end + len <= start;
}

static void hold_push(struct hold *h, const uint8_t *data, uint32_t len, size_t at)
{
    memcpy(h->data + at, data, len);
    h->off[h->head % HOLD_PACKETS] = (uint32_t)at;
    h->len[h->head % HOLD_PACKETS] = len;
    h->head++;
    h->end = at + len;
}

static void hold_pop(struct hold *h)
{
    if (++h->tail == h->head)
        h->end = 0;
}

static void hold_clear(struct hold *h)
{
    h->head = h->tail = 0;
    h->end = 0;
    h->partial_len = 0;
    h->partial_bad = 0;
}

/* ---- the data path ----------------------------------------------------- */

/* Send back what queue q holds, in order, while the tx ring has room;
 * returns the packets sent. */
static unsigned drain(uint16_t q)
{
    struct hold *h = hold_of(q);
    uint16_t txq = (uint16_t)(q % n_tx);
    unsigned sent_packets = 0;
    while (h->head != h->tail) {
        uint32_t len = h->len[h->tail % HOLD_PACKETS];
        const uint8_t *p = h->data + h->off[h->tail % HOLD_PACKETS];
        memif_buffer_t bufs[MAX_PACKET / MIN_OFFER + 2];
        uint16_t n = 0, sent = 0;
        int err = memif_buffer_alloc(conn, txq, bufs, 1, &n, (uint16_t)len);
        if (err != MEMIF_ERR_SUCCESS || n == 0)
            return sent_packets; /* ring full (nothing was taken): later */
        uint32_t off = 0;
        for (uint16_t i = 0; i < n && off < len; i++) {
            uint32_t k = bufs[i].len < len - off ? bufs[i].len : len - off;
            memcpy(bufs[i].data, p + off, k);
            bufs[i].len = k;
            off += k;
        }
        if (memif_tx_burst(conn, txq, bufs, n, &sent) != MEMIF_ERR_SUCCESS)
            return sent_packets; /* disconnected: the hold is cleared at the next connection */
        hold_pop(h);
        sent_packets++;
    }
    return sent_packets;
}

/* One rx burst of queue q into its hold; returns the buffers taken. */
static uint16_t take(uint16_t q)
{
    struct hold *h = hold_of(q);
    memif_buffer_t bufs[BURST];
    uint16_t rx = 0;
    size_t at;
    if (!hold_place(h, MAX_PACKET, &at))
        return 0; /* full: leave packets in the ring until the peer takes ours */
    int err = memif_rx_burst(conn, q, bufs, BURST, &rx);
    if (err != MEMIF_ERR_SUCCESS && err != MEMIF_ERR_NOBUF)
        return 0;
    for (uint16_t i = 0; i < rx; i++) {
        if (h->partial_len + bufs[i].len > MAX_PACKET)
            h->partial_bad = 1;
        else {
            memcpy(h->partial + h->partial_len, bufs[i].data, bufs[i].len);
            h->partial_len += bufs[i].len;
        }
        if (bufs[i].flags & MEMIF_BUFFER_FLAG_NEXT)
            continue;
        if (h->partial_bad || h->partial_len == 0 || !hold_place(h, h->partial_len, &at))
            dropped++;
        else
            hold_push(h, h->partial, h->partial_len, at);
        h->partial_len = 0;
        h->partial_bad = 0;
    }
    if (rx)
        memif_refill_queue(conn, q, rx, 0);
    return rx;
}

/* Move what queue q has, a few bursts at most; nonzero when anything
 * moved (the caller comes back at once: the ring may hold more). */
static int reflect(uint16_t q)
{
    int moved = 0;
    for (int round = 0; round < 16; round++) {
        uint16_t got = take(q);
        unsigned sent = drain(q);
        moved |= got != 0 || sent != 0;
        if (got < BURST)
            break;
    }
    return moved;
}

static int on_interrupt(memif_conn_handle_t c, void *ctx, uint16_t qid)
{
    (void)c;
    (void)ctx;
    if (connected && qid < n_rx)
        reflect(qid);
    return 0;
}

/* ---- connection events ------------------------------------------------- */

/* The interface's details (strings point into a static buffer); 0 when
 * they could not be had (md zeroed). */
static int details(memif_conn_handle_t c, memif_details_t *md)
{
    static char buf[16384];
    memset(md, 0, sizeof *md);
    return memif_get_details(c, md, buf, sizeof buf) == MEMIF_ERR_SUCCESS;
}

static int on_connect(memif_conn_handle_t c, void *ctx)
{
    (void)ctx;
    memif_details_t md;
    if (details(c, &md)) {
        n_rx = md.rx_queues_num;
        n_tx = md.tx_queues_num;
    }
    if (n_rx == 0 || n_tx == 0) {
        n_rx = opt.primary ? opt.tx_queues : opt.rx_queues; /* best guess */
        n_tx = opt.primary ? opt.rx_queues : opt.tx_queues;
    }
    for (uint16_t q = 0; q < n_rx; q++) {
        memif_set_rx_mode(c, opt.polling ? MEMIF_RX_MODE_POLLING : MEMIF_RX_MODE_INTERRUPT, q);
        memif_refill_queue(c, q, (uint16_t)-1, 0);
        hold_clear(hold_of(q));
    }
    connected = 1;
    printf("connected: peer app '%s' interface '%s', rx queues %u, tx queues %u\n",
           md.remote_inst_name ? (char *)md.remote_inst_name : "",
           md.remote_if_name ? (char *)md.remote_if_name : "", n_rx, n_tx);
    return 0;
}

static int on_disconnect(memif_conn_handle_t c, void *ctx)
{
    (void)ctx;
    memif_details_t md;
    const char *reason = details(c, &md) && md.error ? (const char *)md.error : "";
    connected = 0;
    printf("disconnected: %s\n", reason[0] ? reason : "(no reason given)");
    return 0;
}

/* ---- main -------------------------------------------------------------- */

static memif_socket_handle_t open_socket(void)
{
    memif_socket_args_t sa;
    memset(&sa, 0, sizeof sa);
    if (strlen(opt.socket) >= sizeof sa.path) {
        fprintf(stderr, "memif_reflector: --socket is at most %zu bytes\n", sizeof sa.path - 1);
        exit(2);
    }
    strcpy(sa.path, opt.socket);
    strcpy(sa.app_name, "memif_reflector");
    /* a secondary connects again every 100 ms while it has no primary */
    sa.connection_request_timer.it_value.tv_nsec = 100 * 1000 * 1000;
    sa.connection_request_timer.it_interval.tv_nsec = 100 * 1000 * 1000;
    memif_socket_handle_t sock = NULL;
    int err = memif_create_socket(&sock, &sa, NULL);
    if (err) {
        fprintf(stderr, "memif_reflector: memif_create_socket: %s\n", memif_strerror(err));
        exit(1);
    }
    return sock;
}

static void create_interface(memif_socket_handle_t sock)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.socket = sock;
    a.is_master = (uint8_t)opt.primary;
    a.interface_id = opt.id;
    a.mode = opt.mode;
    a.num_s2m_rings = opt.primary ? opt.rx_queues : opt.tx_queues;
    a.num_m2s_rings = opt.primary ? opt.tx_queues : opt.rx_queues;
    a.log2_ring_size = opt.log2_ring;
    /* A primary sends in the secondary's buffers, whatever size it offers;
     * there buffer_size only bounds how many bufs entries memif_buffer_alloc
     * may chain a packet over (libmemif-dsa: ceil(size / buffer_size)).  Our
     * bufs arrays hold a MAX_PACKET packet in MIN_OFFER-byte buffers. */
    a.buffer_size = opt.primary ? MIN_OFFER : opt.buffer_size;
    strcpy((char *)a.interface_name, "memif_reflector");
    if (opt.secret)
        memcpy(a.secret, opt.secret, strlen(opt.secret)); /* at most 24: checked */
    int err = memif_create(&conn, &a, on_connect, on_disconnect, on_interrupt, NULL);
    if (err) {
        fprintf(stderr, "memif_reflector: memif_create: %s\n", memif_strerror(err));
        exit(1);
    }
}

/* Polling: every rx queue, round after round; a short sleep when idle. */
static void poll_all(memif_socket_handle_t sock)
{
    unsigned idle = 0;
    while (!stop) {
        memif_poll_event(sock, 0);
        int moved = 0;
        for (uint16_t q = 0; connected && q < n_rx; q++)
            moved |= reflect(q);
        idle = moved ? 0 : idle + 1;
        if (idle > 1000) {
            struct timespec ts = {0, 50 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

/* Interrupts: sleep in memif_poll_event until the peer signals, but only
 * once every rx ring was found empty (a signal announces new packets, not
 * ones left behind); held packets are retried every millisecond. */
static void wait_events(memif_socket_handle_t sock)
{
    int moved = 0, held = 0;
    while (!stop) {
        memif_poll_event(sock, moved ? 0 : held ? 1 : 100);
        moved = held = 0;
        for (uint16_t q = 0; connected && q < n_rx; q++) {
            moved |= reflect(q);
            held |= holds[q] && holds[q]->head != holds[q]->tail;
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    parse(argc, argv);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    memif_socket_handle_t sock = open_socket();
    create_interface(sock);
    printf("ready: %s %s %s id %u mode %s\n", opt.primary ? "primary" : "secondary",
           opt.primary ? "listening on" : "connecting to", opt.socket, opt.id, opt.mode_name);
    if (opt.polling)
        poll_all(sock);
    else
        wait_events(sock);
    memif_delete(&conn);
    memif_delete_socket(&sock);
    for (int q = 0; q < MAX_QUEUES; q++)
        if (holds[q]) {
            free(holds[q]->data);
            free(holds[q]);
        }
    printf("stopped: %llu packets dropped (longer than %u bytes, or no room)\n", dropped,
           MAX_PACKET);
    return 0;
}
