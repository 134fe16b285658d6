/* SPDX-License-Identifier: Apache-2.0 */
/* The util layer alone: allocation, clock, errors, statistics, trace. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "errors.h"
#include "harness.h"
#include "stats.h"
#include "trace.h"

static int allocs, frees;
static void *count_alloc(size_t n) { allocs++; return malloc(n); }
static void count_free(void *p) { frees++; free(p); }

static void test_the_applications_allocator_is_used(void)
{
    memif_socket_args_t args = {.alloc = count_alloc, .free = count_free};
    struct mdsa_alloc a;
    mdsa_alloc_init(&a, &args);
    unsigned char *p = mdsa_zalloc(&a, 64);
    CHECK(p && p[0] == 0 && p[63] == 0);
    p = mdsa_realloc(&a, p, 128); /* no realloc given: the C library's */
    mdsa_free(&a, p);
    mdsa_free(&a, NULL);
    CHECK_EQ(allocs, 1);
    CHECK_EQ(frees, 1);
}

static void test_deadlines(void)
{
    CHECK_EQ(mdsa_deadline(-1), MDSA_NO_DEADLINE);
    CHECK(mdsa_remaining_ms(MDSA_NO_DEADLINE) == -1);
    CHECK_EQ(mdsa_remaining_ms(mdsa_now_ns() - 1), 0);
    int ms = mdsa_remaining_ms(mdsa_deadline(5000));
    CHECK(ms > 0 && ms <= 5000);
    uint64_t t0 = mdsa_now_ns();
    CHECK(mdsa_now_ns() >= t0);
}

static void test_errno_mapping_and_messages(void)
{
    CHECK_EQ(mdsa_syscall_error(0), MEMIF_ERR_SUCCESS);
    CHECK_EQ(mdsa_syscall_error(ECONNREFUSED), MEMIF_ERR_CONNREFUSED);
    CHECK_EQ(mdsa_syscall_error(EMFILE), MEMIF_ERR_PROC_FILE_LIMIT);
    CHECK_EQ(mdsa_syscall_error(EXDEV), MEMIF_ERR_SYSCALL);
    CHECK_STR_CONTAINS(memif_strerror(MEMIF_ERR_DISCONNECTED), "disconnected");
    CHECK_STR_CONTAINS(memif_strerror(-1), "Unknown");
    CHECK_STR_CONTAINS(memif_strerror(10000), "Unknown");
    for (int e = MEMIF_ERR_SUCCESS; e <= MEMIF_ERR_PRIVHDR; e++)
        CHECK(strcmp(memif_strerror(e), "Unknown error"));
}

static void test_queue_counters_fold_by_direction(void)
{
    mdsa_stats_t st;
    memset(&st, 0, sizeof st);
    struct mdsa_qstats tx = {.packets = 3, .bytes = 300, .buffers = 4, .ring_full = 1,
                             .rollbacks = 2, .irq_sent = 5};
    struct mdsa_qstats rx = {.packets = 7, .bytes = 70, .buffers = 7, .irq_recv = 6};
    mdsa_stats_add_queue(&st, &tx, true);
    mdsa_stats_add_queue(&st, &rx, false);
    mdsa_stats_add_queue(&st, &rx, false);
    CHECK_EQ(st.tx_packets, 3);
    CHECK_EQ(st.tx_rollbacks, 2);
    CHECK_EQ(st.interrupts_sent, 5);
    CHECK_EQ(st.rx_packets, 14);
    CHECK_EQ(st.rx_bytes, 140);
    CHECK_EQ(st.interrupts_received, 12);
}

static char last_line[256];
static int lines;
static void collect(const char *line, void *ctx)
{
    (void)ctx;
    lines++;
    snprintf(last_line, sizeof last_line, "%s", line);
}

static int evaluated;
static int side_effect(void) { return ++evaluated; }

static void test_trace_is_off_by_default_and_formats_only_when_on(void)
{
    unsetenv("MEMIF_DSA_DEBUG");
    struct mdsa_tracer t;
    mdsa_tracer_init(&t);
    CHECK(t.fn == NULL);
    MDSA_TRACE(&t, "step %d", side_effect());
    CHECK_EQ(evaluated, 0); /* off: the arguments are not even evaluated */
    t.fn = collect;
    MDSA_TRACE(&t, "primary id %u: %s", 7u, "received INIT");
    CHECK_EQ(lines, 1);
    CHECK(!strcmp(last_line, "primary id 7: received INIT"));
    setenv("MEMIF_DSA_DEBUG", "0", 1);
    mdsa_tracer_init(&t);
    CHECK(t.fn == NULL);
    setenv("MEMIF_DSA_DEBUG", "1", 1);
    mdsa_tracer_init(&t);
    CHECK(t.fn != NULL);
    unsetenv("MEMIF_DSA_DEBUG");
}

int main(void)
{
    RUN(test_the_applications_allocator_is_used);
    RUN(test_deadlines);
    RUN(test_errno_mapping_and_messages);
    RUN(test_queue_counters_fold_by_direction);
    RUN(test_trace_is_off_by_default_and_formats_only_when_on);
    return h_summary(__FILE__);
}
