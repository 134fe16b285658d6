/* SPDX-License-Identifier: Apache-2.0 */
/* Config string for the DSA engine: the engine's keys (documented in
 * engine.h) on top of the emulator's, one config_kv parser for both. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

void mdsa_dsa_config_default(struct mdsa_dsa_config *c)
{
    memset(c, 0, sizeof *c);
    mdsa_emu_config_default(&c->emu);
    c->ring = 64;
    c->retries = 32;
    /* A device finishes a descriptor in microseconds (a 2 MiB copy in
     * well under a millisecond); a record missing for 100 ms is lost, not
     * late.  Recovery is safe either way (the queue is drained first). */
    c->timeout_ns = 100ull * 1000000ull;
    c->quiesce_ns = 1000ull * 1000000ull;
    c->probe_ns = 1000ull * 1000000ull;
    c->cc = -1;
    c->mlock = 1;
}

static const struct mdsa_kv_enum cc_names[] = {{"auto", -1}, {"0", 0}, {"1", 1}, {NULL, 0}};

#define K(name, type, field, lo, hi, names, help) \
    {name, type, offsetof(struct mdsa_dsa_config, field), lo, hi, names, help}
static const struct mdsa_kv_key keys[] = {
    K("ring", MDSA_KV_U32, ring, 1, 4096, NULL, "submission units in flight"),
    K("batch_descs", MDSA_KV_U32, batch_descs, 0, 1024, NULL,
      "descriptors per BATCH (0 = from the WQ, at most 256)"),
    K("retries", MDSA_KV_U32, retries, 0, 1000000, NULL, "shared WQ: resubmissions after retry"),
    K("timeout_ms", MDSA_KV_MS, timeout_ns, 1, 3600000, NULL,
      "a completion missing this long: drain the queue, finish on the CPU"),
    K("quiesce_ms", MDSA_KV_MS, quiesce_ns, 1, 3600000, NULL,
      "bound of that drain (then reset the WQ; a hung device ends DSA use)"),
    K("probe_ms", MDSA_KV_MS, probe_ns, 1, 60000, NULL, "hardware: wait for the start-up probe"),
    K("cc", MDSA_KV_ENUM, cc, 0, 0, cc_names, "cache-control flag (auto = when GENCAP has it)"),
    K("mlock", MDSA_KV_BOOL, mlock, 0, 0, NULL,
      "lock descriptors and records in memory (0 = prefault only)"),
    K("wq", MDSA_KV_STR, wq, 0, sizeof(((struct mdsa_dsa_config *)0)->wq), NULL,
      "hardware: use this WQ (e.g. wq0.1)"),
    K("sysfs", MDSA_KV_STR, sysfs, 0, sizeof(((struct mdsa_dsa_config *)0)->sysfs), NULL,
      "hardware: sysfs root"),
    K("devdir", MDSA_KV_STR, devdir, 0, sizeof(((struct mdsa_dsa_config *)0)->devdir), NULL,
      "hardware: device nodes"),
    K("cpuinfo", MDSA_KV_STR, cpuinfo, 0, sizeof(((struct mdsa_dsa_config *)0)->cpuinfo), NULL,
      "hardware: the kernel's CPU flags (default /proc/cpuinfo)"),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static size_t tables(struct mdsa_dsa_config *c, struct mdsa_kv_table t[2])
{
    t[0] = (struct mdsa_kv_table){"DSA engine", keys, c};
    t[1] = mdsa_emu_config_table(c ? &c->emu : NULL);
    return 2;
}

int mdsa_dsa_config_parse(struct mdsa_dsa_config *c, const char *s, char *err, size_t errlen)
{
    struct mdsa_kv_table t[2];
    size_t n = tables(c, t);
    int rc = mdsa_kv_parse(t, n, s, err, errlen);
    if (!rc && c->batch_descs == 1) {
        if (err && errlen)
            snprintf(err, errlen, "batch_descs=1: expected 0 or 2..1024");
        return -EINVAL;
    }
    return rc ? rc : mdsa_emu_config_check(&c->emu, err, errlen);
}

int mdsa_dsa_config_validate(const char *s, char *err, size_t errlen)
{
    struct mdsa_dsa_config c;
    mdsa_dsa_config_default(&c);
    return mdsa_dsa_config_parse(&c, s, err, errlen);
}

int mdsa_dsa_config_format(const struct mdsa_dsa_config *c, char *buf, size_t len)
{
    struct mdsa_kv_table t[2];
    tables((struct mdsa_dsa_config *)c, t);
    return mdsa_kv_format(&t[0], buf, len);
}

int mdsa_dsa_config_help(char *buf, size_t len)
{
    struct mdsa_kv_table t[2];
    tables(NULL, t);
    int a = mdsa_kv_help(&t[0], buf, len);
    size_t used = a > 0 ? (size_t)a : 0;
    int b = mdsa_kv_help(&t[1], used < len ? buf + used : NULL, used < len ? len - used : 0);
    return a + b;
}
