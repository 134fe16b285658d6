/* SPDX-License-Identifier: Apache-2.0 */
/* One parser for the "key=value,key=value" configuration strings of the
 * DSA emulator and the DSA engine.  Each side describes its keys in a
 * table (name, type, where the value goes, range, help); parsing, range
 * checks, error messages, the canonical form and the help text all come
 * from that table, so the two option sets cannot drift apart. */
#ifndef MDSA_DSA_CONFIG_KV_H
#define MDSA_DSA_CONFIG_KV_H

#include <stddef.h>
#include <stdint.h>

enum mdsa_kv_type {
    MDSA_KV_U32,   /* uint32_t in lo..hi; decimal or 0x hex */
    MDSA_KV_U64,   /* uint64_t in lo..hi */
    MDSA_KV_MS,    /* milliseconds lo..hi, stored as uint64_t nanoseconds */
    MDSA_KV_BOOL,  /* int: 0/1, no/yes, false/true, off/on */
    MDSA_KV_PROB,  /* double probability 0..1 */
    MDSA_KV_ENUM,  /* int: one of `names` (the value stored is its `values` entry) */
    MDSA_KV_OFFSET,/* int64_t: -1 (or "random") or 0..UINT32_MAX */
    MDSA_KV_STR,   /* char[hi]: non-empty, shorter than hi */
};

struct mdsa_kv_enum {
    const char *name;
    int value;
};

struct mdsa_kv_key {
    const char *name;
    int type;
    size_t off;                        /* offsetof() in the config struct */
    uint64_t lo, hi;                   /* numeric range; MDSA_KV_STR: buffer size */
    const struct mdsa_kv_enum *names;  /* MDSA_KV_ENUM, ended by {NULL, 0} */
    const char *help;                  /* one line for the help text */
};

/* A table bound to the struct it fills; several tables make one option
 * set (the engine's keys plus the emulator's). */
struct mdsa_kv_table {
    const char *what;                  /* "DSA emulator", "DSA engine" */
    const struct mdsa_kv_key *keys;    /* ended by {NULL} */
    void *cfg;
};

/* Set key=value in the first table that knows the key.  0, -ENOENT for
 * an unknown key (err untouched), -EINVAL with "key=value: expected ..."
 * in err. */
int mdsa_kv_set(const struct mdsa_kv_table *t, size_t nt, const char *key, const char *val,
                char *err, size_t errlen);

/* Parse a whole string (NULL or "" = nothing) on top of the tables'
 * structs.  Unknown keys are rejected with a message listing every known
 * key.  0 or -EINVAL. */
int mdsa_kv_parse(const struct mdsa_kv_table *t, size_t nt, const char *s, char *err,
                  size_t errlen);

/* Canonical "key=value,..." of every key of one table (parses back to the
 * same struct); snprintf semantics. */
int mdsa_kv_format(const struct mdsa_kv_table *t, char *buf, size_t len);

/* Help text of one table: "key=VALUES  help" per line.  Written into buf;
 * snprintf semantics. */
int mdsa_kv_help(const struct mdsa_kv_table *t, char *buf, size_t len);

#endif
