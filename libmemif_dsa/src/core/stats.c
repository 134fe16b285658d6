/* SPDX-License-Identifier: Apache-2.0 */
#include "stats.h"

void mdsa_stats_add_queue(mdsa_stats_t *st, const struct mdsa_qstats *q, bool tx)
{
    if (tx) {
        st->tx_packets += q->packets;
        st->tx_bytes += q->bytes;
        st->tx_buffers += q->buffers;
        st->tx_ring_full += q->ring_full;
        st->tx_rollbacks += q->rollbacks;
        st->interrupts_sent += q->irq_sent;
    } else {
        st->rx_packets += q->packets;
        st->rx_bytes += q->bytes;
        st->rx_buffers += q->buffers;
        st->interrupts_received += q->irq_recv;
    }
}
