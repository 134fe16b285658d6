/* SPDX-License-Identifier: Apache-2.0 */
/* soak.h — the C loop behind `memif-dsa soak`: packets of random sizes,
 * both directions, every queue, each carrying its stream, a sequence
 * number and a hash, checked on arrival.  Lost, corrupted, duplicated,
 * reordered and misrouted packets are counted; a clean run has all five
 * at zero.  No Python runs per packet: Python calls mdsa_tools_soak_run()
 * once per progress step.
 *
 * Written only against the public API, like the other tools (mdsa_tools.h).
 *
 * Packet format (little endian), for packets of at least 16 bytes:
 *   0: u64 stream << 48 | sequence number (per stream, from 0)
 *   8: u32 hash of bytes 0..7, the length and bytes 16.. (the payload)
 *  12: u32 length
 *  16: payload, pseudo-random from (seed, stream, sequence)
 * A packet shorter than 16 bytes is the first bytes of that header with
 * the hash taken over the full header: the receiver knows which sequence
 * numbers are short (sizes come from a per-stream generator with the run's
 * seed), so it checks a short packet against the one it expects next. */
#ifndef MDSA_TOOLS_SOAK_H
#define MDSA_TOOLS_SOAK_H

#include <stddef.h>
#include <stdint.h>

#include "libmemif.h"
#include "memif_dsa.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MDSA_TOOLS_SOAK_HEADER 16

typedef struct {
    uint64_t packets;  /* to send in all, over every stream (direction x queue) */
    uint64_t seed;     /* sizes and payloads */
    uint32_t min_size; /* packet sizes, uniform in [min_size, max_size] */
    uint32_t max_size; /* at most 65535 */
    uint16_t burst;    /* packets per tx/rx call, 1..256 */
    uint32_t buffer_size; /* the receivers' buffer size: only to count chained packets */
    uint32_t inject;   /* MDSA_TOOLS_SOAK_INJECT_* (0 in a real run): the checker's own test */
} mdsa_tools_soak_config_t;

/* Mistakes the sender makes on purpose in the first burst of the first
 * stream, so a test can see the checker count each one (a checker that
 * always says zero would pass every soak). */
#define MDSA_TOOLS_SOAK_INJECT_DROP 1u     /* seq 5 never sent: lost 1 */
#define MDSA_TOOLS_SOAK_INJECT_DUP 2u      /* seq 0 sent again: duplicated 1 */
#define MDSA_TOOLS_SOAK_INJECT_SWAP 4u     /* seq 3 before seq 2: reordered 1 */
#define MDSA_TOOLS_SOAK_INJECT_CORRUPT 8u  /* a byte of seq 7 flipped: corrupted 1 (and lost 1) */
#define MDSA_TOOLS_SOAK_INJECT_MISROUTE 16u /* a packet of a stream that does not exist: misrouted 1 */

typedef struct {
    uint64_t planned;    /* packets the run will send */
    uint64_t sent;       /* queued so far */
    uint64_t received;   /* arrived so far (every arrival, good or bad) */
    uint64_t bytes;      /* bytes received */
    uint64_t chained;    /* sent packets longer than one buffer of the receiver's ring */
    uint64_t lost;       /* sent, never arrived (final only after the run is done) */
    uint64_t corrupted;  /* wrong length, hash or header bytes */
    uint64_t duplicated; /* a sequence number that had already arrived */
    uint64_t reordered;  /* arrived after a later one of its stream */
    uint64_t misrouted;  /* carried another stream's number (queue or direction) */
    uint64_t ring_full;  /* tx calls that could not queue the whole burst */
    uint64_t elapsed_ns; /* time spent inside mdsa_tools_soak_run */
    uint32_t streams;
    int done;            /* everything sent, flushed and received */
} mdsa_tools_soak_result_t;

typedef struct mdsa_tools_soak mdsa_tools_soak_t;

/* A soak between two connected interfaces of this process: `a`'s tx queue
 * i feeds `b`'s rx queue i and back (every queue both have).  NULL on bad
 * arguments (a message in err), no memory, or interfaces not connected. */
mdsa_tools_soak_t *mdsa_tools_soak_new(memif_conn_handle_t a, memif_conn_handle_t b,
                                       const mdsa_tools_soak_config_t *cfg, char *err,
                                       size_t errlen);
/* Run for about `budget_ns` (or until done); *res is the running total.
 * Returns MEMIF_ERR_SUCCESS or the error of a tx/rx call (the interface
 * went down: the counts say what was lost). */
int mdsa_tools_soak_run(mdsa_tools_soak_t *s, uint64_t budget_ns, mdsa_tools_soak_result_t *res);
void mdsa_tools_soak_free(mdsa_tools_soak_t *s);

#ifdef __cplusplus
}
#endif

#endif
