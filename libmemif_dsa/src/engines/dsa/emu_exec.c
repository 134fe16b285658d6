/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptor execution for the software DSA: validation with the device's
 * status codes, the operations, batch/fence semantics, injected faults and
 * completion-record rules.  Called with the WQ's execution lock held. */
#include <string.h>

#include "emu_internal.h"

#define GEN_FLAGS (MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_RCI | MDSA_F_CRSTS | MDSA_F_CR_TCS)
#define CRC_FLAGS (MDSA_F_CRC_READ_SEED | MDSA_F_CRC_BYPASS_INV | MDSA_F_CRC_BYPASS_DREF)
#define WRITE_FLAGS (MDSA_F_CC | MDSA_F_STORD | MDSA_F_DRDBK | MDSA_F_DSTS)

/* Flags each opcode accepts; anything else is 0x11 (invalid flags).
 * Derived from the flag meanings: address-n TCS only where address n is
 * memory, write-side flags only where the op writes, BOF never on
 * BATCH/DRAIN, FENCE only on ops that may sit in a batch. */
static uint32_t allowed_flags(uint8_t op)
{
    switch (op) {
    case MDSA_OP_NOOP: return GEN_FLAGS | MDSA_F_FENCE;
    case MDSA_OP_BATCH: return GEN_FLAGS | MDSA_F_ADDR1_TCS;
    case MDSA_OP_DRAIN:
        return GEN_FLAGS | MDSA_F_ADDR1_TCS | MDSA_F_ADDR2_TCS | MDSA_F_DRAIN_RDBK1 |
               MDSA_F_DRAIN_RDBK2 | MDSA_F_DRAIN_NO_TCA | MDSA_F_DRAIN_NO_TCB;
    case MDSA_OP_MEMMOVE:
        return GEN_FLAGS | MDSA_F_FENCE | MDSA_F_BOF | MDSA_F_ADDR1_TCS | MDSA_F_ADDR2_TCS |
               WRITE_FLAGS;
    case MDSA_OP_FILL:
        return GEN_FLAGS | MDSA_F_FENCE | MDSA_F_BOF | MDSA_F_ADDR2_TCS | WRITE_FLAGS;
    case MDSA_OP_COMPARE:
        return GEN_FLAGS | MDSA_F_FENCE | MDSA_F_BOF | MDSA_F_CR | MDSA_F_ADDR1_TCS |
               MDSA_F_ADDR2_TCS;
    case MDSA_OP_COMPVAL:
        return GEN_FLAGS | MDSA_F_FENCE | MDSA_F_BOF | MDSA_F_CR | MDSA_F_ADDR1_TCS;
    case MDSA_OP_DUALCAST:
        return GEN_FLAGS | MDSA_F_FENCE | MDSA_F_BOF | MDSA_F_ADDR1_TCS | MDSA_F_ADDR2_TCS |
               MDSA_F_ADDR3_TCS | WRITE_FLAGS | MDSA_F_DCAST_DST2_STS;
    case MDSA_OP_CRCGEN:
        return GEN_FLAGS | MDSA_F_FENCE | MDSA_F_BOF | MDSA_F_ADDR1_TCS | MDSA_F_ADDR3_TCS |
               CRC_FLAGS;
    case MDSA_OP_COPY_CRC:
        return GEN_FLAGS | MDSA_F_FENCE | MDSA_F_BOF | MDSA_F_ADDR1_TCS | MDSA_F_ADDR2_TCS |
               MDSA_F_ADDR3_TCS | WRITE_FLAGS | CRC_FLAGS;
    default: return 0;
    }
}

static int op_supported(uint8_t op)
{
    return allowed_flags(op) != 0;
}

static int any_nonzero(const uint8_t *b, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++)
        if (b[i])
            return 1;
    return 0;
}

/* Reserved fields an opcode leaves unused must be zero (0x12). */
static int reserved_nonzero(const struct mdsa_desc *d, uint8_t op, uint32_t fl)
{
    const uint8_t *ob = d->op.bytes;
    if (d->rsvd)
        return 1;
    switch (op) {
    case MDSA_OP_NOOP: return d->src || d->dst || d->size || any_nonzero(ob, 0, 24);
    case MDSA_OP_BATCH: return d->dst || any_nonzero(ob, 0, 24);
    case MDSA_OP_DRAIN:
        return d->size || any_nonzero(ob, 0, 24) ||
               (!(fl & MDSA_F_DRAIN_RDBK1) && d->src) || (!(fl & MDSA_F_DRAIN_RDBK2) && d->dst);
    case MDSA_OP_MEMMOVE:
    case MDSA_OP_FILL: return any_nonzero(ob, 0, 24);
    case MDSA_OP_COMPARE:
    case MDSA_OP_COMPVAL: return any_nonzero(ob, 1, 24);
    case MDSA_OP_DUALCAST: return any_nonzero(ob, 8, 24);
    case MDSA_OP_CRCGEN: return d->dst || any_nonzero(ob, 4, 8) || any_nonzero(ob, 16, 24);
    case MDSA_OP_COPY_CRC: return any_nonzero(ob, 4, 8) || any_nonzero(ob, 16, 24);
    default: return 0;
    }
}

static void *ptr(uint64_t a)
{
    return (void *)(uintptr_t)a;
}

/* Addresses the emulator treats as unmapped: the null page, wrap-around
 * and non-canonical (kernel-half) user addresses.  A real device faults
 * on them; so do we, instead of crashing the process. */
static int addr_bad(uint64_t a, uint64_t len)
{
    return a < 4096 || a + len < a || a + len > 0x0000800000000000ull;
}

static int overlaps(uint64_t a, uint64_t b, uint64_t n)
{
    return a < b + n && b < a + n;
}

/* Where an operation stopped on a fault. */
struct fault {
    int on;
    uint32_t done;  /* bytes completed */
    int write;      /* write-side fault */
    int operand;    /* 0 = first read/write operand, 1 = second */
};

/* Decide whether this data descriptor takes an injected fault and where.
 * can_read/can_write: which sides exist; nops: operands per side;
 * align: completed bytes stay a multiple of this (pattern ops). */
static int plan_fault(struct emu_wq *w, uint32_t fl, uint32_t size, int can_read,
                      int can_write, int nread, int nwrite, uint32_t align, struct fault *f)
{
    const struct mdsa_emu_config *c = &w->emu->cfg;
    int64_t off;
    int side;
    if (emu_armed_fire(&w->page)) {
        off = w->page.offset;
        side = w->page.side;
    } else if (c->fault_rate > 0 && emu_rng_unit(&w->rng) < c->fault_rate) {
        off = c->fault_offset;
        side = c->fault_side;
    } else {
        return 0;
    }
    if ((fl & MDSA_F_BOF) && c->block_on_fault) {
        w->st.bof_resolved++; /* the OS resolved it; the device carried on */
        return 0;
    }
    uint32_t done = off < 0 ? (uint32_t)(emu_rng_next(&w->rng) % size)
                            : (off >= (int64_t)size ? size - 1 : (uint32_t)off);
    done -= done % align;
    if (side == MDSA_EMU_SIDE_RANDOM)
        side = (emu_rng_next(&w->rng) & 1) ? MDSA_EMU_SIDE_WRITE : MDSA_EMU_SIDE_READ;
    if (side == MDSA_EMU_SIDE_WRITE && !can_write)
        side = MDSA_EMU_SIDE_READ;
    if (side == MDSA_EMU_SIDE_READ && !can_read)
        side = MDSA_EMU_SIDE_WRITE;
    f->on = 1;
    f->done = done;
    f->write = side == MDSA_EMU_SIDE_WRITE;
    int n = f->write ? nwrite : nread;
    f->operand = n > 1 ? (int)(emu_rng_next(&w->rng) % (uint64_t)n) : 0;
    return 1;
}

static void set_fault(struct mdsa_cr *rec, const struct fault *f, uint64_t addr, uint32_t size,
                      int descending)
{
    uint32_t pos = descending ? size - 1 - f->done : f->done;
    rec->status = (uint8_t)(MDSA_ST_PAGE_FAULT | (f->write ? MDSA_ST_WRITE_FAULT : 0));
    rec->bytes_completed = f->done;
    rec->fault_addr = addr + pos;
}

/* A null-page/bad operand faults on its first byte. */
static int bad_operand(uint64_t a, uint32_t size, int write, int operand, struct fault *f)
{
    if (!addr_bad(a, size))
        return 0;
    f->on = 1;
    f->done = 0;
    f->write = write;
    f->operand = operand;
    return 1;
}

static void fill_bytes(uint8_t *dst, uint64_t pattern, uint32_t len)
{
    uint8_t chunk[64];
    for (int i = 0; i < 64; i += 8)
        memcpy(chunk + i, &pattern, 8);
    while (len >= 64) {
        memcpy(dst, chunk, 64);
        dst += 64;
        len -= 64;
    }
    memcpy(dst, chunk, len);
}

/* Offset of the first byte where a and b differ, or n. */
static uint32_t first_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint32_t step = n - i < 256 ? n - i : 256;
        if (memcmp(a + i, b + i, step)) {
            while (a[i] == b[i])
                i++;
            return i;
        }
        i += step;
    }
    return n;
}

static uint32_t pattern_mismatch(const uint8_t *a, uint64_t pattern, uint32_t n)
{
    uint8_t chunk[256];
    for (int i = 0; i < 256; i += 8)
        memcpy(chunk + i, &pattern, 8);
    uint32_t i = 0;
    while (i < n) {
        uint32_t step = n - i < 256 ? n - i : 256; /* 256 keeps the 8-byte phase */
        uint32_t d = first_diff(a + i, chunk, step);
        if (d < step)
            return i + d;
        i += step;
    }
    return n;
}

static void exec_memmove(struct emu_wq *w, const struct mdsa_desc *d, uint32_t fl,
                         struct mdsa_cr *rec)
{
    uint64_t s = d->src, t = d->dst;
    uint32_t n = d->size;
    int desc = t > s && t < s + n; /* overlap with dst above src: copy from the top */
    struct fault f = {0};
    rec->result = (uint8_t)desc;
    if (!bad_operand(s, n, 0, 0, &f) && !bad_operand(t, n, 1, 0, &f))
        plan_fault(w, fl, n, 1, 1, 1, 1, 1, &f);
    if (!f.on) {
        memmove(ptr(t), ptr(s), n);
        rec->status = MDSA_ST_SUCCESS;
        return;
    }
    if (f.done) {
        if (desc)
            memmove(ptr(t + n - f.done), ptr(s + n - f.done), f.done);
        else
            memmove(ptr(t), ptr(s), f.done);
    }
    set_fault(rec, &f, f.write ? t : s, n, desc);
}

static void exec_fill(struct emu_wq *w, const struct mdsa_desc *d, uint32_t fl,
                      struct mdsa_cr *rec)
{
    uint64_t t = d->dst;
    uint32_t n = d->size;
    struct fault f = {0};
    if (!bad_operand(t, n, 1, 0, &f))
        plan_fault(w, fl, n, 0, 1, 0, 1, 8, &f);
    if (!f.on || f.done) /* nothing at all when the destination faults at once (maybe NULL) */
        fill_bytes(ptr(t), d->src, f.on ? f.done : n);
    if (f.on)
        set_fault(rec, &f, t, n, 0);
    else
        rec->status = MDSA_ST_SUCCESS;
}

static void finish_compare(const struct mdsa_desc *d, uint32_t fl, uint32_t diff, uint32_t n,
                           struct mdsa_cr *rec)
{
    rec->result = diff < n;
    if (diff < n)
        rec->bytes_completed = diff;
    rec->status = ((fl & MDSA_F_CR) && rec->result != d->op.cmp.expected_res)
                      ? MDSA_ST_SUCCESS_PRED
                      : MDSA_ST_SUCCESS;
}

static void exec_compare(struct emu_wq *w, const struct mdsa_desc *d, uint32_t fl,
                         struct mdsa_cr *rec)
{
    uint64_t a = d->src, b = d->dst;
    uint32_t n = d->size;
    struct fault f = {0};
    if (!bad_operand(a, n, 0, 0, &f) && !bad_operand(b, n, 0, 1, &f))
        plan_fault(w, fl, n, 1, 0, 2, 0, 1, &f);
    uint32_t limit = f.on ? f.done : n;
    uint32_t diff = first_diff(ptr(a), ptr(b), limit);
    if (f.on && diff == limit) { /* reached the fault before any difference */
        set_fault(rec, &f, f.operand ? b : a, n, 0);
        return;
    }
    finish_compare(d, fl, diff, n, rec);
}

static void exec_compval(struct emu_wq *w, const struct mdsa_desc *d, uint32_t fl,
                         struct mdsa_cr *rec)
{
    uint64_t a = d->src;
    uint32_t n = d->size;
    struct fault f = {0};
    if (!bad_operand(a, n, 0, 0, &f))
        plan_fault(w, fl, n, 1, 0, 1, 0, 8, &f);
    uint32_t limit = f.on ? f.done : n;
    uint32_t diff = pattern_mismatch(ptr(a), d->dst, limit);
    if (f.on && diff == limit) {
        set_fault(rec, &f, a, n, 0);
        return;
    }
    finish_compare(d, fl, diff, n, rec);
}

static void exec_dualcast(struct emu_wq *w, const struct mdsa_desc *d, uint32_t fl,
                          struct mdsa_cr *rec)
{
    uint64_t s = d->src, t1 = d->dst, t2 = d->op.dcast.dst2;
    uint32_t n = d->size;
    if ((t1 ^ t2) & 0xfffu) {
        rec->status = MDSA_ST_DCAST_ERR;
        return;
    }
    if (overlaps(s, t1, n) || overlaps(s, t2, n) || overlaps(t1, t2, n)) {
        rec->status = MDSA_ST_OVERLAP_BUFFERS;
        return;
    }
    struct fault f = {0};
    if (!bad_operand(s, n, 0, 0, &f) && !bad_operand(t1, n, 1, 0, &f) &&
        !bad_operand(t2, n, 1, 1, &f))
        plan_fault(w, fl, n, 1, 1, 1, 2, 1, &f);
    uint32_t len = f.on ? f.done : n;
    if (len) { /* an operand that faults at once may be NULL: no memcpy at all */
        memcpy(ptr(t1), ptr(s), len);
        memcpy(ptr(t2), ptr(s), len);
    }
    if (f.on)
        set_fault(rec, &f, f.write ? (f.operand ? t2 : t1) : s, n, 0);
    else
        rec->status = MDSA_ST_SUCCESS;
}

/* CRCGEN (copy = 0) and COPY_CRC (copy = 1). */
static void exec_crc(struct emu_wq *w, const struct mdsa_desc *d, uint32_t fl, int copy,
                     struct mdsa_cr *rec)
{
    uint64_t s = d->src, t = d->dst;
    uint32_t n = d->size;
    uint32_t seed = d->op.crc.seed;
    struct fault f = {0};
    if (copy && overlaps(s, t, n)) {
        rec->status = MDSA_ST_OVERLAP_BUFFERS;
        return;
    }
    if (fl & MDSA_F_CRC_READ_SEED) {
        uint64_t sa = d->op.crc.seed_addr;
        if (addr_bad(sa, 4)) { /* the seed read itself faults */
            rec->status = MDSA_ST_PAGE_FAULT;
            rec->fault_addr = sa;
            return;
        }
        memcpy(&seed, ptr(sa), 4);
    }
    if (!bad_operand(s, n, 0, 0, &f) && !(copy && bad_operand(t, n, 1, 0, &f)))
        plan_fault(w, fl, n, 1, copy, 1, 1, 1, &f);
    uint32_t len = f.on ? f.done : n;
    if (copy && len) /* an operand that faults at once may be NULL: no memcpy at all */
        memcpy(ptr(t), ptr(s), len);
    rec->op.crc64 = mdsa_dsa_crc32(&w->emu->crc, seed, ptr(s), len, fl);
    if (f.on)
        set_fault(rec, &f, f.write ? t : s, n, 0);
    else
        rec->status = MDSA_ST_SUCCESS;
}

/* Validate and execute one non-batch descriptor into rec. */
static void exec_work(struct emu_wq *w, const struct mdsa_desc *d, struct mdsa_cr *rec)
{
    uint8_t op = mdsa_desc_opcode(d);
    uint32_t fl = mdsa_desc_flags(d);
    if (!op_supported(op)) {
        rec->status = MDSA_ST_BAD_OPCODE;
        return;
    }
    uint32_t bad = fl & ~allowed_flags(op);
    if (bad) {
        rec->status = MDSA_ST_INVALID_FLAGS;
        rec->op.invalid_flags = bad;
        return;
    }
    if (reserved_nonzero(d, op, fl)) {
        rec->status = MDSA_ST_NOZERO_RESERVE;
        return;
    }
    if (op == MDSA_OP_NOOP || op == MDSA_OP_DRAIN) {
        /* DRAIN: a WQ executes in order, so everything earlier is done;
         * records still owed through the event log are written first. */
        if (op == MDSA_OP_DRAIN && w->late_n)
            emu_deliver_late(w, 0, 1);
        rec->status = MDSA_ST_SUCCESS;
        return;
    }
    if (d->size == 0 || d->size > w->max_xfer) {
        rec->status = MDSA_ST_XFER_ERANGE;
        return;
    }
    if (emu_armed_fire(&w->errinj)) { /* scripted device error */
        rec->status = (uint8_t)w->errinj.offset;
        return;
    }
    switch (op) {
    case MDSA_OP_MEMMOVE: exec_memmove(w, d, fl, rec); break;
    case MDSA_OP_FILL: exec_fill(w, d, fl, rec); break;
    case MDSA_OP_COMPARE: exec_compare(w, d, fl, rec); break;
    case MDSA_OP_COMPVAL: exec_compval(w, d, fl, rec); break;
    case MDSA_OP_DUALCAST: exec_dualcast(w, d, fl, rec); break;
    case MDSA_OP_CRCGEN: exec_crc(w, d, fl, 0, rec); break;
    case MDSA_OP_COPY_CRC: exec_crc(w, d, fl, 1, rec); break;
    default: rec->status = MDSA_ST_BAD_OPCODE; break;
    }
}

/* ---- completion records ---- */

static void store_record(uint64_t addr, const struct mdsa_cr *rec)
{
    uint8_t *p = ptr(addr);
    memcpy(p + 1, (const uint8_t *)rec + 1, sizeof *rec - 1);
    mdsa_cr_publish(p, rec->status);
}

void emu_deliver_late(struct emu_wq *w, uint64_t now, int force)
{
    while (w->late_n) {
        struct emu_late *l = &w->late[w->late_head];
        if (!force && l->due_ns > now)
            break;
        store_record(l->addr, &l->rec);
        w->late_head = (w->late_head + 1) % w->late_cap;
        __atomic_store_n(&w->late_n, w->late_n - 1, __ATOMIC_RELEASE);
        w->st.late_delivered++;
    }
}

static void late_push(struct emu_wq *w, uint64_t addr, const struct mdsa_cr *rec, uint64_t due)
{
    if (w->late_n == w->late_cap) { /* bounded: deliver the oldest early */
        struct emu_late *l = &w->late[w->late_head];
        store_record(l->addr, &l->rec);
        w->late_head = (w->late_head + 1) % w->late_cap;
        w->late_n--;
        w->st.late_delivered++;
    }
    struct emu_late *l = &w->late[(w->late_head + w->late_n) % w->late_cap];
    l->addr = addr;
    l->rec = *rec;
    l->due_ns = due;
    __atomic_store_n(&w->late_n, w->late_n + 1, __ATOMIC_RELEASE);
}

/* Does writing this record fault?  Scripted (any record, or a chosen
 * batch member's), then the random rate -- which spares DRAIN: a host
 * keeps its DRAIN's record in locked memory (the DSA engine does), so
 * random injection models the data path's records. */
static int record_faults(struct emu_wq *w, const struct mdsa_desc *d, int batch, uint32_t index)
{
    const struct mdsa_emu_config *c = &w->emu->cfg;
    if (batch && w->member_cr.active &&
        (w->member_cr.offset < 0 || (uint64_t)w->member_cr.offset == index) &&
        emu_armed_fire(&w->member_cr))
        return 1;
    if (emu_armed_fire(&w->cr))
        return 1;
    return mdsa_desc_opcode(d) != MDSA_OP_DRAIN && c->cr_fault_rate > 0 &&
           emu_rng_unit(&w->rng) < c->cr_fault_rate;
}

/* What the host can see happened: faults are counted when their record is
 * delivered (now or late); a lost record counts as lost instead, and the
 * loss of a batch member's success record is silent (the batch reports
 * success; the copy is done). */
static void count_delivered(struct emu_wq *w, uint8_t code)
{
    if (code == MDSA_ST_PAGE_FAULT || code == MDSA_ST_PAGE_FAULT_IR)
        w->st.page_faults++;
    else if (code == MDSA_ST_BATCH_PAGE_FAULT)
        w->st.batch_faults++;
}

static void count_lost(struct emu_wq *w, uint8_t code, int batch)
{
    w->st.records_lost++;
    if (batch) { /* settled when the batch's own record is out (settle_batch) */
        w->batch_lost++;
        w->batch_lost_ok += code == MDSA_ST_SUCCESS;
        w->st.records_lost_silent += code == MDSA_ST_SUCCESS;
    }
}

/* A member's lost record is silent when nothing makes a host look for it:
 * the batch reported success, or the batch's own record is the one a host
 * misses (it then redoes what has no success record as part of that). */
static void settle_batch(struct emu_wq *w, uint8_t code, int batch_record_lost)
{
    if (batch_record_lost)
        w->st.records_lost_silent += w->batch_lost - w->batch_lost_ok;
    else if (code != MDSA_ST_SUCCESS)
        w->st.records_lost_silent -= w->batch_lost_ok;
    w->batch_lost = w->batch_lost_ok = 0;
}

/* Apply the CRAV/RCR rules, then write (or delay, or lose) the record.
 * Returns 1 when a record was due and is lost. */
static int emit(struct emu_wq *w, const struct mdsa_desc *d, struct mdsa_cr *rec, int batch,
                uint32_t index)
{
    uint32_t fl = mdsa_desc_flags(d);
    uint8_t op = mdsa_desc_opcode(d);
    uint8_t code = rec->status & MDSA_ST_MASK;
    uint64_t addr = d->completion_addr;
    const struct mdsa_emu_config *c = &w->emu->cfg;
    if (!(fl & MDSA_F_CRAV)) { /* nowhere to write: errors go to SWERROR */
        if (code != MDSA_ST_SUCCESS)
            emu_swerr(w->emu, w->idx, code, op, batch, index, 0);
        return 0;
    }
    if (!(fl & MDSA_F_RCR) && code == MDSA_ST_SUCCESS)
        return 0; /* CRAV without RCR: record only when not successful */
    if (addr_bad(addr, sizeof *rec)) { /* nobody can write there, ever */
        emu_swerr(w->emu, w->idx, MDSA_ST_CRA_XLAT, op, batch, index, addr);
        w->st.cr_faults++;
        count_lost(w, code, batch);
        return 1;
    }
    if (record_faults(w, d, batch, index)) {
        emu_swerr(w->emu, w->idx, MDSA_ST_CRA_XLAT, op, batch, index, addr);
        w->st.cr_faults++;
        if (EMU_STRICT(w) && c->version < 2) {
            /* DSA 1.x (SPR/EMR) has no event log: the record is never
             * written; only SWERROR tells. */
            count_lost(w, code, batch);
            return 1;
        }
        /* DSA 2.x: the event log gets it and the kernel writes the record
         * later.  Records keep their order on this WQ. */
        count_delivered(w, code);
        late_push(w, addr, rec, emu_now_ns() + c->cr_delay_ns);
        return 0;
    }
    count_delivered(w, code);
    if (w->late_n) {
        late_push(w, addr, rec, 0);
        return 0;
    }
    store_record(addr, rec);
    return 0;
}

static int cr_misaligned(const struct mdsa_desc *d)
{
    return (mdsa_desc_flags(d) & MDSA_F_CRAV) && (d->completion_addr & (MDSA_CR_ALIGN - 1));
}

static uint8_t exec_member(struct emu_wq *w, const struct mdsa_desc *m, uint32_t index)
{
    uint8_t op = mdsa_desc_opcode(m);
    struct mdsa_cr rec;
    w->st.members++;
    if (cr_misaligned(m)) {
        emu_swerr(w->emu, w->idx, MDSA_ST_CRA_ALIGN, op, 1, index, m->completion_addr);
        return MDSA_ST_CRA_ALIGN;
    }
    memset(&rec, 0, sizeof rec);
    if (op == MDSA_OP_BATCH || op == MDSA_OP_DRAIN)
        rec.status = MDSA_ST_BAD_OPCODE; /* no nesting, no drain inside a batch */
    else
        exec_work(w, m, &rec);
    emit(w, m, &rec, 1, index);
    return rec.status & MDSA_ST_MASK;
}

static void exec_batch(struct emu_wq *w, const struct mdsa_desc *d, struct mdsa_cr *rec)
{
    uint32_t fl = mdsa_desc_flags(d);
    uint32_t bad = fl & ~allowed_flags(MDSA_OP_BATCH);
    const struct mdsa_emu_config *c = &w->emu->cfg;
    uint64_t list = d->src;
    uint32_t count = d->size;
    if (bad) {
        rec->status = MDSA_ST_INVALID_FLAGS;
        rec->op.invalid_flags = bad;
        return;
    }
    if (reserved_nonzero(d, MDSA_OP_BATCH, fl)) {
        rec->status = MDSA_ST_NOZERO_RESERVE;
        return;
    }
    if (count < 2 || count > w->max_batch) {
        rec->status = MDSA_ST_DESC_CNT_ERANGE;
        return;
    }
    if (list & (MDSA_DESC_LIST_ALIGN - 1)) {
        rec->status = MDSA_ST_DESCLIST_ALIGN;
        return;
    }
    if (emu_armed_fire(&w->binval)) { /* scripted batch-level rejection */
        rec->status = (uint8_t)w->binval.offset;
        return;
    }
    /* Where (if anywhere) fetching the list faults. */
    uint32_t fault_at = UINT32_MAX;
    if (addr_bad(list, (uint64_t)count * 64)) {
        fault_at = 0;
    } else if (emu_armed_fire(&w->blist)) {
        int64_t o = w->blist.offset;
        fault_at = o < 0 ? (uint32_t)(emu_rng_next(&w->rng) % count)
                         : (o >= count ? count - 1 : (uint32_t)o);
    } else if (c->batch_fault_rate > 0 && emu_rng_unit(&w->rng) < c->batch_fault_rate) {
        fault_at = (uint32_t)(emu_rng_next(&w->rng) % count);
    }
    int failed = 0;
    uint32_t i;
    for (i = 0; i < count; i++) {
        if (i == fault_at) {
            rec->status = MDSA_ST_BATCH_PAGE_FAULT;
            rec->bytes_completed = i;
            rec->fault_addr = list + (uint64_t)i * 64;
            return;
        }
        struct mdsa_desc m; /* fetch: the member's record may overwrite its slot */
        memcpy(&m, ptr(list + (uint64_t)i * 64), sizeof m);
        if ((mdsa_desc_flags(&m) & MDSA_F_FENCE) && failed)
            break; /* abandon this member and all later ones */
        if (exec_member(w, &m, i) != MDSA_ST_SUCCESS)
            failed = 1;
    }
    rec->bytes_completed = i; /* descs_completed */
    rec->status = failed ? MDSA_ST_BATCH_FAIL : MDSA_ST_SUCCESS;
}

void emu_exec_top(struct emu_wq *w, const struct mdsa_desc *d)
{
    struct mdsa_cr rec;
    w->st.executed++;
    if (cr_misaligned(d)) {
        emu_swerr(w->emu, w->idx, MDSA_ST_CRA_ALIGN, mdsa_desc_opcode(d), 0, 0,
                  d->completion_addr);
        return;
    }
    memset(&rec, 0, sizeof rec);
    if (mdsa_desc_opcode(d) == MDSA_OP_BATCH) {
        exec_batch(w, d, &rec);
        int lost = emit(w, d, &rec, 0, 0);
        settle_batch(w, rec.status & MDSA_ST_MASK, lost);
        return;
    }
    exec_work(w, d, &rec);
    emit(w, d, &rec, 0, 0);
}
