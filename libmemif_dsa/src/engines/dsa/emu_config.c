/* SPDX-License-Identifier: Apache-2.0 */
/* The emulator's configuration keys (documented in emu.h), described once
 * as a config_kv table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu.h"

void mdsa_emu_config_default(struct mdsa_emu_config *c)
{
    memset(c, 0, sizeof *c);
    c->profile = MDSA_EMU_HW_STRICT;
    c->version = 1; /* SPR/EMR */
    c->mode = MDSA_WQ_DEDICATED;
    c->submit = MDSA_EMU_SUBMIT_AUTO;
    c->wqs = 1;
    /* the work queue VPP's documentation recommends for memif offload: a
     * dedicated user WQ of 128 entries with max batch size 1024, so one
     * burst of a 1024-slot ring fits one BATCH */
    c->wq_size = 128;
    c->threshold = 0;
    c->max_batch = 1024;
    c->max_xfer = 2097152;  /* the kernel's default WQ max_transfer_size */
    c->fault_offset = -1;
    c->fault_side = MDSA_EMU_SIDE_RANDOM;
    c->cr_delay_ns = 100000;
    c->enq_retries = 32;
    c->seed = 1;
}

static const struct mdsa_kv_enum profiles[] = {
    {"hw-strict", MDSA_EMU_HW_STRICT}, {"lenient", MDSA_EMU_LENIENT}, {NULL, 0}};
static const struct mdsa_kv_enum modes[] = {
    {"dedicated", MDSA_WQ_DEDICATED}, {"shared", MDSA_WQ_SHARED}, {NULL, 0}};
static const struct mdsa_kv_enum submits[] = {{"auto", MDSA_EMU_SUBMIT_AUTO},
                                              {"portal", MDSA_EMU_SUBMIT_PORTAL},
                                              {"write", MDSA_EMU_SUBMIT_WRITE},
                                              {NULL, 0}};
static const struct mdsa_kv_enum sides[] = {{"random", MDSA_EMU_SIDE_RANDOM},
                                            {"read", MDSA_EMU_SIDE_READ},
                                            {"write", MDSA_EMU_SIDE_WRITE},
                                            {NULL, 0}};

#define K(name, type, field, lo, hi, names, help) \
    {name, type, offsetof(struct mdsa_emu_config, field), lo, hi, names, help}
static const struct mdsa_kv_key keys[] = {
    K("profile", MDSA_KV_ENUM, profile, 0, 0, profiles, "hw-strict = as SPR/EMR hardware; lenient = polite"),
    K("version", MDSA_KV_U32, version, 1, 2, NULL, "device major version (2: event log, write() BATCH)"),
    K("user_submission_safe", MDSA_KV_BOOL, user_submission_safe, 0, 0, NULL,
      "device without the INTEL-SA-01084 erratum"),
    K("mode", MDSA_KV_ENUM, mode, 0, 0, modes, "WQ mode"),
    K("submit", MDSA_KV_ENUM, submit, 0, 0, submits, "portal submit() or write() only"),
    K("wqs", MDSA_KV_U32, wqs, 1, 64, NULL, "number of WQs"),
    K("wq_size", MDSA_KV_U32, wq_size, 1, 4096, NULL, "entries per WQ"),
    K("threshold", MDSA_KV_U32, threshold, 0, 4096, NULL, "shared WQ retry threshold (<= wq_size; 0 = wq_size)"),
    K("max_batch", MDSA_KV_U32, max_batch, 0, 4096, NULL, "sysfs max_batch_size (0 = no batches)"),
    K("max_xfer", MDSA_KV_U32, max_xfer, 1, UINT32_MAX, NULL, "sysfs max_transfer_size in bytes"),
    K("async", MDSA_KV_BOOL, async, 0, 0, NULL, "worker thread per WQ"),
    K("latency_ns", MDSA_KV_U64, latency_ns, 0, 10000000000ull, NULL, "async: submit-to-execute latency"),
    K("fault_rate", MDSA_KV_PROB, fault_rate, 0, 0, NULL, "page-fault probability per data descriptor"),
    K("fault_offset", MDSA_KV_OFFSET, fault_offset, 0, 0, NULL, "bytes completed before a fault"),
    K("fault_side", MDSA_KV_ENUM, fault_side, 0, 0, sides, "operand that faults"),
    K("cr_fault_rate", MDSA_KV_PROB, cr_fault_rate, 0, 0, NULL, "completion-record fault probability"),
    K("cr_delay_ns", MDSA_KV_U64, cr_delay_ns, 0, 10000000000ull, NULL, "delay of a late (event-log) record"),
    K("batch_fault_rate", MDSA_KV_PROB, batch_fault_rate, 0, 0, NULL, "batch-list fault probability"),
    K("qfull_rate", MDSA_KV_PROB, qfull_rate, 0, 0, NULL,
      "probability a submission finds the queue full (shared: retry; dedicated: drop)"),
    K("block_on_fault", MDSA_KV_BOOL, block_on_fault, 0, 0, NULL, "WQ honours BOF"),
    K("enq_retries", MDSA_KV_U32, enq_retries, 0, 1000000, NULL, "write() retries on a busy shared WQ"),
    K("seed", MDSA_KV_U64, seed, 0, UINT64_MAX, NULL, "PRNG seed"),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

struct mdsa_kv_table mdsa_emu_config_table(struct mdsa_emu_config *c)
{
    return (struct mdsa_kv_table){"DSA emulator", keys, c};
}

int mdsa_emu_config_parse(struct mdsa_emu_config *c, const char *s, char *err, size_t errlen)
{
    struct mdsa_kv_table t = mdsa_emu_config_table(c);
    int rc = mdsa_kv_parse(&t, 1, s, err, errlen);
    return rc ? rc : mdsa_emu_config_check(c, err, errlen);
}

int mdsa_emu_config_check(const struct mdsa_emu_config *c, char *err, size_t errlen)
{
    const char *why = NULL;
    char buf[96];
    if (c->threshold > c->wq_size) {
        snprintf(buf, sizeof buf, "threshold=%u exceeds wq_size=%u", c->threshold, c->wq_size);
        why = buf;
    } else if (c->mode == MDSA_WQ_DEDICATED && c->threshold && c->threshold != c->wq_size) {
        why = "threshold applies to shared WQs only (mode=dedicated)";
    } else if (c->max_batch == 1) {
        why = "max_batch=1: expected 0 or 2..4096 (a BATCH holds at least 2 descriptors)";
    }
    if (!why)
        return 0;
    if (err && errlen)
        snprintf(err, errlen, "%s", why);
    return -EINVAL;
}

int mdsa_emu_config_format(const struct mdsa_emu_config *c, char *buf, size_t len)
{
    struct mdsa_kv_table t = mdsa_emu_config_table((struct mdsa_emu_config *)c);
    return mdsa_kv_format(&t, buf, len);
}

int mdsa_emu_config_help(char *buf, size_t len)
{
    struct mdsa_kv_table t = mdsa_emu_config_table(NULL);
    return mdsa_kv_help(&t, buf, len);
}

/* hw-strict: the device's limits are what the kernel programs, ilog2()
 * of the sysfs value, i.e. the power of two at or below it. */
uint32_t mdsa_emu_device_max_batch(const struct mdsa_emu_config *c)
{
    return c->profile == MDSA_EMU_HW_STRICT ? mdsa_pow2_floor(c->max_batch) : c->max_batch;
}

uint32_t mdsa_emu_device_max_xfer(const struct mdsa_emu_config *c)
{
    return c->profile == MDSA_EMU_HW_STRICT ? mdsa_pow2_floor(c->max_xfer) : c->max_xfer;
}
