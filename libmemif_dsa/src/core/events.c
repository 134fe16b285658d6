/* SPDX-License-Identifier: Apache-2.0 */
#include "events.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "chan.h"
#include "control.h"
#include "endpoint.h"
#include "errors.h"
#include "iface.h"

/* End a channel: a bound one takes its interface down, an unidentified
 * one just goes. */
static void channel_close(struct mchannel *ch, const char *peer_reason, const char *reason,
                          bool violation)
{
    struct mconn *c = ch->ctl.conn;
    if (c && c->chan == ch) {
        if (violation)
            c->violations++;
        iface_down(c, peer_reason, reason);
        return;
    }
    chan_pending_unlink(ch->sock, ch);
    if (peer_reason)
        chan_send_disconnect(ch, peer_reason);
    chan_destroy(ch);
}

/* Carry out what the handshake decided. */
static void channel_act(struct mchannel *ch, const struct ctl_out *o)
{
    if (o->verdict == CTL_CLOSE) {
        channel_close(ch, o->peer_reason, o->reason, o->violation);
        return;
    }
    if (o->verdict == CTL_BOUND) {
        chan_pending_unlink(ch->sock, ch);
        ch->ctl.conn->chan = ch;
    }
    if (o->send && chan_send(ch, &o->msg, o->fd)) {
        channel_close(ch, NULL, "control channel send failed", false);
        return;
    }
    if (o->verdict == CTL_UP)
        iface_up(ch->ctl.conn);
}

static int channel_readable(struct mchannel *ch)
{
    memif_msg_t m;
    size_t len;
    int fd;
    const char *why = NULL;
    int r = chan_recv(ch, &m, &len, &fd, &why);
    if (r < 0)
        channel_close(ch, NULL, why, false);
    if (r <= 0)
        return MEMIF_ERR_SUCCESS;
    struct ctl_out o;
    ctl_receive(&ch->ctl, &m, len, fd, &o);
    channel_act(ch, &o);
    return MEMIF_ERR_SUCCESS;
}

static int interrupt_fired(struct watch *w)
{
    struct mconn *c = w->conn;
    uint64_t n;
    if (read(w->fd, &n, sizeof n) < 0 && errno != EAGAIN)
        return mdsa_syscall_error(errno);
    conn_rxq(c, w->qid)->st.irq_recv++;
    if (c->on_interrupt)
        return c->on_interrupt(c, c->private_ctx, w->qid);
    return MEMIF_ERR_SUCCESS;
}

static void drain(int fd)
{
    uint64_t n;
    if (read(fd, &n, sizeof n) < 0) {
        /* already drained */
    }
}

int events_dispatch(struct watch *w, memif_fd_event_type_t events)
{
    (void)events;
    switch (w->kind) {
    case W_LISTENER:
        return endpoint_accept(w->sock);
    case W_CONTROL:
        return channel_readable(w->chan);
    case W_INTERRUPT:
        return interrupt_fired(w);
    case W_TIMER:
        drain(w->fd);
        endpoint_retry(w->sock);
        return MEMIF_ERR_SUCCESS;
    case W_CANCEL:
        drain(w->fd);
        return MEMIF_ERR_POLL_CANCEL;
    case W_WORK:
        drain(w->fd);
        iface_run_deferred(w->sock);
        return MEMIF_ERR_SUCCESS;
    }
    return MEMIF_ERR_INVAL_ARG;
}

static memif_fd_event_type_t event_type(uint32_t ev)
{
    memif_fd_event_type_t t = 0;
    if (ev & EPOLLIN)
        t |= MEMIF_FD_EVENT_READ;
    if (ev & EPOLLOUT)
        t |= MEMIF_FD_EVENT_WRITE;
    if (ev & (EPOLLERR | EPOLLHUP))
        t |= MEMIF_FD_EVENT_ERROR;
    return t;
}

int events_poll(struct msock *s, int timeout_ms)
{
    struct epoll_event ev;
    int n = epoll_wait(s->epfd, &ev, 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? MEMIF_ERR_SUCCESS : mdsa_syscall_error(errno);
    if (n == 0)
        return MEMIF_ERR_SUCCESS;
    return events_dispatch(ev.data.ptr, event_type(ev.events));
}

int events_drain(struct msock *s, int max)
{
    int n = 0;
    struct epoll_event ev;
    while (n < max && epoll_wait(s->epfd, &ev, 1, 0) == 1) {
        events_dispatch(ev.data.ptr, event_type(ev.events) | MEMIF_FD_EVENT_READ);
        n++;
    }
    return n;
}
