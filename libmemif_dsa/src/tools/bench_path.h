/* SPDX-License-Identifier: Apache-2.0 */
/* One data path of the benchmark: how a burst is sent and received.  The
 * loops, the window and the clocks (bench.c) are the same for every path. */
#ifndef MDSA_BENCH_PATH_H
#define MDSA_BENCH_PATH_H

#include <stdint.h>

#include "mdsa_bench.h"

struct bench_tx {
    memif_conn_handle_t conn;
    uint16_t qid, burst;
    uint32_t frame_size;
    uint8_t *frames;        /* `burst` frames end to end (the payload template) */
    uint32_t *lens;
    memif_buffer_t *bufs;   /* zero-copy path: room for a burst of chains */
    uint32_t nbufs;
    int phases;             /* time the steps (MDSA_TOOLS_BENCH_PHASES) */
    uint64_t phase_ns[3];
};

struct bench_rx {
    memif_conn_handle_t conn;
    uint16_t qid, burst;
    uint8_t *buf;           /* copy path: where a burst lands */
    size_t cap;
    uint32_t *lens;
    memif_buffer_t *bufs;   /* zero-copy path */
    uint64_t sink;          /* what the zero-copy receiver read (kept, so it is read) */
    int mid_chain;          /* the last buffer seen continues in the next one */
    int phases;
    uint64_t phase_ns[3];   /* of the last burst that moved packets */
};

/* Send one burst: *sent packets.  A memif_err_t; a full ring is not an error. */
typedef int bench_tx_fn(struct bench_tx *t, uint16_t *sent);
/* Receive one burst: *pk whole packets, *bytes bytes.  A memif_err_t. */
typedef int bench_rx_fn(struct bench_rx *r, uint64_t *pk, uint64_t *bytes);

/* bench_zc.c */
int bench_zc_tx_setup(struct bench_tx *t);
bench_tx_fn bench_zc_tx;
int bench_zc_rx_setup(struct bench_rx *r);
bench_rx_fn bench_zc_rx;

#endif
