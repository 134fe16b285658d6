/* Intel DSA work descriptor (64 bytes) and completion record (32 bytes).
 *
 * The one definition used by the hardware portal, the write() path, the
 * software emulator and the copy engine.  Fields sit at fixed offsets (no
 * bitfields) so the layout does not depend on compiler bitfield rules;
 * dword 1 is built as opcode << 24 | flags.  Every size and offset is
 * asserted below, and against the kernel's <linux/idxd.h> when present.
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
};
#define MDSA_ST_MASK        0x7fu
#define MDSA_ST_WRITE_FAULT 0x80u

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
    } op;
};

/* The 32-byte completion record.  Status is written last by the device. */
struct mdsa_cr {
    _Alignas(32) uint8_t status; /* 0: status | MDSA_ST_WRITE_FAULT; 0 = not done */
    uint8_t result;              /* 1: COMPARE: 0 equal/1 not; MEMMOVE: 0 ascending/1 descending */
    uint16_t fault_info;         /* 2: reserved on DSA 1.x */
    uint32_t bytes_completed;    /* 4: bytes done, first difference, or BATCH descs_completed */
    uint64_t fault_addr;         /* 8 */
    union {                      /* 16: operation-specific */
        uint8_t bytes[16];
        uint32_t invalid_flags;  /* status 0x11: offending flag bits (0-23) */
        uint32_t crc;            /* CRCGEN/COPY_CRC: CRC-32C (low 32 bits of the u64) */
        uint64_t crc64;
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

_Static_assert(sizeof(struct mdsa_cr) == 32, "completion record is 32 bytes");
_Static_assert(_Alignof(struct mdsa_cr) == 32, "completion record is 32-byte aligned");
_Static_assert(offsetof(struct mdsa_cr, status) == 0, "status @0");
_Static_assert(offsetof(struct mdsa_cr, result) == 1, "result @1");
_Static_assert(offsetof(struct mdsa_cr, fault_info) == 2, "fault_info @2");
_Static_assert(offsetof(struct mdsa_cr, bytes_completed) == 4, "bytes_completed @4");
_Static_assert(offsetof(struct mdsa_cr, fault_addr) == 8, "fault_addr @8");
_Static_assert(offsetof(struct mdsa_cr, op) == 16, "op-specific @16");
_Static_assert(offsetof(struct mdsa_cr, op.invalid_flags) == 16, "invalid_flags @16");
_Static_assert(offsetof(struct mdsa_cr, op.crc) == 16, "crc @16");

/* ---- cross-check against the kernel's uapi header when it exists ---- */
#if defined(__has_include) && !defined(MDSA_NO_UAPI_CHECK)
#if __has_include(<linux/idxd.h>)
#include <linux/idxd.h>
#define MDSA_HAVE_UAPI_IDXD 1
_Static_assert(sizeof(struct dsa_hw_desc) == sizeof(struct mdsa_desc), "uapi desc size");
_Static_assert(offsetof(struct dsa_hw_desc, completion_addr) == offsetof(struct mdsa_desc, completion_addr), "uapi completion_addr");
_Static_assert(offsetof(struct dsa_hw_desc, src_addr) == offsetof(struct mdsa_desc, src), "uapi src_addr");
_Static_assert(offsetof(struct dsa_hw_desc, pattern) == offsetof(struct mdsa_desc, src), "uapi pattern");
_Static_assert(offsetof(struct dsa_hw_desc, desc_list_addr) == offsetof(struct mdsa_desc, src), "uapi desc_list_addr");
_Static_assert(offsetof(struct dsa_hw_desc, dst_addr) == offsetof(struct mdsa_desc, dst), "uapi dst_addr");
_Static_assert(offsetof(struct dsa_hw_desc, src2_addr) == offsetof(struct mdsa_desc, dst), "uapi src2_addr");
_Static_assert(offsetof(struct dsa_hw_desc, comp_pattern) == offsetof(struct mdsa_desc, dst), "uapi comp_pattern");
_Static_assert(offsetof(struct dsa_hw_desc, xfer_size) == offsetof(struct mdsa_desc, size), "uapi xfer_size");
_Static_assert(offsetof(struct dsa_hw_desc, desc_count) == offsetof(struct mdsa_desc, size), "uapi desc_count");
_Static_assert(offsetof(struct dsa_hw_desc, int_handle) == offsetof(struct mdsa_desc, int_handle), "uapi int_handle");
_Static_assert(offsetof(struct dsa_hw_desc, rsvd1) == offsetof(struct mdsa_desc, rsvd), "uapi rsvd1");
_Static_assert(offsetof(struct dsa_hw_desc, op_specific) == offsetof(struct mdsa_desc, op), "uapi op_specific");
_Static_assert(offsetof(struct dsa_hw_desc, expected_res) == offsetof(struct mdsa_desc, op.cmp.expected_res), "uapi expected_res");
_Static_assert(offsetof(struct dsa_hw_desc, crc_seed) == offsetof(struct mdsa_desc, op.crc.seed), "uapi crc_seed");
_Static_assert(offsetof(struct dsa_hw_desc, seed_addr) == offsetof(struct mdsa_desc, op.crc.seed_addr), "uapi seed_addr");
_Static_assert(offsetof(struct dsa_hw_desc, dest2) == offsetof(struct mdsa_desc, op.dcast.dst2), "uapi dest2");

_Static_assert(sizeof(struct dsa_completion_record) == sizeof(struct mdsa_cr), "uapi record size");
_Static_assert(offsetof(struct dsa_completion_record, status) == offsetof(struct mdsa_cr, status), "uapi status");
_Static_assert(offsetof(struct dsa_completion_record, result) == offsetof(struct mdsa_cr, result), "uapi result");
_Static_assert(offsetof(struct dsa_completion_record, bytes_completed) == offsetof(struct mdsa_cr, bytes_completed), "uapi bytes_completed");
_Static_assert(offsetof(struct dsa_completion_record, fault_addr) == offsetof(struct mdsa_cr, fault_addr), "uapi fault_addr");
_Static_assert(offsetof(struct dsa_completion_record, crc_val) == offsetof(struct mdsa_cr, op.crc), "uapi crc_val");
_Static_assert(offsetof(struct dsa_completion_record, op_specific) == offsetof(struct mdsa_cr, op), "uapi op_specific");

_Static_assert(IDXD_OP_FLAG_FENCE == MDSA_F_FENCE, "uapi FENCE");
_Static_assert(IDXD_OP_FLAG_BOF == MDSA_F_BOF, "uapi BOF");
_Static_assert(IDXD_OP_FLAG_CRAV == MDSA_F_CRAV, "uapi CRAV");
_Static_assert(IDXD_OP_FLAG_RCR == MDSA_F_RCR, "uapi RCR");
_Static_assert(IDXD_OP_FLAG_RCI == MDSA_F_RCI, "uapi RCI");
_Static_assert(IDXD_OP_FLAG_CRSTS == MDSA_F_CRSTS, "uapi CRSTS");
_Static_assert(IDXD_OP_FLAG_CR == MDSA_F_CR, "uapi CR");
_Static_assert(IDXD_OP_FLAG_CC == MDSA_F_CC, "uapi CC");
_Static_assert(IDXD_OP_FLAG_ADDR1_TCS == MDSA_F_ADDR1_TCS, "uapi ADDR1_TCS");
_Static_assert(IDXD_OP_FLAG_ADDR2_TCS == MDSA_F_ADDR2_TCS, "uapi ADDR2_TCS");
_Static_assert(IDXD_OP_FLAG_ADDR3_TCS == MDSA_F_ADDR3_TCS, "uapi ADDR3_TCS");
_Static_assert(IDXD_OP_FLAG_CR_TCS == MDSA_F_CR_TCS, "uapi CR_TCS");
_Static_assert(IDXD_OP_FLAG_STORD == MDSA_F_STORD, "uapi STORD");
_Static_assert(IDXD_OP_FLAG_DRDBK == MDSA_F_DRDBK, "uapi DRDBK");
_Static_assert(IDXD_OP_FLAG_DSTS == MDSA_F_DSTS, "uapi DSTS");

_Static_assert((int)DSA_OPCODE_NOOP == (int)MDSA_OP_NOOP, "uapi NOOP");
_Static_assert((int)DSA_OPCODE_BATCH == (int)MDSA_OP_BATCH, "uapi BATCH");
_Static_assert((int)DSA_OPCODE_DRAIN == (int)MDSA_OP_DRAIN, "uapi DRAIN");
_Static_assert((int)DSA_OPCODE_MEMMOVE == (int)MDSA_OP_MEMMOVE, "uapi MEMMOVE");
_Static_assert((int)DSA_OPCODE_MEMFILL == (int)MDSA_OP_FILL, "uapi MEMFILL");
_Static_assert((int)DSA_OPCODE_COMPARE == (int)MDSA_OP_COMPARE, "uapi COMPARE");
_Static_assert((int)DSA_OPCODE_COMPVAL == (int)MDSA_OP_COMPVAL, "uapi COMPVAL");
_Static_assert((int)DSA_OPCODE_CR_DELTA == (int)MDSA_OP_CR_DELTA, "uapi CR_DELTA");
_Static_assert((int)DSA_OPCODE_AP_DELTA == (int)MDSA_OP_AP_DELTA, "uapi AP_DELTA");
_Static_assert((int)DSA_OPCODE_DUALCAST == (int)MDSA_OP_DUALCAST, "uapi DUALCAST");
_Static_assert((int)DSA_OPCODE_CRCGEN == (int)MDSA_OP_CRCGEN, "uapi CRCGEN");
_Static_assert((int)DSA_OPCODE_COPY_CRC == (int)MDSA_OP_COPY_CRC, "uapi COPY_CRC");
_Static_assert((int)DSA_OPCODE_DIF_CHECK == (int)MDSA_OP_DIF_CHECK, "uapi DIF_CHECK");
_Static_assert((int)DSA_OPCODE_DIF_UPDT == (int)MDSA_OP_DIF_UPDT, "uapi DIF_UPDT");
_Static_assert((int)DSA_OPCODE_CFLUSH == (int)MDSA_OP_CFLUSH, "uapi CFLUSH");

_Static_assert((int)DSA_COMP_SUCCESS == (int)MDSA_ST_SUCCESS, "uapi SUCCESS");
_Static_assert((int)DSA_COMP_SUCCESS_PRED == (int)MDSA_ST_SUCCESS_PRED, "uapi SUCCESS_PRED");
_Static_assert((int)DSA_COMP_PAGE_FAULT_NOBOF == (int)MDSA_ST_PAGE_FAULT, "uapi PAGE_FAULT_NOBOF");
_Static_assert((int)DSA_COMP_PAGE_FAULT_IR == (int)MDSA_ST_PAGE_FAULT_IR, "uapi PAGE_FAULT_IR");
_Static_assert((int)DSA_COMP_BATCH_FAIL == (int)MDSA_ST_BATCH_FAIL, "uapi BATCH_FAIL");
_Static_assert((int)DSA_COMP_BATCH_PAGE_FAULT == (int)MDSA_ST_BATCH_PAGE_FAULT, "uapi BATCH_PAGE_FAULT");
_Static_assert((int)DSA_COMP_DIF_ERR == (int)MDSA_ST_DIF_ERR, "uapi DIF_ERR");
_Static_assert((int)DSA_COMP_BAD_OPCODE == (int)MDSA_ST_BAD_OPCODE, "uapi BAD_OPCODE");
_Static_assert((int)DSA_COMP_INVALID_FLAGS == (int)MDSA_ST_INVALID_FLAGS, "uapi INVALID_FLAGS");
_Static_assert((int)DSA_COMP_NOZERO_RESERVE == (int)MDSA_ST_NOZERO_RESERVE, "uapi NOZERO_RESERVE");
_Static_assert((int)DSA_COMP_XFER_ERANGE == (int)MDSA_ST_XFER_ERANGE, "uapi XFER_ERANGE");
_Static_assert((int)DSA_COMP_DESC_CNT_ERANGE == (int)MDSA_ST_DESC_CNT_ERANGE, "uapi DESC_CNT_ERANGE");
_Static_assert((int)DSA_COMP_DR_ERANGE == (int)MDSA_ST_DR_ERANGE, "uapi DR_ERANGE");
_Static_assert((int)DSA_COMP_OVERLAP_BUFFERS == (int)MDSA_ST_OVERLAP_BUFFERS, "uapi OVERLAP_BUFFERS");
_Static_assert((int)DSA_COMP_DCAST_ERR == (int)MDSA_ST_DCAST_ERR, "uapi DCAST_ERR");
_Static_assert((int)DSA_COMP_DESCLIST_ALIGN == (int)MDSA_ST_DESCLIST_ALIGN, "uapi DESCLIST_ALIGN");
_Static_assert((int)DSA_COMP_INT_HANDLE_INVAL == (int)MDSA_ST_INT_HANDLE_INVAL, "uapi INT_HANDLE_INVAL");
_Static_assert((int)DSA_COMP_CRA_XLAT == (int)MDSA_ST_CRA_XLAT, "uapi CRA_XLAT");
_Static_assert((int)DSA_COMP_CRA_ALIGN == (int)MDSA_ST_CRA_ALIGN, "uapi CRA_ALIGN");
_Static_assert((int)DSA_COMP_ADDR_ALIGN == (int)MDSA_ST_ADDR_ALIGN, "uapi ADDR_ALIGN");
_Static_assert((int)DSA_COMP_TRANSLATION_FAIL == (int)MDSA_ST_TRANSLATION_FAIL, "uapi TRANSLATION_FAIL");
_Static_assert((int)DSA_COMP_STATUS_MASK == (int)MDSA_ST_MASK, "uapi STATUS_MASK");
_Static_assert((int)DSA_COMP_STATUS_WRITE == (int)MDSA_ST_WRITE_FAULT, "uapi STATUS_WRITE");
#endif
#endif

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
