/* Config string for the DSA engine: the emulator's keys plus the engine's
 * (documented in engine.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

void mdsa_dsa_config_default(struct mdsa_dsa_config *c)
{
    memset(c, 0, sizeof *c);
    mdsa_emu_config_default(&c->emu);
    c->ring = 64;
    c->retries = 32;
    c->timeout_ns = 5000ull * 1000000ull; /* accel-config's 5 s */
    c->probe_ns = 1000ull * 1000000ull;
    c->cc = -1;
}

static int num(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    if (!*v || *v == '-')
        return -1;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 0);
    if (errno || *end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int bad(char *err, size_t errlen, const char *k, const char *v, const char *want)
{
    if (err && errlen)
        snprintf(err, errlen, "%s=%s: expected %s", k, v, want);
    return -EINVAL;
}

static int str(char *dst, size_t n, const char *k, const char *v, char *err, size_t errlen)
{
    if (!*v || strlen(v) >= n)
        return bad(err, errlen, k, v, "a non-empty value of reasonable length");
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int engine_kv(void *ctx, const char *k, const char *v, char *err, size_t errlen)
{
    struct mdsa_dsa_config *c = ctx;
    uint64_t x;
    if (!strcmp(k, "ring")) {
        if (num(v, 1, 4096, &x))
            return bad(err, errlen, k, v, "1..4096");
        c->ring = (uint32_t)x;
    } else if (!strcmp(k, "batch_descs")) {
        if (num(v, 2, 1024, &x))
            return bad(err, errlen, k, v, "2..1024");
        c->batch_descs = (uint32_t)x;
    } else if (!strcmp(k, "retries")) {
        if (num(v, 0, 1000000, &x))
            return bad(err, errlen, k, v, "0..1000000");
        c->retries = (uint32_t)x;
    } else if (!strcmp(k, "timeout_ms")) {
        if (num(v, 1, 3600000, &x))
            return bad(err, errlen, k, v, "1..3600000 ms");
        c->timeout_ns = x * 1000000ull;
    } else if (!strcmp(k, "probe_ms")) {
        if (num(v, 1, 60000, &x))
            return bad(err, errlen, k, v, "1..60000 ms");
        c->probe_ns = x * 1000000ull;
    } else if (!strcmp(k, "cc")) {
        if (!strcmp(v, "auto"))
            c->cc = -1;
        else if (!strcmp(v, "0") || !strcmp(v, "1"))
            c->cc = v[0] - '0';
        else
            return bad(err, errlen, k, v, "auto, 0 or 1");
    } else if (!strcmp(k, "wq")) {
        return str(c->wq, sizeof c->wq, k, v, err, errlen);
    } else if (!strcmp(k, "sysfs")) {
        return str(c->sysfs, sizeof c->sysfs, k, v, err, errlen);
    } else if (!strcmp(k, "devdir")) {
        return str(c->devdir, sizeof c->devdir, k, v, err, errlen);
    } else {
        int rc = mdsa_emu_config_set(&c->emu, k, v, err, errlen);
        if (rc == -ENOENT) {
            if (err && errlen)
                snprintf(err, errlen,
                         "unknown DSA config key '%s' (engine keys: ring, batch_descs, retries, "
                         "timeout_ms, probe_ms, wq, sysfs, devdir, cc; emulator keys: mode, "
                         "submit, wqs, wq_size, threshold, max_batch, max_xfer, async, "
                         "latency_ns, fault_rate, fault_offset, fault_side, cr_fault_rate, "
                         "cr_delay_ns, batch_fault_rate, qfull_rate, block_on_fault, "
                         "enq_retries, seed)",
                         k);
            return -EINVAL;
        }
        return rc;
    }
    return 0;
}

int mdsa_dsa_config_parse(struct mdsa_dsa_config *c, const char *s, char *err, size_t errlen)
{
    int rc = mdsa_kv_foreach(s, engine_kv, c, err, errlen);
    return rc ? rc : mdsa_emu_config_check(&c->emu, err, errlen);
}

int mdsa_dsa_config_validate(const char *s, char *err, size_t errlen)
{
    struct mdsa_dsa_config c;
    mdsa_dsa_config_default(&c);
    return mdsa_dsa_config_parse(&c, s, err, errlen);
}
