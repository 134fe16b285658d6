/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptor and completion-record layout, encoding, and names. */
#include "engines/dsa/desc.h"
#include "engines/dsa/wq.h"
#include "harness.h"
#include "uapi_idxd_ref.h"

static void test_sizes_and_offsets(void)
{
    CHECK_EQ(sizeof(struct mdsa_desc), 64);
    CHECK_EQ(sizeof(struct mdsa_cr), 32);
    struct mdsa_desc arr[2];
    CHECK_EQ(((uintptr_t)&arr[1] - (uintptr_t)&arr[0]), 64);
    CHECK_EQ((uintptr_t)&arr[0] % 64, 0);
}

static void test_dword1_encoding(void)
{
    struct mdsa_desc d;
    memset(&d, 0, sizeof d);
    d.op_flags = mdsa_op_flags(MDSA_OP_MEMMOVE, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_CC);
    const uint8_t *b = (const uint8_t *)&d;
    CHECK_EQ(b[4], 0x0c);  /* CRAV|RCR */
    CHECK_EQ(b[5], 0x01);  /* CC */
    CHECK_EQ(b[6], 0x00);
    CHECK_EQ(b[7], MDSA_OP_MEMMOVE);
    CHECK_EQ(mdsa_desc_opcode(&d), MDSA_OP_MEMMOVE);
    CHECK_EQ(mdsa_desc_flags(&d), MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_CC);
    /* flags beyond 24 bits never leak into the opcode */
    CHECK_EQ(mdsa_op_flags(MDSA_OP_NOOP, 0xffffffffu) >> 24, 0);
}

/* ---- field by field against our copy of the current uapi header ---- */

#define SAME_OFF(ref, refm, ours, oursm)                                                   \
    _Static_assert(offsetof(struct ref, refm) == offsetof(struct ours, oursm), #refm " offset"); \
    _Static_assert(sizeof(((struct ref *)0)->refm) == sizeof(((struct ours *)0)->oursm),   \
                   #refm " size")

SAME_OFF(ref_dsa_hw_desc, completion_addr, mdsa_desc, completion_addr);
SAME_OFF(ref_dsa_hw_desc, src_addr, mdsa_desc, src);
SAME_OFF(ref_dsa_hw_desc, rdback_addr, mdsa_desc, src);
SAME_OFF(ref_dsa_hw_desc, pattern, mdsa_desc, src);
SAME_OFF(ref_dsa_hw_desc, desc_list_addr, mdsa_desc, src);
SAME_OFF(ref_dsa_hw_desc, dst_addr, mdsa_desc, dst);
SAME_OFF(ref_dsa_hw_desc, rdback_addr2, mdsa_desc, dst);
SAME_OFF(ref_dsa_hw_desc, src2_addr, mdsa_desc, dst);
SAME_OFF(ref_dsa_hw_desc, comp_pattern, mdsa_desc, dst);
SAME_OFF(ref_dsa_hw_desc, xfer_size, mdsa_desc, size);
SAME_OFF(ref_dsa_hw_desc, desc_count, mdsa_desc, size);
SAME_OFF(ref_dsa_hw_desc, int_handle, mdsa_desc, int_handle);
SAME_OFF(ref_dsa_hw_desc, rsvd1, mdsa_desc, rsvd);
SAME_OFF(ref_dsa_hw_desc, expected_res, mdsa_desc, op.cmp.expected_res);
SAME_OFF(ref_dsa_hw_desc, delta_addr, mdsa_desc, op.cr_delta.delta_addr);
SAME_OFF(ref_dsa_hw_desc, max_delta_size, mdsa_desc, op.cr_delta.max_delta_size);
SAME_OFF(ref_dsa_hw_desc, delt_rsvd, mdsa_desc, op.cr_delta.rsvd);
SAME_OFF(ref_dsa_hw_desc, expected_res_mask, mdsa_desc, op.cr_delta.expected_res_mask);
SAME_OFF(ref_dsa_hw_desc, delta_rec_size, mdsa_desc, op.ap_delta.delta_rec_size);
SAME_OFF(ref_dsa_hw_desc, dest2, mdsa_desc, op.dcast.dst2);
SAME_OFF(ref_dsa_hw_desc, crc_seed, mdsa_desc, op.crc.seed);
SAME_OFF(ref_dsa_hw_desc, crc_rsvd, mdsa_desc, op.crc.rsvd);
SAME_OFF(ref_dsa_hw_desc, seed_addr, mdsa_desc, op.crc.seed_addr);
SAME_OFF(ref_dsa_hw_desc, op_specific, mdsa_desc, op.bytes);
_Static_assert(sizeof(struct ref_dsa_hw_desc) == sizeof(struct mdsa_desc), "descriptor size");

SAME_OFF(ref_dsa_completion_record, status, mdsa_cr, status);
SAME_OFF(ref_dsa_completion_record, result, mdsa_cr, result);
SAME_OFF(ref_dsa_completion_record, dif_status, mdsa_cr, result);
SAME_OFF(ref_dsa_completion_record, fault_info, mdsa_cr, fault_info);
SAME_OFF(ref_dsa_completion_record, rsvd, mdsa_cr, rsvd);
SAME_OFF(ref_dsa_completion_record, bytes_completed, mdsa_cr, bytes_completed);
SAME_OFF(ref_dsa_completion_record, descs_completed, mdsa_cr, bytes_completed);
SAME_OFF(ref_dsa_completion_record, fault_addr, mdsa_cr, fault_addr);
SAME_OFF(ref_dsa_completion_record, delta_rec_size, mdsa_cr, op.delta_rec_size);
SAME_OFF(ref_dsa_completion_record, crc_val, mdsa_cr, op.crc64);
SAME_OFF(ref_dsa_completion_record, op_specific, mdsa_cr, op.bytes);
_Static_assert(sizeof(struct ref_dsa_completion_record) == sizeof(struct mdsa_cr), "record size");

#define SAME_VAL(a, b) _Static_assert((int)(a) == (int)(b), #a " == " #b)
SAME_VAL(REF_OP_FLAG_FENCE, MDSA_F_FENCE);
SAME_VAL(REF_OP_FLAG_BOF, MDSA_F_BOF);
SAME_VAL(REF_OP_FLAG_CRAV, MDSA_F_CRAV);
SAME_VAL(REF_OP_FLAG_RCR, MDSA_F_RCR);
SAME_VAL(REF_OP_FLAG_RCI, MDSA_F_RCI);
SAME_VAL(REF_OP_FLAG_CRSTS, MDSA_F_CRSTS);
SAME_VAL(REF_OP_FLAG_CR, MDSA_F_CR);
SAME_VAL(REF_OP_FLAG_CC, MDSA_F_CC);
SAME_VAL(REF_OP_FLAG_ADDR1_TCS, MDSA_F_ADDR1_TCS);
SAME_VAL(REF_OP_FLAG_ADDR2_TCS, MDSA_F_ADDR2_TCS);
SAME_VAL(REF_OP_FLAG_ADDR3_TCS, MDSA_F_ADDR3_TCS);
SAME_VAL(REF_OP_FLAG_CR_TCS, MDSA_F_CR_TCS);
SAME_VAL(REF_OP_FLAG_STORD, MDSA_F_STORD);
SAME_VAL(REF_OP_FLAG_DRDBK, MDSA_F_DRDBK);
SAME_VAL(REF_OP_FLAG_DSTS, MDSA_F_DSTS);
SAME_VAL(REF_OPCODE_NOOP, MDSA_OP_NOOP);
SAME_VAL(REF_OPCODE_BATCH, MDSA_OP_BATCH);
SAME_VAL(REF_OPCODE_DRAIN, MDSA_OP_DRAIN);
SAME_VAL(REF_OPCODE_MEMMOVE, MDSA_OP_MEMMOVE);
SAME_VAL(REF_OPCODE_MEMFILL, MDSA_OP_FILL);
SAME_VAL(REF_OPCODE_COMPARE, MDSA_OP_COMPARE);
SAME_VAL(REF_OPCODE_COMPVAL, MDSA_OP_COMPVAL);
SAME_VAL(REF_OPCODE_CR_DELTA, MDSA_OP_CR_DELTA);
SAME_VAL(REF_OPCODE_AP_DELTA, MDSA_OP_AP_DELTA);
SAME_VAL(REF_OPCODE_DUALCAST, MDSA_OP_DUALCAST);
SAME_VAL(REF_OPCODE_CRCGEN, MDSA_OP_CRCGEN);
SAME_VAL(REF_OPCODE_COPY_CRC, MDSA_OP_COPY_CRC);
SAME_VAL(REF_OPCODE_DIF_CHECK, MDSA_OP_DIF_CHECK);
SAME_VAL(REF_OPCODE_DIF_INS, MDSA_OP_DIF_INS);
SAME_VAL(REF_OPCODE_DIF_STRP, MDSA_OP_DIF_STRP);
SAME_VAL(REF_OPCODE_DIF_UPDT, MDSA_OP_DIF_UPDT);
SAME_VAL(REF_OPCODE_CFLUSH, MDSA_OP_CFLUSH);
SAME_VAL(REF_COMP_NONE, MDSA_ST_NONE);
SAME_VAL(REF_COMP_SUCCESS, MDSA_ST_SUCCESS);
SAME_VAL(REF_COMP_SUCCESS_PRED, MDSA_ST_SUCCESS_PRED);
SAME_VAL(REF_COMP_PAGE_FAULT_NOBOF, MDSA_ST_PAGE_FAULT);
SAME_VAL(REF_COMP_PAGE_FAULT_IR, MDSA_ST_PAGE_FAULT_IR);
SAME_VAL(REF_COMP_BATCH_FAIL, MDSA_ST_BATCH_FAIL);
SAME_VAL(REF_COMP_BATCH_PAGE_FAULT, MDSA_ST_BATCH_PAGE_FAULT);
SAME_VAL(REF_COMP_DR_OFFSET_NOINC, MDSA_ST_DR_OFFSET_NOINC);
SAME_VAL(REF_COMP_DR_OFFSET_ERANGE, MDSA_ST_DR_OFFSET_ERANGE);
SAME_VAL(REF_COMP_DIF_ERR, MDSA_ST_DIF_ERR);
SAME_VAL(REF_COMP_BAD_OPCODE, MDSA_ST_BAD_OPCODE);
SAME_VAL(REF_COMP_INVALID_FLAGS, MDSA_ST_INVALID_FLAGS);
SAME_VAL(REF_COMP_NOZERO_RESERVE, MDSA_ST_NOZERO_RESERVE);
SAME_VAL(REF_COMP_XFER_ERANGE, MDSA_ST_XFER_ERANGE);
SAME_VAL(REF_COMP_DESC_CNT_ERANGE, MDSA_ST_DESC_CNT_ERANGE);
SAME_VAL(REF_COMP_DR_ERANGE, MDSA_ST_DR_ERANGE);
SAME_VAL(REF_COMP_OVERLAP_BUFFERS, MDSA_ST_OVERLAP_BUFFERS);
SAME_VAL(REF_COMP_DCAST_ERR, MDSA_ST_DCAST_ERR);
SAME_VAL(REF_COMP_DESCLIST_ALIGN, MDSA_ST_DESCLIST_ALIGN);
SAME_VAL(REF_COMP_INT_HANDLE_INVAL, MDSA_ST_INT_HANDLE_INVAL);
SAME_VAL(REF_COMP_CRA_XLAT, MDSA_ST_CRA_XLAT);
SAME_VAL(REF_COMP_CRA_ALIGN, MDSA_ST_CRA_ALIGN);
SAME_VAL(REF_COMP_ADDR_ALIGN, MDSA_ST_ADDR_ALIGN);
SAME_VAL(REF_COMP_PRIV_BAD, MDSA_ST_PRIV_BAD);
SAME_VAL(REF_COMP_TRAFFIC_CLASS_CONF, MDSA_ST_TRAFFIC_CLASS_CONF);
SAME_VAL(REF_COMP_PFAULT_RDBA, MDSA_ST_PFAULT_RDBA);
SAME_VAL(REF_COMP_HW_ERR1, MDSA_ST_HW_ERR1);
SAME_VAL(REF_COMP_HW_ERR_DRB, MDSA_ST_HW_ERR_DRB);
SAME_VAL(REF_COMP_TRANSLATION_FAIL, MDSA_ST_TRANSLATION_FAIL);
SAME_VAL(REF_COMP_DRAIN_EVL, MDSA_ST_DRAIN_EVL);
SAME_VAL(REF_COMP_BATCH_EVL_ERR, MDSA_ST_BATCH_EVL_ERR);
SAME_VAL(REF_COMP_STATUS_MASK, MDSA_ST_MASK);
SAME_VAL(REF_COMP_STATUS_WRITE, MDSA_ST_WRITE_FAULT);

/* One field set through the reference's bitfields/unions and through
 * ours must give the same 64 (or 32) bytes. */
#define DESC_FIELD(refset, ourset)                                                         \
    do {                                                                                   \
        struct ref_dsa_hw_desc k;                                                          \
        struct mdsa_desc m;                                                                \
        memset(&k, 0, sizeof k);                                                           \
        memset(&m, 0, sizeof m);                                                           \
        refset;                                                                            \
        ourset;                                                                            \
        h_checks++;                                                                        \
        if (memcmp(&k, &m, 64)) {                                                          \
            h_failed++;                                                                    \
            fprintf(stderr, "%s:%d: descriptor field differs: %s vs %s\n", __FILE__,      \
                    __LINE__, #refset, #ourset);                                           \
        }                                                                                  \
    } while (0)

#define CR_FIELD(refset, ourset)                                                           \
    do {                                                                                   \
        struct ref_dsa_completion_record k;                                                \
        struct mdsa_cr m;                                                                  \
        memset((void *)&k, 0, sizeof k);                                                   \
        memset(&m, 0, sizeof m);                                                           \
        refset;                                                                            \
        ourset;                                                                            \
        h_checks++;                                                                        \
        if (memcmp((void *)&k, &m, 32)) {                                                  \
            h_failed++;                                                                    \
            fprintf(stderr, "%s:%d: record field differs: %s vs %s\n", __FILE__, __LINE__, \
                    #refset, #ourset);                                                     \
        }                                                                                  \
    } while (0)

static void test_fields_match_uapi_reference(void)
{
    DESC_FIELD(k.pasid = 0xabcde, m.pasid = 0xabcde);
    DESC_FIELD(k.priv = 1, m.pasid = 1u << 31);
    DESC_FIELD(k.flags = 0xa5c3f1, m.op_flags = mdsa_op_flags(0, 0xa5c3f1));
    DESC_FIELD(k.opcode = REF_OPCODE_COPY_CRC, m.op_flags = mdsa_op_flags(MDSA_OP_COPY_CRC, 0));
    DESC_FIELD((k.opcode = REF_OPCODE_MEMMOVE, k.flags = REF_OP_FLAG_CRAV | REF_OP_FLAG_RCR),
               m.op_flags = mdsa_op_flags(MDSA_OP_MEMMOVE, MDSA_F_CRAV | MDSA_F_RCR));
    DESC_FIELD(k.completion_addr = 0x1122334455667788ull, m.completion_addr = 0x1122334455667788ull);
    DESC_FIELD(k.src_addr = 0x0102030405060708ull, m.src = 0x0102030405060708ull);
    DESC_FIELD(k.desc_list_addr = 0x40, m.src = 0x40);
    DESC_FIELD(k.dst_addr = 0x8877665544332211ull, m.dst = 0x8877665544332211ull);
    DESC_FIELD(k.xfer_size = 0xdeadbeef, m.size = 0xdeadbeef);
    DESC_FIELD(k.desc_count = 7, m.size = 7);
    DESC_FIELD(k.int_handle = 0xbeef, m.int_handle = 0xbeef);
    DESC_FIELD(k.rsvd1 = 0x1234, m.rsvd = 0x1234);
    DESC_FIELD(k.expected_res = 1, m.op.cmp.expected_res = 1);
    DESC_FIELD(k.delta_addr = 0x5000, m.op.cr_delta.delta_addr = 0x5000);
    DESC_FIELD(k.max_delta_size = 800, m.op.cr_delta.max_delta_size = 800);
    DESC_FIELD(k.expected_res_mask = 5, m.op.cr_delta.expected_res_mask = 5);
    DESC_FIELD(k.delta_rec_size = 90, m.op.ap_delta.delta_rec_size = 90);
    DESC_FIELD(k.dest2 = 0x7000, m.op.dcast.dst2 = 0x7000);
    DESC_FIELD(k.crc_seed = 0xcafef00d, m.op.crc.seed = 0xcafef00d);
    DESC_FIELD(k.seed_addr = 0x3000, m.op.crc.seed_addr = 0x3000);
    DESC_FIELD(k.op_specific[23] = 0xff, m.op.bytes[23] = 0xff);

    CR_FIELD(k.status = REF_COMP_PAGE_FAULT_NOBOF | REF_COMP_STATUS_WRITE,
             m.status = MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT);
    CR_FIELD(k.result = 1, m.result = 1);
    CR_FIELD(k.dif_status = 0x42, m.result = 0x42);
    CR_FIELD(k.fault_info = 0x0b, m.fault_info = MDSA_FI_FA_MASKED | (5u << 1));
    CR_FIELD(k.rsvd = 0x9c, m.rsvd = 0x9c);
    CR_FIELD(k.bytes_completed = 77, m.bytes_completed = 77);
    CR_FIELD(k.descs_completed = 3, m.bytes_completed = 3);
    CR_FIELD(k.fault_addr = 0xabcdef, m.fault_addr = 0xabcdef);
    CR_FIELD(k.invalid_flags = 0x400040, m.op.invalid_flags = 0x400040);
    CR_FIELD(k.delta_rec_size = 0x80, m.op.delta_rec_size = 0x80);
    CR_FIELD(k.crc_val = 0xe3069283ull, m.op.crc64 = 0xe3069283ull);
    CR_FIELD(k.crc_val = 0xe3069283ull, m.op.crc = 0xe3069283u);
    CR_FIELD(k.op_specific[15] = 0x77, m.op.bytes[15] = 0x77);
}

static void test_names(void)
{
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_SUCCESS), "success"));
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT), "page-fault"));
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_CRA_ALIGN), "completion-record-misaligned"));
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_DRAIN_EVL), "fault-before-drain"));
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_BATCH_EVL_ERR), "batch-fault-event-log"));
    CHECK(!strcmp(mdsa_opcode_name(MDSA_OP_DUALCAST), "dualcast"));
    CHECK(!strcmp(mdsa_opcode_name(0x7f), "unknown"));
    CHECK(!strcmp(mdsa_wq_mode_name(MDSA_WQ_SHARED), "shared"));
}

int main(void)
{
    RUN(test_sizes_and_offsets);
    RUN(test_dword1_encoding);
    RUN(test_fields_match_uapi_reference);
    RUN(test_names);
    return h_summary(__FILE__);
}
