/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the DSA emulator's descriptor validation and execution
 * (engines/dsa/emu*.c): any opcode, flags, reserved bytes, sizes, batch
 * counts and alignments, through the portal (submit) and write() paths,
 * with scripted faults armed in between, on a few work-queue profiles
 * (hw-strict dedicated and shared, lenient, version 2, rounded limits,
 * write()-only, no batches).
 *
 * Only the addresses are confined: the emulator, like the device, takes
 * any address it is given as mapped (a real device faults where the IOMMU
 * says so), so each address field is mapped to the area its operand
 * lives in -- data, batch lists, completion records -- at any offset and
 * alignment, or to an address the emulator must treat as unmapped (the
 * null page, non-canonical, wrapping).  Batch lists hold only descriptors
 * built the same way, and no operation can write into them. */
#include "fuzz_common.h"
#include "tutil.h" /* emu_from(): shared with the DSA unit tests */

#define DATA_LEN (256u << 10)
#define DATA_SLACK (64u << 10)  /* the largest max_xfer of the profiles */
#define LIST_SLOTS 64
#define LIST_SLACK 32           /* the largest max_batch of the profiles */
#define REC_LEN 4096

static _Alignas(64) uint8_t data_area[DATA_LEN + DATA_SLACK];
static _Alignas(64) struct mdsa_desc list_area[LIST_SLOTS + LIST_SLACK];
static _Alignas(64) uint8_t rec_area[REC_LEN + 64];

static const char *const profiles[] = {
    "max_xfer=65536,max_batch=32,seed=1",
    "mode=shared,wq_size=8,threshold=4,qfull_rate=0.2,max_xfer=65536,max_batch=32,seed=2",
    "profile=lenient,qfull_rate=0.1,max_xfer=65536,max_batch=32,seed=3",
    "version=2,cr_fault_rate=0.3,max_xfer=65536,max_batch=32,seed=4",
    "max_xfer=60000,max_batch=20,fault_rate=0.5,batch_fault_rate=0.3,block_on_fault=1,seed=5",
    "submit=write,mode=shared,user_submission_safe=1,max_xfer=65536,max_batch=32,seed=6",
    "max_batch=0,max_xfer=4096,seed=7",
};
#define NPROFILES (sizeof profiles / sizeof profiles[0])

enum area { DATA, LIST, REC, RAW };

static uint64_t map_addr(uint64_t v, enum area a)
{
    if (a == RAW)
        return v;
    if ((v >> 62) == 3) { /* an address nobody can use */
        switch ((v >> 60) & 3) {
        case 0: return v & 0xfff;
        case 1: return 0x0000800000000000ull | (v & 0xffffff);
        default: return ~0ull - (v & 0xfff);
        }
    }
    switch (a) {
    case DATA: return (uint64_t)(uintptr_t)data_area + v % DATA_LEN;
    case LIST: return (uint64_t)(uintptr_t)list_area + v % (LIST_SLOTS * 64);
    default: return (uint64_t)(uintptr_t)rec_area + v % REC_LEN;
    }
}

/* A descriptor from 64 fuzzer bytes, its address fields confined. */
static void make_desc(struct fin *in, struct mdsa_desc *d)
{
    fin_take(in, d, sizeof *d);
    uint8_t op = mdsa_desc_opcode(d);
    enum area src = RAW, dst = RAW;
    switch (op) {
    case MDSA_OP_BATCH: src = LIST; break;
    case MDSA_OP_MEMMOVE: case MDSA_OP_COMPARE: case MDSA_OP_COPY_CRC: src = dst = DATA; break;
    case MDSA_OP_FILL: dst = DATA; break;
    case MDSA_OP_COMPVAL: case MDSA_OP_CRCGEN: src = DATA; break;
    case MDSA_OP_DUALCAST: src = dst = DATA; d->op.dcast.dst2 = map_addr(d->op.dcast.dst2, DATA); break;
    default: break; /* NOOP, DRAIN (readback addresses are not dereferenced), unknown */
    }
    if (op == MDSA_OP_CRCGEN || op == MDSA_OP_COPY_CRC)
        d->op.crc.seed_addr = map_addr(d->op.crc.seed_addr, DATA);
    d->src = map_addr(d->src, src);
    d->dst = map_addr(d->dst, dst);
    d->completion_addr = map_addr(d->completion_addr, REC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fin in = {data, size};
    memset(list_area, 0, sizeof list_area);
    struct mdsa_emu *emu = emu_from(profiles[fin_u8(&in) % NPROFILES]);
    struct mdsa_wq *wq = mdsa_emu_wq(emu, 0);
    for (int k = 0; k < 64 && in.n; k++) {
        struct mdsa_desc d[4];
        uint8_t op = fin_u8(&in) % 7;
        switch (op) {
        case 0:
            make_desc(&in, &d[0]);
            mdsa_wq_submit(wq, &d[0]);
            break;
        case 1: {
            uint32_t n = 1 + fin_u8(&in) % 4;
            for (uint32_t i = 0; i < n; i++)
                make_desc(&in, &d[i]);
            mdsa_wq_write(wq, d, n);
            break;
        }
        case 2: { /* a batch member */
            uint8_t slot = fin_u8(&in) % LIST_SLOTS;
            make_desc(&in, &list_area[slot]);
            break;
        }
        case 3: {
            struct mdsa_emu_fault f = {.kind = fin_u8(&in) % MDSA_EMU_FAULT_KINDS,
                                       .skip = fin_u8(&in) % 4, .count = fin_u8(&in) % 4,
                                       .offset = (int8_t)fin_u8(&in), .side = fin_u8(&in) % 3};
            if (f.kind == MDSA_EMU_FAULT_ERROR || f.kind == MDSA_EMU_FAULT_BATCH_INVALID)
                f.offset = fin_u8(&in); /* a status code */
            mdsa_emu_arm_fault(emu, 0, &f);
            break;
        }
        case 4:
            mdsa_wq_progress(wq);
            break;
        case 5:
            mdsa_wq_reset(wq, 1000000);
            break;
        default:
            mdsa_emu_swerr_read(emu, fin_u8(&in) & 1);
            mdsa_emu_stats_read(emu, 0);
            break;
        }
    }
    mdsa_emu_destroy(emu);
    return 0;
}
