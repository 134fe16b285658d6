/* SPDX-License-Identifier: Apache-2.0 */
/* Software DSA: executes the same 64-byte descriptors as the device and
 * writes the same 32-byte completion records, behind the same work-queue
 * interface (wq.h).  For CI without hardware and for fault injection.
 *
 * Modelled: NOOP, BATCH, DRAIN, MEMMOVE, FILL, COMPARE, COMPVAL, CRCGEN,
 * COPY_CRC, DUALCAST (other opcodes answer 0x10, as a device whose OPCAP
 * lacks them); hardware validation statuses; CRAV/RCR record rules with
 * the status byte published last (release); batch FENCE, descs_completed,
 * 0x05/0x06; dedicated/shared/write() queue semantics; synchronous or
 * asynchronous (worker thread per WQ, configurable latency) completion;
 * seeded, deterministic fault injection.  Errors that cannot be written
 * to a record (CRAV clear, misaligned or faulting record address, a
 * dropped descriptor) go to a software-error register, as the device's
 * SWERROR, and are counted per WQ (the wq.h errors() hook).
 *
 * Profiles.  "hw-strict" (the default) behaves as SPR/EMR-class hardware
 * under the Linux idxd driver does where that loses data for a careless
 * host:
 *   - a dedicated WQ never refuses: a descriptor arriving when the WQ
 *     already holds wq_size entries is dropped and a software error
 *     raised (MOVDIR64B is a posted write; the kernel's write() does the
 *     same MOVDIR64B).  Only a shared WQ answers "retry" (ENQCMD ZF=1,
 *     and write() -EAGAIN after enq_retries kernel-side retries);
 *   - a completion record whose address faults is never written on a
 *     DSA 1.x device (no event log); version=2 delivers it late, as the
 *     kernel does from the event log;
 *   - write() refuses BATCH only where the kernel does: a version-1
 *     device without user_submission_safe (every SPR/EMR device);
 *   - max_batch and max_xfer are what sysfs shows; the device enforces
 *     the power of two at or below them (the kernel programs ilog2()).
 * "lenient" is the older, politer model (a full dedicated WQ answers
 * FULL / -ENOSPC, faulting records always arrive late, write() never
 * takes BATCH, limits enforced as given); kept for comparison tests.
 *
 * How a full queue arises under hw-strict: a shared WQ at its threshold
 * answers retry (qfull_rate injects that answer); a dedicated WQ is full
 * only when the host has wq_size descriptors in flight, which the host
 * must track itself (the DSA engine does, keeping one entry for its
 * DRAIN); qfull_rate on a dedicated WQ injects the consequence of a host
 * that did not: the descriptor is dropped with a software error.
 */
#ifndef MDSA_DSA_EMU_H
#define MDSA_DSA_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "config_kv.h"
#include "desc.h"
#include "wq.h"

enum { MDSA_EMU_SUBMIT_AUTO = 0, MDSA_EMU_SUBMIT_PORTAL = 1, MDSA_EMU_SUBMIT_WRITE = 2 };
enum { MDSA_EMU_SIDE_RANDOM = 0, MDSA_EMU_SIDE_READ = 1, MDSA_EMU_SIDE_WRITE = 2 };
enum { MDSA_EMU_HW_STRICT = 0, MDSA_EMU_LENIENT = 1 };

/* Software-error code the emulator raises for a descriptor dropped by a
 * full dedicated WQ.  Emulator-defined: the architecture's own code for
 * this case is not in the public sources we use (desc.h statuses are all
 * below 0x80, so this cannot be mistaken for one). */
#define MDSA_EMU_SWERR_WQ_OVERFLOW 0xf0u

/* Emulator configuration.  Config-string keys (comma-separated key=value;
 * unknown keys are rejected; `memif-dsa info` prints the same list):
 *   profile=hw-strict|lenient  see above (default hw-strict)
 *   version=1|2              device major version (default 1 = SPR/EMR):
 *                            2 has an event log (late records) and lets
 *                            write() take BATCH
 *   user_submission_safe=0|1 device without the INTEL-SA-01084 erratum
 *                            (default 0, as every SPR/EMR device)
 *   mode=dedicated|shared    WQ mode (default dedicated)
 *   submit=auto|portal|write portal = MOVDIR64B/ENQCMD-style submit();
 *                            write = mmap refused, only write(); auto = portal
 *   wqs=N                    number of WQs, 1..64 (default 1)
 *   wq_size=N                entries per WQ, 1..4096 (default 128)
 *   threshold=N              shared WQ: occupancy at which submit says
 *                            retry, 1..wq_size (default = wq_size)
 *   max_batch=N              WQ max_batch_size as sysfs shows it, 0 or
 *                            2..4096 (default 1024; 0 = no batches -> 0x14)
 *   max_xfer=N               WQ max_transfer_size in bytes (default 2097152)
 *   async=0|1                0: descriptors execute inside submit;
 *                            1: a worker thread per WQ (default 0)
 *   latency_ns=N             async: minimum time from submit to execution
 *   fault_rate=P             probability (0..1) that a data descriptor
 *                            takes a page fault (partial completion 0x03)
 *   fault_offset=N|-1        bytes completed before an injected fault
 *                            (clamped to the size; -1 = random, default)
 *   fault_side=random|read|write  which operand faults (default random)
 *   cr_fault_rate=P          probability that writing a completion record
 *                            faults: SWERROR 0x1a; the record is lost
 *                            (version 1) or delivered late (version 2).
 *                            Spares DRAIN records (a host keeps those in
 *                            locked memory)
 *   cr_delay_ns=N            delay of such a late record (default 100000)
 *   batch_fault_rate=P       probability that reading a batch list faults
 *                            at a random member (0x06)
 *   qfull_rate=P             probability that a submission finds the queue
 *                            full: shared WQ retry; dedicated WQ drop
 *                            (hw-strict) or FULL (lenient).  Spares a DRAIN
 *                            on a dedicated WQ (a host keeps it an entry)
 *   block_on_fault=0|1       WQ honours BOF: injected faults are resolved
 *                            and the descriptor succeeds (default 0)
 *   enq_retries=N            write() on a shared WQ: kernel-side retries
 *                            before -EAGAIN (default 32)
 *   seed=N                   PRNG seed for all injection (default 1)
 * Numbers accept decimal or 0x hex; probabilities are decimals. */
struct mdsa_emu_config {
    int profile;
    uint32_t version;
    int user_submission_safe;
    int mode;
    int submit;
    uint32_t wqs;
    uint32_t wq_size;
    uint32_t threshold; /* 0 = wq_size */
    uint32_t max_batch;
    uint32_t max_xfer;
    int async;
    uint64_t latency_ns;
    double fault_rate;
    int64_t fault_offset;
    int fault_side;
    double cr_fault_rate;
    uint64_t cr_delay_ns;
    double batch_fault_rate;
    double qfull_rate;
    int block_on_fault;
    uint32_t enq_retries;
    uint64_t seed;
};

void mdsa_emu_config_default(struct mdsa_emu_config *c);
/* Parse a whole config string on top of *c (NULL or "" = no change).
 * 0 or -EINVAL with a message naming the offending key. */
int mdsa_emu_config_parse(struct mdsa_emu_config *c, const char *s, char *err, size_t errlen);
/* Cross-key checks (threshold <= wq_size, ...). 0 or -EINVAL + message. */
int mdsa_emu_config_check(const struct mdsa_emu_config *c, char *err, size_t errlen);
/* Canonical "key=value,..." form; returns snprintf's result. */
int mdsa_emu_config_format(const struct mdsa_emu_config *c, char *buf, size_t len);
/* The documented key list, one per line; snprintf semantics. */
int mdsa_emu_config_help(char *buf, size_t len);
/* The emulator's key table bound to *c, for parsers that add their own
 * keys on top (the DSA engine). */
struct mdsa_kv_table mdsa_emu_config_table(struct mdsa_emu_config *c);

/* The limits the device enforces for a WQ configured with max_batch /
 * max_xfer: the power of two at or below the value, because the kernel
 * programs the device with ilog2() of the sysfs value (hw-strict); the
 * values as given under lenient. */
uint32_t mdsa_emu_device_max_batch(const struct mdsa_emu_config *c);
uint32_t mdsa_emu_device_max_xfer(const struct mdsa_emu_config *c);

struct mdsa_emu;

struct mdsa_emu *mdsa_emu_create(const struct mdsa_emu_config *c, char *err, size_t errlen);
/* Stops workers; descriptors not yet executed are dropped. */
void mdsa_emu_destroy(struct mdsa_emu *emu);
const struct mdsa_emu_config *mdsa_emu_config_of(const struct mdsa_emu *emu);
unsigned mdsa_emu_nwqs(const struct mdsa_emu *emu);
/* Queue idx (0-based); owned by the emulator. */
struct mdsa_wq *mdsa_emu_wq(struct mdsa_emu *emu, unsigned idx);

/* Async only: hold (1) or release (0) execution on one WQ.  Lets tests
 * fill a queue or order completions across queues deterministically. */
void mdsa_emu_pause(struct mdsa_emu *emu, unsigned wq, int paused);
/* Wait until a WQ has executed everything queued and delivered every late
 * record.  0, or -ETIMEDOUT. */
int mdsa_emu_wait_idle(struct mdsa_emu *emu, unsigned wq, uint64_t timeout_ns);

/* Scripted one-shot faults, on top of the random rates. */
enum {
    MDSA_EMU_FAULT_PAGE = 0,  /* next data descriptors take a page fault */
    MDSA_EMU_FAULT_CR,        /* next completion-record writes fault (late) */
    MDSA_EMU_FAULT_BATCH_LIST,/* next batches fault reading their list */
    MDSA_EMU_FAULT_QFULL,     /* next submissions are refused */
    MDSA_EMU_FAULT_ERROR,     /* next data descriptors fail with status `offset`
                                 (e.g. 0x20 hardware error), doing nothing */
    MDSA_EMU_FAULT_MEMBER_CR, /* next records of batch member `offset` (-1:
                                 any member) fault: lost on version 1 */
    MDSA_EMU_FAULT_STALL,     /* async only: the next descriptors start only
                                 after `offset` ns (a device still busy after
                                 the host gave up: it then writes late);
                                 -1 = until the WQ is reset (a hung device),
                                 -2 = even a reset does not stop it */
    MDSA_EMU_FAULT_BATCH_INVALID, /* next BATCH descriptors are rejected with
                                 status `offset` (e.g. 0x14), no member runs */
    MDSA_EMU_FAULT_KINDS
};
struct mdsa_emu_fault {
    int kind;
    uint32_t skip;   /* let this many eligible events pass first */
    uint32_t count;  /* then fire this many times (0 = 1) */
    int64_t offset;  /* PAGE: bytes completed; BATCH_LIST: member index (-1 random);
                        ERROR: the status code to report */
    int side;        /* PAGE: MDSA_EMU_SIDE_* */
};
/* 0, or -EINVAL (bad kind or WQ; STALL on a synchronous emulator). */
int mdsa_emu_arm_fault(struct mdsa_emu *emu, unsigned wq, const struct mdsa_emu_fault *f);

/* Software-error register (first error kept, later ones set overflow). */
struct mdsa_emu_swerr {
    uint8_t valid;
    uint8_t overflow;
    uint8_t status;     /* e.g. 0x1a record fault, 0x1b misaligned record,
                           MDSA_EMU_SWERR_WQ_OVERFLOW dropped descriptor */
    uint8_t opcode;
    uint16_t wq;
    uint8_t batch;      /* 1 if raised by a batch member */
    uint32_t index;     /* member index inside the batch */
    uint64_t addr;      /* completion-record address involved */
    uint64_t count;     /* errors raised since the last clear */
};
struct mdsa_emu_swerr mdsa_emu_swerr_read(struct mdsa_emu *emu, int clear);

/* Counted as a host sees them: a fault counts when its record is written
 * (now or late); a record that is never written counts as lost instead. */
struct mdsa_emu_stats {
    uint64_t submitted;     /* descriptors accepted by submit()/write() */
    uint64_t executed;      /* top-level descriptors executed */
    uint64_t members;       /* batch members executed */
    uint64_t page_faults;   /* partial completions (0x03/0x04) reported in a record */
    uint64_t bof_resolved;  /* faults absorbed by block-on-fault */
    uint64_t cr_faults;     /* records delayed or lost */
    uint64_t records_lost;  /* records never written (faulting address on 1.x) */
    uint64_t records_lost_silent; /* of those: success records of batch members
                                     (the batch says success; nothing to redo) */
    uint64_t batch_faults;  /* 0x06 reported in a record */
    uint64_t refused;       /* FULL/RETRY answers (injected or real) */
    uint64_t dropped;       /* descriptors a full dedicated WQ dropped (hw-strict) */
    uint64_t swerrs;        /* software errors raised for this WQ */
    uint64_t stalls;        /* descriptors held back by an armed STALL */
    uint64_t resets;        /* WQ resets (disable + enable) */
    uint64_t aborted;       /* descriptors a reset discarded unexecuted */
    uint64_t late_delivered;
};
struct mdsa_emu_stats mdsa_emu_stats_read(struct mdsa_emu *emu, unsigned wq);

#endif
