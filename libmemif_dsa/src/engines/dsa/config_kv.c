/* SPDX-License-Identifier: Apache-2.0 */
/* Table-driven "key=value,..." parsing shared by the DSA emulator and the
 * DSA engine options (config_kv.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_kv.h"

#define FIELD(cfg, k, type) ((type *)((char *)(cfg) + (k)->off))

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

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcmp(v, yes[i]))
            return *out = 1, 0;
        if (!strcmp(v, no[i]))
            return *out = 0, 0;
    }
    return -1;
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

/* What a key accepts, for error messages and help. */
static void describe(const struct mdsa_kv_key *k, char *buf, size_t len)
{
    size_t off = 0;
    switch (k->type) {
    case MDSA_KV_BOOL: snprintf(buf, len, "0 or 1"); return;
    case MDSA_KV_PROB: snprintf(buf, len, "a probability 0..1"); return;
    case MDSA_KV_OFFSET: snprintf(buf, len, "-1 (random) or a byte offset"); return;
    case MDSA_KV_STR: snprintf(buf, len, "a non-empty value shorter than %" PRIu64, k->hi); return;
    case MDSA_KV_MS:
        snprintf(buf, len, "%" PRIu64 "..%" PRIu64 " ms", k->lo, k->hi);
        return;
    case MDSA_KV_ENUM:
        buf[0] = 0;
        for (const struct mdsa_kv_enum *e = k->names; e->name && off < len; e++)
            off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "|" : "", e->name);
        return;
    default: snprintf(buf, len, "%" PRIu64 "..%" PRIu64, k->lo, k->hi); return;
    }
}

static int set_one(const struct mdsa_kv_key *k, void *cfg, const char *v, char *err, size_t errlen)
{
    uint64_t u;
    int ok = 0;
    switch (k->type) {
    case MDSA_KV_U32:
    case MDSA_KV_U64:
    case MDSA_KV_MS:
        ok = !parse_u64(v, &u) && u >= k->lo && u <= k->hi;
        if (ok && k->type == MDSA_KV_U32)
            *FIELD(cfg, k, uint32_t) = (uint32_t)u;
        else if (ok && k->type == MDSA_KV_U64)
            *FIELD(cfg, k, uint64_t) = u;
        else if (ok)
            *FIELD(cfg, k, uint64_t) = u * 1000000ull;
        break;
    case MDSA_KV_BOOL: ok = !parse_bool(v, FIELD(cfg, k, int)); break;
    case MDSA_KV_PROB: ok = !parse_prob(v, FIELD(cfg, k, double)); break;
    case MDSA_KV_OFFSET:
        if (!strcmp(v, "-1") || !strcmp(v, "random"))
            ok = 1, *FIELD(cfg, k, int64_t) = -1;
        else if (!parse_u64(v, &u) && u <= UINT32_MAX)
            ok = 1, *FIELD(cfg, k, int64_t) = (int64_t)u;
        break;
    case MDSA_KV_ENUM:
        for (const struct mdsa_kv_enum *e = k->names; e->name && !ok; e++)
            if (!strcmp(v, e->name))
                ok = 1, *FIELD(cfg, k, int) = e->value;
        break;
    case MDSA_KV_STR:
        ok = *v && strlen(v) < k->hi;
        if (ok)
            memcpy(FIELD(cfg, k, char), v, strlen(v) + 1);
        break;
    }
    if (ok)
        return 0;
    if (err && errlen) {
        char want[160];
        describe(k, want, sizeof want);
        snprintf(err, errlen, "%s=%s: expected %s", k->name, v, want);
    }
    return -EINVAL;
}

int mdsa_kv_set(const struct mdsa_kv_table *t, size_t nt, const char *key, const char *val,
                char *err, size_t errlen)
{
    for (size_t i = 0; i < nt; i++)
        for (const struct mdsa_kv_key *k = t[i].keys; k->name; k++)
            if (!strcmp(k->name, key))
                return set_one(k, t[i].cfg, val, err, errlen);
    return -ENOENT;
}

static void unknown(const struct mdsa_kv_table *t, size_t nt, const char *key, char *err,
                    size_t errlen)
{
    if (!err || !errlen)
        return;
    int off = snprintf(err, errlen, "unknown %s config key '%s' (", t[0].what, key);
    for (size_t i = 0; i < nt && off > 0 && (size_t)off < errlen; i++) {
        off += snprintf(err + off, errlen - (size_t)off, "%s%s keys:", i ? "; " : "", t[i].what);
        for (const struct mdsa_kv_key *k = t[i].keys; k->name && (size_t)off < errlen; k++)
            off += snprintf(err + off, errlen - (size_t)off, " %s", k->name);
    }
    if (off > 0 && (size_t)off < errlen)
        snprintf(err + off, errlen - (size_t)off, ")");
}

int mdsa_kv_parse(const struct mdsa_kv_table *t, size_t nt, const char *s, char *err,
                  size_t errlen)
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
        char item[300];
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
        int rc = mdsa_kv_set(t, nt, item, eq + 1, err, errlen);
        if (rc == -ENOENT) {
            unknown(t, nt, item, err, errlen);
            return -EINVAL;
        }
        if (rc)
            return rc;
        s = end;
    }
    return 0;
}

static int value_of(const struct mdsa_kv_key *k, const void *cfg, char *buf, size_t len)
{
    const void *p = (const char *)cfg + k->off;
    switch (k->type) {
    case MDSA_KV_U32: return snprintf(buf, len, "%" PRIu32, *(const uint32_t *)p);
    case MDSA_KV_U64: return snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
    case MDSA_KV_MS: return snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p / UINT64_C(1000000));
    case MDSA_KV_BOOL: return snprintf(buf, len, "%d", *(const int *)p ? 1 : 0);
    case MDSA_KV_PROB: { /* shortest form that parses back to the same double */
        double x = *(const double *)p, back;
        char tmp[40];
        snprintf(tmp, sizeof tmp, "%.15g", x);
        back = strtod(tmp, NULL);
        return memcmp(&back, &x, sizeof x) ? snprintf(buf, len, "%.17g", x)
                                           : snprintf(buf, len, "%s", tmp);
    }
    case MDSA_KV_OFFSET: return snprintf(buf, len, "%" PRId64, *(const int64_t *)p);
    case MDSA_KV_ENUM:
        for (const struct mdsa_kv_enum *e = k->names; e->name; e++)
            if (e->value == *(const int *)p)
                return snprintf(buf, len, "%s", e->name);
        return snprintf(buf, len, "?");
    default: return snprintf(buf, len, "%s", (const char *)p);
    }
}

int mdsa_kv_format(const struct mdsa_kv_table *t, char *buf, size_t len)
{
    size_t used = 0;
    for (const struct mdsa_kv_key *k = t->keys; k->name; k++) {
        char v[300];
        value_of(k, t->cfg, v, sizeof v);
        if (k->type == MDSA_KV_STR && !v[0])
            continue; /* unset strings (e.g. no wq= chosen) */
        size_t room = used < len ? len - used : 0;
        int n = snprintf(room ? buf + used : NULL, room, "%s%s=%s", used ? "," : "", k->name, v);
        if (n > 0)
            used += (size_t)n;
    }
    if (!used && len)
        buf[0] = 0;
    return (int)used;
}

int mdsa_kv_help(const struct mdsa_kv_table *t, char *buf, size_t len)
{
    size_t used = 0;
    for (const struct mdsa_kv_key *k = t->keys; k->name; k++) {
        char want[160], key[200];
        describe(k, want, sizeof want);
        snprintf(key, sizeof key, "%s=<%s>", k->name, want);
        size_t room = used < len ? len - used : 0;
        int n = snprintf(room ? buf + used : NULL, room, "%-44s %s\n", key, k->help);
        if (n > 0)
            used += (size_t)n;
    }
    if (!used && len)
        buf[0] = 0;
    return (int)used;
}
