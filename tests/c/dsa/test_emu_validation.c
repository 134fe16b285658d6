/* SPDX-License-Identifier: Apache-2.0 */
/* Hardware validation statuses and the CRAV/RCR completion-record rules. */
#include "tutil.h"

static struct mdsa_emu *emu;
static struct mdsa_wq *wq;
static struct mdsa_cr *cr;
static uint8_t src[4096], dst[4096];

static uint8_t run(struct mdsa_desc *d)
{
    memset(cr, 0, sizeof *cr);
    CHECK_EQ(mdsa_wq_submit(wq, d), MDSA_WQ_OK);
    return mdsa_cr_status(cr);
}

static void test_bad_opcode(void)
{
    struct mdsa_desc d;
    desc_init(&d, 0x7e, MDSA_F_CRAV | MDSA_F_RCR, cr);
    CHECK_EQ(run(&d), MDSA_ST_BAD_OPCODE);
    /* a real opcode the emulated device does not offer */
    desc_init(&d, MDSA_OP_CR_DELTA, MDSA_F_CRAV | MDSA_F_RCR, cr);
    CHECK_EQ(run(&d), MDSA_ST_BAD_OPCODE);
}

static void test_invalid_flags(void)
{
    struct mdsa_desc d;
    /* check-result makes no sense for a copy; bit 6 is reserved */
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_CR | MDSA_F_RSVD6, cr, dst, src, 64);
    CHECK_EQ(run(&d), MDSA_ST_INVALID_FLAGS);
    CHECK_EQ(cr->op.invalid_flags, MDSA_F_CR | MDSA_F_RSVD6);
    /* block-on-fault is reserved for BATCH and DRAIN */
    desc_init(&d, MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_BOF, cr);
    CHECK_EQ(run(&d), MDSA_ST_INVALID_FLAGS);
    CHECK_EQ(cr->op.invalid_flags, MDSA_F_BOF);
    /* a CRC op-specific bit on a MEMMOVE */
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_CRC_BYPASS_INV, cr, dst, src, 64);
    CHECK_EQ(run(&d), MDSA_ST_INVALID_FLAGS);
    CHECK_EQ(cr->op.invalid_flags, MDSA_F_CRC_BYPASS_INV);
    /* and on a BATCH */
    struct mdsa_desc *list = zalloc_aligned(64, 2 * 64);
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_FENCE, cr);
    d.src = A(list);
    d.size = 2;
    CHECK_EQ(run(&d), MDSA_ST_INVALID_FLAGS);
    CHECK_EQ(cr->op.invalid_flags, MDSA_F_FENCE);
    free(list);
}

static void test_reserved_nonzero(void)
{
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 64);
    d.rsvd = 1;
    CHECK_EQ(run(&d), MDSA_ST_NOZERO_RESERVE);
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 64);
    d.op.bytes[23] = 1;
    CHECK_EQ(run(&d), MDSA_ST_NOZERO_RESERVE);
    desc_init(&d, MDSA_OP_NOOP, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.size = 4;
    CHECK_EQ(run(&d), MDSA_ST_NOZERO_RESERVE);
    desc_init(&d, MDSA_OP_COMPARE, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(src);
    d.dst = A(dst);
    d.size = 8;
    d.op.cmp.rsvd[0] = 1;
    CHECK_EQ(run(&d), MDSA_ST_NOZERO_RESERVE);
    desc_init(&d, MDSA_OP_CRCGEN, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(src);
    d.size = 8;
    d.dst = A(dst); /* CRCGEN has no destination */
    CHECK_EQ(run(&d), MDSA_ST_NOZERO_RESERVE);
    desc_init(&d, MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(src); /* readback address without its flag */
    CHECK_EQ(run(&d), MDSA_ST_NOZERO_RESERVE);
}

static void test_transfer_size(void)
{
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 0);
    CHECK_EQ(run(&d), MDSA_ST_XFER_ERANGE);
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 4097); /* max_xfer=4096 */
    CHECK_EQ(run(&d), MDSA_ST_XFER_ERANGE);
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 4096);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
}

static void test_batch_count_and_alignment(void)
{
    struct mdsa_desc *list = zalloc_aligned(64, 65 * 64);
    for (int i = 0; i < 65; i++)
        desc_init(&list[i], MDSA_OP_NOOP, 0, NULL);
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(list);
    d.size = 1;
    CHECK_EQ(run(&d), MDSA_ST_DESC_CNT_ERANGE);
    d.size = 0;
    CHECK_EQ(run(&d), MDSA_ST_DESC_CNT_ERANGE);
    d.size = 17; /* max_batch=16 */
    CHECK_EQ(run(&d), MDSA_ST_DESC_CNT_ERANGE);
    d.size = 16;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->bytes_completed, 16);
    d.size = 2;
    d.src = A(list) + 32;
    CHECK_EQ(run(&d), MDSA_ST_DESCLIST_ALIGN);
    d.src = A(list) + 64;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    free(list);
}

static void test_nested_batch_and_drain_member(void)
{
    struct mdsa_desc *list = zalloc_aligned(64, 4 * 64);
    struct mdsa_cr *mcr = zalloc_aligned(32, 4 * 32);
    desc_init(&list[0], MDSA_OP_NOOP, MDSA_F_CRAV | MDSA_F_RCR, &mcr[0]);
    desc_init(&list[1], MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, &mcr[1]);
    list[1].src = A(list);
    list[1].size = 2;
    desc_init(&list[2], MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR, &mcr[2]);
    desc_init(&list[3], MDSA_OP_NOOP, MDSA_F_CRAV | MDSA_F_RCR, &mcr[3]);
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_BATCH, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(list);
    d.size = 4;
    CHECK_EQ(run(&d), MDSA_ST_BATCH_FAIL);
    CHECK_EQ(cr->bytes_completed, 4);
    CHECK_EQ(mcr[0].status, MDSA_ST_SUCCESS);
    CHECK_EQ(mcr[1].status, MDSA_ST_BAD_OPCODE);
    CHECK_EQ(mcr[2].status, MDSA_ST_BAD_OPCODE);
    CHECK_EQ(mcr[3].status, MDSA_ST_SUCCESS);
    free(list);
    free(mcr);
}

static void test_cr_misaligned(void)
{
    mdsa_emu_swerr_read(emu, 1);
    uint8_t *raw = zalloc_aligned(64, 128);
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, raw + 16, dst, src, 64);
    CHECK_EQ(mdsa_wq_submit(wq, &d), MDSA_WQ_OK);
    CHECK_EQ(raw[16], 0); /* nothing written at a misaligned address */
    struct mdsa_emu_swerr e = mdsa_emu_swerr_read(emu, 1);
    CHECK_EQ(e.valid, 1);
    CHECK_EQ(e.status, MDSA_ST_CRA_ALIGN);
    CHECK_EQ(e.addr, A(raw + 16));
    CHECK_EQ(e.opcode, MDSA_OP_MEMMOVE);
    free(raw);
}

static void test_crav_rcr_rules(void)
{
    struct mdsa_desc d;
    /* CRAV+RCR: always written */
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, src, 64);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    /* CRAV alone: success writes nothing ... */
    desc_move(&d, MDSA_F_CRAV, cr, dst, src, 64);
    CHECK_EQ(run(&d), 0);
    /* ... a failure is written */
    desc_move(&d, MDSA_F_CRAV, cr, dst, src, 0);
    CHECK_EQ(run(&d), MDSA_ST_XFER_ERANGE);
    /* no CRAV: nothing written anywhere; errors go to SWERROR */
    mdsa_emu_swerr_read(emu, 1);
    desc_move(&d, MDSA_F_RCR, cr, dst, src, 64);
    CHECK_EQ(run(&d), 0);
    CHECK_EQ(mdsa_emu_swerr_read(emu, 0).valid, 0);
    desc_move(&d, MDSA_F_RCR, cr, dst, src, 0);
    CHECK_EQ(run(&d), 0);
    struct mdsa_emu_swerr e = mdsa_emu_swerr_read(emu, 1);
    CHECK_EQ(e.valid, 1);
    CHECK_EQ(e.status, MDSA_ST_XFER_ERANGE);
    /* a second error before clearing sets overflow */
    run(&d);
    run(&d);
    e = mdsa_emu_swerr_read(emu, 1);
    CHECK_EQ(e.overflow, 1);
    CHECK_EQ(e.count, 2);
}

static void test_record_status_written_last(void)
{
    /* The record is published with the status byte; every other field
     * is already in place when status != 0 (checked after the fact:
     * bytes_completed and fault_addr of a faulting copy). */
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, dst, (const void *)(uintptr_t)0x10, 64);
    CHECK_EQ(run(&d), MDSA_ST_PAGE_FAULT);
    CHECK_EQ(cr->bytes_completed, 0);
    CHECK_EQ(cr->fault_addr, 0x10);
}

/* Fuzzer finding (fuzz_dsa_emu): an operand in the null page faults on
 * its first byte, and the emulator then called memcpy(dst, NULL, 0) --
 * undefined behaviour (UBSan: null pointer passed as argument 2) -- for
 * COPY_CRC, DUALCAST and FILL.  Each now reports the fault, copies nothing
 * and touches no NULL pointer (this build runs under UBSan in CI). */
static void test_null_operands_fault_cleanly(void)
{
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_COPY_CRC, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.dst = A(dst);
    d.size = 64; /* src = 0 */
    CHECK_EQ(run(&d), MDSA_ST_PAGE_FAULT);
    CHECK_EQ(cr->bytes_completed, 0);
    CHECK_EQ(cr->fault_addr, 0);
    desc_init(&d, MDSA_OP_COPY_CRC, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(src);
    d.size = 64; /* dst = 0 */
    CHECK_EQ(run(&d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    desc_init(&d, MDSA_OP_DUALCAST, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.dst = A(dst);
    d.op.dcast.dst2 = A(dst) + 8192; /* same low 12 bits, src = 0 */
    d.size = 64;
    CHECK_EQ(run(&d), MDSA_ST_PAGE_FAULT);
    desc_init(&d, MDSA_OP_FILL, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.size = 64; /* dst = 0 */
    CHECK_EQ(run(&d), MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
}

int main(void)
{
    emu = emu_from("max_xfer=4096,max_batch=16");
    wq = mdsa_emu_wq(emu, 0);
    cr = zalloc_aligned(32, 32);
    fill_random(src, sizeof src, 9);
    RUN(test_bad_opcode);
    RUN(test_invalid_flags);
    RUN(test_reserved_nonzero);
    RUN(test_transfer_size);
    RUN(test_batch_count_and_alignment);
    RUN(test_nested_batch_and_drain_member);
    RUN(test_cr_misaligned);
    RUN(test_crav_rcr_rules);
    RUN(test_record_status_written_last);
    RUN(test_null_operands_fault_cleanly);
    mdsa_emu_destroy(emu);
    free(cr);
    return h_summary(__FILE__);
}
