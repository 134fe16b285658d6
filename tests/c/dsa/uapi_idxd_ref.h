/* SPDX-License-Identifier: Apache-2.0 */
/* Our own copy of the DSA part of the kernel's uapi <linux/idxd.h>, as of
 * the current upstream header (completion-record byte 2 split into
 * fault_info + rsvd, descs_completed, event-log statuses 0x26/0x27).
 *
 * Written for test_desc.c only: the kernel declares the descriptor and
 * record with bitfields and anonymous unions; desc.h uses fixed-offset
 * fields.  test_desc.c fills both and compares bytes, field by field, so a
 * drift in desc.h is caught whatever header the build machine has
 * (Debian 12's linux-libc-dev 6.1 still has the old uint16_t rsvd).
 * Names carry a ref_/REF_ prefix so this never clashes with the system
 * header.  Only the DSA descriptor/record and the constants desc.h
 * mirrors are here. */
#ifndef MDSA_TEST_UAPI_IDXD_REF_H
#define MDSA_TEST_UAPI_IDXD_REF_H

#include <stdint.h>

/* operation flags (dword 1, bits 0-23) */
#define REF_OP_FLAG_FENCE 0x0001
#define REF_OP_FLAG_BOF 0x0002
#define REF_OP_FLAG_CRAV 0x0004
#define REF_OP_FLAG_RCR 0x0008
#define REF_OP_FLAG_RCI 0x0010
#define REF_OP_FLAG_CRSTS 0x0020
#define REF_OP_FLAG_CR 0x0080
#define REF_OP_FLAG_CC 0x0100
#define REF_OP_FLAG_ADDR1_TCS 0x0200
#define REF_OP_FLAG_ADDR2_TCS 0x0400
#define REF_OP_FLAG_ADDR3_TCS 0x0800
#define REF_OP_FLAG_CR_TCS 0x1000
#define REF_OP_FLAG_STORD 0x2000
#define REF_OP_FLAG_DRDBK 0x4000
#define REF_OP_FLAG_DSTS 0x8000

enum ref_dsa_opcode {
    REF_OPCODE_NOOP = 0,
    REF_OPCODE_BATCH,
    REF_OPCODE_DRAIN,
    REF_OPCODE_MEMMOVE,
    REF_OPCODE_MEMFILL,
    REF_OPCODE_COMPARE,
    REF_OPCODE_COMPVAL,
    REF_OPCODE_CR_DELTA,
    REF_OPCODE_AP_DELTA,
    REF_OPCODE_DUALCAST,
    REF_OPCODE_CRCGEN = 0x10,
    REF_OPCODE_COPY_CRC,
    REF_OPCODE_DIF_CHECK,
    REF_OPCODE_DIF_INS,
    REF_OPCODE_DIF_STRP,
    REF_OPCODE_DIF_UPDT,
    REF_OPCODE_CFLUSH = 0x20,
};

enum ref_dsa_status {
    REF_COMP_NONE = 0,
    REF_COMP_SUCCESS,
    REF_COMP_SUCCESS_PRED,
    REF_COMP_PAGE_FAULT_NOBOF,
    REF_COMP_PAGE_FAULT_IR,
    REF_COMP_BATCH_FAIL,
    REF_COMP_BATCH_PAGE_FAULT,
    REF_COMP_DR_OFFSET_NOINC,
    REF_COMP_DR_OFFSET_ERANGE,
    REF_COMP_DIF_ERR,
    REF_COMP_BAD_OPCODE = 0x10,
    REF_COMP_INVALID_FLAGS,
    REF_COMP_NOZERO_RESERVE,
    REF_COMP_XFER_ERANGE,
    REF_COMP_DESC_CNT_ERANGE,
    REF_COMP_DR_ERANGE,
    REF_COMP_OVERLAP_BUFFERS,
    REF_COMP_DCAST_ERR,
    REF_COMP_DESCLIST_ALIGN,
    REF_COMP_INT_HANDLE_INVAL,
    REF_COMP_CRA_XLAT,
    REF_COMP_CRA_ALIGN,
    REF_COMP_ADDR_ALIGN,
    REF_COMP_PRIV_BAD,
    REF_COMP_TRAFFIC_CLASS_CONF,
    REF_COMP_PFAULT_RDBA,
    REF_COMP_HW_ERR1,
    REF_COMP_HW_ERR_DRB,
    REF_COMP_TRANSLATION_FAIL,
    REF_COMP_DRAIN_EVL = 0x26,
    REF_COMP_BATCH_EVL_ERR,
};
#define REF_COMP_STATUS_MASK 0x7f
#define REF_COMP_STATUS_WRITE 0x80

struct ref_dsa_hw_desc {
    uint32_t pasid : 20;
    uint32_t rsvd : 11;
    uint32_t priv : 1;
    uint32_t flags : 24;
    uint32_t opcode : 8;
    uint64_t completion_addr;
    union {
        uint64_t src_addr;
        uint64_t rdback_addr;
        uint64_t pattern;
        uint64_t desc_list_addr;
    };
    union {
        uint64_t dst_addr;
        uint64_t rdback_addr2;
        uint64_t src2_addr;
        uint64_t comp_pattern;
    };
    union {
        uint32_t xfer_size;
        uint32_t desc_count;
    };
    uint16_t int_handle;
    uint16_t rsvd1;
    union {
        uint8_t expected_res;
        struct { /* create delta record */
            uint64_t delta_addr;
            uint32_t max_delta_size;
            uint32_t delt_rsvd;
            uint8_t expected_res_mask;
        };
        uint32_t delta_rec_size;
        uint64_t dest2;
        struct { /* CRC */
            uint32_t crc_seed;
            uint32_t crc_rsvd;
            uint64_t seed_addr;
        };
        uint8_t op_specific[24];
    };
} __attribute__((packed));

struct ref_dsa_completion_record {
    volatile uint8_t status;
    union {
        uint8_t result;
        uint8_t dif_status;
    };
    uint8_t fault_info;
    uint8_t rsvd;
    union {
        uint32_t bytes_completed;
        uint32_t descs_completed;
    };
    uint64_t fault_addr;
    union {
        struct {
            uint32_t invalid_flags : 24;
            uint32_t rsvd2 : 8;
        };
        uint32_t delta_rec_size;
        uint64_t crc_val;
        uint8_t op_specific[16];
    };
} __attribute__((packed));

#endif
