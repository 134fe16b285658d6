/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection: partial completion (0x03, write bit, fault_addr,
 * bytes_completed, direction), resumption, BOF, completion-record faults,
 * determinism. */
#include "tutil.h"

static struct mdsa_cr *cr;

static uint8_t submit(struct mdsa_wq *wq, struct mdsa_desc *d)
{
    memset(cr, 0, sizeof *cr);
    CHECK_EQ(mdsa_wq_submit(wq, d), MDSA_WQ_OK);
    return mdsa_cr_status(cr);
}

static void arm_page(struct mdsa_emu *emu, int64_t off, int side)
{
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_PAGE, .offset = off, .side = side};
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
}

static void test_read_fault_at_offset(void)
{
    struct mdsa_emu *emu = emu_from("");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    uint8_t src[1000], dst[1000];
    fill_random(src, sizeof src, 11);
    memset(dst, 0, sizeof dst);
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 1000);
    arm_page(emu, 300, MDSA_EMU_SIDE_READ);
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT);
    CHECK_EQ(cr->bytes_completed, 300);
    CHECK_EQ(cr->fault_addr, A(src + 300));
    CHECK_EQ(cr->result, 0);
    CHECK(memcmp(dst, src, 300) == 0);
    CHECK_EQ(dst[300], 0);
    /* resume: shrink by bytes_completed, advance both addresses */
    d.src += 300;
    d.dst += 300;
    d.size -= 300;
    CHECK_EQ(submit(wq, &d), MDSA_ST_SUCCESS);
    CHECK(memcmp(dst, src, 1000) == 0);
    mdsa_emu_destroy(emu);
}

static void test_write_fault_sets_bit7(void)
{
    struct mdsa_emu *emu = emu_from("");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    uint8_t src[500], dst[500];
    fill_random(src, sizeof src, 12);
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 500);
    arm_page(emu, 123, MDSA_EMU_SIDE_WRITE);
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    CHECK_EQ(cr->fault_addr, A(dst + 123));
    CHECK_EQ(cr->bytes_completed, 123);
    /* CRAV without RCR still writes a partial completion */
    desc_move(&d, MDSA_F_CRAV, cr, dst, src, 500);
    arm_page(emu, 5, MDSA_EMU_SIDE_WRITE);
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    mdsa_emu_destroy(emu);
}

static void test_descending_fault_and_resume(void)
{
    struct mdsa_emu *emu = emu_from("");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    uint8_t buf[600], ref[600];
    fill_random(buf, sizeof buf, 13);
    memcpy(ref, buf, sizeof buf);
    memmove(ref + 50, ref, 500);
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, buf + 50, buf, 500);
    arm_page(emu, 200, MDSA_EMU_SIDE_READ);
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT);
    CHECK_EQ(cr->result, 1);
    CHECK_EQ(cr->bytes_completed, 200);
    CHECK_EQ(cr->fault_addr, A(buf) + 500 - 1 - 200); /* next byte down */
    CHECK(memcmp(buf + 50 + 300, ref + 50 + 300, 200) == 0); /* the top is done */
    /* resume (result 1): same addresses, size - bytes_completed */
    d.size -= 200;
    CHECK_EQ(submit(wq, &d), MDSA_ST_SUCCESS);
    CHECK(memcmp(buf, ref, sizeof buf) == 0);
    mdsa_emu_destroy(emu);
}

/* Resume loop as accel-config does, until success. */
static int resume_until_done(struct mdsa_wq *wq, struct mdsa_desc *d, int *faults)
{
    for (int guard = 0; guard < 1000; guard++) {
        uint8_t st = submit(wq, d);
        if (st == MDSA_ST_SUCCESS)
            return 1;
        if ((st & MDSA_ST_MASK) != MDSA_ST_PAGE_FAULT)
            return 0;
        (*faults)++;
        uint32_t bc = cr->bytes_completed;
        if (cr->result == 0) {
            d->src += bc;
            d->dst += bc;
        }
        d->size -= bc;
    }
    return 0;
}

static void test_random_offsets_resume_exact(void)
{
    struct mdsa_emu *emu = emu_from("fault_rate=0.6,seed=99");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    uint8_t *buf = zalloc_aligned(64, 20000), *ref = zalloc_aligned(64, 20000);
    uint64_t rs = 5;
    int faults = 0, ok = 1;
    fill_random(buf, 20000, 14);
    memcpy(ref, buf, 20000);
    for (int it = 0; it < 3000; it++) {
        uint32_t n = 1 + (uint32_t)(trng(&rs) % 4000);
        uint32_t so = (uint32_t)(trng(&rs) % (20000 - n));
        uint32_t dof = (uint32_t)(trng(&rs) % (20000 - n)); /* overlaps either way, or not */
        struct mdsa_desc d;
        desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, buf + dof, buf + so, n);
        memmove(ref + dof, ref + so, n);
        ok &= resume_until_done(wq, &d, &faults);
    }
    CHECK(ok);
    CHECK(memcmp(buf, ref, 20000) == 0);
    CHECK(faults > 1000);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).page_faults, (uint64_t)faults);
    free(buf);
    free(ref);
    mdsa_emu_destroy(emu);
}

static void test_fault_other_ops(void)
{
    struct mdsa_emu *emu = emu_from("");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    uint8_t a[1024], b[1024];
    fill_random(a, sizeof a, 15);
    memcpy(b, a, sizeof a);
    struct mdsa_desc d;
    /* FILL: write fault, progress kept on the 8-byte pattern phase */
    desc_init(&d, MDSA_OP_FILL, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = 0x1111111111111111ull;
    d.dst = A(b);
    d.size = 1000;
    arm_page(emu, 101, MDSA_EMU_SIDE_READ); /* FILL only writes: becomes a write fault */
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    CHECK_EQ(cr->bytes_completed, 96);
    CHECK_EQ(b[95], 0x11);
    CHECK_EQ(b[96], a[96]);
    /* COMPARE: equal data up to the fault -> partial */
    memcpy(b, a, sizeof a);
    desc_init(&d, MDSA_OP_COMPARE, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(a);
    d.dst = A(b);
    d.size = 1024;
    arm_page(emu, 512, MDSA_EMU_SIDE_READ);
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT);
    CHECK_EQ(cr->bytes_completed, 512);
    /* a difference before the fault ends the compare first */
    b[10] ^= 1;
    arm_page(emu, 512, MDSA_EMU_SIDE_READ);
    CHECK_EQ(submit(wq, &d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 1);
    CHECK_EQ(cr->bytes_completed, 10);
    /* CRCGEN: the partial CRC chains into the resumed descriptor */
    desc_init(&d, MDSA_OP_CRCGEN, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(a);
    d.size = 1024;
    CHECK_EQ(submit(wq, &d), MDSA_ST_SUCCESS);
    uint32_t whole = cr->op.crc;
    arm_page(emu, 700, MDSA_EMU_SIDE_READ);
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT);
    CHECK_EQ(cr->bytes_completed, 700);
    d.op.crc.seed = cr->op.crc;
    d.src += 700;
    d.size -= 700;
    CHECK_EQ(submit(wq, &d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->op.crc, whole);
    /* DUALCAST: a write fault on either destination */
    uint8_t *s = zalloc_aligned(4096, 4096), *t1 = zalloc_aligned(4096, 4096),
            *t2 = zalloc_aligned(4096, 4096);
    desc_init(&d, MDSA_OP_DUALCAST, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(s);
    d.dst = A(t1);
    d.op.dcast.dst2 = A(t2);
    d.size = 4096;
    arm_page(emu, 1000, MDSA_EMU_SIDE_WRITE);
    CHECK_EQ(submit(wq, &d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    CHECK(cr->fault_addr == A(t1 + 1000) || cr->fault_addr == A(t2 + 1000));
    free(s);
    free(t1);
    free(t2);
    mdsa_emu_destroy(emu);
}

static void test_block_on_fault(void)
{
    uint8_t src[256], dst[256];
    fill_random(src, sizeof src, 16);
    struct mdsa_desc d;
    /* WQ honours BOF: the fault is resolved, the copy completes */
    struct mdsa_emu *emu = emu_from("block_on_fault=1");
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_BOF, cr, dst, src, 256);
    arm_page(emu, 10, MDSA_EMU_SIDE_READ);
    CHECK_EQ(submit(mdsa_emu_wq(emu, 0), &d), MDSA_ST_SUCCESS);
    CHECK(memcmp(src, dst, 256) == 0);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).bof_resolved, 1);
    mdsa_emu_destroy(emu);
    /* WQ without block-on-fault: BOF on the descriptor does not help */
    emu = emu_from("block_on_fault=0");
    arm_page(emu, 10, MDSA_EMU_SIDE_READ);
    CHECK_EQ(submit(mdsa_emu_wq(emu, 0), &d), MDSA_ST_PAGE_FAULT);
    mdsa_emu_destroy(emu);
}

/* An emulator whose first completion record faults: a copy runs, its
 * record does not land, SWERROR names the record. */
static struct mdsa_emu *record_fault_on_first_copy(const char *cfg)
{
    struct mdsa_emu *emu = emu_from(cfg);
    uint8_t src[64] = {1}, dst[64];
    struct mdsa_desc d;
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_CR};
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    mdsa_emu_swerr_read(emu, 1);
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 64);
    CHECK_EQ(submit(mdsa_emu_wq(emu, 0), &d), 0);
    CHECK(memcmp(src, dst, 64) == 0);
    struct mdsa_emu_swerr e = mdsa_emu_swerr_read(emu, 1);
    CHECK_EQ(e.status, MDSA_ST_CRA_XLAT);
    CHECK_EQ(e.addr, A(cr));
    return emu;
}

/* DSA 1.x (SPR/EMR, the hw-strict default): a record whose write faults
 * is never written; only SWERROR (and the WQ's error count) tell. */
static void test_cr_fault_lost_on_version_1(void)
{
    struct mdsa_emu *emu = record_fault_on_first_copy("");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    struct mdsa_cr *cr2 = zalloc_aligned(32, 32);
    uint8_t src[64] = {1}, dst[64];
    struct mdsa_desc d, d2;
    struct mdsa_emu_fault f;
    struct mdsa_emu_swerr e;
    CHECK_EQ(mdsa_wq_errors(wq), 1);
    /* a later record on the same WQ is written normally; the lost one never */
    desc_move(&d2, MDSA_F_CRAV | MDSA_F_RCR, cr2, dst, src, 64);
    CHECK_EQ(mdsa_wq_submit(wq, &d2), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr2), MDSA_ST_SUCCESS);
    CHECK_EQ(wait_status(wq, cr), 0);
    struct mdsa_emu_stats st = mdsa_emu_stats_read(emu, 0);
    CHECK_EQ(st.cr_faults, 1);
    CHECK_EQ(st.records_lost, 1);
    CHECK_EQ(st.late_delivered, 0);
    /* a batch member's record, chosen by index */
    struct mdsa_desc *list = zalloc_aligned(64, 3 * 64);
    uint8_t t3[3][64];
    for (int i = 0; i < 3; i++)
        desc_move(&list[i], MDSA_F_CRAV | MDSA_F_RCR, &list[i], t3[i], src, 64);
    f = (struct mdsa_emu_fault){.kind = MDSA_EMU_FAULT_MEMBER_CR, .offset = 1};
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(list);
    d.size = 3;
    CHECK_EQ(submit(wq, &d), MDSA_ST_SUCCESS); /* the copies all succeeded */
    CHECK_EQ(mdsa_status_at(&list[0]), MDSA_ST_SUCCESS);
    CHECK_EQ(mdsa_status_at(&list[1]), 0); /* its record is the one lost */
    CHECK_EQ(mdsa_status_at(&list[2]), MDSA_ST_SUCCESS);
    e = mdsa_emu_swerr_read(emu, 1);
    CHECK_EQ(e.batch, 1);
    CHECK_EQ(e.index, 1);
    free(list);
    free(cr2);
    mdsa_emu_destroy(emu);
}

/* DSA 2.x (and lenient): the event log gets it and the kernel writes the
 * record later, in order with the records after it. */
static void test_cr_fault_late_and_ordered_on_version_2(void)
{
    struct mdsa_emu *emu = record_fault_on_first_copy("version=2,cr_delay_ns=2000000");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    struct mdsa_cr *cr2 = zalloc_aligned(32, 32);
    uint8_t src[64] = {1}, dst[64];
    struct mdsa_desc d, d2;
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_CR};
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 64);
    /* a later record on the same WQ queues behind the late one */
    desc_move(&d2, MDSA_F_CRAV | MDSA_F_RCR, cr2, dst, src, 64);
    CHECK_EQ(mdsa_wq_submit(wq, &d2), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr2), 0);
    mdsa_wq_progress(wq); /* not yet due */
    CHECK_EQ(mdsa_cr_status(cr), 0);
    CHECK_EQ(wait_status(wq, cr), MDSA_ST_SUCCESS);
    CHECK_EQ(mdsa_cr_status(cr2), MDSA_ST_SUCCESS);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).cr_faults, 1);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).records_lost, 0);
    /* a DRAIN writes what the event log still owes before its own record */
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    memset(cr, 0, 32);
    CHECK_EQ(submit(wq, &d), 0);
    desc_init(&d2, MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR, cr2);
    memset(cr2, 0, 32);
    CHECK_EQ(mdsa_wq_submit(wq, &d2), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr2), MDSA_ST_SUCCESS);
    CHECK_EQ(mdsa_cr_status(cr), MDSA_ST_SUCCESS);
    /* a record address in the null page is lost, reported in SWERROR */
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, (void *)(uintptr_t)0x100, dst, src, 64);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_emu_swerr_read(emu, 1).status, MDSA_ST_CRA_XLAT);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).records_lost, 1);
    free(cr2);
    mdsa_emu_destroy(emu);
}

/* A device still busy with a descriptor after the host gave up on it:
 * it writes the destination late.  A reset abandons it instead; a device
 * armed to ignore resets makes the reset fail. */
static void test_stall_late_write_and_reset(void)
{
    struct mdsa_emu *emu = emu_from("async=1");
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    uint8_t src[256], dst[256];
    fill_random(src, sizeof src, 5);
    memset(dst, 0, sizeof dst);
    struct mdsa_desc d;
    struct mdsa_emu_fault f = {.kind = MDSA_EMU_FAULT_STALL, .offset = 30000000};
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, sizeof dst);
    memset(cr, 0, 32);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_cr_status(cr), 0);
    CHECK_EQ(dst[0] | dst[255], 0);
    CHECK_EQ(mdsa_emu_wait_idle(emu, 0, 5000000000ull), 0);
    CHECK_EQ(mdsa_cr_status(cr), MDSA_ST_SUCCESS); /* late, but it came */
    CHECK(memcmp(dst, src, sizeof dst) == 0);
    /* hung (-1): a reset abandons it and nothing is ever written */
    memset(dst, 0, sizeof dst);
    memset(cr, 0, 32);
    f.offset = -1;
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(mdsa_emu_wait_idle(emu, 0, 20000000ull), -ETIMEDOUT);
    CHECK_EQ(mdsa_wq_reset(wq, 1000000000ull), 0);
    CHECK_EQ(mdsa_emu_wait_idle(emu, 0, 5000000000ull), 0);
    CHECK_EQ(mdsa_cr_status(cr), 0);
    CHECK_EQ(dst[0] | dst[255], 0);
    CHECK_EQ(mdsa_emu_stats_read(emu, 0).aborted, 1);
    /* hung for good (-2): the reset cannot stop it */
    f.offset = -2;
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), 0);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(wait_emu_stalls(emu, 3), 3); /* the device has taken it (a reset before that just discards it) */
    CHECK_EQ(mdsa_wq_reset(wq, 20000000ull), -ETIMEDOUT);
    mdsa_emu_destroy(emu); /* shutting the device down still ends it */
    CHECK_EQ(dst[0] | dst[255], 0);
    /* a synchronous device cannot be armed to stall */
    emu = emu_from("");
    CHECK_EQ(mdsa_emu_arm_fault(emu, 0, &f), -EINVAL);
    mdsa_emu_destroy(emu);
}

/* Same seed, same submissions: identical records. */
static void record_trace(const char *cfg, uint32_t *trace, int n)
{
    struct mdsa_emu *emu = emu_from(cfg);
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    uint8_t src[4096], dst[4096];
    fill_random(src, sizeof src, 17);
    for (int i = 0; i < n; i++) {
        struct mdsa_desc d;
        desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 4096);
        uint8_t st = submit(wq, &d);
        trace[i] = (uint32_t)st << 24 ^ cr->bytes_completed ^ (uint32_t)cr->fault_addr;
    }
    mdsa_emu_destroy(emu);
}

static void test_deterministic_seed(void)
{
    uint32_t a[200], b[200], c[200];
    record_trace("fault_rate=0.3,seed=7", a, 200);
    record_trace("fault_rate=0.3,seed=7", b, 200);
    record_trace("fault_rate=0.3,seed=8", c, 200);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
    int faults = 0;
    for (int i = 0; i < 200; i++)
        faults += (a[i] >> 24) != MDSA_ST_SUCCESS;
    CHECK(faults > 30 && faults < 100);
}

static void test_fixed_fault_offset_config(void)
{
    struct mdsa_emu *emu = emu_from("fault_rate=1,fault_offset=77,fault_side=write");
    uint8_t src[100], dst[100];
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 100);
    CHECK_EQ(submit(mdsa_emu_wq(emu, 0), &d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    CHECK_EQ(cr->bytes_completed, 77);
    d.size = 50; /* offset beyond the size: clamped to the last byte */
    CHECK_EQ(submit(mdsa_emu_wq(emu, 0), &d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    CHECK_EQ(cr->bytes_completed, 49);
    mdsa_emu_destroy(emu);
}

int main(void)
{
    cr = zalloc_aligned(32, 32);
    RUN(test_read_fault_at_offset);
    RUN(test_write_fault_sets_bit7);
    RUN(test_descending_fault_and_resume);
    RUN(test_random_offsets_resume_exact);
    RUN(test_fault_other_ops);
    RUN(test_block_on_fault);
    RUN(test_cr_fault_lost_on_version_1);
    RUN(test_cr_fault_late_and_ordered_on_version_2);
    RUN(test_stall_late_write_and_reset);
    RUN(test_deterministic_seed);
    RUN(test_fixed_fault_offset_config);
    free(cr);
    return h_summary(__FILE__);
}
