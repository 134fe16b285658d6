/* SPDX-License-Identifier: Apache-2.0 */
/* The DSA engine against the emulator's hw-strict profile: one test per
 * way real SPR/EMR hardware loses data for a careless host.  Each checks
 * that no byte is lost or corrupted and that the recovery is counted.
 * (The engine before these checks fails them: a short copy for the lost
 * member record, the reused buffer overwritten by the late write, a 5 s
 * wait and then the CPU for good for a drop or a lost record, every
 * BATCH refused for max_batch_size 100.) */
#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engines/dsa/engine_internal.h"
#include "tengine.h"

#define MS 1000000ull

/* Wait (bounded) until the emulated device has taken the stalled
 * descriptor, so what follows meets a device busy with it. */
static void device_took_it(struct rig *r)
{
    CHECK_EQ(wait_emu_stalls(r->emu, 1), 1);
}

/* After a recovery the device is used again: the burst, all offloaded. */
static void next_burst_offloaded(struct rig *r)
{
    uint64_t before = ctr(r->e)->bytes_offloaded;
    CHECK_EQ(rig_go(r), 0);
    CHECK(rig_ok(r));
    CHECK_EQ(ctr(r->e)->bytes_offloaded - before, (uint64_t)r->n * r->len);
    CHECK_EQ(ctr(r->e)->state, MDSA_ENGINE_NORMAL);
}

/* The application reuses the destination; whatever the device still does
 * (waited for), the new bytes stay. */
static int reuse_stays(struct rig *r)
{
    memset(r->dst, 0xee, (size_t)r->n * r->len);
    CHECK_EQ(mdsa_emu_wait_idle(r->emu, 0, 5000 * MS), 0);
    int unchanged = 1;
    for (size_t i = 0; i < (size_t)r->n * r->len; i++)
        unchanged &= r->dst[i] == 0xee;
    return unchanged;
}

/* A dedicated WQ that is full when a descriptor arrives drops it and
 * raises a software error; no record ever comes.  The engine notices the
 * error, drains, redoes the copies and keeps using the device. */
static void test_dropped_descriptor_on_full_dedicated_wq(void)
{
    struct rig r;
    rig_up(&r, "mode=dedicated", 16, 1500);
    arm(r.e, MDSA_EMU_FAULT_QFULL, 0, 0); /* the queue is full when the BATCH arrives */
    CHECK_EQ(rig_go(&r), 0);
    CHECK(rig_ok(&r));
    CHECK_EQ(mdsa_emu_stats_read(r.emu, 0).dropped, 1);
    CHECK_EQ(ctr(r.e)->swerrors, 1);
    CHECK_EQ(ctr(r.e)->timeouts, 1);
    CHECK_EQ(ctr(r.e)->lost_completions, 1); /* the BATCH (its members went with it) */
    CHECK_EQ(ctr(r.e)->errors, 1);
    CHECK_EQ(ctr(r.e)->emu_faults, 1); /* what the emulator did, as the engine saw it */
    CHECK_EQ(ctr(r.e)->fallback_errors, 16);
    CHECK_EQ(ctr(r.e)->bytes_offloaded, 0);
    CHECK_EQ(ctr(r.e)->wq_resets, 0);
    next_burst_offloaded(&r);
    rig_down(&r);
}

/* The drain's own DRAIN can be lost the same way (here: dropped too);
 * the software error it raises makes the engine send another. */
static void test_lost_drain_is_sent_again(void)
{
    struct rig r;
    rig_up(&r, "mode=dedicated", 16, 1500);
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_QFULL, .count = 2}; /* BATCH, then DRAIN */
    CHECK_EQ(mdsa_emu_arm_fault(r.emu, 0, &f), 0);
    CHECK_EQ(rig_go(&r), 0);
    CHECK(rig_ok(&r));
    CHECK_EQ(mdsa_emu_stats_read(r.emu, 0).dropped, 2);
    CHECK_EQ(ctr(r.e)->timeouts, 1);
    CHECK_EQ(ctr(r.e)->swerrors, 2);
    CHECK_EQ(ctr(r.e)->wq_resets, 0);
    next_burst_offloaded(&r);
    rig_down(&r);
}

/* The engine itself never overruns a dedicated WQ, however hard it is
 * pushed: a full queue is its own count of what is in flight (one entry
 * kept for a DRAIN) and copies on the CPU. */
static void test_dedicated_wq_never_overrun_under_load(void)
{
    mdsa_engine_t *e = mk("async=1,wq_size=4,latency_ns=20000,ring=64", 0);
    struct mdsa_emu *emu = mdsa_engine_dsa_emu(e);
    enum { SLOTS = 16, PER = 32, LEN = 700 };
    uint8_t *dst = zalloc_aligned(64, (size_t)SLOTS * PER * LEN);
    static struct mdsa_copy_op ops[SLOTS][PER];
    uint64_t t[SLOTS];
    int ok = 1;
    for (int round = 0; round < 20; round++) {
        for (int s = 0; s < SLOTS; s++) {
            memset(dst + (size_t)s * PER * LEN, 0, (size_t)PER * LEN);
            ops_fill(ops[s], PER, dst + (size_t)s * PER * LEN, LEN);
            for (int k = 0; k < PER; k++) /* vary sources between rounds */
                ops[s][k].src = (const uint8_t *)ops[s][k].src + round;
            ok &= e->ops->submit(e, ops[s], (uint32_t)(1 + (s + round) % PER), &t[s]) == 0;
        }
        for (int s = 0; s < SLOTS; s++) {
            ok &= mdsa_engine_wait(e, t[s]) == 0;
            ok &= ops_ok(ops[s], (uint32_t)(1 + (s + round) % PER));
        }
    }
    CHECK(ok);
    struct mdsa_emu_stats st = mdsa_emu_stats_read(emu, 0);
    CHECK_EQ(st.dropped, 0);
    CHECK_EQ(st.swerrs, 0);
    CHECK_EQ(ctr(e)->lost_completions, 0);
    CHECK(ctr(e)->queue_full > 0); /* it was full, by the engine's own count */
    CHECK(ctr(e)->bytes_offloaded > 0);
    e->ops->destroy(e);
    free(dst);
}

/* DSA 1.x: a lone copy whose record cannot be written.  The copy itself
 * was done; only a software error tells.  No 5-second wait, no giving up
 * on the device. */
static void test_lost_record_on_lone_copy(void)
{
    struct rig r;
    rig_up(&r, "", 1, 3000);
    arm(r.e, MDSA_EMU_FAULT_CR, 0, -1);
    CHECK_EQ(rig_go(&r), 0);
    CHECK(rig_ok(&r));
    CHECK_EQ(mdsa_emu_stats_read(r.emu, 0).records_lost, 1);
    CHECK_EQ(ctr(r.e)->lost_completions, 1);
    CHECK_EQ(ctr(r.e)->fallback_errors, 1);
    CHECK_EQ(ctr(r.e)->timeouts, 1);
    CHECK_EQ(ctr(r.e)->swerrors, 1);
    CHECK_EQ(ctr(r.e)->emu_faults, 1);
    CHECK_EQ(ctr(r.e)->errors, 1);
    next_burst_offloaded(&r);
    rig_down(&r);
}

/* A BATCH member fails (a page fault after 700 bytes) and its record is
 * lost: the batch says BATCH_FAIL, the member says nothing.  Assuming it
 * succeeded would deliver a short copy; without a success record the
 * engine copies it again.  With its record, the partial completion is
 * resumed as usual. */
static void test_lost_record_of_failed_batch_member(void)
{
    struct rig r;
    rig_up(&r, "", 16, 1500);
    arm(r.e, MDSA_EMU_FAULT_PAGE, 5, 700);   /* member 5 faults ... */
    arm(r.e, MDSA_EMU_FAULT_MEMBER_CR, 0, 5); /* ... and its record is lost */
    CHECK_EQ(rig_go(&r), 0);
    CHECK(rig_ok(&r));
    CHECK_EQ(ctr(r.e)->lost_completions, 1);
    CHECK_EQ(ctr(r.e)->fallback_errors, 1);
    CHECK_EQ(ctr(r.e)->partial_completions, 0);
    CHECK_EQ(ctr(r.e)->bytes_offloaded, 15 * 1500);
    CHECK_EQ(ctr(r.e)->emu_faults, 1); /* the fault hid behind its lost record */
    CHECK_EQ(ctr(r.e)->errors, 1);
    /* the same failure with its record: resumed from bytes_completed */
    arm(r.e, MDSA_EMU_FAULT_PAGE, 5, 700);
    CHECK_EQ(rig_go(&r), 0);
    CHECK(rig_ok(&r));
    CHECK_EQ(ctr(r.e)->partial_completions, 1);
    CHECK_EQ(ctr(r.e)->lost_completions, 1);
    CHECK_EQ(ctr(r.e)->bytes_offloaded, 15 * 1500 + 16 * 1500 - 800);
    CHECK_EQ(ctr(r.e)->state, MDSA_ENGINE_NORMAL);
    rig_down(&r);
}

/* The device is still busy with a copy when the engine's timeout fires
 * and writes the destination a second later (long enough that a loaded
 * machine still polls inside it).  Finishing on the CPU and
 * reporting the burst complete would let that late write land in a
 * buffer the application has already reused; the engine drains first. */
static void test_timeout_while_device_busy_reused_buffer_unchanged(void)
{
    struct rig r;
    rig_up(&r, "async=1,timeout_ms=20", 4, 1500);
    arm(r.e, MDSA_EMU_FAULT_STALL, 0, (int64_t)(1000 * MS));
    rig_submit(&r);
    device_took_it(&r);
    CHECK_EQ(mdsa_engine_wait(r.e, r.t), 0);
    CHECK(rig_ok(&r));
    CHECK(reuse_stays(&r));
    CHECK_EQ(ctr(r.e)->timeouts, 1);
    CHECK_EQ(ctr(r.e)->lost_completions, 0); /* the drain waited for the late copy */
    CHECK_EQ(ctr(r.e)->bytes_offloaded, 4 * 1500);
    CHECK_EQ(ctr(r.e)->cpu_fallbacks, 0);
    next_burst_offloaded(&r);
    rig_down(&r);
}

/* A device that never finishes: the drain is bounded, the WQ is reset
 * (the device lets go and will not write), the CPU finishes, and the
 * engine says why it stays on the CPU. */
static void test_hung_device_reset_reused_buffer_unchanged(void)
{
    struct rig r;
    rig_up(&r, "async=1,timeout_ms=20,quiesce_ms=50", 4, 1500);
    arm(r.e, MDSA_EMU_FAULT_STALL, 0, -1);
    rig_submit(&r);
    device_took_it(&r);
    CHECK_EQ(mdsa_engine_wait(r.e, r.t), 0);
    CHECK(rig_ok(&r));
    CHECK(reuse_stays(&r));
    CHECK_EQ(ctr(r.e)->wq_resets, 1);
    CHECK_EQ(mdsa_emu_stats_read(r.emu, 0).resets, 1);
    CHECK_EQ(ctr(r.e)->state, MDSA_ENGINE_CPU_ONLY);
    CHECK_STR_CONTAINS(ctr(r.e)->state_reason, "DRAIN did not complete within 50 ms: WQ reset");
    rig_down(&r);
}

/* A device that ignores even the reset: the bursts in flight fail with a
 * clear error instead of being finished while it may still write them,
 * and nothing hangs (not the poll, not the engine's destruction). */
static void test_unstoppable_device_is_an_error_not_a_hang(void)
{
    struct rig r;
    rig_up(&r, "async=1,timeout_ms=20,quiesce_ms=30", 4, 1500);
    arm(r.e, MDSA_EMU_FAULT_STALL, 0, -2);
    rig_submit(&r);
    device_took_it(&r);
    CHECK_EQ(mdsa_engine_wait(r.e, r.t), -EIO);
    CHECK_EQ(ctr(r.e)->state, MDSA_ENGINE_CPU_ONLY);
    CHECK_STR_CONTAINS(ctr(r.e)->state_reason, "WQ reset failed");
    CHECK_EQ(r.e->ops->poll(r.e, r.t), -EIO);
    rig_down(&r);
}

/* sysfs max_batch_size 100: the kernel programs ilog2(100), the device
 * takes at most 64.  Likewise max_transfer_size 3000 -> 2048. */
static void test_non_power_of_two_limits(void)
{
    mdsa_engine_t *e = mk("max_batch=100,max_xfer=3000", 0);
    uint8_t *dst = zalloc_aligned(64, 200 * 100);
    static struct mdsa_copy_op ops[200];
    uint64_t t;
    ops_fill(ops, 200, dst, 100);
    CHECK_EQ(e->ops->submit(e, ops, 200, &t), 0);
    CHECK_EQ(mdsa_engine_wait(e, t), 0);
    CHECK(ops_ok(ops, 200));
    CHECK_EQ(ctr(e)->errors, 0);
    CHECK_EQ(ctr(e)->bytes_offloaded, 200 * 100);
    CHECK_EQ(ctr(e)->batches, 4); /* 64 + 64 + 64 + 8 */
    CHECK_STR_CONTAINS(ctr(e)->note, "max_batch_size 100 used as 64");
    CHECK_STR_CONTAINS(ctr(e)->note, "max_transfer_size 3000 used as 2048");
    struct mdsa_copy_op big;
    ops_fill(&big, 1, dst, 5000);
    CHECK_EQ(e->ops->submit(e, &big, 1, &t), 0);
    CHECK_EQ(mdsa_engine_wait(e, t), 0);
    CHECK(ops_ok(&big, 1));
    CHECK_EQ(ctr(e)->descriptors, 200 + 3); /* 2048 + 2048 + 904 */
    CHECK_EQ(ctr(e)->bytes_offloaded, 200 * 100 + 5000);
    CHECK_EQ(ctr(e)->errors, 0);
    e->ops->destroy(e);
    free(dst);
}

/* A BATCH rejected for its own sake (here 0x14) would be rejected every
 * burst: the engine goes on with lone descriptors, not the CPU. */
static void test_batch_refused_then_lone_descriptors(void)
{
    struct rig r;
    rig_up(&r, "", 16, 1500);
    arm(r.e, MDSA_EMU_FAULT_BATCH_INVALID, 0, MDSA_ST_DESC_CNT_ERANGE);
    CHECK_EQ(rig_go(&r), 0);
    CHECK(rig_ok(&r));
    CHECK_EQ(ctr(r.e)->fallback_errors, 16);
    CHECK_STR_CONTAINS(ctr(r.e)->note, "BATCH refused with 0x14");
    CHECK_STR_CONTAINS(ctr(r.e)->note, "lone descriptors");
    uint64_t batches = ctr(r.e)->batches;
    next_burst_offloaded(&r);
    CHECK_EQ(ctr(r.e)->batches, batches);
    CHECK_EQ(ctr(r.e)->descriptors, 16 + 16);
    rig_down(&r);
}

/* Where the kernel takes BATCH through write() (a version-2 device) the
 * engine batches there too; on version 1 with the erratum it does not. */
static void test_write_path_batches_where_the_kernel_allows(void)
{
    for (int v = 1; v <= 2; v++) {
        struct rig r;
        rig_up(&r, v == 2 ? "submit=write,version=2" : "submit=write", 16, 1500);
        CHECK_EQ(rig_go(&r), 0);
        CHECK(rig_ok(&r));
        CHECK_EQ(ctr(r.e)->batches, v == 2 ? 1 : 0);
        CHECK_EQ(ctr(r.e)->bytes_offloaded, 16 * 1500);
        rig_down(&r);
    }
}

/* Descriptor lists and records are locked in memory; where that is not
 * allowed they are prefaulted and the counters say so. */
static void test_records_locked_or_prefaulted(void)
{
    mdsa_engine_t *e = mk("", 0);
    CHECK_EQ(ctr(e)->memory_locked, 1);
    e->ops->destroy(e);
    e = mk("mlock=0", 0);
    CHECK_EQ(ctr(e)->memory_locked, 0);
    CHECK_STR_CONTAINS(ctr(e)->note, "records prefaulted, not locked (mlock=0)");
    e->ops->destroy(e);
    struct rlimit old, none;
    getrlimit(RLIMIT_MEMLOCK, &old);
    none = old;
    none.rlim_cur = 0;
    if (setrlimit(RLIMIT_MEMLOCK, &none) == 0) {
        struct rig r;
        rig_up(&r, "", 4, 1500);
        if (geteuid() == 0) { /* CAP_IPC_LOCK ignores the limit */
            CHECK_EQ(ctr(r.e)->memory_locked, 1);
        } else {
            CHECK_EQ(ctr(r.e)->memory_locked, 0);
            CHECK_STR_CONTAINS(ctr(r.e)->note, "RLIMIT_MEMLOCK 0 KiB");
        }
        CHECK_EQ(rig_go(&r), 0); /* still byte-exact */
        CHECK(rig_ok(&r));
        rig_down(&r);
        setrlimit(RLIMIT_MEMLOCK, &old);
    }
}

/* The start-up probe: two MEMMOVEs (one BATCH where batches are used)
 * whose bytes are compared; a BATCH refused for its own sake switches the
 * engine to lone descriptors before the first burst. */
static void test_probe(void)
{
    char err[256];
    static const char *const cfgs[] = {"", "submit=write", "max_batch=0"};
    for (int k = 0; k < 3; k++) {
        mdsa_engine_t *e = mk(cfgs[k], 0);
        CHECK_EQ(mdsa_dsa_engine_probe(e, 1000 * MS, err, sizeof err), 0);
        CHECK_EQ(ctr(e)->batches, 0); /* the probe is not traffic */
        e->ops->destroy(e);
    }
    mdsa_engine_t *e = mk("", 0);
    arm(e, MDSA_EMU_FAULT_BATCH_INVALID, 0, MDSA_ST_INVALID_FLAGS);
    CHECK_EQ(mdsa_dsa_engine_probe(e, 1000 * MS, err, sizeof err), 0);
    CHECK_STR_CONTAINS(ctr(e)->note, "probe BATCH refused with 0x11");
    CHECK_EQ(((struct dsa_engine *)e)->cap, 1);
    e->ops->destroy(e);
    e = mk("", 0);
    arm(e, MDSA_EMU_FAULT_ERROR, 1, MDSA_ST_HW_ERR1); /* the second member fails */
    CHECK_EQ(mdsa_dsa_engine_probe(e, 1000 * MS, err, sizeof err), -EIO);
    CHECK_STR_CONTAINS(err, "probe on emu0.0: BATCH of 2 MEMMOVE: status 0x05 (batch-fail)");
    e->ops->destroy(e);
}

int main(void)
{
    pool_init();
    RUN(test_dropped_descriptor_on_full_dedicated_wq);
    RUN(test_lost_drain_is_sent_again);
    RUN(test_dedicated_wq_never_overrun_under_load);
    RUN(test_lost_record_on_lone_copy);
    RUN(test_lost_record_of_failed_batch_member);
    RUN(test_timeout_while_device_busy_reused_buffer_unchanged);
    RUN(test_hung_device_reset_reused_buffer_unchanged);
    RUN(test_unstoppable_device_is_an_error_not_a_hang);
    RUN(test_non_power_of_two_limits);
    RUN(test_batch_refused_then_lone_descriptors);
    RUN(test_write_path_batches_where_the_kernel_allows);
    RUN(test_records_locked_or_prefaulted);
    RUN(test_probe);
    free(pool);
    return h_summary(__FILE__);
}
