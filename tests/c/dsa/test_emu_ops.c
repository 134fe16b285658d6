/* SPDX-License-Identifier: Apache-2.0 */
/* Every emulated operation, executed through a synchronous WQ. */
#include "tutil.h"

static struct mdsa_emu *emu;
static struct mdsa_wq *wq;
static struct mdsa_cr *cr;

static uint8_t run(struct mdsa_desc *d)
{
    memset(cr, 0, sizeof *cr);
    CHECK_EQ(mdsa_wq_submit(wq, d), MDSA_WQ_OK);
    return mdsa_cr_status(cr);
}

static void test_noop_drain(void)
{
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_NOOP, MDSA_F_CRAV | MDSA_F_RCR, cr);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    desc_init(&d, MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR, cr);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    /* readback addresses are legal when their flags say so */
    uint64_t rb = 0;
    desc_init(&d, MDSA_OP_DRAIN, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_DRAIN_RDBK1, cr);
    d.src = A(&rb);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
}

static void test_memmove_plain(void)
{
    uint8_t src[3000], dst[3000];
    fill_random(src, sizeof src, 1);
    memset(dst, 0, sizeof dst);
    struct mdsa_desc d;
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_CC, cr, dst, src, sizeof src);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 0);
    CHECK(memcmp(src, dst, sizeof src) == 0);
}

static void test_memmove_overlap_directions(void)
{
    uint8_t buf[512], ref[512];
    fill_random(buf, sizeof buf, 2);
    memcpy(ref, buf, sizeof buf);
    struct mdsa_desc d;
    /* dst above src, overlapping: descending copy, result 1 */
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, buf + 100, buf, 300);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 1);
    memmove(ref + 100, ref, 300);
    CHECK(memcmp(buf, ref, sizeof buf) == 0);
    /* dst below src, overlapping: ascending, result 0 */
    desc_move(&d, MDSA_F_CRAV | MDSA_F_RCR, cr, buf + 10, buf + 60, 300);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 0);
    memmove(ref + 10, ref + 60, 300);
    CHECK(memcmp(buf, ref, sizeof buf) == 0);
}

static void test_fill(void)
{
    uint8_t dst[1003];
    memset(dst, 0xee, sizeof dst);
    uint64_t pat = 0x0807060504030201ull;
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_FILL, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = pat;
    d.dst = A(dst);
    d.size = 1001;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    int ok = 1;
    for (int i = 0; i < 1001; i++)
        ok &= dst[i] == (uint8_t)(i % 8 + 1);
    CHECK(ok);
    CHECK_EQ(dst[1001], 0xee);
}

static void test_compare(void)
{
    uint8_t a[777], b[777];
    fill_random(a, sizeof a, 3);
    memcpy(b, a, sizeof a);
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_COMPARE, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(a);
    d.dst = A(b);
    d.size = sizeof a;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 0);
    b[555] ^= 1;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 1);
    CHECK_EQ(cr->bytes_completed, 555);
    /* check-result: expecting "equal" but got "different" -> 0x02 */
    d.op_flags |= MDSA_F_CR;
    d.op.cmp.expected_res = 0;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS_PRED);
    d.op.cmp.expected_res = 1;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
}

static void test_compval(void)
{
    uint8_t a[100];
    uint64_t pat = 0x1122334455667788ull;
    for (int i = 0; i < 100; i++)
        a[i] = (uint8_t)(pat >> (8 * (i % 8)));
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_COMPVAL, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(a);
    d.dst = pat;
    d.size = 100;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 0);
    a[77] ^= 0x80;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->result, 1);
    CHECK_EQ(cr->bytes_completed, 77);
    d.op_flags |= MDSA_F_CR;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS_PRED);
}

static void test_dualcast(void)
{
    uint8_t *src = zalloc_aligned(4096, 4096);
    uint8_t *d1 = zalloc_aligned(4096, 8192);
    uint8_t *d2 = zalloc_aligned(4096, 8192);
    fill_random(src, 2000, 4);
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_DUALCAST, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(src);
    d.dst = A(d1 + 64);
    d.op.dcast.dst2 = A(d2 + 64);
    d.size = 2000;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK(memcmp(src, d1 + 64, 2000) == 0);
    CHECK(memcmp(src, d2 + 64, 2000) == 0);
    /* destinations must agree in address bits 11:0 */
    d.op.dcast.dst2 = A(d2 + 128);
    CHECK_EQ(run(&d), MDSA_ST_DCAST_ERR);
    /* overlapping destinations are refused */
    d.op.dcast.dst2 = A(d1 + 64 + 4096);
    d.size = 5000;
    CHECK_EQ(run(&d), MDSA_ST_OVERLAP_BUFFERS);
    /* and so is a source overlapping a destination */
    d.op.dcast.dst2 = A(d2 + 64);
    d.src = A(d1 + 64 + 4096);
    CHECK_EQ(run(&d), MDSA_ST_OVERLAP_BUFFERS);
    free(src);
    free(d1);
    free(d2);
}

/* Independent MSB-first bitwise CRC following DML's description: the
 * register is reflected and inverted around a plain CRC over reflected
 * data unless the bypass flags say otherwise. */
static uint32_t rev32(uint32_t v)
{
    uint32_t r = 0;
    for (int i = 0; i < 32; i++)
        if (v & (1u << i))
            r |= 1u << (31 - i);
    return r;
}

static uint8_t rev8(uint8_t v)
{
    uint8_t r = 0;
    for (int i = 0; i < 8; i++)
        if (v & (1u << i))
            r |= (uint8_t)(0x80u >> i);
    return r;
}

static uint32_t ref_crc(uint32_t seed, const uint8_t *p, size_t n, uint32_t flags)
{
    int binv = (flags & MDSA_F_CRC_BYPASS_INV) != 0;
    int bdref = (flags & MDSA_F_CRC_BYPASS_DREF) != 0;
    uint32_t c = binv ? seed : rev32(~seed);
    for (size_t i = 0; i < n; i++) {
        c ^= (uint32_t)(bdref ? p[i] : rev8(p[i])) << 24;
        for (int k = 0; k < 8; k++)
            c = (c & 0x80000000u) ? (c << 1) ^ 0x1EDC6F41u : c << 1;
    }
    return binv ? c : ~rev32(c);
}

static uint32_t crcgen(const void *p, uint32_t n, uint32_t seed, uint32_t flags)
{
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_CRCGEN, MDSA_F_CRAV | MDSA_F_RCR | flags, cr);
    d.src = A(p);
    d.size = n;
    d.op.crc.seed = seed;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    return cr->op.crc;
}

static void test_crcgen(void)
{
    const char *v = "123456789";
    CHECK_EQ(crcgen(v, 9, 0, 0), 0xE3069283u); /* the CRC-32C check value */
    uint8_t buf[1500];
    fill_random(buf, sizeof buf, 5);
    static const uint32_t flagsets[] = {0, MDSA_F_CRC_BYPASS_INV, MDSA_F_CRC_BYPASS_DREF,
                                        MDSA_F_CRC_BYPASS_INV | MDSA_F_CRC_BYPASS_DREF};
    static const uint32_t seeds[] = {0, 0xffffffffu, 0x12345678u};
    for (unsigned f = 0; f < 4; f++)
        for (unsigned s = 0; s < 3; s++)
            for (uint32_t n = 1; n <= 1500; n = n * 3 + 1)
                CHECK_EQ(crcgen(buf, n, seeds[s], flagsets[f]),
                         ref_crc(seeds[s], buf, n, flagsets[f]));
    /* chaining: CRC(A||B) = CRC(B) seeded with CRC(A), in every mode */
    for (unsigned f = 0; f < 4; f++) {
        uint32_t whole = crcgen(buf, 1000, 7, flagsets[f]);
        uint32_t a = crcgen(buf, 333, 7, flagsets[f]);
        CHECK_EQ(crcgen(buf + 333, 667, a, flagsets[f]), whole);
    }
    /* seed read from memory */
    uint32_t seedmem = 0xabcdef01u;
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_CRCGEN, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_CRC_READ_SEED, cr);
    d.src = A(buf);
    d.size = 100;
    d.op.crc.seed_addr = A(&seedmem);
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK_EQ(cr->op.crc, ref_crc(seedmem, buf, 100, 0));
}

static void test_copy_crc(void)
{
    uint8_t src[4000], dst[4000];
    fill_random(src, sizeof src, 6);
    memset(dst, 0, sizeof dst);
    struct mdsa_desc d;
    desc_init(&d, MDSA_OP_COPY_CRC, MDSA_F_CRAV | MDSA_F_RCR, cr);
    d.src = A(src);
    d.dst = A(dst);
    d.size = sizeof src;
    d.op.crc.seed = 0;
    CHECK_EQ(run(&d), MDSA_ST_SUCCESS);
    CHECK(memcmp(src, dst, sizeof src) == 0);
    CHECK_EQ(cr->op.crc, ref_crc(0, src, sizeof src, 0));
    CHECK_EQ(cr->op.crc64 >> 32, 0);
    /* source and destination may not overlap */
    d.dst = A(src + 10);
    CHECK_EQ(run(&d), MDSA_ST_OVERLAP_BUFFERS);
}

int main(void)
{
    emu = emu_from("max_xfer=65536");
    wq = mdsa_emu_wq(emu, 0);
    cr = zalloc_aligned(32, 32);
    RUN(test_noop_drain);
    RUN(test_memmove_plain);
    RUN(test_memmove_overlap_directions);
    RUN(test_fill);
    RUN(test_compare);
    RUN(test_compval);
    RUN(test_dualcast);
    RUN(test_crcgen);
    RUN(test_copy_crc);
    mdsa_emu_destroy(emu);
    free(cr);
    return h_summary(__FILE__);
}
