/* SPDX-License-Identifier: Apache-2.0 */
/* Our additions for testing other memif implementations (memif_dsa.h,
 * "test knobs"): a secondary's shared-memory layout and ring size beyond
 * libmemif's, a primary's HELLO limits. */
#include "conn.h"
#include "control.h"
#include "memif_dsa.h"
#include "shm_layout.h"
#include "sock.h"

int mdsa_set_layout(memif_conn_handle_t conn, const mdsa_layout_t *layout)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    mdsa_layout_t lo = {0};
    if (layout)
        lo = *layout;
    if (conn_primary(c) || shm_layout_check(&lo, c->args.buffer_size))
        return MEMIF_ERR_INVAL_ARG;
    c->layout = lo; /* from the next connection on */
    return MEMIF_ERR_SUCCESS;
}

int mdsa_set_log2_ring_size(memif_conn_handle_t conn, uint8_t log2)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (conn_primary(c) || log2 < 1 || log2 > MEMIF_MAX_LOG2_RING_HARD)
        return MEMIF_ERR_INVAL_ARG;
    c->log2_want = log2;
    return MEMIF_ERR_SUCCESS;
}

int mdsa_set_hello_limits(memif_socket_handle_t sock, const mdsa_hello_limits_t *limits)
{
    struct msock *s = sock;
    if (!s)
        return MEMIF_ERR_INVAL_ARG;
    if (!limits) {
        ctl_default_limits(&s->limits);
        return MEMIF_ERR_SUCCESS;
    }
    if (limits->max_log2_ring_size > MEMIF_MAX_LOG2_RING_HARD)
        return MEMIF_ERR_INVAL_ARG;
    s->limits = *limits; /* for the next connections */
    return MEMIF_ERR_SUCCESS;
}
