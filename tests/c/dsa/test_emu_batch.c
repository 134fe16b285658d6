/* SPDX-License-Identifier: Apache-2.0 */
/* BATCH: descs_completed, 0x05/0x06, member records, FENCE after a failure. */
#include "tutil.h"

#define N 8
static struct mdsa_emu *emu;
static struct mdsa_wq *wq;
static struct mdsa_cr *cr, *mcr;
static struct mdsa_desc *list;
static uint8_t src[N][256], dst[N][256];

/* N copies; member i's record at mcr[i] (CRAV only: failures written). */
static void build(void)
{
    memset(dst, 0, sizeof dst);
    memset(mcr, 0, N * sizeof *mcr);
    for (int i = 0; i < N; i++)
        desc_move(&list[i], MDSA_F_CRAV, &mcr[i], dst[i], src[i], 256);
}

static uint8_t run_batch(uint32_t count)
{
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(list);
    d.size = count;
    memset(cr, 0, sizeof *cr);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    return mdsa_cr_status(cr);
}

static int copied(int i)
{
    return memcmp(src[i], dst[i], 256) == 0;
}

static void test_batch_success(void)
{
    build();
    CHECK_EQ(run_batch(N), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->bytes_completed, N);
    for (int i = 0; i < N; i++) {
        CHECK(copied(i));
        CHECK_EQ(mcr[i].status, 0); /* CRAV without RCR: success is silent */
    }
}

static void test_failure_without_fence_runs_all(void)
{
    build();
    list[2].size = 0; /* member 2 fails validation */
    CHECK_EQ(run_batch(N), MDSA_ST_BATCH_FAIL);
    CHECK_EQ(cr->bytes_completed, N);
    CHECK_EQ(mcr[2].status, MDSA_ST_XFER_ERANGE);
    for (int i = 0; i < N; i++)
        if (i != 2) {
            CHECK(copied(i));
            CHECK_EQ(mcr[i].status, 0);
        }
}

static void test_fence_after_failure_abandons(void)
{
    build();
    list[2].size = 0;
    list[5].op_flags |= MDSA_F_FENCE;
    CHECK_EQ(run_batch(N), MDSA_ST_BATCH_FAIL);
    CHECK_EQ(cr->bytes_completed, 5); /* members 0..4 processed */
    CHECK(copied(3));
    CHECK(copied(4));
    for (int i = 5; i < N; i++) {
        CHECK(!copied(i));
        CHECK_EQ(mcr[i].status, 0);
    }
}

static void test_fence_without_failure_runs_all(void)
{
    build();
    list[1].op_flags |= MDSA_F_FENCE;
    list[6].op_flags |= MDSA_F_FENCE;
    CHECK_EQ(run_batch(N), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->bytes_completed, N);
    for (int i = 0; i < N; i++)
        CHECK(copied(i));
}

static void test_false_predicate_counts_for_fence(void)
{
    build();
    /* member 1: COMPARE of different buffers expecting "equal" -> 0x02 */
    desc_init(&list[1], MDSA_OP_COMPARE, MDSA_F_CRAV | MDSA_F_CR, &mcr[1]);
    list[1].src = A(src[0]);
    list[1].dst = A(src[1]);
    list[1].size = 256;
    list[3].op_flags |= MDSA_F_FENCE;
    CHECK_EQ(run_batch(N), MDSA_ST_BATCH_FAIL);
    CHECK_EQ(mcr[1].status, MDSA_ST_SUCCESS_PRED);
    CHECK_EQ(cr->bytes_completed, 3);
    CHECK(copied(2));
    CHECK(!copied(3));
}

static void test_member_rcr_written_on_success(void)
{
    build();
    list[4].op_flags |= MDSA_F_RCR;
    CHECK_EQ(run_batch(N), MDSA_ST_SUCCESS);
    CHECK_EQ(mcr[4].status, MDSA_ST_SUCCESS);
    CHECK_EQ(mcr[3].status, 0);
}

static void test_batch_list_fault(void)
{
    build();
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_BATCH_LIST, .offset = 3};
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    CHECK_EQ(run_batch(N), MDSA_ST_BATCH_PAGE_FAULT);
    CHECK_EQ(cr->bytes_completed, 3);
    CHECK_EQ(cr->fault_addr, A(&list[3]));
    for (int i = 0; i < 3; i++)
        CHECK(copied(i));
    for (int i = 3; i < N; i++)
        CHECK(!copied(i));
    /* resume as accel-config does: advance the list by descs_completed */
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(&list[3]);
    d.size = N - 3;
    memset(cr, 0, sizeof *cr);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr), MDSA_ST_SUCCESS);
    for (int i = 0; i < N; i++)
        CHECK(copied(i));
    /* a list in the null page faults at member 0 */
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = 0x40;
    d.size = 2;
    memset(cr, 0, sizeof *cr);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr), MDSA_ST_BATCH_PAGE_FAULT);
    CHECK_EQ(cr->bytes_completed, 0);
}

static void test_batch_record_crav_only(void)
{
    build();
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV, cr);
    d.src = A(list);
    d.size = N;
    memset(cr, 0, sizeof *cr);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr), 0);
    list[0].size = 0;
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr), MDSA_ST_BATCH_FAIL);
}

static void test_member_record_overlays_descriptor(void)
{
    /* DPDK-style: a member's record address is its own descriptor slot. */
    build();
    for (int i = 0; i < N; i++)
        list[i].completion_addr = A(&list[i]);
    list[6].size = 0;
    CHECK_EQ(run_batch(N), MDSA_ST_BATCH_FAIL);
    CHECK_EQ(mdsa_status_at(&list[5]), 0);
    CHECK_EQ(mdsa_status_at(&list[6]), MDSA_ST_XFER_ERANGE);
    CHECK(copied(7));
}

/* hw-strict: the kernel programs ilog2(max_batch_size) and
 * ilog2(max_transfer_size), so the device allows the power of two at or
 * below the sysfs value; lenient enforces the value as given. */
static void test_limits_are_powers_of_two(void)
{
    static struct mdsa_desc big[100] __attribute__((aligned(64)));
    static uint8_t s[100], t[100];
    struct mdsa_cr *r = zalloc_aligned(32, 32);
    for (int k = 0; k < 2; k++) {
        struct mdsa_emu *e = emu_from(k ? "profile=lenient,max_batch=100,max_xfer=3000"
                                        : "max_batch=100,max_xfer=3000");
        struct mdsa_wq *q = mdsa_emu_wq(e, 0);
        CHECK_EQ(q->info.max_batch, 100); /* what sysfs shows */
        CHECK_EQ(q->info.max_xfer, 3000);
        for (int i = 0; i < 100; i++)
            desc_move(&big[i], MDSA_F_CRAV, &big[i], t + i, s + i, 1);
        struct mdsa_desc d;
        desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, r);
        d.src = A(big);
        d.size = 64;
        memset(r, 0, 32);
        CHECK_EQ(mdsa_wq_submit(q, &d), MDSA_WQ_OK);
        CHECK_EQ(mdsa_cr_status(r), MDSA_ST_SUCCESS);
        d.size = 65;
        memset(r, 0, 32);
        CHECK_EQ(mdsa_wq_submit(q, &d), MDSA_WQ_OK);
        CHECK_EQ(mdsa_cr_status(r), k ? MDSA_ST_SUCCESS : MDSA_ST_DESC_CNT_ERANGE);
        d.size = 100;
        memset(r, 0, 32);
        CHECK_EQ(mdsa_wq_submit(q, &d), MDSA_WQ_OK);
        CHECK_EQ(mdsa_cr_status(r), k ? MDSA_ST_SUCCESS : MDSA_ST_DESC_CNT_ERANGE);
        static uint8_t a[3000], b[3000];
        uint32_t sizes[2] = {2048, 2049};
        for (int j = 0; j < 2; j++) {
            desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, r, b, a, sizes[j]);
            memset(r, 0, 32);
            CHECK_EQ(mdsa_wq_submit(q, &d), MDSA_WQ_OK);
            CHECK_EQ(mdsa_cr_status(r), (j && !k) ? MDSA_ST_XFER_ERANGE : MDSA_ST_SUCCESS);
        }
        mdsa_emu_destroy(e);
    }
    free(r);
}

int main(void)
{
    emu = emu_from("max_batch=64");
    wq = mdsa_emu_wq(emu, 0);
    cr = zalloc_aligned(32, 32);
    mcr = zalloc_aligned(32, N * 32);
    list = zalloc_aligned(64, N * 64);
    for (int i = 0; i < N; i++)
        fill_random(src[i], 256, 100 + (uint64_t)i);
    RUN(test_batch_success);
    RUN(test_failure_without_fence_runs_all);
    RUN(test_fence_after_failure_abandons);
    RUN(test_fence_without_failure_runs_all);
    RUN(test_false_predicate_counts_for_fence);
    RUN(test_member_rcr_written_on_success);
    RUN(test_batch_list_fault);
    RUN(test_batch_record_crav_only);
    RUN(test_member_record_overlays_descriptor);
    RUN(test_limits_are_powers_of_two);
    mdsa_emu_destroy(emu);
    free(cr);
    free(mcr);
    free(list);
    return h_summary(__FILE__);
}
