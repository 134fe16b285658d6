/* SPDX-License-Identifier: Apache-2.0 */
/* The handshake state machine (with the interface layer and everything
 * below it), driven from byte buffers only: no sockets, no event loop.
 * Messages go from one state machine to the other as bytes; an fd that
 * comes with one is dup()ed, as SCM_RIGHTS would. */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "control.h"
#include "tcore.h"

static struct mdsa_tracer no_trace;
static const mdsa_hello_limits_t limits = {255, 255, 255, 14};
static struct mchannel *const BOUND = (struct mchannel *)&no_trace; /* any non-NULL marker */

static void init(struct mconn *c, int primary, uint32_t id, const char *secret)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.is_master = (uint8_t)primary;
    a.interface_id = id;
    a.log2_ring_size = 6;
    snprintf((char *)a.interface_name, sizeof a.interface_name, primary ? "pri-if" : "sec-if");
    if (secret)
        snprintf((char *)a.secret, sizeof a.secret, "%s", secret);
    CHECK_EQ(conn_init(c, &a, test_alloc(), NULL, &no_trace, NULL), MEMIF_ERR_SUCCESS);
}

static void deliver(struct ctl *to, const struct ctl_out *o, struct ctl_out *reply)
{
    ctl_receive(to, &o->msg, sizeof o->msg, o->fd >= 0 ? dup(o->fd) : -1, reply);
}

/* Run a handshake between a primary ctl over `list` and a secondary's. */
static int handshake(struct mconn **list, struct mconn *sec, struct ctl *p, struct ctl *s,
                     struct ctl_out *last)
{
    struct ctl_out op, os;
    ctl_start_primary(p, list, "pri-app", &limits, &no_trace, &op);
    ctl_start_secondary(s, sec, "sec-app", &no_trace);
    for (int i = 0; i < 32; i++) {
        deliver(s, &op, &os);
        if (os.verdict == CTL_UP || os.verdict == CTL_CLOSE) {
            *last = os;
            return os.verdict == CTL_UP;
        }
        deliver(p, &os, &op);
        if (op.verdict == CTL_BOUND)
            p->conn->chan = BOUND; /* what the socket layer does */
        if (op.verdict == CTL_CLOSE) {
            *last = op;
            return 0;
        }
    }
    return 0;
}

static void test_both_roles_reach_connected(void)
{
    int fds0 = open_fds();
    struct mconn pri, sec;
    struct ctl p, s;
    struct ctl_out last;
    init(&pri, 1, 4, "s3cret");
    init(&sec, 0, 4, "s3cret");
    struct mconn *list = &pri;
    CHECK(handshake(&list, &sec, &p, &s, &last));
    CHECK(p.conn == &pri && p.state == CTL_CONNECTED && s.state == CTL_CONNECTED);
    CHECK(!strcmp(pri.remote_app_name, "sec-app") && !strcmp(pri.remote_if_name, "sec-if"));
    CHECK(!strcmp(sec.remote_app_name, "pri-app") && !strcmp(sec.remote_if_name, "pri-if"));
    conn_up(&pri);
    conn_up(&sec);
    uint8_t data[100] = {1, 2, 3}, out[100];
    uint32_t len = 100, rl;
    uint16_t n;
    CHECK_EQ(ring_tx_copy(conn_txq(&sec, 0), data, &len, 1, true, &n), MEMIF_ERR_SUCCESS);
    CHECK_EQ(ring_rx_copy(conn_rxq(&pri, 0), out, sizeof out, &rl, 1, &n, NULL), MEMIF_ERR_SUCCESS);
    CHECK(n == 1 && rl == 100 && !memcmp(data, out, 100));
    pri.chan = NULL;
    conn_teardown(&pri, NULL);
    conn_teardown(&sec, NULL);
    conn_destroy(&pri);
    conn_destroy(&sec);
    CHECK_EQ(open_fds(), fds0);
}

/* A fresh primary state machine after its HELLO, and what `m` makes it do. */
static struct ctl_out primary_gets(struct mconn **list, const void *bytes, size_t len, int fd)
{
    struct ctl p;
    struct ctl_out o;
    ctl_start_primary(&p, list, "pri-app", &limits, &no_trace, &o);
    ctl_receive(&p, bytes, len, fd, &o);
    if (p.conn) {
        p.conn->chan = NULL;
        conn_teardown(p.conn, NULL);
    }
    return o;
}

static memif_msg_t init_msg(uint32_t id, const char *secret)
{
    memif_msg_t m = {.type = MEMIF_MSG_TYPE_INIT};
    m.init.version = MEMIF_VERSION;
    m.init.id = id;
    if (secret)
        memcpy(m.init.secret, secret, strlen(secret));
    return m;
}

static void expect_close(struct ctl_out o, const char *reason, bool violation)
{
    CHECK_EQ(o.verdict, CTL_CLOSE);
    CHECK_STR_CONTAINS(o.reason, reason);
    CHECK_EQ(o.violation, violation);
}

static void test_the_primary_refuses_what_it_must(void)
{
    int fds0 = open_fds();
    struct mconn pri, sec5;
    init(&pri, 1, 4, "s3cret");
    init(&sec5, 0, 5, NULL);
    pri.next = &sec5; /* a secondary's id is not a primary's */
    struct mconn *list = &pri;
    memif_msg_t m = init_msg(4, "s3cret");
    expect_close(primary_gets(&list, &m, 10, -1), "malformed message received", true);
    memif_msg_t odd = {.type = 0x63};
    expect_close(primary_gets(&list, &odd, sizeof odd, -1), "unknown message type (0x63)", true);
    memif_msg_t ack = {.type = MEMIF_MSG_TYPE_ACK};
    expect_close(primary_gets(&list, &ack, sizeof ack, eventfd(0, 0)), "unexpected message", true);
    m.init.version = 0x0100;
    expect_close(primary_gets(&list, &m, sizeof m, -1), "unsupported version", false);
    m = init_msg(5, "s3cret");
    expect_close(primary_gets(&list, &m, sizeof m, -1), "unmatched interface id", false);
    m = init_msg(4, NULL);
    expect_close(primary_gets(&list, &m, sizeof m, -1), "secret required", false);
    m = init_msg(4, "wrong");
    expect_close(primary_gets(&list, &m, sizeof m, -1), "incorrect secret", false);
    CHECK(!strcmp(pri.reason, "incorrect secret")); /* the interface's user learns why */
    m = init_msg(4, "s3cret");
    m.init.mode = 1;
    expect_close(primary_gets(&list, &m, sizeof m, -1), "mode mismatch", false);
    memif_msg_t bye = {.type = MEMIF_MSG_TYPE_DISCONNECT};
    memcpy(bye.disconnect.string, "bye\x01", 4);
    struct ctl_out o = primary_gets(&list, &bye, sizeof bye, -1);
    expect_close(o, "bye?", false);
    CHECK(o.peer_reason == NULL);
    conn_destroy(&pri);
    conn_destroy(&sec5);
    CHECK_EQ(open_fds(), fds0); /* every fd handed in was taken or closed */
}

static void test_the_secondary_refuses_what_it_must(void)
{
    struct mconn sec;
    struct ctl s;
    struct ctl_out o;
    init(&sec, 0, 1, NULL);
    memif_msg_t h = {.type = MEMIF_MSG_TYPE_HELLO};
    h.hello.min_version = h.hello.max_version = 0x0100;
    ctl_start_secondary(&s, &sec, "sec-app", &no_trace);
    ctl_receive(&s, &h, sizeof h, -1, &o);
    expect_close(o, "incompatible protocol version", true);
    h.hello.min_version = h.hello.max_version = MEMIF_VERSION;
    ctl_start_secondary(&s, &sec, "sec-app", &no_trace);
    ctl_receive(&s, &h, sizeof h, -1, &o);
    CHECK_EQ(o.msg.type, MEMIF_MSG_TYPE_INIT); /* one region allowed: rings and buffers in it */
    CHECK_EQ(sec.shm.n, 1);
    conn_teardown(&sec, NULL);
    h.hello.max_region = 1;
    ctl_start_secondary(&s, &sec, "sec-app", &no_trace);
    ctl_receive(&s, &h, sizeof h, -1, &o);
    CHECK_EQ(o.verdict, CTL_CONTINUE);
    CHECK_EQ(o.msg.type, MEMIF_MSG_TYPE_INIT);
    CHECK_EQ(sec.num_s2m, 1); /* what the HELLO allows (highest index 0) */
    CHECK_EQ(sec.shm.n, 2);   /* libmemif's layout when two regions are allowed */
    memif_msg_t connected = {.type = MEMIF_MSG_TYPE_CONNECTED};
    ctl_receive(&s, &connected, sizeof connected, -1, &o); /* before the ACKs */
    expect_close(o, "unexpected message received", true);
    conn_teardown(&sec, NULL);
    conn_destroy(&sec);
}

/* A primary holds the secondary to the limits its HELLO advertised. */
static void test_the_primary_holds_the_secondary_to_its_hello(void)
{
    int fds0 = open_fds();
    const mdsa_hello_limits_t small = {.max_region = 0, .max_m2s_ring = 0, .max_s2m_ring = 1,
                                       .max_log2_ring_size = 5};
    memif_msg_t region1 = {.type = MEMIF_MSG_TYPE_ADD_REGION}, ring = {.type = MEMIF_MSG_TYPE_ADD_RING};
    region1.add_region.index = 1;
    region1.add_region.size = 4096;
    struct {
        const memif_msg_t *m;
        uint16_t flags, index;
        uint8_t log2;
        const char *why;
    } cases[] = {{&region1, 0, 0, 0, "too many regions"},
                 {&ring, 0, 1, 5, "too many rings"},
                 {&ring, MEMIF_MSG_ADD_RING_FLAG_S2M, 2, 5, "too many rings"},
                 {&ring, MEMIF_MSG_ADD_RING_FLAG_S2M, 0, 6, "ring size too large"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mconn pri;
        init(&pri, 1, 4, NULL);
        struct mconn *list = &pri;
        struct ctl p;
        struct ctl_out o;
        ctl_start_primary(&p, &list, "pri-app", &small, &no_trace, &o);
        CHECK_EQ(o.msg.hello.max_region, 0);
        CHECK_EQ(o.msg.hello.max_s2m_ring, 1);
        CHECK_EQ(o.msg.hello.max_log2_ring_size, 5);
        memif_msg_t in = init_msg(4, NULL), m = *cases[i].m;
        ctl_receive(&p, &in, sizeof in, -1, &o);
        CHECK_EQ(o.verdict, CTL_BOUND);
        m.add_ring.flags = m.type == MEMIF_MSG_TYPE_ADD_RING ? cases[i].flags : m.add_ring.flags;
        if (m.type == MEMIF_MSG_TYPE_ADD_RING) {
            m.add_ring.index = cases[i].index;
            m.add_ring.log2_ring_size = cases[i].log2;
        }
        ctl_receive(&p, &m, sizeof m, eventfd(0, 0), &o);
        expect_close(o, cases[i].why, true);
        pri.chan = NULL;
        conn_teardown(&pri, NULL);
        conn_destroy(&pri);
    }
    CHECK_EQ(open_fds(), fds0); /* the fds of refused messages are closed */
}

/* Random messages at every step of a primary's handshake: whatever comes,
 * a verdict, no crash, no leak.  The fuzzers drive this same entry point. */
static void test_random_input_never_breaks_the_primary(void)
{
    int fds0 = open_fds();
    srand(7);
    for (int round = 0; round < 3000; round++) {
        struct mconn pri;
        init(&pri, 1, 4, NULL);
        struct mconn *list = &pri;
        struct ctl p;
        struct ctl_out o;
        ctl_start_primary(&p, &list, "pri-app", &limits, &no_trace, &o);
        for (int k = 0; k < 12 && o.verdict != CTL_CLOSE; k++) {
            memif_msg_t m;
            for (size_t i = 0; i < sizeof m; i++)
                ((uint8_t *)&m)[i] = (uint8_t)rand();
            m.type = (uint16_t)(rand() % 10);
            if (k == 0 && rand() % 2)
                m = init_msg(4, NULL);
            int fd = rand() % 3 == 0 ? memfd_create("f", MFD_ALLOW_SEALING) : -1;
            if (fd >= 0 && ftruncate(fd, 4096) < 0)
                fd = -1;
            size_t len = rand() % 20 ? sizeof m : (size_t)(rand() % 200);
            ctl_receive(&p, &m, len, fd, &o);
            CHECK(o.verdict <= CTL_CLOSE);
            if (o.verdict == CTL_BOUND)
                pri.chan = BOUND;
        }
        pri.chan = NULL;
        conn_teardown(&pri, NULL);
        conn_destroy(&pri);
    }
    CHECK_EQ(open_fds(), fds0);
}

int main(void)
{
    RUN(test_both_roles_reach_connected);
    RUN(test_the_primary_refuses_what_it_must);
    RUN(test_the_secondary_refuses_what_it_must);
    RUN(test_the_primary_holds_the_secondary_to_its_hello);
    RUN(test_random_input_never_breaks_the_primary);
    return h_summary(__FILE__);
}
