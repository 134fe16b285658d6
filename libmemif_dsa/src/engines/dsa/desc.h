/* SPDX-License-Identifier: Apache-2.0 */
/* Intel DSA work descriptor (64 bytes) and completion record (32 bytes).
 *
 * The one definition used by the hardware portal, the write() path, the
 * software emulator and the copy engine.  Fields sit at fixed offsets (no
 * bitfields) so the layout does not depend on compiler bitfield rules;
 * dword 1 is built as opcode << 24 | flags.  Every size and offset is
 * asserted below; tests/c/dsa/test_desc.c checks every field, byte for
 * byte, against our own copy of the current kernel uapi definitions
 * (tests/c/dsa/uapi_idxd_ref.h), not against whatever <linux/idxd.h> the
 * build machine happens to have (Debian 12's is older than the device
 * ABI we follow: it lacks fault_info and the event-log statuses).
 */
#ifndef MDSA_DSA_DESC_H
#define MDSA_DSA_DESC_H

#include <stddef.h>
#include <stdint.h>

/* ---- opcodes (descriptor byte 7) ---- */
enum {
    MDSA_OP_NOOP = 0x00,
    MDSA_OP_BATCH = 0x01,
    MDSA_OP_DRAIN = 0x02,
    MDSA_OP_MEMMOVE = 0x03,
    MDSA_OP_FILL = 0x04,
    MDSA_OP_COMPARE = 0x05,
    MDSA_OP_COMPVAL = 0x06,
    MDSA_OP_CR_DELTA = 0x07,
    MDSA_OP_AP_DELTA = 0x08,
    MDSA_OP_DUALCAST = 0x09,
    MDSA_OP_CRCGEN = 0x10,
    MDSA_OP_COPY_CRC = 0x11,
    MDSA_OP_DIF_CHECK = 0x12,
    MDSA_OP_DIF_INS = 0x13,
    MDSA_OP_DIF_STRP = 0x14,
    MDSA_OP_DIF_UPDT = 0x15,
    MDSA_OP_CFLUSH = 0x20,
};

/* ---- flags (bits 0-23 of dword 1) ---- */
#define MDSA_F_FENCE      0x000001u /* batch member: wait for earlier, abandon after a failure */
#define MDSA_F_BOF        0x000002u /* block on fault (if the WQ allows it) */
#define MDSA_F_CRAV       0x000004u /* completion record address valid */
#define MDSA_F_RCR        0x000008u /* request completion record (else: only on failure) */
#define MDSA_F_RCI        0x000010u /* request completion interrupt */
#define MDSA_F_CRSTS      0x000020u /* completion-record steering tag selector */
#define MDSA_F_RSVD6      0x000040u /* reserved */
#define MDSA_F_CR         0x000080u /* check result (COMPARE, COMPVAL) */
#define MDSA_F_CC         0x000100u /* cache control: allocate destination in LLC */
#define MDSA_F_ADDR1_TCS  0x000200u
#define MDSA_F_ADDR2_TCS  0x000400u
#define MDSA_F_ADDR3_TCS  0x000800u
#define MDSA_F_CR_TCS     0x001000u
#define MDSA_F_STORD      0x002000u /* strict ordering of destination writes */
#define MDSA_F_DRDBK      0x004000u /* destination readback */
#define MDSA_F_DSTS       0x008000u /* destination steering tag selector */
#define MDSA_F_MASK       0xffffffu
/* operation-specific bits 16-23 */
#define MDSA_F_CRC_READ_SEED   0x010000u /* CRCGEN/COPY_CRC: seed is the u32 at seed_addr */
#define MDSA_F_CRC_BYPASS_INV  0x020000u /* CRCGEN/COPY_CRC: no seed/result inversion+reflection */
#define MDSA_F_CRC_BYPASS_DREF 0x040000u /* CRCGEN/COPY_CRC: no data (byte) reflection */
#define MDSA_F_DRAIN_RDBK1     0x010000u /* DRAIN: readback address 1 valid */
#define MDSA_F_DRAIN_RDBK2     0x020000u /* DRAIN: readback address 2 valid */
#define MDSA_F_DRAIN_NO_TCA    0x040000u /* DRAIN: suppress TC-A implicit readback */
#define MDSA_F_DRAIN_NO_TCB    0x080000u /* DRAIN: suppress TC-B implicit readback */
#define MDSA_F_DCAST_DST2_STS  0x010000u /* DUALCAST: destination-2 steering tag selector */

/* ---- completion status (record byte 0, bits 0-6; bit 7 = write fault) ---- */
enum {
    MDSA_ST_NONE = 0x00,
    MDSA_ST_SUCCESS = 0x01,
    MDSA_ST_SUCCESS_PRED = 0x02,
    MDSA_ST_PAGE_FAULT = 0x03,       /* partial completion, no BOF */
    MDSA_ST_PAGE_FAULT_IR = 0x04,
    MDSA_ST_BATCH_FAIL = 0x05,
    MDSA_ST_BATCH_PAGE_FAULT = 0x06, /* fault reading the descriptor list */
    MDSA_ST_DR_OFFSET_NOINC = 0x07,
    MDSA_ST_DR_OFFSET_ERANGE = 0x08,
    MDSA_ST_DIF_ERR = 0x09,
    MDSA_ST_BAD_OPCODE = 0x10,
    MDSA_ST_INVALID_FLAGS = 0x11,
    MDSA_ST_NOZERO_RESERVE = 0x12,
    MDSA_ST_XFER_ERANGE = 0x13,
    MDSA_ST_DESC_CNT_ERANGE = 0x14,
    MDSA_ST_DR_ERANGE = 0x15,
    MDSA_ST_OVERLAP_BUFFERS = 0x16,
    MDSA_ST_DCAST_ERR = 0x17,
    MDSA_ST_DESCLIST_ALIGN = 0x18,
    MDSA_ST_INT_HANDLE_INVAL = 0x19,
    MDSA_ST_CRA_XLAT = 0x1a,
    MDSA_ST_CRA_ALIGN = 0x1b,
    MDSA_ST_ADDR_ALIGN = 0x1c,
    MDSA_ST_PRIV_BAD = 0x1d,
    MDSA_ST_TRAFFIC_CLASS_CONF = 0x1e,
    MDSA_ST_PFAULT_RDBA = 0x1f,
    MDSA_ST_HW_ERR1 = 0x20,
    MDSA_ST_HW_ERR_DRB = 0x21,
    MDSA_ST_TRANSLATION_FAIL = 0x22,
    /* DSA 2.x with an event log: written by the kernel, never by a 1.x
     * device (SPR/EMR) */
    MDSA_ST_DRAIN_EVL = 0x26,     /* page fault on a descriptor before a DRAIN */
    MDSA_ST_BATCH_EVL_ERR = 0x27, /* fault inside a batch, reported via the event log */
};
#define MDSA_ST_MASK        0x7fu
#define MDSA_ST_WRITE_FAULT 0x80u

/* Record byte 2 (DSA 2.x fault information; 0 on DSA 1.x). */
#define MDSA_FI_FA_MASKED  0x01u /* fault address masked */
#define MDSA_FI_OPERAND    0x0eu /* bits 1-3: which operand faulted */

/* Alignment the device requires. */
#define MDSA_DESC_LIST_ALIGN 64u  /* batch descriptor list (0x18 otherwise) */
#define MDSA_CR_ALIGN        32u  /* completion record (0x1b otherwise) */

/* The 64-byte work descriptor, little-endian.  64-byte aligned so arrays
 * of it are valid batch lists and MOVDIR64B reads one cache line. */
struct mdsa_desc {
    _Alignas(64) uint32_t pasid; /* 0: PASID bits 0-19, priv bit 31; software writes 0 */
    uint32_t op_flags;           /* 4: opcode << 24 | flags */
    uint64_t completion_addr;    /* 8 */
    uint64_t src;                /* 16: src / FILL pattern / batch list / drain readback 1 */
    uint64_t dst;                /* 24: dst / COMPARE src2 / COMPVAL pattern / readback 2 */
    uint32_t size;               /* 32: transfer size, or BATCH descriptor count */
    uint16_t int_handle;         /* 36: with RCI only */
    uint16_t rsvd;               /* 38: must be 0 */
    union {                      /* 40: operation-specific, 0 where unused */
        uint8_t bytes[24];
        struct {
            uint8_t expected_res; /* 40: COMPARE/COMPVAL with MDSA_F_CR */
            uint8_t rsvd[23];
        } cmp;
        struct {
            uint32_t seed;      /* 40 */
            uint32_t rsvd;      /* 44 */
            uint64_t seed_addr; /* 48: with MDSA_F_CRC_READ_SEED */
            uint64_t rsvd2;     /* 56 */
        } crc;
        struct {
            uint64_t dst2;      /* 40 */
            uint64_t rsvd[2];
        } dcast;
        struct {
            uint64_t delta_addr;       /* 40: CR_DELTA output */
            uint32_t max_delta_size;   /* 48 */
            uint32_t rsvd;             /* 52 */
            uint8_t expected_res_mask; /* 56 */
            uint8_t rsvd2[7];
        } cr_delta;
        struct {
            uint32_t delta_rec_size; /* 40: AP_DELTA input */
            uint8_t rsvd[20];
        } ap_delta;
    } op;
};

/* The 32-byte completion record.  Status is written last by the device. */
struct mdsa_cr {
    _Alignas(32) uint8_t status; /* 0: status | MDSA_ST_WRITE_FAULT; 0 = not done */
    uint8_t result;              /* 1: COMPARE: 0 equal/1 not; MEMMOVE: 0 ascending/1 descending */
    uint8_t fault_info;          /* 2: MDSA_FI_* (DSA 2.x); 0 on DSA 1.x */
    uint8_t rsvd;                /* 3 */
    uint32_t bytes_completed;    /* 4: bytes done, first difference, or BATCH descs_completed */
    uint64_t fault_addr;         /* 8 */
    union {                      /* 16: operation-specific */
        uint8_t bytes[16];
        uint32_t invalid_flags;  /* status 0x11: offending flag bits (0-23) */
        uint32_t crc;            /* CRCGEN/COPY_CRC: CRC-32C (low 32 bits of the u64) */
        uint64_t crc64;
        uint32_t delta_rec_size; /* CR_DELTA: bytes of delta record written */
    } op;
};

_Static_assert(sizeof(struct mdsa_desc) == 64, "descriptor is 64 bytes");
_Static_assert(_Alignof(struct mdsa_desc) == 64, "descriptor is 64-byte aligned");
_Static_assert(offsetof(struct mdsa_desc, pasid) == 0, "pasid @0");
_Static_assert(offsetof(struct mdsa_desc, op_flags) == 4, "op_flags @4");
_Static_assert(offsetof(struct mdsa_desc, completion_addr) == 8, "completion_addr @8");
_Static_assert(offsetof(struct mdsa_desc, src) == 16, "src @16");
_Static_assert(offsetof(struct mdsa_desc, dst) == 24, "dst @24");
_Static_assert(offsetof(struct mdsa_desc, size) == 32, "size @32");
_Static_assert(offsetof(struct mdsa_desc, int_handle) == 36, "int_handle @36");
_Static_assert(offsetof(struct mdsa_desc, rsvd) == 38, "rsvd @38");
_Static_assert(offsetof(struct mdsa_desc, op) == 40, "op-specific @40");
_Static_assert(sizeof(((struct mdsa_desc *)0)->op) == 24, "op-specific is 24 bytes");
_Static_assert(offsetof(struct mdsa_desc, op.cmp.expected_res) == 40, "expected_res @40");
_Static_assert(offsetof(struct mdsa_desc, op.crc.seed) == 40, "crc seed @40");
_Static_assert(offsetof(struct mdsa_desc, op.crc.rsvd) == 44, "crc rsvd @44");
_Static_assert(offsetof(struct mdsa_desc, op.crc.seed_addr) == 48, "seed_addr @48");
_Static_assert(offsetof(struct mdsa_desc, op.crc.rsvd2) == 56, "crc rsvd2 @56");
_Static_assert(offsetof(struct mdsa_desc, op.dcast.dst2) == 40, "dualcast dst2 @40");
_Static_assert(offsetof(struct mdsa_desc, op.cr_delta.delta_addr) == 40, "delta_addr @40");
_Static_assert(offsetof(struct mdsa_desc, op.cr_delta.max_delta_size) == 48, "max_delta_size @48");
_Static_assert(offsetof(struct mdsa_desc, op.cr_delta.expected_res_mask) == 56, "expected_res_mask @56");
_Static_assert(offsetof(struct mdsa_desc, op.ap_delta.delta_rec_size) == 40, "delta_rec_size @40");

_Static_assert(sizeof(struct mdsa_cr) == 32, "completion record is 32 bytes");
_Static_assert(_Alignof(struct mdsa_cr) == 32, "completion record is 32-byte aligned");
_Static_assert(offsetof(struct mdsa_cr, status) == 0, "status @0");
_Static_assert(offsetof(struct mdsa_cr, result) == 1, "result @1");
_Static_assert(offsetof(struct mdsa_cr, fault_info) == 2, "fault_info @2");
_Static_assert(offsetof(struct mdsa_cr, rsvd) == 3, "rsvd @3");
_Static_assert(offsetof(struct mdsa_cr, bytes_completed) == 4, "bytes_completed @4");
_Static_assert(offsetof(struct mdsa_cr, fault_addr) == 8, "fault_addr @8");
_Static_assert(offsetof(struct mdsa_cr, op) == 16, "op-specific @16");
_Static_assert(offsetof(struct mdsa_cr, op.invalid_flags) == 16, "invalid_flags @16");
_Static_assert(offsetof(struct mdsa_cr, op.crc) == 16, "crc @16");
_Static_assert(offsetof(struct mdsa_cr, op.delta_rec_size) == 16, "delta_rec_size @16");

/* ---- helpers ---- */
static inline uint32_t mdsa_op_flags(uint8_t opcode, uint32_t flags)
{
    return (uint32_t)opcode << 24 | (flags & MDSA_F_MASK);
}

static inline uint8_t mdsa_desc_opcode(const struct mdsa_desc *d)
{
    return (uint8_t)(d->op_flags >> 24);
}

static inline uint32_t mdsa_desc_flags(const struct mdsa_desc *d)
{
    return d->op_flags & MDSA_F_MASK;
}

/* The status byte is the only field a poller may read before completion;
 * acquire pairs with the writer's release so the rest is valid after. */
static inline uint8_t mdsa_cr_status(const struct mdsa_cr *cr)
{
    return __atomic_load_n(&cr->status, __ATOMIC_ACQUIRE);
}

static inline uint8_t mdsa_status_at(const void *rec)
{
    return __atomic_load_n((const uint8_t *)rec, __ATOMIC_ACQUIRE);
}

/* Publish a finished record: every other byte first, the status last. */
static inline void mdsa_cr_publish(void *rec, uint8_t status)
{
    __atomic_store_n((uint8_t *)rec, status, __ATOMIC_RELEASE);
}

const char *mdsa_status_name(uint8_t status);
const char *mdsa_opcode_name(uint8_t opcode);

#endif
