/* Sockets: the listener (master) or client (slave) endpoint, fd watching
 * (application callback or internal epoll), event dispatch, reconnection
 * timer, and poll cancellation. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_SOCKET_PATH "/run/vpp/memif.sock"

static void sock_err(struct msock *s, const char *fmt, const char *arg, int err)
{
    snprintf(s->errmsg, sizeof s->errmsg, fmt, arg, strerror(err));
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

static void watch_init(struct watch *w, enum watch_kind k, struct msock *s, int fd)
{
    memset(w, 0, sizeof *w);
    w->kind = k;
    w->sock = s;
    w->fd = fd;
}

void sock_kick_work(struct msock *s)
{
    uint64_t one = 1;
    if (write(s->work_fd, &one, sizeof one) < 0) {
        /* counter saturated: a wake-up is already pending */
    }
}

/* Fill a sockaddr for a file path or an abstract name ('@' or '\0' first);
 * abstract names are length-exact, as libmemif and VPP expect. */
static int sock_addr(const struct msock *s, struct sockaddr_un *sa, socklen_t *len)
{
    const char *p = s->args.path;
    size_t n = strnlen(p, sizeof s->args.path);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (s->abstract) {
        /* args.path[0] is '@' or '\0'; the name follows */
        n = strnlen(p + 1, sizeof s->args.path - 1);
        if (n == 0 || n + 1 > sizeof sa->sun_path)
            return MEMIF_ERR_INVAL_ARG;
        memcpy(sa->sun_path + 1, p + 1, n);
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
        return MEMIF_ERR_SUCCESS;
    }
    if (n == 0 || n >= sizeof sa->sun_path)
        return MEMIF_ERR_INVAL_ARG;
    memcpy(sa->sun_path, p, n);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return MEMIF_ERR_SUCCESS;
}

/* A socket file left by a dead listener refuses connections: remove it.
 * A live one is in use: refuse to steal it. */
static int sock_clear_stale(struct msock *s, const struct sockaddr_un *sa, socklen_t len)
{
    struct stat st;
    if (stat(s->args.path, &st) < 0)
        return errno == ENOENT ? MEMIF_ERR_SUCCESS : mdsa_syscall_error(errno);
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s exists and is not a socket", s->args.path);
        return MEMIF_ERR_FILE_NOT_SOCK;
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return mdsa_syscall_error(errno);
    int r = connect(fd, (const struct sockaddr *)sa, len);
    int e = errno;
    close(fd);
    if (r == 0 || e == EAGAIN) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s is in use by a live listener", s->args.path);
        return MEMIF_ERR_ALREADY;
    }
    if (e == ECONNREFUSED || e == EPROTOTYPE) {
        if (unlink(s->args.path) < 0 && errno != ENOENT)
            return mdsa_syscall_error(errno);
        return MEMIF_ERR_SUCCESS;
    }
    return mdsa_syscall_error(e);
}

int sock_ensure_listener(struct msock *s)
{
    if (s->listener_fd >= 0)
        return MEMIF_ERR_SUCCESS;
    struct sockaddr_un sa;
    socklen_t len;
    int err = sock_addr(s, &sa, &len);
    if (err)
        return err;
    if (!s->abstract && (err = sock_clear_stale(s, &sa, len)))
        return err;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return mdsa_syscall_error(errno);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 32) < 0) {
        int e = errno;
        sock_err(s, "cannot listen on %s: %s", s->args.path[0] ? s->args.path : s->args.path + 1, e);
        close(fd);
        return e == EADDRINUSE ? MEMIF_ERR_ALREADY : mdsa_syscall_error(e);
    }
    s->listener_fd = fd;
    s->own_listener = true;
    watch_init(&s->lw, W_LISTENER, s, fd);
    if ((err = watch_add(s, &s->lw))) {
        close(fd);
        s->listener_fd = -1;
        return err;
    }
    return MEMIF_ERR_SUCCESS;
}

int sock_connect(struct mconn *c)
{
    struct msock *s = c->sock;
    struct sockaddr_un sa;
    socklen_t len;
    if (c->chan)
        return MEMIF_ERR_ALREADY;
    int err = sock_addr(s, &sa, &len);
    if (err)
        return err;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return mdsa_syscall_error(errno);
    if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
        int e = errno;
        close(fd);
        return mdsa_syscall_error(e == EAGAIN ? ECONNREFUSED : e);
    }
    struct mchannel *ch = chan_new(s, fd, CH_S_WAIT_HELLO);
    if (!ch) {
        close(fd);
        return MEMIF_ERR_NOMEM;
    }
    ch->conn = c;
    c->chan = ch;
    if ((err = watch_add(s, &ch->w))) {
        c->chan = NULL;
        chan_destroy(ch);
        return err;
    }
    return MEMIF_ERR_SUCCESS;
}

static bool timer_enabled(const struct itimerspec *t)
{
    return t->it_value.tv_sec || t->it_value.tv_nsec || t->it_interval.tv_sec ||
           t->it_interval.tv_nsec;
}

/* Slaves retry connecting on the socket's timer; the master never needs it. */
void sock_timer_update(struct msock *s)
{
    if (s->role != 0 || !timer_enabled(&s->args.connection_request_timer))
        return;
    if (s->timer_fd < 0) {
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
}

int memif_set_connection_request_timer(memif_socket_handle_t sock, struct itimerspec timer)
{
    struct msock *s = sock;
    if (!s)
        return MEMIF_ERR_INVAL_ARG;
    s->args.connection_request_timer = timer;
    if (s->timer_fd >= 0)
        timerfd_settime(s->timer_fd, 0, &timer, NULL);
    else
        sock_timer_update(s);
    return MEMIF_ERR_SUCCESS;
}

static void *default_alloc(size_t n) { return malloc(n); }
static void *default_realloc(void *p, size_t n) { return realloc(p, n); }
static void default_free(void *p) { free(p); }

int memif_create_socket(memif_socket_handle_t *sock, memif_socket_args_t *args, void *private_ctx)
{
    if (!sock || !args)
        return MEMIF_ERR_INVAL_ARG;
    if (strnlen(args->path, sizeof args->path) == sizeof args->path ||
        strnlen(args->app_name, sizeof args->app_name) == sizeof args->app_name)
        return MEMIF_ERR_INVAL_ARG;
    memif_alloc_t *al = args->alloc ? args->alloc : default_alloc;
    struct msock *s = al(sizeof *s);
    if (!s)
        return MEMIF_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->args = *args;
    s->args.alloc = al;
    if (!s->args.realloc)
        s->args.realloc = default_realloc;
    if (!s->args.free)
        s->args.free = default_free;
    /* abstract names: '@name' (libmemif, VPP's "abstract:" maps here too) or
     * a leading NUL followed by the name */
    s->abstract = s->args.path[0] == '@' || (s->args.path[0] == '\0' && s->args.path[1] != '\0');
    if (!s->abstract && s->args.path[0] == '\0')
        strcpy(s->args.path, DEFAULT_SOCKET_PATH);
    if (s->args.app_name[0] == '\0')
        strcpy(s->args.app_name, MEMIF_DEFAULT_APP_NAME);
    s->private_ctx = private_ctx;
    s->role = -1;
    s->listener_fd = s->timer_fd = s->cancel_fd = s->work_fd = s->epfd = -1;
    int err = MEMIF_ERR_SUCCESS;
    if (!s->args.on_control_fd_update) {
        s->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (s->epfd < 0) {
            err = mdsa_syscall_error(errno);
            goto fail;
        }
    }
    s->cancel_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->work_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->cancel_fd < 0 || s->work_fd < 0) {
        err = mdsa_syscall_error(errno);
        goto fail;
    }
    watch_init(&s->cw, W_CANCEL, s, s->cancel_fd);
    watch_init(&s->ww, W_WORK, s, s->work_fd);
    if ((err = watch_add(s, &s->cw)) || (err = watch_add(s, &s->ww)))
        goto fail;
    *sock = s;
    return MEMIF_ERR_SUCCESS;
fail:
    watch_del(s, &s->cw);
    if (s->cancel_fd >= 0)
        close(s->cancel_fd);
    if (s->work_fd >= 0)
        close(s->work_fd);
    if (s->epfd >= 0)
        close(s->epfd);
    s->args.free(s);
    return err;
}

void sock_close_listener(struct msock *s)
{
    if (s->listener_fd < 0)
        return;
    watch_del(s, &s->lw);
    close(s->listener_fd);
    if (s->own_listener && !s->abstract)
        unlink(s->args.path);
    s->listener_fd = -1;
    s->own_listener = false;
}

int memif_delete_socket(memif_socket_handle_t *sock)
{
    if (!sock || !*sock)
        return MEMIF_ERR_INVAL_ARG;
    struct msock *s = *sock;
    if (s->conns)
        return MEMIF_ERR_INVAL_ARG;
    while (s->pending) {
        struct mchannel *ch = s->pending;
        s->pending = ch->next;
        chan_destroy(ch);
    }
    sock_close_listener(s);
    if (s->timer_fd >= 0) {
        watch_del(s, &s->tw);
        close(s->timer_fd);
    }
    watch_del(s, &s->cw);
    watch_del(s, &s->ww);
    close(s->cancel_fd);
    close(s->work_fd);
    if (s->epfd >= 0)
        close(s->epfd);
    s->args.free(s);
    *sock = NULL;
    return MEMIF_ERR_SUCCESS;
}

const char *memif_get_socket_path(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->args.path : NULL;
}

const char *memif_get_socket_filename(memif_socket_handle_t sock)
{
    return memif_get_socket_path(sock);
}

int memif_get_listener_fd(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->listener_fd : -1;
}

int memif_set_listener_fd(memif_socket_handle_t sock, int fd)
{
    struct msock *s = sock;
    if (!s || fd < 0)
        return MEMIF_ERR_INVAL_ARG;
    sock_close_listener(s);
    s->listener_fd = fd;
    s->own_listener = false;
    watch_init(&s->lw, W_LISTENER, s, fd);
    return watch_add(s, &s->lw);
}

void memif_register_external_region(memif_socket_handle_t sock, memif_add_external_region_t *ar,
                                    memif_get_external_region_addr_t *gr,
                                    memif_del_external_region_t *dr,
                                    memif_get_external_buffer_offset_t *go)
{
    struct msock *s = sock;
    if (!s)
        return;
    s->ext_add = ar;
    s->ext_get = gr;
    s->ext_del = dr;
    s->ext_off = go;
}

/* Accept a control connection; identification waits for INIT.  A flood of
 * silent connections evicts the oldest unidentified one. */
static int sock_accept(struct msock *s)
{
    int fd = accept4(s->listener_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return errno == EAGAIN || errno == ECONNABORTED ? MEMIF_ERR_SUCCESS
                                                         : mdsa_syscall_error(errno);
    if (s->npending >= MDSA_MAX_PENDING_CHANNELS) {
        struct mchannel **pp = &s->pending;
        while ((*pp)->next)
            pp = &(*pp)->next;
        struct mchannel *old = *pp;
        *pp = NULL;
        s->npending--;
        chan_send_disconnect(old, "too many pending connections");
        chan_destroy(old);
    }
    struct mchannel *ch = chan_new(s, fd, CH_M_WAIT_INIT);
    if (!ch) {
        close(fd);
        return MEMIF_ERR_NOMEM;
    }
    int err = watch_add(s, &ch->w);
    if (err || chan_send_hello(ch)) {
        chan_destroy(ch);
        return err;
    }
    ch->next = s->pending;
    s->pending = ch;
    s->npending++;
    return MEMIF_ERR_SUCCESS;
}

static void sock_timer_fired(struct msock *s)
{
    uint64_t n;
    if (read(s->timer_fd, &n, sizeof n) < 0) {
        /* spurious wake-up */
    }
    for (struct mconn *c = s->conns; c; c = c->next)
        if (!c->args.is_master && !c->chan)
            sock_connect(c);
}

static int interrupt_fired(struct watch *w)
{
    struct mconn *c = w->conn;
    uint64_t n;
    if (read(w->fd, &n, sizeof n) < 0 && errno != EAGAIN)
        return mdsa_syscall_error(errno);
    struct mqueue *q = conn_rxq(c, w->qid);
    q->irq_recv++;
    if (c->on_interrupt)
        return c->on_interrupt(c, c->private_ctx, w->qid);
    return MEMIF_ERR_SUCCESS;
}

int memif_control_fd_handler(void *ptr, memif_fd_event_type_t events)
{
    struct watch *w = ptr;
    if (!w)
        return MEMIF_ERR_INVAL_ARG;
    struct msock *s = w->sock;
    uint64_t n;
    (void)events;
    switch (w->kind) {
    case W_LISTENER:
        return sock_accept(s);
    case W_CONTROL:
        return chan_handle_readable(w->chan);
    case W_INTERRUPT:
        return interrupt_fired(w);
    case W_TIMER:
        sock_timer_fired(s);
        return MEMIF_ERR_SUCCESS;
    case W_CANCEL:
        if (read(w->fd, &n, sizeof n) < 0) {
            /* already drained */
        }
        return MEMIF_ERR_POLL_CANCEL;
    case W_WORK:
        if (read(w->fd, &n, sizeof n) < 0) {
            /* already drained */
        }
        conn_run_deferred(s);
        return MEMIF_ERR_SUCCESS;
    }
    return MEMIF_ERR_INVAL_ARG;
}

int memif_poll_event(memif_socket_handle_t sock, int timeout)
{
    struct msock *s = sock;
    if (!s || s->epfd < 0)
        return MEMIF_ERR_INVAL_ARG;
    struct epoll_event ev;
    int n = epoll_wait(s->epfd, &ev, 1, timeout);
    if (n < 0)
        return errno == EINTR ? MEMIF_ERR_SUCCESS : mdsa_syscall_error(errno);
    if (n == 0)
        return MEMIF_ERR_SUCCESS;
    memif_fd_event_type_t events = 0;
    if (ev.events & EPOLLIN)
        events |= MEMIF_FD_EVENT_READ;
    if (ev.events & EPOLLOUT)
        events |= MEMIF_FD_EVENT_WRITE;
    if (ev.events & (EPOLLERR | EPOLLHUP))
        events |= MEMIF_FD_EVENT_ERROR;
    return memif_control_fd_handler(ev.data.ptr, events);
}

int memif_cancel_poll_event(memif_socket_handle_t sock)
{
    struct msock *s = sock;
    uint64_t one = 1;
    if (!s)
        return MEMIF_ERR_INVAL_ARG;
    if (write(s->cancel_fd, &one, sizeof one) != sizeof one)
        return MEMIF_ERR_INT_WRITE;
    return MEMIF_ERR_SUCCESS;
}

const char *mdsa_socket_error(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->errmsg : "";
}

int mdsa_socket_event_fd(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->epfd : -1;
}

int mdsa_socket_dispatch(memif_socket_handle_t sock, int max_events)
{
    struct msock *s = sock;
    if (!s || s->epfd < 0)
        return -MEMIF_ERR_INVAL_ARG;
    int n = 0;
    struct epoll_event ev;
    while (n < max_events && epoll_wait(s->epfd, &ev, 1, 0) == 1) {
        memif_fd_event_type_t events = MEMIF_FD_EVENT_READ;
        if (ev.events & (EPOLLERR | EPOLLHUP))
            events |= MEMIF_FD_EVENT_ERROR;
        memif_control_fd_handler(ev.data.ptr, events);
        n++;
    }
    return n;
}
