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
 * to a record (CRAV clear, misaligned or faulting record address) go to a
 * software-error register, as the device's SWERROR.
 */
#ifndef MDSA_DSA_EMU_H
#define MDSA_DSA_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "desc.h"
#include "wq.h"

enum { MDSA_EMU_SUBMIT_AUTO = 0, MDSA_EMU_SUBMIT_PORTAL = 1, MDSA_EMU_SUBMIT_WRITE = 2 };
enum { MDSA_EMU_SIDE_RANDOM = 0, MDSA_EMU_SIDE_READ = 1, MDSA_EMU_SIDE_WRITE = 2 };

/* Emulator configuration.  Config-string keys (comma-separated key=value;
 * unknown keys are rejected):
 *   mode=dedicated|shared    WQ mode (default dedicated)
 *   submit=auto|portal|write portal = MOVDIR64B/ENQCMD-style submit();
 *                            write = mmap refused, only write() (BATCH and
 *                            misaligned records refused); auto = portal
 *   wqs=N                    number of WQs, 1..64 (default 1)
 *   wq_size=N                entries per WQ, 1..4096 (default 128)
 *   threshold=N              shared WQ: occupancy at which submit says
 *                            retry, 1..wq_size (default = wq_size)
 *   max_batch=N              WQ max batch size, 0 or 2..4096 (default 1024;
 *                            0 = batches not supported -> 0x14)
 *   max_xfer=N               WQ max transfer size in bytes (default 2097152)
 *   async=0|1                0: descriptors execute inside submit;
 *                            1: a worker thread per WQ (default 0)
 *   latency_ns=N             async: minimum time from submit to execution
 *   fault_rate=P             probability (0..1) that a data descriptor
 *                            takes a page fault (partial completion 0x03)
 *   fault_offset=N|-1        bytes completed before an injected fault
 *                            (clamped to the size; -1 = random, default)
 *   fault_side=random|read|write  which operand faults (default random)
 *   cr_fault_rate=P          probability that writing a completion record
 *                            faults: SWERROR 0x1a, record delivered late
 *   cr_delay_ns=N            delay of such a late record (default 100000)
 *   batch_fault_rate=P       probability that reading a batch list faults
 *                            at a random member (0x06)
 *   qfull_rate=P             probability that a submission is refused as
 *                            if the queue were full (FULL / RETRY)
 *   block_on_fault=0|1       WQ honours BOF: injected faults are resolved
 *                            and the descriptor succeeds (default 0)
 *   enq_retries=N            write() on a shared WQ: kernel-side retries
 *                            before -EAGAIN (default 32)
 *   seed=N                   PRNG seed for all injection (default 1)
 * Numbers accept decimal or 0x hex; probabilities are decimals. */
struct mdsa_emu_config {
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
/* Set one key.  0, -ENOENT for an unknown key (err untouched), or -EINVAL
 * with a message in err. */
int mdsa_emu_config_set(struct mdsa_emu_config *c, const char *key, const char *val,
                        char *err, size_t errlen);
/* Parse a whole config string on top of *c (NULL or "" = no change).
 * 0 or -EINVAL with a message naming the offending key. */
int mdsa_emu_config_parse(struct mdsa_emu_config *c, const char *s, char *err, size_t errlen);
/* Cross-key checks (threshold <= wq_size, ...). 0 or -EINVAL + message. */
int mdsa_emu_config_check(const struct mdsa_emu_config *c, char *err, size_t errlen);
/* Canonical "key=value,..." form; returns snprintf's result. */
int mdsa_emu_config_format(const struct mdsa_emu_config *c, char *buf, size_t len);
/* The documented key list, one per line, for help output. */
const char *mdsa_emu_config_help(void);

/* Split "k=v,k=v" and call fn for each pair; fn returns 0 or -errno.
 * Shared by every parser of this syntax.  Returns 0 or the first error
 * (with err filled for syntax errors). */
int mdsa_kv_foreach(const char *s, int (*fn)(void *ctx, const char *key, const char *val,
                                             char *err, size_t errlen),
                    void *ctx, char *err, size_t errlen);

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
int mdsa_emu_arm_fault(struct mdsa_emu *emu, unsigned wq, const struct mdsa_emu_fault *f);

/* Software-error register (first error kept, later ones set overflow). */
struct mdsa_emu_swerr {
    uint8_t valid;
    uint8_t overflow;
    uint8_t status;     /* e.g. 0x1a record fault, 0x1b misaligned record */
    uint8_t opcode;
    uint16_t wq;
    uint8_t batch;      /* 1 if raised by a batch member */
    uint32_t index;     /* member index inside the batch */
    uint64_t addr;      /* completion-record address involved */
    uint64_t count;     /* errors raised since the last clear */
};
struct mdsa_emu_swerr mdsa_emu_swerr_read(struct mdsa_emu *emu, int clear);

struct mdsa_emu_stats {
    uint64_t submitted;     /* descriptors accepted by submit()/write() */
    uint64_t executed;      /* top-level descriptors executed */
    uint64_t members;       /* batch members executed */
    uint64_t page_faults;   /* injected or null-page partial completions */
    uint64_t bof_resolved;  /* faults absorbed by block-on-fault */
    uint64_t cr_faults;     /* records delayed or lost */
    uint64_t batch_faults;  /* 0x06 */
    uint64_t refused;       /* FULL/RETRY answers (injected or real) */
    uint64_t late_delivered;
};
struct mdsa_emu_stats mdsa_emu_stats_read(struct mdsa_emu *emu, unsigned wq);

#endif
