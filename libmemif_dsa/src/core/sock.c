/* SPDX-License-Identifier: Apache-2.0 */
#include "sock.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "control.h"
#include "errors.h"

void watch_init(struct watch *w, enum watch_kind k, struct msock *s, int fd)
{
    memset(w, 0, sizeof *w);
    w->kind = k;
    w->sock = s;
    w->fd = fd;
}

int watch_add(struct msock *s, struct watch *w)
{
    if (w->added || w->fd < 0)
        return MEMIF_ERR_SUCCESS;
    if (s->args.on_control_fd_update) {
        memif_fd_event_t fde = {.fd = w->fd, .type = MEMIF_FD_EVENT_READ, .private_ctx = w};
        if (s->args.on_control_fd_update(fde, s->private_ctx) < 0)
            return MEMIF_ERR_CB_FDUPDATE;
    } else {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
            return mdsa_syscall_error(errno);
    }
    w->added = true;
    return MEMIF_ERR_SUCCESS;
}

void watch_del(struct msock *s, struct watch *w)
{
    if (!w->added)
        return;
    if (s->args.on_control_fd_update) {
        memif_fd_event_t fde = {.fd = w->fd, .type = MEMIF_FD_EVENT_DEL, .private_ctx = w};
        s->args.on_control_fd_update(fde, s->private_ctx);
    } else {
        epoll_ctl(s->epfd, EPOLL_CTL_DEL, w->fd, NULL);
    }
    w->added = false;
}

void sock_kick_work(struct msock *s)
{
    uint64_t one = 1;
    if (write(s->work_fd, &one, sizeof one) < 0) {
        /* counter saturated: a wake-up is already pending */
    }
}

static int sock_open_fds(struct msock *s)
{
    if (!s->args.on_control_fd_update && (s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return mdsa_syscall_error(errno);
    s->cancel_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->work_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->cancel_fd < 0 || s->work_fd < 0)
        return mdsa_syscall_error(errno);
    watch_init(&s->cw, W_CANCEL, s, s->cancel_fd);
    watch_init(&s->ww, W_WORK, s, s->work_fd);
    int err = watch_add(s, &s->cw);
    return err ? err : watch_add(s, &s->ww);
}

int sock_init(struct msock *s, const memif_socket_args_t *args, void *private_ctx)
{
    s->args = *args;
    mdsa_alloc_init(&s->al, args);
    mdsa_tracer_init(&s->trace);
    /* abstract names: '@name' (libmemif, VPP's "abstract:" maps here too) or
     * a leading NUL followed by the name */
    s->abstract = s->args.path[0] == '@' || (s->args.path[0] == '\0' && s->args.path[1] != '\0');
    if (!s->abstract && s->args.path[0] == '\0')
        strcpy(s->args.path, MDSA_DEFAULT_SOCKET_PATH);
    if (s->args.app_name[0] == '\0')
        strcpy(s->args.app_name, MEMIF_DEFAULT_APP_NAME);
    s->private_ctx = private_ctx;
    ctl_default_limits(&s->limits);
    s->listener_fd = s->timer_fd = s->cancel_fd = s->work_fd = s->epfd = -1;
    int err = sock_open_fds(s);
    if (err)
        sock_fini(s);
    return err;
}

void sock_fini(struct msock *s)
{
    if (s->timer_fd >= 0) {
        watch_del(s, &s->tw);
        close(s->timer_fd);
        s->timer_fd = -1;
    }
    watch_del(s, &s->cw);
    watch_del(s, &s->ww);
    if (s->cancel_fd >= 0)
        close(s->cancel_fd);
    if (s->work_fd >= 0)
        close(s->work_fd);
    if (s->epfd >= 0)
        close(s->epfd);
    s->cancel_fd = s->work_fd = s->epfd = -1;
}

static bool timer_enabled(const struct itimerspec *t)
{
    return t->it_value.tv_sec || t->it_value.tv_nsec || t->it_interval.tv_sec ||
           t->it_interval.tv_nsec;
}

void sock_timer_start(struct msock *s)
{
    if (s->timer_fd >= 0 || !timer_enabled(&s->args.connection_request_timer))
        return;
    s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (s->timer_fd < 0)
        return;
    watch_init(&s->tw, W_TIMER, s, s->timer_fd);
    if (watch_add(s, &s->tw)) {
        close(s->timer_fd);
        s->timer_fd = -1;
        return;
    }
    timerfd_settime(s->timer_fd, 0, &s->args.connection_request_timer, NULL);
}

void sock_timer_set(struct msock *s, struct itimerspec timer)
{
    s->args.connection_request_timer = timer;
    if (s->timer_fd >= 0)
        timerfd_settime(s->timer_fd, 0, &timer, NULL);
    else
        sock_timer_start(s);
}

bool sock_has_primary(const struct msock *s)
{
    for (const struct mconn *c = s->conns; c; c = c->next)
        if (conn_primary(c))
            return true;
    return false;
}
