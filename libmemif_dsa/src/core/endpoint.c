/* SPDX-License-Identifier: Apache-2.0 */
#include "endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "chan.h"
#include "control.h"
#include "errors.h"

static void sock_err(struct msock *s, const char *fmt, const char *arg, int err)
{
    snprintf(s->errmsg, sizeof s->errmsg, fmt, arg, strerror(err));
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
static int clear_stale(struct msock *s, const struct sockaddr_un *sa, socklen_t len)
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

static int bind_listener(struct msock *s, const struct sockaddr_un *sa, socklen_t len, int *out)
{
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return mdsa_syscall_error(errno);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    if (bind(fd, (const struct sockaddr *)sa, len) < 0 || listen(fd, 32) < 0) {
        int e = errno;
        sock_err(s, "cannot listen on %s: %s", s->args.path[0] ? s->args.path : s->args.path + 1, e);
        close(fd);
        return e == EADDRINUSE ? MEMIF_ERR_ALREADY : mdsa_syscall_error(e);
    }
    *out = fd;
    return MEMIF_ERR_SUCCESS;
}

int endpoint_listen(struct msock *s)
{
    if (s->listener_fd >= 0)
        return MEMIF_ERR_SUCCESS;
    struct sockaddr_un sa;
    socklen_t len;
    int fd = -1, err = sock_addr(s, &sa, &len);
    if (!err && !s->abstract)
        err = clear_stale(s, &sa, len);
    if (!err)
        err = bind_listener(s, &sa, len, &fd);
    if (err)
        return err;
    if ((err = endpoint_adopt_listener(s, fd))) {
        close(fd);
        return err;
    }
    s->own_listener = true;
    MDSA_TRACE(&s->trace, "listening on %s%s", s->abstract ? "@" : "", s->args.path + s->abstract);
    return MEMIF_ERR_SUCCESS;
}

int endpoint_adopt_listener(struct msock *s, int fd)
{
    endpoint_close_listener(s);
    s->listener_fd = fd;
    s->own_listener = false;
    watch_init(&s->lw, W_LISTENER, s, fd);
    int err = watch_add(s, &s->lw);
    if (err)
        s->listener_fd = -1;
    return err;
}

void endpoint_close_listener(struct msock *s)
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

int endpoint_accept(struct msock *s)
{
    int fd = accept4(s->listener_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return errno == EAGAIN || errno == ECONNABORTED ? MEMIF_ERR_SUCCESS
                                                         : mdsa_syscall_error(errno);
    int err;
    struct mchannel *ch = chan_open(s, fd, &err);
    if (!ch)
        return err;
    struct ctl_out o;
    MDSA_TRACE(&s->trace, "accepted a connection");
    ctl_start_primary(&ch->ctl, &s->conns, s->args.app_name, &s->limits, &s->trace, &o);
    if (chan_send(ch, &o.msg, -1)) {
        chan_destroy(ch);
        return MEMIF_ERR_SUCCESS; /* the peer left already */
    }
    chan_pending_add(s, ch);
    return MEMIF_ERR_SUCCESS;
}

int endpoint_connect(struct mconn *c)
{
    struct msock *s = c->args.socket;
    struct sockaddr_un sa;
    socklen_t len;
    if (c->chan)
        return MEMIF_ERR_ALRCONN;
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
    struct mchannel *ch = chan_open(s, fd, &err);
    if (!ch)
        return err;
    ctl_start_secondary(&ch->ctl, c, s->args.app_name, &s->trace);
    c->chan = ch;
    MDSA_TRACE(&s->trace, "secondary id %u: connected to the listener, waiting for HELLO",
               (unsigned)c->args.interface_id);
    return MEMIF_ERR_SUCCESS;
}

void endpoint_retry(struct msock *s)
{
    for (struct mconn *c = s->conns; c; c = c->next)
        if (!conn_primary(c) && !c->chan)
            endpoint_connect(c);
}
