/* Interfaces: creation and deletion, connection requests, teardown (from
 * the control channel or deferred from the data path), waiting helpers and
 * the copy-engine choice. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

uint64_t mdsa_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool conn_live(const struct mconn *c)
{
    return c && c->connected && !c->faulted;
}

int conn_queue(struct mconn *c, uint16_t qid, bool tx, struct mqueue **q)
{
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (!conn_live(c))
        return MEMIF_ERR_DISCONNECTED;
    if (qid >= (tx ? conn_ntx(c) : conn_nrx(c)))
        return MEMIF_ERR_QID;
    *q = tx ? conn_txq(c, qid) : conn_rxq(c, qid);
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
    if (args->log2_ring_size > MEMIF_MAX_LOG2_RING)
        return MEMIF_ERR_MAX_RING;
    if ((unsigned)args->mode > MEMIF_INTERFACE_MODE_PUNT_INJECT)
        return MEMIF_ERR_INVAL_ARG;
    int role = args->is_master ? 1 : 0;
    if (s->role != -1 && s->role != role)
        return MEMIF_ERR_INVAL_ARG; /* one socket is a listener or a client */
    if (args->is_master)
        for (struct mconn *o = s->conns; o; o = o->next)
            if (o->args.interface_id == args->interface_id)
                return MEMIF_ERR_INVAL_ARG; /* ids identify interfaces on a socket */

    struct mconn *c = ms_alloc(s, sizeof *c);
    if (!c)
        return MEMIF_ERR_NOMEM;
    c->sock = s;
    c->args = *args;
    if (!c->args.num_s2m_rings)
        c->args.num_s2m_rings = 1;
    if (!c->args.num_m2s_rings)
        c->args.num_m2s_rings = 1;
    if (!c->args.buffer_size)
        c->args.buffer_size = 2048;
    if (!c->args.log2_ring_size)
        c->args.log2_ring_size = 10;
    c->on_connect = on_connect;
    c->on_disconnect = on_disconnect;
    c->on_interrupt = on_interrupt;
    c->private_ctx = private_ctx;
    c->engine = mdsa_engine_cpu_create();
    if (!c->engine) {
        ms_free(s, c);
        return MEMIF_ERR_NOMEM;
    }
    int prev_role = s->role;
    s->role = role;
    if (args->is_master) {
        int err = sock_ensure_listener(s);
        if (err) {
            s->role = prev_role;
            c->engine->ops->destroy(c->engine);
            ms_free(s, c);
            return err;
        }
    }
    c->next = s->conns;
    s->conns = c;
    *conn = c;
    if (!args->is_master) {
        sock_timer_update(s);
        sock_connect(c); /* a refused attempt is retried on the timer */
    }
    return MEMIF_ERR_SUCCESS;
}

int memif_request_connection(memif_conn_handle_t conn)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (c->args.is_master)
        return MEMIF_ERR_INVAL_ARG;
    return sock_connect(c);
}

memif_socket_handle_t memif_get_socket_handle(memif_conn_handle_t conn)
{
    return conn ? ((struct mconn *)conn)->sock : NULL;
}

void conn_disconnect(struct mconn *c, const char *send_reason, const char *local_reason)
{
    if (c->chan) {
        if (send_reason)
            chan_send_disconnect(c->chan, send_reason);
        chan_destroy(c->chan);
        c->chan = NULL;
    }
    bool was = c->connected;
    c->connected = false;
    c->faulted = false;
    if (local_reason)
        snprintf(c->reason, sizeof c->reason, "%s", local_reason);
    /* the engine may still be writing into shared memory */
    if (c->engine && c->tickets)
        mdsa_engine_wait(c->engine, c->last_ticket);
    shm_free(c);
    if (was) {
        c->disconnects++;
        if (c->on_disconnect)
            c->on_disconnect(c, c->private_ctx);
    }
}

void conn_fault(struct mconn *c, const char *reason)
{
    if (!c->connected || c->faulted)
        return;
    c->faulted = true;
    c->violations++;
    snprintf(c->fault_reason, sizeof c->fault_reason, "%s", reason);
    sock_kick_work(c->sock);
}

void conn_run_deferred(struct msock *s)
{
again:
    for (struct mconn *c = s->conns; c; c = c->next)
        if (c->faulted) {
            conn_disconnect(c, c->fault_reason, c->fault_reason);
            goto again; /* the callback may have changed the list */
        }
}

int memif_delete(memif_conn_handle_t *conn)
{
    if (!conn || !*conn)
        return MEMIF_ERR_NOCONN;
    struct mconn *c = *conn;
    struct msock *s = c->sock;
    if (c->chan || c->connected)
        conn_disconnect(c, "interface deleted", "interface deleted");
    for (struct mconn **pp = &s->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    if (c->engine)
        c->engine->ops->destroy(c->engine);
    if (!s->conns) {
        /* the socket goes back to its initial state: stop listening and
         * answer no one, so the path disappears with the last interface */
        while (s->pending) {
            struct mchannel *ch = s->pending;
            s->pending = ch->next;
            chan_destroy(ch);
        }
        s->npending = 0;
        if (s->role == 1 && s->own_listener)
            sock_close_listener(s);
        s->role = -1;
    }
    ms_free(s, c);
    *conn = NULL;
    return MEMIF_ERR_SUCCESS;
}

static int remaining_ms(uint64_t deadline)
{
    if (deadline == UINT64_MAX)
        return -1;
    uint64_t now = mdsa_now_ns();
    if (now >= deadline)
        return 0;
    uint64_t ms = (deadline - now + 999999) / 1000000;
    return ms > 1000000 ? 1000000 : (int)ms;
}

uint64_t mdsa_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? UINT64_MAX : mdsa_now_ns() + (uint64_t)timeout_ms * 1000000ull;
}

int mdsa_wait_connected(memif_conn_handle_t conn, int timeout_ms)
{
    struct mconn *c = conn;
    if (!c)
        return MEMIF_ERR_NOCONN;
    if (c->sock->epfd < 0)
        return MEMIF_ERR_INVAL_ARG;
    uint64_t deadline = mdsa_deadline(timeout_ms);
    while (!c->connected || c->faulted) {
        conn_run_deferred(c->sock);
        int ms = remaining_ms(deadline);
        if (ms == 0)
            return MEMIF_ERR_AGAIN;
        int err = memif_poll_event(c->sock, ms);
        if (err == MEMIF_ERR_POLL_CANCEL)
            return err;
    }
    return MEMIF_ERR_SUCCESS;
}

int mdsa_poll_until(struct msock *s, uint64_t deadline)
{
    return memif_poll_event(s, remaining_ms(deadline));
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
    struct mconn *c = conn;
    if (err && errlen)
        err[0] = '\0';
    if (!c || !engine)
        return MEMIF_ERR_INVAL_ARG;
    if (c->tickets && c->engine->ops->poll(c->engine, c->last_ticket) != 1) {
        if (err && errlen)
            snprintf(err, errlen, "copies are still in flight");
        return MEMIF_ERR_AGAIN;
    }
    mdsa_engine_t *e = mdsa_engine_create(engine, config, threshold, err, errlen);
    if (!e)
        return MEMIF_ERR_INVAL_ARG;
    c->engine->ops->destroy(c->engine);
    c->engine = e;
    c->tickets = 0;
    c->last_ticket = 0;
    for (uint16_t i = 0; c->connected && i < conn_ntx(c); i++) {
        struct mqueue *q = conn_txq(c, i);
        q->inflight_head = q->inflight_tail = 0;
    }
    return MEMIF_ERR_SUCCESS;
}

const char *mdsa_engine_backend(memif_conn_handle_t conn)
{
    struct mconn *c = conn;
    return c && c->engine ? c->engine->ops->backend(c->engine) : "";
}
