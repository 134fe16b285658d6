/* Parser for the emulator's config string (keys documented in emu.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

void mdsa_emu_config_default(struct mdsa_emu_config *c)
{
    memset(c, 0, sizeof *c);
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

static int fail(char *err, size_t errlen, const char *fmt, const char *key, const char *val)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, key, val);
    return -EINVAL;
}

static int parse_u64(const char *v, uint64_t *out)
{
    if (!*v || *v == '-' || *v == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 0);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}

static int parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t x;
    if (parse_u64(v, &x) || x < lo || x > hi)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

static int parse_prob(const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || errno || *end || !(x >= 0.0 && x <= 1.0))
        return -1;
    *out = x;
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on"))
        *out = 1;
    else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off"))
        *out = 0;
    else
        return -1;
    return 0;
}

int mdsa_emu_config_set(struct mdsa_emu_config *c, const char *k, const char *v,
                        char *err, size_t errlen)
{
    uint64_t u;
    uint32_t x;
    if (!strcmp(k, "mode")) {
        if (!strcmp(v, "dedicated"))
            c->mode = MDSA_WQ_DEDICATED;
        else if (!strcmp(v, "shared"))
            c->mode = MDSA_WQ_SHARED;
        else
            return fail(err, errlen, "%s=%s: expected dedicated or shared", k, v);
    } else if (!strcmp(k, "submit")) {
        if (!strcmp(v, "auto"))
            c->submit = MDSA_EMU_SUBMIT_AUTO;
        else if (!strcmp(v, "portal"))
            c->submit = MDSA_EMU_SUBMIT_PORTAL;
        else if (!strcmp(v, "write"))
            c->submit = MDSA_EMU_SUBMIT_WRITE;
        else
            return fail(err, errlen, "%s=%s: expected auto, portal or write", k, v);
    } else if (!strcmp(k, "wqs")) {
        if (parse_u32(v, 1, 64, &c->wqs))
            return fail(err, errlen, "%s=%s: expected 1..64", k, v);
    } else if (!strcmp(k, "wq_size")) {
        if (parse_u32(v, 1, 4096, &c->wq_size))
            return fail(err, errlen, "%s=%s: expected 1..4096", k, v);
    } else if (!strcmp(k, "threshold")) {
        if (parse_u32(v, 0, 4096, &c->threshold))
            return fail(err, errlen, "%s=%s: expected 0..wq_size", k, v);
    } else if (!strcmp(k, "max_batch")) {
        if (parse_u32(v, 0, 4096, &x) || x == 1)
            return fail(err, errlen, "%s=%s: expected 0 or 2..4096", k, v);
        c->max_batch = x;
    } else if (!strcmp(k, "max_xfer")) {
        if (parse_u32(v, 1, UINT32_MAX, &c->max_xfer))
            return fail(err, errlen, "%s=%s: expected 1..4294967295 bytes", k, v);
    } else if (!strcmp(k, "async")) {
        if (parse_bool(v, &c->async))
            return fail(err, errlen, "%s=%s: expected 0 or 1", k, v);
    } else if (!strcmp(k, "latency_ns")) {
        if (parse_u64(v, &u) || u > 10000000000ull)
            return fail(err, errlen, "%s=%s: expected 0..10000000000 ns", k, v);
        c->latency_ns = u;
    } else if (!strcmp(k, "fault_rate")) {
        if (parse_prob(v, &c->fault_rate))
            return fail(err, errlen, "%s=%s: expected a probability 0..1", k, v);
    } else if (!strcmp(k, "fault_offset")) {
        if (!strcmp(v, "-1") || !strcmp(v, "random"))
            c->fault_offset = -1;
        else if (parse_u64(v, &u) || u > UINT32_MAX)
            return fail(err, errlen, "%s=%s: expected -1 or a byte offset", k, v);
        else
            c->fault_offset = (int64_t)u;
    } else if (!strcmp(k, "fault_side")) {
        if (!strcmp(v, "random"))
            c->fault_side = MDSA_EMU_SIDE_RANDOM;
        else if (!strcmp(v, "read"))
            c->fault_side = MDSA_EMU_SIDE_READ;
        else if (!strcmp(v, "write"))
            c->fault_side = MDSA_EMU_SIDE_WRITE;
        else
            return fail(err, errlen, "%s=%s: expected random, read or write", k, v);
    } else if (!strcmp(k, "cr_fault_rate")) {
        if (parse_prob(v, &c->cr_fault_rate))
            return fail(err, errlen, "%s=%s: expected a probability 0..1", k, v);
    } else if (!strcmp(k, "cr_delay_ns")) {
        if (parse_u64(v, &u) || u > 10000000000ull)
            return fail(err, errlen, "%s=%s: expected 0..10000000000 ns", k, v);
        c->cr_delay_ns = u;
    } else if (!strcmp(k, "batch_fault_rate")) {
        if (parse_prob(v, &c->batch_fault_rate))
            return fail(err, errlen, "%s=%s: expected a probability 0..1", k, v);
    } else if (!strcmp(k, "qfull_rate")) {
        if (parse_prob(v, &c->qfull_rate))
            return fail(err, errlen, "%s=%s: expected a probability 0..1", k, v);
    } else if (!strcmp(k, "block_on_fault")) {
        if (parse_bool(v, &c->block_on_fault))
            return fail(err, errlen, "%s=%s: expected 0 or 1", k, v);
    } else if (!strcmp(k, "enq_retries")) {
        if (parse_u32(v, 0, 1000000, &c->enq_retries))
            return fail(err, errlen, "%s=%s: expected 0..1000000", k, v);
    } else if (!strcmp(k, "seed")) {
        if (parse_u64(v, &u))
            return fail(err, errlen, "%s=%s: expected an unsigned integer", k, v);
        c->seed = u;
    } else {
        return -ENOENT;
    }
    return 0;
}

int mdsa_kv_foreach(const char *s, int (*fn)(void *, const char *, const char *, char *, size_t),
                    void *ctx, char *err, size_t errlen)
{
    if (!s)
        return 0;
    while (*s) {
        while (*s == ',' || *s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        const char *end = s;
        while (*end && *end != ',')
            end++;
        char item[256];
        size_t n = (size_t)(end - s);
        if (n >= sizeof item) {
            if (err && errlen)
                snprintf(err, errlen, "config item too long: %.40s...", s);
            return -EINVAL;
        }
        memcpy(item, s, n);
        item[n] = 0;
        while (n && (item[n - 1] == ' ' || item[n - 1] == '\t'))
            item[--n] = 0;
        char *eq = strchr(item, '=');
        if (!eq || eq == item) {
            if (err && errlen)
                snprintf(err, errlen, "config item '%s' is not key=value", item);
            return -EINVAL;
        }
        *eq = 0;
        int rc = fn(ctx, item, eq + 1, err, errlen);
        if (rc)
            return rc;
        s = end;
    }
    return 0;
}

static int emu_kv(void *ctx, const char *k, const char *v, char *err, size_t errlen)
{
    int rc = mdsa_emu_config_set(ctx, k, v, err, errlen);
    if (rc == -ENOENT) {
        if (err && errlen)
            snprintf(err, errlen, "unknown DSA emulator config key '%s' (known: mode, submit, "
                     "wqs, wq_size, threshold, max_batch, max_xfer, async, latency_ns, "
                     "fault_rate, fault_offset, fault_side, cr_fault_rate, cr_delay_ns, "
                     "batch_fault_rate, qfull_rate, block_on_fault, enq_retries, seed)", k);
        return -EINVAL;
    }
    return rc;
}

int mdsa_emu_config_parse(struct mdsa_emu_config *c, const char *s, char *err, size_t errlen)
{
    int rc = mdsa_kv_foreach(s, emu_kv, c, err, errlen);
    return rc ? rc : mdsa_emu_config_check(c, err, errlen);
}

int mdsa_emu_config_check(const struct mdsa_emu_config *c, char *err, size_t errlen)
{
    if (c->threshold > c->wq_size) {
        if (err && errlen)
            snprintf(err, errlen, "threshold=%u exceeds wq_size=%u", c->threshold, c->wq_size);
        return -EINVAL;
    }
    if (c->mode == MDSA_WQ_DEDICATED && c->threshold && c->threshold != c->wq_size) {
        if (err && errlen)
            snprintf(err, errlen, "threshold applies to shared WQs only (mode=dedicated)");
        return -EINVAL;
    }
    return 0;
}

static const char *side_name(int s)
{
    return s == MDSA_EMU_SIDE_READ ? "read" : s == MDSA_EMU_SIDE_WRITE ? "write" : "random";
}

int mdsa_emu_config_format(const struct mdsa_emu_config *c, char *buf, size_t len)
{
    static const char *const submit_names[] = {"auto", "portal", "write"};
    return snprintf(buf, len,
                    "mode=%s,submit=%s,wqs=%u,wq_size=%u,threshold=%u,max_batch=%u,"
                    "max_xfer=%u,async=%d,latency_ns=%" PRIu64 ",fault_rate=%g,"
                    "fault_offset=%" PRId64 ",fault_side=%s,cr_fault_rate=%g,"
                    "cr_delay_ns=%" PRIu64 ",batch_fault_rate=%g,qfull_rate=%g,"
                    "block_on_fault=%d,enq_retries=%u,seed=%" PRIu64,
                    mdsa_wq_mode_name(c->mode), submit_names[c->submit % 3], c->wqs,
                    c->wq_size, c->threshold ? c->threshold : c->wq_size, c->max_batch,
                    c->max_xfer, c->async, c->latency_ns, c->fault_rate, c->fault_offset,
                    side_name(c->fault_side), c->cr_fault_rate, c->cr_delay_ns,
                    c->batch_fault_rate, c->qfull_rate, c->block_on_fault, c->enq_retries,
                    c->seed);
}

const char *mdsa_emu_config_help(void)
{
    return "mode=dedicated|shared        WQ mode\n"
           "submit=auto|portal|write     portal submit() or write() only (no BATCH)\n"
           "wqs=N                        number of WQs (1..64)\n"
           "wq_size=N                    entries per WQ\n"
           "threshold=N                  shared WQ retry threshold (<= wq_size)\n"
           "max_batch=N                  max descriptors per BATCH (0 = no batches)\n"
           "max_xfer=N                   max bytes per descriptor\n"
           "async=0|1                    worker thread per WQ\n"
           "latency_ns=N                 async: submit-to-execute latency\n"
           "fault_rate=P                 page-fault probability per data descriptor\n"
           "fault_offset=N|-1            bytes completed before a fault (-1 random)\n"
           "fault_side=random|read|write operand that faults\n"
           "cr_fault_rate=P              completion-record fault probability\n"
           "cr_delay_ns=N                delay of a late (faulted) record\n"
           "batch_fault_rate=P           batch-list fault probability\n"
           "qfull_rate=P                 probability a submission is refused\n"
           "block_on_fault=0|1           WQ honours BOF\n"
           "enq_retries=N                write() retries on a busy shared WQ\n"
           "seed=N                       PRNG seed\n";
}
