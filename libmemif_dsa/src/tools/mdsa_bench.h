/* SPDX-License-Identifier: Apache-2.0 */
/* mdsa_bench.h — the transmit and receive loops behind `memif-dsa bench`
 * (bench.c: the window and our copying bursts; bench_zc.c: the libmemif
 * zero-copy buffer API).  One call runs one queue for a whole measurement
 * in C; the benchmark runs one such call per queue, each in its own
 * pinned thread.  Tools, not the library's ABI (see mdsa_tools.h). */
#ifndef MDSA_BENCH_H
#define MDSA_BENCH_H

#include <stdint.h>

#include "libmemif.h"
#include "memif_dsa.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t packets;     /* tx: sent in the run; rx: received in the window */
    uint64_t bytes;       /* packet bytes (frame bytes, as the lengths say) */
    uint64_t bursts;      /* calls that moved at least one packet */
    uint64_t empty_polls; /* rx: polls that found nothing; tx: bursts the ring had no room for */
    uint64_t elapsed_ns;  /* tx: the run; rx: the window */
    uint64_t cpu_ns;      /* this thread's CPU time (user + system) over the same span */
    /* With MDSA_TOOLS_BENCH_PHASES, zero-copy path, bursts that moved
     * packets (rx: in the window): wall time in each step.  tx: buffer
     * alloc, payload writes, memif_tx_burst; rx: memif_rx_burst, payload
     * reads, memif_refill_queue. */
    uint64_t phase_ns[3];
} mdsa_tools_bench_result_t;

/* Data path of a run (flags): */
#define MDSA_TOOLS_BENCH_COPY 0 /* mdsa_tx_copy_burst / mdsa_rx_copy_burst (our copy engine) */
#define MDSA_TOOLS_BENCH_ZC 1   /* memif_buffer_alloc + write the payload + memif_tx_burst;
                                 * memif_rx_burst + read each packet's first 8 bytes +
                                 * memif_refill_queue (the libmemif 4.0 API, as applications
                                 * use it) */
#define MDSA_TOOLS_BENCH_YIELD 2 /* sched_yield() after an idle poll: for threads that share
                                  * a core (one system call per idle poll) */
#define MDSA_TOOLS_BENCH_PHASES 4 /* time the steps of each burst (phase_ns; a clock read
                                   * between steps costs ~20 ns per burst) */

/* Transmit `frame_size`-byte frames (1..65535) on tx queue `qid`, `burst`
 * (1..256) at a time, for `duration_ns`, polling. */
int mdsa_tools_bench_tx(memif_conn_handle_t conn, uint16_t qid, uint32_t frame_size,
                        uint16_t burst, uint64_t duration_ns, uint32_t flags,
                        mdsa_tools_bench_result_t *res);
/* Receive on rx queue `qid`; count only what arrives in the window
 * [first packet + warmup_ns, + duration_ns].  Gives up after `idle_ns`
 * without a packet (before the first one, too). */
int mdsa_tools_bench_rx(memif_conn_handle_t conn, uint16_t qid, uint16_t burst,
                        uint64_t warmup_ns, uint64_t duration_ns, uint64_t idle_ns,
                        uint32_t flags, mdsa_tools_bench_result_t *res);

#ifdef __cplusplus
}
#endif

#endif
