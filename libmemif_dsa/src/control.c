/* The control channel: 128-byte messages on a SOCK_SEQPACKET socket, fds by
 * SCM_RIGHTS, and the handshake state machine of both roles.
 *
 * Every received message is checked (size, truncation, type, state,
 * fields) before it is acted on; a violation disconnects with a reason.
 * Sends never block: a peer that stops reading is disconnected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

struct mchannel *chan_new(struct msock *s, int fd, enum chan_state st)
{
    struct mchannel *ch = ms_alloc(s, sizeof *ch);
    if (!ch)
        return NULL;
    ch->sock = s;
    ch->state = st;
    ch->w.kind = W_CONTROL;
    ch->w.fd = fd;
    ch->w.sock = s;
    ch->w.chan = ch;
    return ch;
}

void chan_destroy(struct mchannel *ch)
{
    struct msock *s = ch->sock;
    watch_del(s, &ch->w);
    close(ch->w.fd);
    ms_free(s, ch);
}

static int chan_send(struct mchannel *ch, const memif_msg_t *msg, int fd)
{
    struct iovec iov = {.iov_base = (void *)msg, .iov_len = sizeof *msg};
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
    return n == (ssize_t)sizeof *msg ? 0 : -1;
}

static void put_name(uint8_t dst[MEMIF_NAME_LEN], const void *src, size_t max)
{
    size_t n = strnlen(src, max);
    if (n > MEMIF_NAME_LEN)
        n = MEMIF_NAME_LEN;
    memcpy(dst, src, n);
}

/* Peer-supplied names: bounded, NUL-terminated, printable. */
static void get_name(char dst[MEMIF_NAME_LEN + 1], const uint8_t *src, size_t len)
{
    size_t i;
    for (i = 0; i < len && src[i]; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[i] = '\0';
}

int chan_send_hello(struct mchannel *ch)
{
    memif_msg_t m = {.type = MEMIF_MSG_TYPE_HELLO};
    put_name(m.hello.name, ch->sock->args.app_name, sizeof ch->sock->args.app_name);
    m.hello.min_version = MEMIF_VERSION;
    m.hello.max_version = MEMIF_VERSION;
    m.hello.max_region = MEMIF_MAX_REGION_IDX;
    m.hello.max_m2s_ring = MEMIF_MAX_RING_IDX;
    m.hello.max_s2m_ring = MEMIF_MAX_RING_IDX;
    m.hello.max_log2_ring_size = MEMIF_MAX_LOG2_RING;
    return chan_send(ch, &m, -1);
}

int chan_send_disconnect(struct mchannel *ch, const char *reason)
{
    memif_msg_t m = {.type = MEMIF_MSG_TYPE_DISCONNECT};
    strncpy((char *)m.disconnect.string, reason, sizeof m.disconnect.string - 1);
    return chan_send(ch, &m, -1);
}

static int send_simple(struct mchannel *ch, uint16_t type)
{
    memif_msg_t m = {.type = type};
    if (type == MEMIF_MSG_TYPE_CONNECT || type == MEMIF_MSG_TYPE_CONNECTED)
        put_name(m.connect.if_name, ch->conn->args.interface_name, MEMIF_NAME_LEN);
    return chan_send(ch, &m, -1);
}

static void pending_unlink(struct msock *s, struct mchannel *ch)
{
    for (struct mchannel **pp = &s->pending; *pp; pp = &(*pp)->next)
        if (*pp == ch) {
            *pp = ch->next;
            s->npending--;
            return;
        }
}

/* End a channel after a failure.  `send_reason` goes to the peer (NULL:
 * just close), `local_reason` is what our user is told. */
static int chan_fail(struct mchannel *ch, const char *send_reason, const char *local_reason)
{
    if (ch->conn) {
        conn_disconnect(ch->conn, send_reason, local_reason);
        return MEMIF_ERR_SUCCESS;
    }
    pending_unlink(ch->sock, ch);
    if (send_reason)
        chan_send_disconnect(ch, send_reason);
    chan_destroy(ch);
    return MEMIF_ERR_SUCCESS;
}

static int protocol_violation(struct mchannel *ch, const char *reason)
{
    if (ch->conn)
        ch->conn->violations++;
    return chan_fail(ch, reason, reason);
}

/* Receive one message.  Returns 1 with a message, 0 when none is waiting,
 * -1 when the channel must close (*why says why, *tell whether to tell the
 * peer).  At most one fd is kept; any others are closed at once. */
static int chan_recv(struct mchannel *ch, memif_msg_t *msg, int *fd, const char **why, bool *tell)
{
    struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
        struct cmsghdr align;
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf};
    *fd = -1;
    *tell = false;
    ssize_t n = recvmsg(ch->w.fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        *why = "connection fd error";
        return -1;
    }
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
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
    if (n == 0) {
        *why = "peer closed the connection";
        goto bad;
    }
    if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n != (ssize_t)sizeof *msg) {
        *why = "malformed message received";
        *tell = true;
        goto bad;
    }
    return 1;
bad:
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
    return -1;
}

static void conn_up(struct mconn *c)
{
    struct msock *s = c->sock;
    c->chan->state = CH_CONNECTED;
    c->connected = true;
    c->faulted = false;
    c->reason[0] = '\0';
    c->connects++;
    uint16_t nrx = conn_nrx(c);
    for (uint16_t i = 0; i < nrx; i++) {
        struct mqueue *q = conn_rxq(c, i);
        queue_apply_rx_mode(q, c->rx_polling[i]);
        q->w.kind = W_INTERRUPT;
        q->w.fd = q->int_fd;
        q->w.sock = s;
        q->w.conn = c;
        q->w.qid = i;
        watch_add(s, &q->w);
    }
    if (c->on_connect)
        c->on_connect(c, c->private_ctx);
}

/* ---- master side ----------------------------------------------------- */

static int master_init(struct mchannel *ch, const memif_msg_init_t *in)
{
    struct msock *s = ch->sock;
    if (in->version != MEMIF_VERSION)
        return chan_fail(ch, "unsupported version", "unsupported version");
    struct mconn *c = s->conns;
    while (c && c->args.interface_id != in->id)
        c = c->next;
    if (!c)
        return chan_fail(ch, "unmatched interface id", "unmatched interface id");
    if (!c->args.is_master)
        return chan_fail(ch, "cannot connect to slave", "cannot connect to slave");
    if (c->chan)
        return chan_fail(ch, "already connected", "already connected");
    if (in->mode != c->args.mode) {
        snprintf(c->reason, sizeof c->reason, "mode mismatch");
        return chan_fail(ch, "mode mismatch", "mode mismatch");
    }
    if (c->args.secret[0]) {
        if (!in->secret[0]) {
            snprintf(c->reason, sizeof c->reason, "secret required");
            return chan_fail(ch, "secret required", "secret required");
        }
        if (strncmp((const char *)c->args.secret, (const char *)in->secret, MEMIF_SECRET_LEN)) {
            snprintf(c->reason, sizeof c->reason, "incorrect secret");
            return chan_fail(ch, "incorrect secret", "incorrect secret");
        }
    }
    pending_unlink(s, ch);
    ch->conn = c;
    c->chan = ch;
    get_name(c->remote_app_name, in->name, MEMIF_NAME_LEN);
    ch->state = CH_M_WAIT_SETUP;
    if (send_simple(ch, MEMIF_MSG_TYPE_ACK))
        return chan_fail(ch, NULL, "control channel send failed");
    return MEMIF_ERR_SUCCESS;
}

static int master_setup(struct mchannel *ch, const memif_msg_t *m, int *fd)
{
    struct mconn *c = ch->conn;
    const char *why = NULL;
    switch (m->type) {
    case MEMIF_MSG_TYPE_ADD_REGION:
        if (shm_master_add_region(c, m->add_region.index, m->add_region.size, *fd, &why))
            return protocol_violation(ch, why);
        *fd = -1; /* kept by the region */
        break;
    case MEMIF_MSG_TYPE_ADD_RING:
        if (shm_master_add_ring(c, &m->add_ring, *fd, &why))
            return protocol_violation(ch, why);
        *fd = -1;
        break;
    case MEMIF_MSG_TYPE_CONNECT:
        get_name(c->remote_if_name, m->connect.if_name, MEMIF_NAME_LEN);
        if (shm_master_connect(c, &why))
            return protocol_violation(ch, why);
        if (send_simple(ch, MEMIF_MSG_TYPE_CONNECTED))
            return chan_fail(ch, NULL, "control channel send failed");
        conn_up(c);
        return MEMIF_ERR_SUCCESS;
    default:
        return protocol_violation(ch, "unexpected message received");
    }
    if (send_simple(ch, MEMIF_MSG_TYPE_ACK))
        return chan_fail(ch, NULL, "control channel send failed");
    return MEMIF_ERR_SUCCESS;
}

/* ---- slave side ------------------------------------------------------ */

static int min_int(int a, int b) { return a < b ? a : b; }

static int slave_hello(struct mchannel *ch, const memif_msg_hello_t *h)
{
    struct mconn *c = ch->conn;
    if (h->min_version > MEMIF_VERSION || h->max_version < MEMIF_VERSION)
        return protocol_violation(ch, "incompatible protocol version");
    if (h->max_region < 1)
        return protocol_violation(ch, "peer accepts too few regions");
    get_name(c->remote_app_name, h->name, MEMIF_NAME_LEN);
    /* never use more than the peer's HELLO allows (its fields are highest
     * indices, hence +1) */
    c->num_s2m = (uint16_t)min_int(h->max_s2m_ring + 1, c->args.num_s2m_rings);
    c->num_m2s = (uint16_t)min_int(h->max_m2s_ring + 1, c->args.num_m2s_rings);
    c->log2 = (uint8_t)min_int(h->max_log2_ring_size, c->args.log2_ring_size);
    c->buffer_size = c->args.buffer_size;
    int err = shm_slave_create(c);
    if (err) {
        char why[MEMIF_DISC_STRING_LEN];
        snprintf(why, sizeof why, "cannot create shared memory: %s", memif_strerror(err));
        return chan_fail(ch, "internal error", why);
    }
    memif_msg_t m = {.type = MEMIF_MSG_TYPE_INIT};
    m.init.version = MEMIF_VERSION;
    m.init.id = c->args.interface_id;
    m.init.mode = c->args.mode;
    memcpy(m.init.secret, c->args.secret, MEMIF_SECRET_LEN);
    put_name(m.init.name, c->sock->args.app_name, sizeof c->sock->args.app_name);
    ch->state = CH_S_SETUP;
    ch->step = 1;
    if (chan_send(ch, &m, -1))
        return chan_fail(ch, NULL, "control channel send failed");
    return MEMIF_ERR_SUCCESS;
}

/* One setup message per ACK: regions, S2M rings, M2S rings, CONNECT. */
static int slave_next(struct mchannel *ch)
{
    struct mconn *c = ch->conn;
    uint32_t k = ch->step++;
    memif_msg_t m = {0};
    int fd = -1;
    if (k <= c->nregions) {
        struct mregion *r = &c->regions[k - 1];
        m.type = MEMIF_MSG_TYPE_ADD_REGION;
        m.add_region.index = (uint16_t)(k - 1);
        m.add_region.size = r->size;
        fd = r->fd;
    } else if (k - c->nregions <= (uint32_t)c->num_s2m + c->num_m2s) {
        uint32_t i = k - c->nregions - 1;
        bool s2m = i < c->num_s2m;
        struct mqueue *q = s2m ? &c->s2m[i] : &c->m2s[i - c->num_s2m];
        m.type = MEMIF_MSG_TYPE_ADD_RING;
        m.add_ring.flags = s2m ? MEMIF_MSG_ADD_RING_FLAG_S2M : 0;
        m.add_ring.index = (uint16_t)(s2m ? i : i - c->num_s2m);
        m.add_ring.region = q->region;
        m.add_ring.offset = q->offset;
        m.add_ring.log2_ring_size = q->log2;
        m.add_ring.private_hdr_size = 0;
        fd = q->int_fd;
    } else {
        m.type = MEMIF_MSG_TYPE_CONNECT;
        put_name(m.connect.if_name, c->args.interface_name, MEMIF_NAME_LEN);
        ch->state = CH_S_WAIT_CONNECTED;
    }
    if (chan_send(ch, &m, fd))
        return chan_fail(ch, NULL, "control channel send failed");
    return MEMIF_ERR_SUCCESS;
}

/* ---- dispatch -------------------------------------------------------- */

int chan_handle_readable(struct mchannel *ch)
{
    memif_msg_t m;
    int fd;
    const char *why = NULL;
    bool tell;
    int r = chan_recv(ch, &m, &fd, &why, &tell);
    if (r == 0)
        return MEMIF_ERR_SUCCESS;
    if (r < 0) {
        if (tell)
            return protocol_violation(ch, why);
        return chan_fail(ch, NULL, why);
    }
    int err = MEMIF_ERR_SUCCESS;
    if (m.type == MEMIF_MSG_TYPE_DISCONNECT) {
        char reason[MEMIF_DISC_STRING_LEN + 1];
        size_t i;
        for (i = 0; i < MEMIF_DISC_STRING_LEN && m.disconnect.string[i]; i++)
            reason[i] = (m.disconnect.string[i] >= 0x20 && m.disconnect.string[i] < 0x7f)
                            ? (char)m.disconnect.string[i] : '?';
        reason[i] = '\0';
        if (!reason[0])
            strcpy(reason, "disconnect received");
        chan_fail(ch, NULL, reason);
    } else if (m.type == MEMIF_MSG_TYPE_NONE || m.type > MEMIF_MSG_TYPE_DISCONNECT) {
        char why2[48];
        snprintf(why2, sizeof why2, "unknown message type (0x%x)", m.type);
        protocol_violation(ch, why2);
    } else {
        switch (ch->state) {
        case CH_M_WAIT_INIT:
            if (m.type != MEMIF_MSG_TYPE_INIT)
                err = protocol_violation(ch, "unexpected message received");
            else
                err = master_init(ch, &m.init);
            break;
        case CH_M_WAIT_SETUP:
            err = master_setup(ch, &m, &fd);
            break;
        case CH_S_WAIT_HELLO:
            if (m.type != MEMIF_MSG_TYPE_HELLO)
                err = protocol_violation(ch, "unexpected message received");
            else
                err = slave_hello(ch, &m.hello);
            break;
        case CH_S_SETUP:
            if (m.type != MEMIF_MSG_TYPE_ACK)
                err = protocol_violation(ch, "unexpected message received");
            else
                err = slave_next(ch);
            break;
        case CH_S_WAIT_CONNECTED:
            if (m.type != MEMIF_MSG_TYPE_CONNECTED) {
                err = protocol_violation(ch, "unexpected message received");
            } else {
                struct mconn *c = ch->conn;
                get_name(c->remote_if_name, m.connected.if_name, MEMIF_NAME_LEN);
                shm_slave_connected(c);
                conn_up(c);
            }
            break;
        case CH_CONNECTED:
            err = protocol_violation(ch, "unexpected message received");
            break;
        }
    }
    if (fd >= 0)
        close(fd); /* an fd the message had no use for */
    return err;
}
