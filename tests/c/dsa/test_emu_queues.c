/* SPDX-License-Identifier: Apache-2.0 */
/* Work-queue semantics: dedicated capacity, shared retry threshold,
 * write() rules, injected refusals, asynchronous completion, config. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "tutil.h"

static uint8_t src[4096], dst[4096];

static void nop(struct mdsa_desc *d, struct mdsa_cr *r)
{
    desc_init(d, MDSA_OP_NOOP, MDSA_F_CRAV | MDSA_F_RCR, r);
}

/* hw-strict: a dedicated WQ never refuses.  MOVDIR64B (and the kernel's
 * write(), which issues the same MOVDIR64B) into a full WQ "succeeds" and
 * the device drops the descriptor with a software error. */
static void test_dedicated_overflow_drops(void)
{
    struct mdsa_emu *emu = emu_from("mode=dedicated,wq_size=4,async=1");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    struct mdsa_cr *r = zalloc_aligned(32, 6 * 32);
    struct mdsa_desc d;
    mdsa_emu_swerr_read(emu, 1);
    mdsa_emu_pause(emu, 0, 1);
    for (int i = 0; i < 4; i++) {
        nop(&d, &r[i]);
        CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    }
    CHECK_EQ(mdsa_wq_errors(wq), 0);
    nop(&d, &r[4]);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK); /* posted: no feedback */
    nop(&d, &r[5]);
    CHECK_EQ(mdsa_wq_write(wq, &d, 1), 1);        /* the kernel cannot tell either */
    struct mdsa_emu_stats st = mdsa_emu_stats_read(emu, 0);
    CHECK_EQ(st.refused, 0);
    CHECK_EQ(st.dropped, 2);
    CHECK_EQ(mdsa_wq_errors(wq), 2);
    struct mdsa_emu_swerr e = mdsa_emu_swerr_read(emu, 1);
    CHECK_EQ(e.status, MDSA_EMU_SWERR_WQ_OVERFLOW);
    CHECK_EQ(e.addr, A(&r[4]));
    CHECK_EQ(e.overflow, 1);
    mdsa_emu_pause(emu, 0, 0);
    CHECK_EQ(mdsa_emu_wait_idle(emu, 0, 5000000000ull), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(mdsa_cr_status(&r[i]), MDSA_ST_SUCCESS);
    CHECK_EQ(mdsa_cr_status(&r[4]), 0); /* dropped: never executed, never written */
    CHECK_EQ(mdsa_cr_status(&r[5]), 0);
    nop(&d, &r[4]);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(wait_status(wq, &r[4]), MDSA_ST_SUCCESS);
    free(r);
    mdsa_emu_destroy(emu);
}

/* lenient keeps the polite answers for comparison. */
static void test_dedicated_overflow_lenient(void)
{
    struct mdsa_emu *emu = emu_from("profile=lenient,mode=dedicated,wq_size=2,async=1");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    struct mdsa_cr *r = zalloc_aligned(32, 3 * 32);
    struct mdsa_desc d;
    mdsa_emu_pause(emu, 0, 1);
    for (int i = 0; i < 2; i++) {
        nop(&d, &r[i]);
        CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    }
    nop(&d, &r[2]);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_FULL);
    CHECK_EQ(mdsa_wq_write(wq, &d, 1), -ENOSPC);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).refused, 2);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).dropped, 0);
    mdsa_emu_pause(emu, 0, 0);
    CHECK_EQ(mdsa_emu_wait_idle(emu, 0, 5000000000ull), 0);
    free(r);
    mdsa_emu_destroy(emu);
}

/* Occupancy is what waits in the WQ: once the device has taken a
 * descriptor (even one it is still busy with) its entry is free. */
static void test_dedicated_occupancy_frees_at_dispatch(void)
{
    struct mdsa_emu *emu = emu_from("wq_size=2,async=1");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    struct mdsa_cr *r = zalloc_aligned(32, 4 * 32);
    struct mdsa_desc d;
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_STALL, .offset = -1};
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    nop(&d, &r[0]);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(wait_emu_stalls(emu, 1), 1); /* the device took it and hangs on it */
    for (int i = 1; i < 3; i++) {
        nop(&d, &r[i]);
        CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    }
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).dropped, 0); /* 2 waiting: full, not over */
    nop(&d, &r[3]);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).dropped, 1);
    CHECK_EQ(mdsa_wq_reset(wq, 1000000000ull), 0);
    struct mdsa_emu_stats st = mdsa_emu_stats_read(emu, 0);
    CHECK_EQ(st.resets, 1);
    CHECK_EQ(st.aborted, 3); /* the hung one and the two behind it */
    for (int i = 0; i < 4; i++)
        CHECK_EQ(mdsa_cr_status(&r[i]), 0);
    nop(&d, &r[0]); /* enabled again */
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(wait_status(wq, &r[0]), MDSA_ST_SUCCESS);
    free(r);
    mdsa_emu_destroy(emu);
}

/* A queue whose submit() answers RETRY a set number of times. */
struct fake_wq {
    struct mdsa_wq base;
    int retries_left;
    int calls;
    int write_accept; /* per call: accept at most this many (0 = -EAGAIN) */
    int write_eagain_left;
};

static int fake_submit(struct mdsa_wq *wq, const struct mdsa_desc *d)
{
    struct fake_wq *f = (struct fake_wq *)wq;
    (void)d;
    f->calls++;
    if (f->retries_left > 0) {
        f->retries_left--;
        return MDSA_WQ_RETRY;
    }
    return MDSA_WQ_OK;
}

static int fake_write(struct mdsa_wq *wq, const struct mdsa_desc *d, uint32_t n)
{
    struct fake_wq *f = (struct fake_wq *)wq;
    (void)d;
    f->calls++;
    if (f->write_eagain_left > 0) {
        f->write_eagain_left--;
        return -EAGAIN;
    }
    return (int)(n < (uint32_t)f->write_accept ? n : (uint32_t)f->write_accept);
}

static const struct mdsa_wq_ops fake_ops = {.submit = fake_submit, .write = fake_write};

static void test_retry_policy(void)
{
    struct mdsa_retry_policy p = {.max_retries = 5, .max_pause = 8};
    CHECK_EQ(mdsa_retry_backoff(&p, 0), 1);
    CHECK_EQ(mdsa_retry_backoff(&p, 1), 2);
    CHECK_EQ(mdsa_retry_backoff(&p, 3), 8);
    CHECK_EQ(mdsa_retry_backoff(&p, 10), 8);
    CHECK_EQ(mdsa_retry_backoff(&p, 40), 8);
    struct fake_wq f = {.base = {.ops = &fake_ops}};
    struct mdsa_desc d;
    uint32_t n = 99;
    f.retries_left = 3;
    CHECK_EQ(mdsa_wq_submit_retry(&f.base, &d, &p, &n), MDSA_WQ_OK);
    CHECK_EQ(n, 3);
    CHECK_EQ(f.calls, 4);
    f.retries_left = 100;
    f.calls = 0;
    CHECK_EQ(mdsa_wq_submit_retry(&f.base, &d, &p, &n), MDSA_WQ_RETRY);
    CHECK_EQ(n, 5);
    CHECK_EQ(f.calls, 6); /* first try + max_retries */
    p.max_retries = 0;
    f.calls = 0;
    CHECK_EQ(mdsa_wq_submit_retry(&f.base, &d, &p, &n), MDSA_WQ_RETRY);
    CHECK_EQ(f.calls, 1);
    /* write(): partial acceptance is continued, -EAGAIN retried */
    struct mdsa_desc many[10];
    p.max_retries = 4;
    f.write_accept = 3;
    f.write_eagain_left = 2;
    CHECK_EQ(mdsa_wq_write_retry(&f.base, many, 10, &p, &n), 10);
    CHECK_EQ(n, 2);
    f.write_eagain_left = 100;
    CHECK_EQ(mdsa_wq_write_retry(&f.base, many, 10, &p, &n), 0);
    CHECK_EQ(n, 4);
}

static void test_shared_retry_threshold(void)
{
    struct mdsa_emu *emu = emu_from("mode=shared,wq_size=8,threshold=3,async=1");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    CHECK_EQ(wq->info.mode, MDSA_WQ_SHARED);
    CHECK_EQ(wq->info.threshold, 3);
    struct mdsa_cr *r = zalloc_aligned(32, 5 * 32);
    struct mdsa_desc d;
    mdsa_emu_pause(emu, 0, 1);
    for (int i = 0; i < 3; i++) {
        nop(&d, &r[i]);
        CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    }
    nop(&d, &r[3]);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_RETRY);
    struct mdsa_retry_policy p = {.max_retries = 3, .max_pause = 4};
    uint32_t n;
    CHECK_EQ(mdsa_wq_submit_retry(wq, &d, &p, &n), MDSA_WQ_RETRY);
    CHECK_EQ(n, 3);
    /* write() on a busy shared WQ: the kernel retries, then -EAGAIN */
    CHECK_EQ(mdsa_wq_write(wq, &d, 1), -EAGAIN);
    mdsa_emu_pause(emu, 0, 0);
    CHECK_EQ(mdsa_emu_wait_idle(emu, 0, 5000000000ull), 0);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(wait_status(wq, &r[3]), MDSA_ST_SUCCESS);
    free(r);
    mdsa_emu_destroy(emu);
}

static void test_write_rules(void)
{
    struct mdsa_emu *emu = emu_from("submit=write,max_batch=8");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    CHECK_EQ(wq->info.portal, 0);
    CHECK_EQ(wq->info.write_batch, 0); /* version 1 with the erratum: as SPR/EMR */
    struct mdsa_cr *r = zalloc_aligned(32, 4 * 32);
    struct mdsa_desc d[3];
    nop(&d[0], &r[0]);
    CHECK_EQ(mdsa_wq_submit(wq, &d[0]), -ENOTSUP); /* no portal */
    desc_move(&d[0], MDSA_F_CRAV | MDSA_F_RCR, &r[0], dst, src, 100);
    desc_move(&d[1], MDSA_F_CRAV | MDSA_F_RCR, &r[1], dst + 100, src + 100, 100);
    desc_init(&d[2], MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, &r[2]);
    d[2].src = A(d);
    d[2].size = 2;
    CHECK_EQ(mdsa_wq_write(wq, d, 3), 2);     /* stops at the BATCH */
    CHECK_EQ(mdsa_wq_write(wq, &d[2], 1), -EINVAL);
    CHECK_EQ(mdsa_status_at(&r[2]), 0);
    CHECK_EQ(mdsa_cr_status(&r[0]), MDSA_ST_SUCCESS);
    CHECK_EQ(mdsa_cr_status(&r[1]), MDSA_ST_SUCCESS);
    CHECK(memcmp(src, dst, 200) == 0);
    /* a misaligned record address is refused, CRAV or not */
    desc_move(&d[0], 0, (uint8_t *)&r[3] + 8, dst, src, 100);
    CHECK_EQ(mdsa_wq_write(wq, d, 1), -EINVAL);
    mdsa_emu_destroy(emu);
    /* where the kernel takes BATCH through write(): a version-2 device, or
     * one without the erratum; lenient never does */
    static const char *const cfgs[] = {"submit=write,version=2", "submit=write,user_submission_safe=1",
                                       "submit=write,version=2,profile=lenient"};
    for (int k = 0; k < 3; k++) {
        emu = emu_from(cfgs[k]);
        wq = mdsa_emu_wq(emu, 0);
        memset(dst, 0, 200);
        memset(r, 0, 4 * 32);
        desc_move(&d[0], MDSA_F_CRAV | MDSA_F_RCR, &r[0], dst, src, 100);
        desc_move(&d[1], MDSA_F_CRAV | MDSA_F_RCR, &r[1], dst + 100, src + 100, 100);
        CHECK_EQ(wq->info.write_batch, k < 2);
        CHECK_EQ(mdsa_wq_write(wq, &d[2], 1), k < 2 ? 1 : -EINVAL);
        CHECK_EQ(mdsa_cr_status(&r[2]), k < 2 ? MDSA_ST_SUCCESS : 0);
        CHECK(k == 2 || memcmp(src, dst, 200) == 0);
        mdsa_emu_destroy(emu);
    }
    free(r);
}

static void test_injected_refusals(void)
{
    struct mdsa_emu *emu = emu_from("mode=dedicated,profile=lenient");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    struct mdsa_cr *r = zalloc_aligned(32, 32);
    struct mdsa_desc d;
    nop(&d, r);
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_QFULL, .skip = 1, .count = 2};
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_FULL);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_FULL);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    mdsa_emu_destroy(emu);
    /* hw-strict dedicated: "full" at arrival means dropped */
    emu = emu_from("mode=dedicated");
    wq = mdsa_emu_wq(emu, 0);
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    memset(r, 0, 32);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(r), MDSA_ST_SUCCESS);
    memset(r, 0, 32);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(r), 0);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).dropped, 1);
    CHECK_EQ(mdsa_wq_errors(wq), 1);
    mdsa_emu_destroy(emu);
    emu = emu_from("mode=shared,qfull_rate=1");
    CHECK_EQ(mdsa_wq_submit(mdsa_emu_wq(emu, 0), &d), MDSA_WQ_RETRY);
    mdsa_emu_destroy(emu);
    free(r);
}

static void test_async_out_of_order_across_wqs(void)
{
    struct mdsa_emu *emu = emu_from("wqs=2,async=1");
    struct mdsa_cr *r = zalloc_aligned(32, 2 * 32);
    struct mdsa_desc d0, d1;
    uint8_t s0[64] = {1, 2, 3}, t0[64] = {0}, s1[64] = {4, 5, 6}, t1[64] = {0};
    desc_move(&d0, MDSA_F_CRAV | MDSA_F_RCR, &r[0], t0, s0, 64);
    desc_move(&d1, MDSA_F_CRAV | MDSA_F_RCR, &r[1], t1, s1, 64);
    mdsa_emu_pause(emu, 0, 1);
    CHECK_EQ(mdsa_wq_submit(mdsa_emu_wq(emu, 0), &d0), MDSA_WQ_OK); /* first */
    CHECK_EQ(mdsa_wq_submit(mdsa_emu_wq(emu, 1), &d1), MDSA_WQ_OK); /* second */
    CHECK_EQ(wait_status(mdsa_emu_wq(emu, 1), &r[1]), MDSA_ST_SUCCESS);
    CHECK_EQ(mdsa_cr_status(&r[0]), 0); /* the earlier one is still pending */
    CHECK(memcmp(s1, t1, 64) == 0);
    mdsa_emu_pause(emu, 0, 0);
    CHECK_EQ(wait_status(mdsa_emu_wq(emu, 0), &r[0]), MDSA_ST_SUCCESS);
    CHECK(memcmp(s0, t0, 64) == 0);
    free(r);
    mdsa_emu_destroy(emu);
}

static void test_async_latency_and_fifo(void)
{
    struct mdsa_emu *emu = emu_from("async=1,latency_ns=20000000,wq_size=16");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    struct mdsa_cr *r = zalloc_aligned(32, 3 * 32);
    struct mdsa_desc d;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, &r[0], dst, src, 1000);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    desc_init(&d, MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR, &r[1]);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(&r[0]), 0); /* nothing done yet */
    CHECK_EQ(wait_status(wq, &r[1]), MDSA_ST_SUCCESS);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* DRAIN completes after everything before it */
    CHECK_EQ(mdsa_cr_status(&r[0]), MDSA_ST_SUCCESS);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
    CHECK(ns >= 20000000ll); /* the configured minimum latency */
    free(r);
    mdsa_emu_destroy(emu);
}

struct thr_arg {
    struct mdsa_wq *wq;
    int id;
    int ok;
};

static void *submitter(void *p)
{
    struct thr_arg *a = p;
    struct mdsa_cr *r = zalloc_aligned(32, 32);
    uint8_t s[512], t[512];
    struct mdsa_retry_policy pol = {.max_retries = 1000000, .max_pause = 64};
    a->ok = 1;
    for (int i = 0; i < 300; i++) {
        fill_random(s, sizeof s, (uint64_t)(a->id * 1000 + i));
        struct mdsa_desc d;
        desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, r, t, s, 512);
        memset(r, 0, 32);
        if (mdsa_wq_submit_retry(a->wq, &d, &pol, NULL) != MDSA_WQ_OK ||
            wait_status(a->wq, r) != MDSA_ST_SUCCESS || memcmp(s, t, 512))
            a->ok = 0;
    }
    free(r);
    return NULL;
}

static void test_shared_wq_many_submitters(void)
{
    struct mdsa_emu *emu = emu_from("mode=shared,wq_size=4,threshold=2,async=1");
    pthread_t th[4];
    struct thr_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (struct thr_arg){mdsa_emu_wq(emu, 0), i, 0};
        pthread_create(&th[i], NULL, submitter, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(a[i].ok);
    }
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).executed, 1200);
    mdsa_emu_destroy(emu);
}

static void test_config_parser(void)
{
    struct mdsa_emu_config c;
    char err[512], buf[4096];
    mdsa_emu_config_default(&c);
    CHECK_EQ(mdsa_emu_config_parse(&c,
                                   "mode=shared,wq_size=32,threshold=24,async=1,latency_ns=20000,"
                                   "fault_rate=0.01,seed=7,max_batch=64,max_xfer=2097152",
                                   err, sizeof err),
             0);
    CHECK_EQ(c.mode, MDSA_WQ_SHARED);
    CHECK_EQ(c.wq_size, 32);
    CHECK_EQ(c.threshold, 24);
    CHECK_EQ(c.async, 1);
    CHECK_EQ(c.latency_ns, 20000);
    CHECK(c.fault_rate > 0.0099 && c.fault_rate < 0.0101);
    CHECK_EQ(c.seed, 7);
    CHECK_EQ(c.max_batch, 64);
    CHECK_EQ(c.max_xfer, 2097152);
    /* the canonical form parses back to the same configuration */
    mdsa_emu_config_format(&c, buf, sizeof buf);
    struct mdsa_emu_config c2;
    mdsa_emu_config_default(&c2);
    CHECK_EQ(mdsa_emu_config_parse(&c2, buf, err, sizeof err), 0);
    CHECK(memcmp(&c, &c2, sizeof c) == 0);
    mdsa_emu_config_default(&c);
    CHECK_EQ(mdsa_emu_config_parse(&c, "mode=shared,bogus=1", err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "unknown DSA emulator config key 'bogus'");
    CHECK_STR_CONTAINS(err, "profile version user_submission_safe mode");
    /* the profile and the device version */
    mdsa_emu_config_default(&c);
    CHECK_EQ(c.profile, MDSA_EMU_HW_STRICT);
    CHECK_EQ(c.version, 1);
    CHECK_EQ(mdsa_emu_config_parse(&c, "profile=lenient,version=2,user_submission_safe=yes", err,
                                   sizeof err), 0);
    CHECK_EQ(c.profile, MDSA_EMU_LENIENT);
    CHECK_EQ(c.version, 2);
    CHECK_EQ(c.user_submission_safe, 1);
    CHECK_EQ(mdsa_emu_config_parse(&c, "profile=strict", err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "profile=strict: expected hw-strict|lenient");
    CHECK_EQ(mdsa_emu_config_parse(&c, "version=3", err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "version=3: expected 1..2");
    CHECK_EQ(mdsa_emu_config_parse(&c, "fault_rate=2", err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "fault_rate=2");
    CHECK_EQ(mdsa_emu_config_parse(&c, "max_batch=1", err, sizeof err), -EINVAL);
    CHECK_EQ(mdsa_emu_config_parse(&c, "wq_size", err, sizeof err), -EINVAL);
    CHECK_STR_CONTAINS(err, "not key=value");
    mdsa_emu_config_default(&c);
    CHECK_EQ(mdsa_emu_config_parse(&c, "mode=shared,wq_size=8,threshold=9", err, sizeof err),
             -EINVAL);
    CHECK_STR_CONTAINS(err, "threshold=9 exceeds wq_size=8");
    mdsa_emu_config_default(&c);
    CHECK_EQ(mdsa_emu_config_parse(&c, " async = 1 , seed=0x10,", err, sizeof err), -EINVAL);
    mdsa_emu_config_default(&c);
    CHECK_EQ(mdsa_emu_config_parse(&c, "async=1, seed=0x10,", err, sizeof err), 0);
    CHECK_EQ(c.seed, 16);
    CHECK_EQ(mdsa_emu_config_parse(&c, NULL, err, sizeof err), 0);
    int need = mdsa_emu_config_help(buf, sizeof buf);
    CHECK(need > 0 && (size_t)need < sizeof buf);
    CHECK(strstr(buf, "qfull_rate=<a probability 0..1>") != NULL);
    CHECK(strstr(buf, "profile=<hw-strict|lenient>") != NULL);
}

int main(void)
{
    fill_random(src, sizeof src, 21);
    RUN(test_dedicated_overflow_drops);
    RUN(test_dedicated_overflow_lenient);
    RUN(test_dedicated_occupancy_frees_at_dispatch);
    RUN(test_retry_policy);
    RUN(test_shared_retry_threshold);
    RUN(test_write_rules);
    RUN(test_injected_refusals);
    RUN(test_async_out_of_order_across_wqs);
    RUN(test_async_latency_and_fifo);
    RUN(test_shared_wq_many_submitters);
    RUN(test_config_parser);
    return h_summary(__FILE__);
}
