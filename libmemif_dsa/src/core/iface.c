/* SPDX-License-Identifier: Apache-2.0 */
#include "iface.h"

static void irq_watch(struct msock *s, struct mconn *c)
{
    for (uint16_t i = 0; i < conn_nrx(c); i++) {
        watch_init(&c->irq[i], W_INTERRUPT, s, conn_rxq(c, i)->int_fd);
        c->irq[i].conn = c;
        c->irq[i].qid = i;
        watch_add(s, &c->irq[i]);
    }
}

static void irq_unwatch(struct msock *s, struct mconn *c)
{
    for (uint16_t i = 0; c->irq && i < conn_nrx(c); i++)
        watch_del(s, &c->irq[i]);
    mdsa_free(&s->al, c->irq);
    c->irq = NULL;
}

static const char *role(const struct mconn *c)
{
    return conn_primary(c) ? "primary" : "secondary";
}

void iface_up(struct mconn *c)
{
    struct msock *s = iface_sock(c);
    c->irq = mdsa_zalloc(&s->al, sizeof *c->irq * (conn_nrx(c) ? conn_nrx(c) : 1));
    if (!c->irq) {
        iface_down(c, "internal error", "out of memory");
        return;
    }
    conn_up(c);
    irq_watch(s, c);
    MDSA_TRACE(&s->trace, "%s id %u: connected to '%s' interface '%s', %u rx and %u tx queues",
               role(c), (unsigned)c->args.interface_id, c->remote_app_name, c->remote_if_name,
               conn_nrx(c), conn_ntx(c));
    if (c->on_connect)
        c->on_connect(c, c->private_ctx);
}

void iface_down(struct mconn *c, const char *peer_reason, const char *reason)
{
    struct msock *s = iface_sock(c);
    if (c->chan) {
        if (peer_reason)
            chan_send_disconnect(c->chan, peer_reason);
        chan_destroy(c->chan);
        c->chan = NULL;
    }
    irq_unwatch(s, c); /* before conn_teardown closes the fds */
    bool was = conn_teardown(c, reason);
    MDSA_TRACE(&s->trace, "%s id %u: %s: %s", role(c), (unsigned)c->args.interface_id,
               was ? "disconnected" : "connection attempt ended", c->reason);
    if (was && c->on_disconnect)
        c->on_disconnect(c, c->private_ctx);
}

int iface_fault(struct mconn *c, const char *reason)
{
    if (conn_fault(c, reason)) {
        struct msock *s = iface_sock(c);
        MDSA_TRACE(&s->trace, "%s id %u: data path fault: %s", role(c),
                   (unsigned)c->args.interface_id, reason);
        sock_kick_work(s);
    }
    return MEMIF_ERR_DISCONNECTED;
}

void iface_run_deferred(struct msock *s)
{
again:
    for (struct mconn *c = s->conns; c; c = c->next)
        if (c->faulted) {
            iface_down(c, c->fault_reason, c->fault_reason);
            goto again; /* the callback may have changed the list */
        }
}
