/* SPDX-License-Identifier: Apache-2.0 */
#include "control.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const msg_names[] = {
    "NONE", "ACK", "HELLO", "INIT", "ADD_REGION", "ADD_RING", "CONNECT", "CONNECTED", "DISCONNECT",
};

static const char *msg_name(uint16_t type)
{
    return type < sizeof msg_names / sizeof msg_names[0] ? msg_names[type] : "unknown";
}

/* Who is talking, for trace lines. */
static const char *label(const struct ctl *ctl, char buf[48])
{
    if (!ctl->conn)
        return "listener (peer not identified yet)";
    snprintf(buf, 48, "%s id %u", conn_primary(ctl->conn) ? "primary" : "secondary",
             (unsigned)ctl->conn->args.interface_id);
    return buf;
}

static void put_name(uint8_t dst[MEMIF_NAME_LEN], const void *src, size_t max)
{
    size_t n = strnlen(src, max);
    memcpy(dst, src, n > MEMIF_NAME_LEN ? MEMIF_NAME_LEN : n);
}

/* Peer-supplied text: bounded, NUL-terminated, printable. */
static void get_text(char *dst, const uint8_t *src, size_t len)
{
    size_t i;
    for (i = 0; i < len && src[i]; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[i] = '\0';
}

static void reset(struct ctl_out *o)
{
    memset(o, 0, offsetof(struct ctl_out, text));
    o->verdict = CTL_CONTINUE;
    o->fd = -1;
}

static void send_msg(struct ctl *ctl, struct ctl_out *o, uint16_t type)
{
    o->send = true;
    o->msg.type = type;
    if ((type == MEMIF_MSG_TYPE_CONNECT || type == MEMIF_MSG_TYPE_CONNECTED) && ctl->conn)
        put_name(o->msg.connect.if_name, ctl->conn->args.interface_name, MEMIF_NAME_LEN);
    char lb[48];
    MDSA_TRACE(ctl->trace, "%s: sending %s", label(ctl, lb), msg_name(type));
}

static void close_with(struct ctl *ctl, struct ctl_out *o, const char *peer, const char *local,
                       bool violation)
{
    o->verdict = CTL_CLOSE;
    o->send = false;
    o->peer_reason = peer;
    o->reason = local;
    o->violation = violation;
    char lb[48];
    MDSA_TRACE(ctl->trace, "%s: closing the channel: %s%s", label(ctl, lb), local,
               violation ? " (protocol violation)" : "");
}

static void violation(struct ctl *ctl, struct ctl_out *o, const char *why)
{
    close_with(ctl, o, why, why, true);
}

void ctl_disconnect_msg(memif_msg_t *m, const char *reason)
{
    memset(m, 0, sizeof *m);
    m->type = MEMIF_MSG_TYPE_DISCONNECT;
    strncpy((char *)m->disconnect.string, reason, sizeof m->disconnect.string - 1);
}

/* ---- primary --------------------------------------------------------- */

void ctl_default_limits(mdsa_hello_limits_t *l)
{
    *l = (mdsa_hello_limits_t){.max_region = MEMIF_MAX_REGION_IDX,
                               .max_m2s_ring = MEMIF_MAX_RING_IDX,
                               .max_s2m_ring = MEMIF_MAX_RING_IDX,
                               .max_log2_ring_size = MEMIF_MAX_LOG2_RING};
}

void ctl_start_primary(struct ctl *ctl, struct mconn *const *ifaces, const char *app_name,
                       const mdsa_hello_limits_t *limits, const struct mdsa_tracer *trace,
                       struct ctl_out *out)
{
    *ctl = (struct ctl){.state = CTL_P_WAIT_INIT, .ifaces = ifaces, .app_name = app_name,
                        .limits = *limits, .trace = trace};
    reset(out);
    send_msg(ctl, out, MEMIF_MSG_TYPE_HELLO);
    memif_msg_hello_t *h = &out->msg.hello;
    put_name(h->name, app_name, MEMIF_NAME_LEN);
    h->min_version = MEMIF_VERSION;
    h->max_version = MEMIF_VERSION;
    h->max_region = limits->max_region;
    h->max_m2s_ring = limits->max_m2s_ring;
    h->max_s2m_ring = limits->max_s2m_ring;
    h->max_log2_ring_size = limits->max_log2_ring_size;
}

/* Why interface c refuses this INIT, or NULL. */
static const char *init_refusal(const struct mconn *c, const memif_msg_init_t *in)
{
    if (c->chan)
        return "already connected";
    if (in->mode != c->args.mode)
        return "mode mismatch";
    if (c->args.secret[0] && !in->secret[0])
        return "secret required";
    if (c->args.secret[0] &&
        strncmp((const char *)c->args.secret, (const char *)in->secret, MEMIF_SECRET_LEN))
        return "incorrect secret";
    return NULL;
}

static void primary_init(struct ctl *ctl, const memif_msg_init_t *in, struct ctl_out *o)
{
    if (in->version != MEMIF_VERSION) {
        close_with(ctl, o, "unsupported version", "unsupported version", false);
        return;
    }
    struct mconn *c = conn_find_primary(*ctl->ifaces, in->id);
    if (!c) {
        close_with(ctl, o, "unmatched interface id", "unmatched interface id", false);
        return;
    }
    const char *refused = init_refusal(c, in);
    if (refused) {
        if (!c->chan) /* the interface's own user learns why an attempt failed */
            conn_note_reason(c, refused);
        close_with(ctl, o, refused, refused, false);
        return;
    }
    ctl->conn = c;
    get_text(c->remote_app_name, in->name, MEMIF_NAME_LEN);
    ctl->state = CTL_P_SETUP;
    o->verdict = CTL_BOUND;
    send_msg(ctl, o, MEMIF_MSG_TYPE_ACK);
}

/* What our HELLO allowed and a setup message exceeds, or NULL. */
static const char *beyond_limits(const struct ctl *ctl, const memif_msg_t *m)
{
    const mdsa_hello_limits_t *l = &ctl->limits;
    if (m->type == MEMIF_MSG_TYPE_ADD_REGION && m->add_region.index > l->max_region)
        return "too many regions";
    if (m->type != MEMIF_MSG_TYPE_ADD_RING)
        return NULL;
    const memif_msg_add_ring_t *ar = &m->add_ring;
    uint16_t max = ar->flags & MEMIF_MSG_ADD_RING_FLAG_S2M ? l->max_s2m_ring : l->max_m2s_ring;
    if (ar->index > max)
        return "too many rings";
    if (ar->log2_ring_size > l->max_log2_ring_size)
        return "ring size too large";
    return NULL;
}

/* Regions and rings until CONNECT; *fd is taken when a message uses it. */
static void primary_setup(struct ctl *ctl, const memif_msg_t *m, int *fd, struct ctl_out *o)
{
    struct mconn *c = ctl->conn;
    const char *why = beyond_limits(ctl, m);
    int r;
    if (why) {
        violation(ctl, o, why);
        return;
    }
    switch (m->type) {
    case MEMIF_MSG_TYPE_ADD_REGION:
        r = conn_primary_add_region(c, m->add_region.index, m->add_region.size, *fd, &why);
        break;
    case MEMIF_MSG_TYPE_ADD_RING:
        r = conn_primary_add_ring(c, &m->add_ring, *fd, &why);
        break;
    case MEMIF_MSG_TYPE_CONNECT:
        get_text(c->remote_if_name, m->connect.if_name, MEMIF_NAME_LEN);
        if (conn_primary_map(c, &why)) {
            violation(ctl, o, why);
            return;
        }
        ctl->state = CTL_CONNECTED;
        o->verdict = CTL_UP;
        send_msg(ctl, o, MEMIF_MSG_TYPE_CONNECTED);
        return;
    default:
        violation(ctl, o, "unexpected message received");
        return;
    }
    *fd = -1; /* taken by the region or ring, whatever the outcome */
    if (r) {
        violation(ctl, o, why);
        return;
    }
    send_msg(ctl, o, MEMIF_MSG_TYPE_ACK);
}

/* ---- secondary ------------------------------------------------------- */

void ctl_start_secondary(struct ctl *ctl, struct mconn *c, const char *app_name,
                         const struct mdsa_tracer *trace)
{
    *ctl = (struct ctl){.state = CTL_S_WAIT_HELLO, .conn = c, .app_name = app_name, .trace = trace};
}

static uint16_t min_u16(unsigned a, unsigned b) { return (uint16_t)(a < b ? a : b); }

static void secondary_hello(struct ctl *ctl, const memif_msg_hello_t *h, struct ctl_out *o)
{
    struct mconn *c = ctl->conn;
    if (h->min_version > MEMIF_VERSION || h->max_version < MEMIF_VERSION) {
        violation(ctl, o, "incompatible protocol version");
        return;
    }
    get_text(c->remote_app_name, h->name, MEMIF_NAME_LEN);
    /* never more than the peer's HELLO allows (its fields are highest
     * indices, hence +1) */
    const char *why = NULL;
    if (conn_secondary_create(c, min_u16(h->max_s2m_ring + 1u, c->args.num_s2m_rings),
                              min_u16(h->max_m2s_ring + 1u, c->args.num_m2s_rings),
                              (uint8_t)min_u16(h->max_log2_ring_size, c->log2_want),
                              h->max_region + 1u, &why)) {
        snprintf(o->text, sizeof o->text, "cannot create shared memory: %s", why);
        close_with(ctl, o, "internal error", o->text, false);
        return;
    }
    send_msg(ctl, o, MEMIF_MSG_TYPE_INIT);
    memif_msg_init_t *in = &o->msg.init;
    in->version = MEMIF_VERSION;
    in->id = c->args.interface_id;
    in->mode = c->args.mode;
    memcpy(in->secret, c->args.secret, MEMIF_SECRET_LEN);
    put_name(in->name, ctl->app_name, MEMIF_NAME_LEN);
    ctl->state = CTL_S_SETUP;
    ctl->step = 1;
}

/* One setup message per ACK: regions, S2M rings, M2S rings, CONNECT. */
static void secondary_next(struct ctl *ctl, struct ctl_out *o)
{
    struct mconn *c = ctl->conn;
    uint32_t k = ctl->step++;
    if (k <= c->shm.n) {
        send_msg(ctl, o, MEMIF_MSG_TYPE_ADD_REGION);
        o->msg.add_region.index = (uint16_t)(k - 1);
        o->msg.add_region.size = c->shm.r[k - 1].size;
        o->fd = c->shm.r[k - 1].fd;
    } else if (k - c->shm.n <= (uint32_t)c->num_s2m + c->num_m2s) {
        uint32_t i = k - c->shm.n - 1;
        bool s2m = i < c->num_s2m;
        const struct mqueue *q = s2m ? &c->s2m[i] : &c->m2s[i - c->num_s2m];
        send_msg(ctl, o, MEMIF_MSG_TYPE_ADD_RING);
        memif_msg_add_ring_t *ar = &o->msg.add_ring;
        ar->flags = s2m ? MEMIF_MSG_ADD_RING_FLAG_S2M : 0;
        ar->index = (uint16_t)(s2m ? i : i - c->num_s2m);
        ar->region = q->region;
        ar->offset = q->offset;
        ar->log2_ring_size = q->log2;
        o->fd = q->int_fd;
    } else {
        send_msg(ctl, o, MEMIF_MSG_TYPE_CONNECT);
        ctl->state = CTL_S_WAIT_CONNECTED;
    }
}

/* ---- dispatch -------------------------------------------------------- */

static void on_disconnect(struct ctl *ctl, const memif_msg_disconnect_t *d, struct ctl_out *o)
{
    get_text(o->text, d->string, MEMIF_DISC_STRING_LEN);
    if (!o->text[0])
        strcpy(o->text, "disconnect received");
    close_with(ctl, o, NULL, o->text, false);
}

/* A message of a known type (other than DISCONNECT) in the current state. */
static void on_message(struct ctl *ctl, const memif_msg_t *m, int *fd, struct ctl_out *o)
{
    static const uint16_t expected[] = {
        [CTL_P_WAIT_INIT] = MEMIF_MSG_TYPE_INIT,   [CTL_P_SETUP] = 0,
        [CTL_S_WAIT_HELLO] = MEMIF_MSG_TYPE_HELLO, [CTL_S_SETUP] = MEMIF_MSG_TYPE_ACK,
        [CTL_S_WAIT_CONNECTED] = MEMIF_MSG_TYPE_CONNECTED, [CTL_CONNECTED] = MEMIF_MSG_TYPE_NONE,
    };
    if (ctl->state == CTL_P_SETUP) {
        primary_setup(ctl, m, fd, o);
        return;
    }
    if (m->type != expected[ctl->state]) {
        violation(ctl, o, "unexpected message received");
        return;
    }
    switch (ctl->state) {
    case CTL_P_WAIT_INIT:
        primary_init(ctl, &m->init, o);
        return;
    case CTL_S_WAIT_HELLO:
        secondary_hello(ctl, &m->hello, o);
        return;
    case CTL_S_SETUP:
        secondary_next(ctl, o);
        return;
    case CTL_S_WAIT_CONNECTED:
        get_text(ctl->conn->remote_if_name, m->connected.if_name, MEMIF_NAME_LEN);
        ctl->state = CTL_CONNECTED;
        o->verdict = CTL_UP;
        return;
    default:
        violation(ctl, o, "unexpected message received");
        return;
    }
}

void ctl_receive(struct ctl *ctl, const void *bytes, size_t len, int fd, struct ctl_out *out)
{
    memif_msg_t m;
    reset(out);
    if (len != sizeof m) {
        violation(ctl, out, "malformed message received");
    } else {
        memcpy(&m, bytes, sizeof m);
        char lb[48];
        MDSA_TRACE(ctl->trace, "%s: received %s", label(ctl, lb), msg_name(m.type));
        if (m.type == MEMIF_MSG_TYPE_DISCONNECT) {
            on_disconnect(ctl, &m.disconnect, out);
        } else if (m.type == MEMIF_MSG_TYPE_NONE || m.type > MEMIF_MSG_TYPE_DISCONNECT) {
            snprintf(out->text, sizeof out->text, "unknown message type (0x%x)", m.type);
            violation(ctl, out, out->text);
        } else {
            on_message(ctl, &m, &fd, out);
        }
    }
    if (fd >= 0)
        close(fd); /* an fd the message had no use for */
}
