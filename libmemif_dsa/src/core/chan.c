/* SPDX-License-Identifier: Apache-2.0 */
#include "chan.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct mchannel *chan_open(struct msock *s, int fd, int *err)
{
    struct mchannel *ch = mdsa_zalloc(&s->al, sizeof *ch);
    if (!ch) {
        close(fd);
        *err = MEMIF_ERR_NOMEM;
        return NULL;
    }
    ch->sock = s;
    watch_init(&ch->w, W_CONTROL, s, fd);
    ch->w.chan = ch;
    if ((*err = watch_add(s, &ch->w))) {
        chan_destroy(ch);
        return NULL;
    }
    return ch;
}

void chan_destroy(struct mchannel *ch)
{
    struct msock *s = ch->sock;
    watch_del(s, &ch->w);
    close(ch->w.fd);
    mdsa_free(&s->al, ch);
}

int chan_send(struct mchannel *ch, const memif_msg_t *m, int fd)
{
    struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    }
    ssize_t n = sendmsg(ch->w.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    return n == (ssize_t)sizeof *m ? 0 : -1;
}

int chan_send_disconnect(struct mchannel *ch, const char *reason)
{
    memif_msg_t m;
    ctl_disconnect_msg(&m, reason);
    return chan_send(ch, &m, -1);
}

/* Keep the first fd of the message, close any others at once. */
static void take_fds(struct msghdr *mh, int *fd)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int f;
            memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof f);
            if (*fd < 0)
                *fd = f;
            else
                close(f);
        }
    }
}

int chan_recv(struct mchannel *ch, memif_msg_t *m, size_t *len, int *fd, const char **why)
{
    struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf};
    *fd = -1;
    ssize_t n = recvmsg(ch->w.fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        *why = "connection fd error";
        return -1;
    }
    take_fds(&mh, fd);
    if (n == 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        *why = "peer closed the connection";
        return -1;
    }
    /* a truncated message (or too many fds) is longer than a message */
    *len = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? sizeof *m + 1 : (size_t)n;
    return 1;
}

void chan_pending_unlink(struct msock *s, struct mchannel *ch)
{
    for (struct mchannel **pp = &s->pending; *pp; pp = &(*pp)->next)
        if (*pp == ch) {
            *pp = ch->next;
            s->npending--;
            return;
        }
}

void chan_pending_add(struct msock *s, struct mchannel *ch)
{
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
    ch->next = s->pending;
    s->pending = ch;
    s->npending++;
}

void chan_pending_clear(struct msock *s)
{
    while (s->pending) {
        struct mchannel *ch = s->pending;
        s->pending = ch->next;
        chan_destroy(ch);
    }
    s->npending = 0;
}
