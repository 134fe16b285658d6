/* SPDX-License-Identifier: Apache-2.0 */
/* The interface layer (with ring, shm, util and the engines below it): a
 * secondary and a primary interface set up as the handshake would, but
 * by direct calls, no control messages, no sockets. */
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "tcore.h"

static struct mdsa_tracer no_trace;

static void init(struct mconn *c, int primary, uint32_t id)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.is_master = (uint8_t)primary;
    a.interface_id = id;
    a.num_s2m_rings = 2;
    a.num_m2s_rings = 2;
    a.log2_ring_size = 5;
    CHECK_EQ(conn_init(c, &a, test_alloc(), NULL, &no_trace, NULL), MEMIF_ERR_SUCCESS);
}

/* What the secondary announces, taken by the primary (fds duplicated as
 * SCM_RIGHTS would). */
static int announce(struct mconn *sec, struct mconn *pri, const char **why)
{
    for (uint16_t k = 0; k < sec->shm.n; k++)
        if (conn_primary_add_region(pri, k, sec->shm.r[k].size, dup(sec->shm.r[k].fd), why))
            return -1;
    for (int dir = 0; dir < 2; dir++)
        for (uint16_t i = 0; i < (dir ? sec->num_m2s : sec->num_s2m); i++) {
            const struct mqueue *q = dir ? &sec->m2s[i] : &sec->s2m[i];
            memif_msg_add_ring_t ar = {.flags = dir ? 0 : MEMIF_MSG_ADD_RING_FLAG_S2M, .index = i,
                                       .region = q->region, .offset = q->offset,
                                       .log2_ring_size = q->log2};
            if (conn_primary_add_ring(pri, &ar, dup(q->int_fd), why))
                return -1;
        }
    return conn_primary_map(pri, why);
}

static void connect_pair(struct mconn *sec, struct mconn *pri)
{
    const char *why = "";
    CHECK_EQ(conn_secondary_create(sec, 2, 2, 5, 256, &why), 0);
    CHECK_EQ(announce(sec, pri, &why), 0);
    conn_up(sec);
    conn_up(pri);
    CHECK(conn_live(sec) && conn_live(pri));
}

static void exchange(struct mconn *from, struct mconn *to, uint16_t qid)
{
    uint8_t in[3000], out[8192];
    uint32_t lens[2] = {1000, 2000}, rl[2];
    uint16_t sent = 0, got = 0;
    struct mqueue *tq, *rq;
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + qid);
    CHECK_EQ(conn_queue(from, qid, true, &tq), MEMIF_ERR_SUCCESS);
    CHECK_EQ(conn_queue(to, qid, false, &rq), MEMIF_ERR_SUCCESS);
    CHECK_EQ(ring_tx_copy(tq, in, lens, 2, true, &sent), MEMIF_ERR_SUCCESS);
    CHECK_EQ(ring_rx_copy(rq, out, sizeof out, rl, 2, &got, NULL), MEMIF_ERR_SUCCESS);
    CHECK(sent == 2 && got == 2 && !memcmp(in, out, sizeof in));
}

static void test_a_pair_connects_and_carries_packets(void)
{
    int fds0 = open_fds();
    struct mconn sec, pri;
    init(&sec, 0, 3);
    init(&pri, 1, 3);
    connect_pair(&sec, &pri);
    CHECK_EQ(conn_ntx(&sec), 2);
    CHECK_EQ(conn_nrx(&pri), 2);
    for (uint16_t q = 0; q < 2; q++) {
        exchange(&sec, &pri, q);
        exchange(&pri, &sec, q);
    }
    char err[128];
    CHECK_EQ(conn_set_engine(&sec, "dsa-emu", "async=1", 0, err, sizeof err), MEMIF_ERR_SUCCESS);
    exchange(&sec, &pri, 1);
    CHECK_EQ(conn_set_engine(&pri, "gpu", NULL, 0, err, sizeof err), MEMIF_ERR_INVAL_ARG);
    CHECK_STR_CONTAINS(err, "unknown copy engine 'gpu'");
    mdsa_stats_t st;
    conn_stats(&sec, &st);
    CHECK_EQ(st.tx_packets, 6);
    CHECK_EQ(st.rx_packets, 4);
    CHECK(conn_teardown(&sec, "done") && conn_teardown(&pri, "done"));
    conn_stats(&sec, &st); /* counters outlive the connection */
    CHECK_EQ(st.tx_packets, 6);
    CHECK_EQ(st.disconnects, 1);
    CHECK(!conn_teardown(&sec, NULL)); /* twice is harmless */
    conn_destroy(&sec);
    conn_destroy(&pri);
    CHECK_EQ(open_fds(), fds0);
}

static void test_a_fault_marks_once_and_blocks_the_queues(void)
{
    struct mconn sec, pri;
    struct mqueue *q;
    init(&sec, 0, 1);
    init(&pri, 1, 1);
    connect_pair(&sec, &pri);
    CHECK(conn_fault(&pri, "S2M descriptor outside its region"));
    CHECK(!conn_fault(&pri, "again"));
    CHECK_EQ(pri.violations, 1);
    CHECK_EQ(conn_queue(&pri, 0, false, &q), MEMIF_ERR_DISCONNECTED);
    CHECK_EQ(conn_queue(&sec, 7, false, &q), MEMIF_ERR_QID);
    conn_teardown(&pri, pri.fault_reason);
    CHECK(!strcmp(pri.reason, "S2M descriptor outside its region"));
    conn_teardown(&sec, NULL);
    conn_destroy(&sec);
    conn_destroy(&pri);
}

static void test_the_primary_checks_what_it_is_given(void)
{
    int fds0 = open_fds();
    struct mconn sec, pri;
    const char *why = "";
    init(&sec, 0, 1);
    init(&pri, 1, 1);
    CHECK_EQ(conn_secondary_create(&sec, 1, 1, 5, 256, &why), 0);
    CHECK_EQ(conn_primary_map(&pri, &why), -1);
    CHECK_STR_CONTAINS(why, "no memory regions");
    CHECK_EQ(conn_primary_add_region(&pri, 0, sec.shm.r[0].size, dup(sec.shm.r[0].fd), &why), 0);
    CHECK_EQ(conn_primary_map(&pri, &why), -1);
    CHECK_STR_CONTAINS(why, "rings missing in one direction");
    memif_msg_add_ring_t ar = {.flags = MEMIF_MSG_ADD_RING_FLAG_S2M, .index = 1, .log2_ring_size = 5};
    CHECK_EQ(conn_primary_add_ring(&pri, &ar, dup(sec.s2m[0].int_fd), &why), -1);
    CHECK_STR_CONTAINS(why, "unexpected ring index");
    ar.index = 0;
    ar.offset = 8; /* not where the ring is: no cookie */
    CHECK_EQ(conn_primary_add_ring(&pri, &ar, dup(sec.s2m[0].int_fd), &why), 0);
    ar = (memif_msg_add_ring_t){.offset = sec.m2s[0].offset, .log2_ring_size = 5};
    CHECK_EQ(conn_primary_add_ring(&pri, &ar, dup(sec.m2s[0].int_fd), &why), 0);
    CHECK_EQ(conn_primary_map(&pri, &why), -1);
    CHECK_STR_CONTAINS(why, "wrong cookie on rx ring 0");
    conn_teardown(&pri, NULL);
    conn_teardown(&sec, NULL);
    conn_destroy(&sec);
    conn_destroy(&pri);
    CHECK_EQ(open_fds(), fds0);
}

static void test_arguments_and_lookup(void)
{
    struct mconn a, b, c, d;
    memif_conn_args_t args;
    memset(&args, 0, sizeof args);
    args.log2_ring_size = 15;
    CHECK_EQ(conn_init(&d, &args, test_alloc(), NULL, &no_trace, NULL), MEMIF_ERR_MAX_RING);
    args.log2_ring_size = 0;
    args.mode = (memif_interface_mode_t)3;
    CHECK_EQ(conn_init(&d, &args, test_alloc(), NULL, &no_trace, NULL), MEMIF_ERR_INVAL_ARG);
    init(&a, 0, 1); /* a secondary with id 1 ... */
    init(&b, 1, 2);
    init(&c, 1, 1); /* ... and a primary with the same id */
    CHECK_EQ(a.args.buffer_size, 2048);
    a.next = &b;
    b.next = &c;
    c.next = NULL;
    CHECK(conn_find_primary(&a, 1) == &c);
    CHECK(conn_find_primary(&a, 2) == &b);
    CHECK(conn_find_primary(&a, 3) == NULL);
    conn_destroy(&a);
    conn_destroy(&b);
    conn_destroy(&c);
}

int main(void)
{
    unsetenv("MEMIF_DSA_EMU");
    RUN(test_a_pair_connects_and_carries_packets);
    RUN(test_a_fault_marks_once_and_blocks_the_queues);
    RUN(test_the_primary_checks_what_it_is_given);
    RUN(test_arguments_and_lookup);
    return h_summary(__FILE__);
}
