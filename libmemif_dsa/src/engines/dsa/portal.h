/* SPDX-License-Identifier: Apache-2.0 */
/* Intel DSA hardware access: CPU feature checks, work-queue discovery in
 * sysfs, and a wq.h queue over /dev/dsa/wqX.Y (portal with MOVDIR64B or
 * ENQCMD, or the kernel's write() path when mmap is refused).
 *
 * The submitting instructions are emitted as raw bytes (any assembler)
 * and are reachable only after CPUID said the CPU has them.
 */
#ifndef MDSA_DSA_PORTAL_H
#define MDSA_DSA_PORTAL_H

#include <stddef.h>
#include <stdint.h>

#include "wq.h"

#define MDSA_DSA_SYSFS_ROOT "/sys/bus/dsa/devices"
#define MDSA_DSA_DEV_ROOT "/dev/dsa"
#define MDSA_PORTAL_SIZE 4096u

/* CPUID leaf 7 subleaf 0, ECX. */
#define MDSA_CPUID7_ECX_WAITPKG (1u << 5)
#define MDSA_CPUID7_ECX_MOVDIRI (1u << 27)
#define MDSA_CPUID7_ECX_MOVDIR64B (1u << 28)
#define MDSA_CPUID7_ECX_ENQCMD (1u << 29)

struct mdsa_cpu_features {
    int movdir64b;
    int enqcmd;         /* CPUID says the CPU has ENQCMD ... */
    int enqcmd_kernel;  /* ... and the kernel enabled it for user space
                           ("enqcmd" in /proc/cpuinfo flags; kernels without
                           PASID support hide it, and ENQCMD then faults) */
    int waitpkg;
    int movdiri;
    char vendor[13];
};

/* CPUID, plus the kernel's view from cpuinfo (NULL = /proc/cpuinfo). */
void mdsa_cpu_features_get(struct mdsa_cpu_features *f, const char *cpuinfo);
/* 1 when the "flags" line of a cpuinfo file lists `flag`; 0 otherwise. */
int mdsa_cpuinfo_has_flag(const char *cpuinfo, const char *flag);
/* Decode a leaf-7 ECX value (max_leaf < 7 means no leaf 7). */
void mdsa_cpu_features_decode(unsigned max_leaf, uint32_t ecx7, struct mdsa_cpu_features *f);

/* Portal offset rotation: the n-th submission goes to the n-th 64-byte
 * slot of the 4 KiB portal page (wrapping), which spreads writes over
 * the page as DML and dsa-perf-micros do. */
static inline uint32_t mdsa_portal_offset(uint64_t n)
{
    return (uint32_t)((n << 6) & (MDSA_PORTAL_SIZE - 1));
}

/* GENCAP bit 2, cache_control_mem: the device honours the cache-control
 * flag (the kernel's gen_cap_reg and DTO read this bit). */
#define MDSA_GENCAP_CACHE_CONTROL (1ull << 2)

/* One work queue as sysfs describes it. */
struct mdsa_hw_wq_attr {
    char name[32];      /* "wq0.0" */
    char dev_name[32];  /* "dsa0" ("iax1" for an IAA device's queue) */
    unsigned dev_id, wq_id;
    char state[16];     /* "enabled" */
    char mode[16];      /* "dedicated" / "shared" */
    char type[16];      /* "user" / "kernel" / "none" */
    char dev_state[16]; /* device "enabled"; "" if unreadable */
    char wq_name[64];
    uint32_t size, threshold;
    uint32_t max_batch; /* as sysfs shows it (the device uses the power of two below) */
    uint64_t max_xfer;  /* likewise */
    int block_on_fault;
    int has_gen_cap;
    uint64_t gen_cap;
    unsigned version;   /* device major version from sysfs "version" (0 = unknown) */
    int pasid_enabled;  /* 1, 0, or -1 when sysfs does not say */
    /* Allowed operations: the WQ's op_config where sysfs has it (DSA 2.x),
     * else the device's op_cap; 256 bits, bit n = opcode n. */
    int has_ops;
    uint64_t ops[4];
    const char *ops_from; /* "op_config", "op_cap" or "" */
    int batch;          /* the device executes BATCH from this WQ */
    int write_batch;    /* and the kernel's write() takes it (the BATCH bit is
                           shown; the kernel hides it where write() refuses) */
    int drain;          /* DRAIN allowed */
    char devnode[256];  /* <dev_root>/wqX.Y */
    char errors_path[530]; /* the device's "errors" attribute (last SWERROR) */
    int usable;         /* enabled user WQ of a DSA device we can use */
    char why[160];      /* why not usable */
};

/* Parse an op_cap / op_config attribute: "%*pb" bitmaps (32-bit hex groups,
 * most significant first) and the older "0x..,0x..,0x..,0x..," form (64-bit
 * words, least significant first).  0 or -1. */
int mdsa_parse_opmask(const char *text, uint64_t out[4]);

static inline int mdsa_op_allowed(const uint64_t ops[4], unsigned opcode)
{
    return (ops[opcode / 64] >> (opcode % 64)) & 1;
}

/* List the WQs under sysfs_root (NULL = MDSA_DSA_SYSFS_ROOT), device
 * nodes under dev_root (NULL = MDSA_DSA_DEV_ROOT), sorted by device then
 * queue.  Returns 0 and the count in *n (capped at max; *total gets the
 * real count), or -ENOENT with a reason when the root is missing. */
int mdsa_hw_discover(const char *sysfs_root, const char *dev_root, struct mdsa_hw_wq_attr *out,
                     size_t max, size_t *n, size_t *total, char *err, size_t errlen);

enum { MDSA_HW_SUBMIT_AUTO = 0, MDSA_HW_SUBMIT_PORTAL = 1, MDSA_HW_SUBMIT_WRITE = 2 };

struct mdsa_hw_open_opts {
    int submit; /* MDSA_HW_SUBMIT_*: auto = portal when permitted and the CPU can */
    /* NULL = detect.  Tests pass a made-up set to walk the mmap path; a
     * queue opened that way must never be submitted to. */
    const struct mdsa_cpu_features *cpu;
    const char *cpuinfo; /* detection: the kernel's flags (NULL = /proc/cpuinfo) */
};

/* Open the queue's device node and pick the submission method.  NULL
 * with a message on failure. */
struct mdsa_wq *mdsa_hw_wq_open(const struct mdsa_hw_wq_attr *a, const struct mdsa_hw_open_opts *o,
                                char *err, size_t errlen);
/* "movdir64b", "enqcmd" or "write". */
const char *mdsa_hw_wq_method(const struct mdsa_wq *wq);
/* Why the portal is not used (empty when it is). */
const char *mdsa_hw_wq_note(const struct mdsa_wq *wq);

#endif
