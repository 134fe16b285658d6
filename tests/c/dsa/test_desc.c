/* Descriptor and completion-record layout, encoding, and names. */
#include "engines/dsa/desc.h"
#include "engines/dsa/wq.h"
#include "harness.h"

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

#ifdef MDSA_HAVE_UAPI_IDXD
/* The kernel declares the descriptor with bitfields; filling one through
 * them must give the bytes our fixed-offset fields give. */
static void test_matches_kernel_bitfields(void)
{
    struct dsa_hw_desc k;
    struct mdsa_desc m;
    memset(&k, 0, sizeof k);
    memset(&m, 0, sizeof m);
    k.opcode = DSA_OPCODE_COPY_CRC;
    k.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | 0x20000;
    k.completion_addr = 0x1122334455667788ull;
    k.src_addr = 0x1000;
    k.dst_addr = 0x2000;
    k.xfer_size = 4096;
    k.crc_seed = 0xdeadbeef;
    k.seed_addr = 0x3000;
    m.op_flags = mdsa_op_flags(MDSA_OP_COPY_CRC, MDSA_F_CRAV | MDSA_F_RCR | MDSA_F_CRC_BYPASS_INV);
    m.completion_addr = 0x1122334455667788ull;
    m.src = 0x1000;
    m.dst = 0x2000;
    m.size = 4096;
    m.op.crc.seed = 0xdeadbeef;
    m.op.crc.seed_addr = 0x3000;
    CHECK(memcmp(&k, &m, 64) == 0);

    struct dsa_completion_record kc;
    struct mdsa_cr mc;
    memset(&kc, 0, sizeof kc);
    memset(&mc, 0, sizeof mc);
    kc.status = DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE;
    kc.result = 1;
    kc.bytes_completed = 77;
    kc.fault_addr = 0xabc;
    kc.invalid_flags = 0x40;
    mc.status = MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT;
    mc.result = 1;
    mc.bytes_completed = 77;
    mc.fault_addr = 0xabc;
    mc.op.invalid_flags = 0x40;
    CHECK(memcmp(&kc, &mc, 32) == 0);
}
#endif

static void test_names(void)
{
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_SUCCESS), "success"));
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_PAGE_FAULT | MDSA_ST_WRITE_FAULT), "page-fault"));
    CHECK(!strcmp(mdsa_status_name(MDSA_ST_CRA_ALIGN), "completion-record-misaligned"));
    CHECK(!strcmp(mdsa_opcode_name(MDSA_OP_DUALCAST), "dualcast"));
    CHECK(!strcmp(mdsa_opcode_name(0x7f), "unknown"));
    CHECK(!strcmp(mdsa_wq_mode_name(MDSA_WQ_SHARED), "shared"));
}

int main(void)
{
    RUN(test_sizes_and_offsets);
    RUN(test_dword1_encoding);
#ifdef MDSA_HAVE_UAPI_IDXD
    RUN(test_matches_kernel_bitfields);
#else
    printf("note: <linux/idxd.h> not available; kernel cross-check compiled out\n");
#endif
    RUN(test_names);
    return h_summary(__FILE__);
}
