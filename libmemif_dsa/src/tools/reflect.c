/* SPDX-License-Identifier: Apache-2.0 */
/* The reflector behind `memif-dsa reflect`. */
#include <stdlib.h>
#include <string.h>

#include "../common/cpu_relax.h"
#include "clock.h"
#include "mdsa_tools.h"

#define MAX_QUEUES 256

/* Packets received on one queue and not yet sent back, end to end. */
struct hold {
    uint8_t *buf;
    size_t cap, off;
    uint32_t lens[256];
    uint16_t n, i;
};

struct mdsa_tools_reflector {
    memif_conn_handle_t conn;
    memif_socket_handle_t sock;
    uint16_t burst;
    int polling;
    struct hold *holds[MAX_QUEUES];
};

mdsa_tools_reflector_t *mdsa_tools_reflector_new(memif_conn_handle_t conn, uint16_t burst,
                                                 int polling)
{
    if (!conn || burst == 0 || burst > 256 || mdsa_socket_event_fd(memif_get_socket_handle(conn)) < 0)
        return NULL;
    mdsa_tools_reflector_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->conn = conn;
    r->sock = memif_get_socket_handle(conn);
    r->burst = burst;
    r->polling = polling;
    return r;
}

void mdsa_tools_reflector_free(mdsa_tools_reflector_t *r)
{
    if (!r)
        return;
    for (int i = 0; i < MAX_QUEUES; i++)
        if (r->holds[i]) {
            free(r->holds[i]->buf);
            free(r->holds[i]);
        }
    free(r);
}

static struct hold *hold_of(mdsa_tools_reflector_t *r, uint16_t q)
{
    if (!r->holds[q] && (r->holds[q] = calloc(1, sizeof *r->holds[q]))) {
        struct hold *h = r->holds[q];
        h->cap = (size_t)r->burst * 2048 > 65536 ? (size_t)r->burst * 2048 : 65536;
        if (!(h->buf = malloc(h->cap))) {
            free(h);
            r->holds[q] = NULL;
        }
    }
    return r->holds[q];
}

/* Receive a burst into the holding buffer (grown when a packet does not
 * fit).  Packets received, or -1. */
static int receive(mdsa_tools_reflector_t *r, uint16_t q, struct hold *h)
{
    uint16_t n;
    size_t need;
    int err = mdsa_rx_copy_burst(r->conn, q, h->buf, h->cap, h->lens, r->burst, &n, &need);
    if (err == MEMIF_ERR_NOBUF) {
        uint8_t *nb = malloc(need);
        if (!nb)
            return -1;
        free(h->buf);
        h->buf = nb;
        h->cap = need;
        err = mdsa_rx_copy_burst(r->conn, q, h->buf, h->cap, h->lens, r->burst, &n, &need);
    }
    if (err)
        return -1;
    h->n = n;
    h->i = 0;
    h->off = 0;
    return n;
}

/* What the tx ring cannot take yet stays held, nothing is dropped.
 * 1 when something moved, 0 when not, -1 on an error. */
static int reflect_queue(mdsa_tools_reflector_t *r, uint16_t q, uint16_t ntx, uint64_t *reflected)
{
    struct hold *h = hold_of(r, q);
    int act = 0;
    if (!h)
        return -1;
    if (h->i == h->n) {
        int n = receive(r, q, h);
        if (n <= 0)
            return n;
        act = 1;
    }
    uint16_t sent = 0;
    int err = mdsa_tx_copy_burst(r->conn, (uint16_t)(q % ntx), h->buf + h->off, h->lens + h->i,
                                 (uint16_t)(h->n - h->i), MDSA_TX_WAIT, &sent);
    for (uint16_t k = 0; k < sent; k++)
        h->off += h->lens[h->i + k];
    h->i = (uint16_t)(h->i + sent);
    if (err == MEMIF_ERR_INVAL_ARG && h->i < h->n)
        h->off += h->lens[h->i++]; /* larger than the whole tx ring: it can never go back */
    else if (err)
        return -1;
    *reflected += sent;
    return act || sent;
}

/* One pass over the rx queues: *act when a packet moved, *holding when
 * one waits for tx room. */
static void reflect_pass(mdsa_tools_reflector_t *r, uint64_t *reflected, int *act, int *holding)
{
    uint16_t nrx = 0, ntx = 0;
    *act = *holding = 0;
    if (mdsa_queue_counts(r->conn, &nrx, &ntx) || !nrx || !ntx) {
        for (int i = 0; i < MAX_QUEUES; i++) /* link down: drop what was held */
            if (r->holds[i])
                r->holds[i]->n = r->holds[i]->i = 0;
        return;
    }
    for (uint16_t q = 0; q < nrx && mdsa_is_connected(r->conn); q++) {
        if (reflect_queue(r, q, ntx, reflected) > 0)
            *act = 1;
        struct hold *h = r->holds[q];
        *holding |= h && h->i < h->n;
    }
}

int mdsa_tools_reflector_run(mdsa_tools_reflector_t *r, int timeout_ms, uint64_t *reflected)
{
    if (!r || !reflected)
        return MEMIF_ERR_INVAL_ARG;
    uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : tools_now_ns() + (uint64_t)timeout_ms * 1000000;
    unsigned idle = 0;
    for (;;) {
        int act, holding;
        reflect_pass(r, reflected, &act, &holding);
        if (tools_now_ns() >= deadline)
            return MEMIF_ERR_SUCCESS;
        if (act) {
            idle = 0;
            continue;
        }
        if (mdsa_is_connected(r->conn) && (r->polling || holding)) {
            /* nobody will wake us: spin, and serve the control channel
             * every so often */
            mdsa_cpu_relax();
            if (++idle % 1024 == 0)
                memif_poll_event(r->sock, 0);
            continue;
        }
        if (memif_poll_event(r->sock, timeout_ms < 0 ? -1 : 10) == MEMIF_ERR_POLL_CANCEL)
            return MEMIF_ERR_POLL_CANCEL;
    }
}
