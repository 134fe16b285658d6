/* SPDX-License-Identifier: Apache-2.0 */
/* The DSA copy engine (struct mdsa_engine_ops from copy.h) over real
 * hardware or the software emulator, plus its configuration and the
 * "memif-dsa info" listing. */
#ifndef MDSA_DSA_ENGINE_H
#define MDSA_DSA_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../copy.h"
#include "emu.h"

/* Everything a config string can set.  The string is the emulator's
 * (keys in emu.h) plus these engine keys:
 *   ring=N            bursts' submission units in flight, 1..4096 (default 64;
 *                     a dedicated WQ also caps it, see below)
 *   batch_descs=N     descriptors per BATCH the engine builds, 2..1024
 *                     (default 0: the WQ's max_batch rounded down to a power
 *                     of two, at most 256)
 *   retries=N         shared WQ: resubmissions after "retry" before the
 *                     CPU copies instead (default 32)
 *   timeout_ms=N      a completion missing this long (default 100): the
 *                     engine drains the queue (a DRAIN descriptor), then
 *                     finishes on the CPU whatever has no success record,
 *                     and goes on using DSA
 *   quiesce_ms=N      bound of that drain (default 1000).  A drain that does
 *                     not complete means a hung device: the WQ is reset
 *                     (closed and reopened, which the kernel drains), the
 *                     engine copies on the CPU from then on (state cpu-only
 *                     with the reason); if even the reset cannot be
 *                     confirmed, the bursts in flight fail with an error
 *                     instead of being finished while the device may still
 *                     write them
 *   probe_ms=N        hardware: wait for the start-up probe (default 1000)
 *   cc=auto|0|1       set the cache-control flag (allocate copies in the
 *                     LLC); auto = when GENCAP bit 2 says the device has it
 *   mlock=0|1         lock descriptor lists and completion records in
 *                     memory so the device never faults on them (default 1;
 *                     where RLIMIT_MEMLOCK refuses, or with 0, the pages are
 *                     prefaulted instead and `info`/stats say so)
 *   wq=NAME           hardware: use this WQ (e.g. wq0.1; default first usable)
 *   sysfs=PATH        hardware: sysfs root (default /sys/bus/dsa/devices)
 *   devdir=PATH       hardware: device nodes (default /dev/dsa)
 *   cpuinfo=PATH      hardware: the kernel's CPU flags (default /proc/cpuinfo)
 * "submit=auto|portal|write" also applies to hardware (auto: portal when
 * mmap is permitted and the CPU and kernel allow MOVDIR64B/ENQCMD, else
 * write()).
 *
 * A dedicated WQ is never overrun: the engine keeps at most size - 1
 * descriptors (BATCH or lone) in it and holds the last entry for its
 * DRAIN; a full queue copies on the CPU (fallback_queue_full). */
struct mdsa_dsa_config {
    struct mdsa_emu_config emu;
    uint32_t ring;
    uint32_t batch_descs; /* 0 = from the WQ */
    uint32_t retries;
    uint64_t timeout_ns;
    uint64_t quiesce_ns;
    uint64_t probe_ns;
    int cc;               /* -1 auto */
    int mlock;
    char wq[32];
    char sysfs[256];
    char devdir[256];
    char cpuinfo[256];
};

void mdsa_dsa_config_default(struct mdsa_dsa_config *c);
/* Parse on top of *c; unknown keys are rejected with a message. */
int mdsa_dsa_config_parse(struct mdsa_dsa_config *c, const char *s, char *err, size_t errlen);
/* Validate a whole config string (for Python/CLI): 0, or -EINVAL with a
 * message naming the offending key. */
int mdsa_dsa_config_validate(const char *s, char *err, size_t errlen);
/* Canonical form of the engine keys (the emulator's: mdsa_emu_config_format);
 * snprintf semantics. */
int mdsa_dsa_config_format(const struct mdsa_dsa_config *c, char *buf, size_t len);
/* Every key, engine then emulator, one per line; snprintf semantics. */
int mdsa_dsa_config_help(char *buf, size_t len);

/* kind: "dsa" (NULL too) = hardware when a usable WQ exists, else the
 * emulator; "dsa-hw" = hardware or NULL with the reason in err;
 * "dsa-emu" = emulator.  config: config string (NULL = the MEMIF_DSA_EMU
 * environment variable, if set).  threshold: copies shorter than this
 * many bytes are done by the CPU inside submit() (0 = all through DSA).
 * Returns NULL with a message in err on failure. */
mdsa_engine_t *mdsa_engine_dsa_create(const char *kind, const char *config, size_t threshold,
                                      char *err, size_t errlen);

/* Non-NULL only for engines made by mdsa_engine_dsa_create(). */
int mdsa_engine_is_dsa(const mdsa_engine_t *e);
/* Why hardware is not in use for kind "dsa" ("" when it is). */
const char *mdsa_engine_dsa_note(const mdsa_engine_t *e);
/* The emulator behind the engine (NULL on hardware); for tests. */
struct mdsa_emu *mdsa_engine_dsa_emu(mdsa_engine_t *e);
/* Submission units (BATCHes, lone descriptors, write() groups) handed to
 * the queue and not yet retired by poll(); for tests and diagnostics. */
uint64_t mdsa_engine_dsa_inflight(const mdsa_engine_t *e);

/* Human-readable listing of the DSA devices/WQs found (or why none), the
 * CPU features that matter, and the emulator configuration that config
 * (or MEMIF_DSA_EMU when NULL) gives.  snprintf semantics: returns the
 * length it needed; writes at most len bytes including the NUL. */
int mdsa_dsa_info(const char *config, char *buf, size_t len);

#endif
