/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the primary's handshake state machine (control.c) over the
 * interface layer (conn.c, shm.c, ring.c), driven as the socket layer
 * drives it (events.c) but from bytes: a sequence of received messages,
 * each with an fd of some kind, on two control channels of one socket
 * (the second can race the first for an interface).  A closed channel is
 * replaced by a new connection for the records that follow.
 *
 * The socket has interface 0 (ethernet, no secret), interface 1 (ip,
 * secret "fuzz-secret") and a secondary with id 2 (never a primary's).
 * Every input must end with every fd closed and every interface down. */
#include "control.h"
#include "fuzz_common.h"

/* tracing on, into nothing: the trace lines' formatting of peer bytes runs too */
static void drop_line(const char *line, void *ctx)
{
    (void)line;
    (void)ctx;
}
static struct mdsa_tracer no_trace = {drop_line, NULL};
struct chan {
    struct ctl ctl;
    bool open;
};
/* what the socket layer stores in conn->chan: the channel bound to it */
#define CHAN_MARK(ch) ((struct mchannel *)(ch))

static void iface(struct mconn *c, bool primary, uint32_t id, uint8_t mode, const char *secret)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.is_master = primary;
    a.interface_id = id;
    a.mode = mode;
    a.log2_ring_size = 4;
    a.buffer_size = 256;
    snprintf((char *)a.interface_name, sizeof a.interface_name, "fuzz%u", id);
    if (secret)
        snprintf((char *)a.secret, sizeof a.secret, "%s", secret);
    if (conn_init(c, &a, test_alloc(), NULL, &no_trace, NULL))
        abort();
}

/* events.c's channel_close: a bound channel takes its interface down. */
static void channel_close(struct chan *ch)
{
    struct mconn *c = ch->ctl.conn;
    if (c && c->chan == CHAN_MARK(ch)) {
        c->chan = NULL;
        conn_teardown(c, NULL);
    }
    ch->open = false;
}

static void act(struct chan *ch, const struct ctl_out *o)
{
    if (o->verdict == CTL_CLOSE) {
        channel_close(ch);
        return;
    }
    if (o->verdict == CTL_BOUND)
        ch->ctl.conn->chan = CHAN_MARK(ch);
    if (o->verdict == CTL_UP)
        conn_up(ch->ctl.conn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fds0 = open_fds();
    struct mconn c0, c1, c2;
    iface(&c0, true, 0, MEMIF_INTERFACE_MODE_ETHERNET, NULL);
    iface(&c1, true, 1, MEMIF_INTERFACE_MODE_IP, "fuzz-secret");
    iface(&c2, false, 2, MEMIF_INTERFACE_MODE_ETHERNET, NULL);
    c0.next = &c1;
    c1.next = &c2;
    struct mconn *list = &c0;
    struct chan ch[2] = {{.open = false}, {.open = false}};
    struct fin in = {data, size};
    struct record r;
    struct ctl_out o;
    /* channel A advertises libmemif's limits, B the tightest a primary may
     * (one region and ring each way, 2^15 slots) so both bounds are fuzzed */
    mdsa_hello_limits_t limits[2];
    ctl_default_limits(&limits[0]);
    limits[1] = (mdsa_hello_limits_t){.max_region = 0, .max_m2s_ring = 0, .max_s2m_ring = 0,
                                      .max_log2_ring_size = 15};
    for (int k = 0; k < 64 && next_record(&in, &r); k++) {
        int b = (r.flags & REC_CHANNEL_B) ? 1 : 0;
        struct chan *c = &ch[b];
        if (!c->open) { /* a new connection: HELLO goes out first */
            ctl_start_primary(&c->ctl, &list, "fuzz-app", &limits[b], &no_trace, &o);
            c->open = true;
        }
        int fd = make_fd(r.flags & 0x0f, r.flags, r.size);
        ctl_receive(&c->ctl, r.bytes, r.len, fd, &o);
        act(c, &o);
    }
    for (int i = 0; i < 2; i++)
        if (ch[i].open)
            channel_close(&ch[i]);
    for (struct mconn *c = list; c; c = c->next) {
        if (c->chan) /* bound to a channel that never closed: impossible above */
            abort();
        conn_teardown(c, NULL);
        conn_destroy(c);
    }
    assert_no_fd_leak(fds0, "fuzz_control_primary");
    return 0;
}
