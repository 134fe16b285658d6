/* SPDX-License-Identifier: Apache-2.0 */
/* Statistics: what one queue counts on its data path, and how that folds
 * into an interface's mdsa_stats_t (whose counters memif_dsa.h declares,
 * once, in MDSA_STATS_COUNTERS). */
#ifndef MDSA_STATS_H
#define MDSA_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "memif_dsa.h"

struct mdsa_qstats {
    uint64_t packets, bytes, buffers;
    uint64_t ring_full;  /* tx: bursts stopped by a full ring */
    uint64_t rollbacks;  /* tx: chains rolled back mid-packet */
    uint64_t irq_sent;   /* tx: eventfd kicks */
    uint64_t irq_recv;   /* rx: eventfd signals consumed */
};

/* Add a transmit (tx) or receive queue's counters to `st`. */
void mdsa_stats_add_queue(mdsa_stats_t *st, const struct mdsa_qstats *q, bool tx);

#endif
