/* SPDX-License-Identifier: Apache-2.0 */
/* The libmemif 4.0 interface functions (create, delete, connection
 * requests, receive mode, queue fds) and our interface additions
 * (waiting, state, copy engine). */
#include <stdio.h>

#include "chan.h"
#include "clock.h"
#include "conn.h"
#include "endpoint.h"
#include "events.h"
#include "iface.h"
#include "libmemif.h"
#include "memif_dsa.h"
#include "sock.h"

static int add_iface(struct msock *s, struct mconn *c)
{
    if (conn_primary(c)) {
        /* ids identify primaries on a socket (a secondary may share one) */
        if (conn_find_primary(s->conns, c->args.interface_id))
            return MEMIF_ERR_INVAL_ARG;
        int err = endpoint_listen(s);
        if (err)
            return err;
    }
    c->next = s->conns;
    s->conns = c;
    if (!conn_primary(c)) {
        sock_timer_start(s);
        endpoint_connect(c); /* a refused attempt is retried on the timer */
    }
    return MEMIF_ERR_SUCCESS;
}

int memif_create(memif_conn_handle_t *conn, memif_conn_args_t *args,
                 memif_connection_update_t *on_connect, memif_connection_update_t *on_disconnect,
                 memif_on_interrupt_t *on_interrupt, void *private_ctx)
{
    if (!conn || !args)
        return MEMIF_ERR_INVAL_ARG;
    if (*conn)
        return MEMIF_ERR_CONN;
    struct msock *s = args->socket;
    if (!s)
        return MEMIF_ERR_INVAL_ARG;
    struct mconn *c = mdsa_zalloc(&s->al, sizeof *c);
    if (!c)
        return MEMIF_ERR_NOMEM;
    int err = conn_init(c, args, &s->al, &s->ext, &s->trace, private_ctx);
    c->on_connect = on_connect;
    c->on_disconnect = on_disconnect;
    c->on_interrupt = on_interrupt;
    if (!err)
        err = add_iface(s, c);
    if (err) {
        conn_destroy(c);
        mdsa_free(&s->al, c);
        return err;
    }
    *conn = c;
    return MEMIF_ERR_SUCCESS;
}

int memif_delete(memif_conn_handle_t *conn)
{
    if (!conn || !*conn)
        return MEMIF_ERR_NOCONN;
    struct mconn *c = *conn;
    struct msock *s = iface_sock(c);
    if (c->chan || c->connected)
        iface_down(c, "interface deleted", "interface deleted");
    for (struct mconn **pp = &s->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    conn_destroy(c);
    if (!sock_has_primary(s)) {
        /* stop listening and answer no one: the path disappears with the
         * last primary */
        chan_pending_clear(s);
        if (s->own_listener)
            endpoint_close_listener(s);
    }
    mdsa_free(&s->al, c);
    *conn = NULL;
    return MEMIF_ERR_SUCCESS;
}

int memif_request_connection(memif_conn_handle_t conn)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (conn_primary(c))
        return endpoint_listen(iface_sock(c)); /* a primary waits on the listener */
    return endpoint_connect(c);
}

memif_socket_handle_t memif_get_socket_handle(memif_conn_handle_t conn)
{
    return conn ? ((struct mconn *)conn)->args.socket : NULL;
}

int memif_set_rx_mode(memif_conn_handle_t conn, memif_rx_mode_t rx_mode, uint16_t qid)
{
    if (!conn)
        return MEMIF_ERR_NOCONN;
    if (rx_mode != MEMIF_RX_MODE_INTERRUPT && rx_mode != MEMIF_RX_MODE_POLLING)
        return MEMIF_ERR_INVAL_ARG;
    return conn_set_rx_mode(conn, qid, rx_mode == MEMIF_RX_MODE_POLLING);
}

int memif_get_queue_efd(memif_conn_handle_t conn, uint16_t qid, int *fd)
{
    struct mqueue *q;
    int err = conn_queue(conn, qid, false, &q);
    if (err)
        return err;
    if (!fd)
        return MEMIF_ERR_INVAL_ARG;
    *fd = q->int_fd;
    return MEMIF_ERR_SUCCESS;
}

int mdsa_wait_connected(memif_conn_handle_t conn, int timeout_ms)
{
    struct mconn *c = conn;
    int err;
    struct msock *s = iface_own_loop(c, &err);
    if (!s)
        return err;
    uint64_t deadline = mdsa_deadline(timeout_ms);
    while (!conn_live(c)) {
        iface_run_deferred(s);
        int ms = mdsa_remaining_ms(deadline);
        if (ms == 0)
            return MEMIF_ERR_AGAIN;
        if (events_poll(s, ms) == MEMIF_ERR_POLL_CANCEL)
            return MEMIF_ERR_POLL_CANCEL;
    }
    return MEMIF_ERR_SUCCESS;
}

int mdsa_is_connected(memif_conn_handle_t conn)
{
    return conn_live(conn);
}

const char *mdsa_disconnect_reason(memif_conn_handle_t conn)
{
    struct mconn *c = conn;
    if (!c)
        return "";
    return c->faulted ? c->fault_reason : c->reason; /* teardown may still be pending */
}

int mdsa_queue_counts(memif_conn_handle_t conn, uint16_t *rx_queues, uint16_t *tx_queues)
{
    struct mconn *c = conn;
    if (!c || !rx_queues || !tx_queues)
        return MEMIF_ERR_INVAL_ARG;
    bool up = conn_live(c);
    *rx_queues = up ? conn_nrx(c) : 0;
    *tx_queues = up ? conn_ntx(c) : 0;
    return MEMIF_ERR_SUCCESS;
}

int mdsa_set_engine(memif_conn_handle_t conn, const char *engine, const char *config,
                    uint32_t threshold, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!conn || !engine)
        return MEMIF_ERR_INVAL_ARG;
    return conn_set_engine(conn, engine, config, threshold, err, errlen);
}

int mdsa_set_refuse_unsealed(memif_conn_handle_t conn, int refuse)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    c->shm.refuse_unsealed = refuse != 0; /* checked at the next ADD_REGION */
    return MEMIF_ERR_SUCCESS;
}

int mdsa_disconnect(memif_conn_handle_t conn, const char *reason)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (!c->chan && !c->connected)
        return MEMIF_ERR_DISCONNECTED;
    iface_down(c, reason, reason ? reason : "closed by us without a DISCONNECT");
    return MEMIF_ERR_SUCCESS;
}

const char *mdsa_engine_name(memif_conn_handle_t conn)
{
    struct mconn *c = conn;
    return c && c->cp.engine ? c->cp.engine->ops->backend(c->cp.engine) : "";
}

const char *mdsa_engine_backend(memif_conn_handle_t conn)
{
    return mdsa_engine_name(conn);
}
