/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the secondary's handshake state machine (control.c) over the
 * interface layer, as the socket layer drives it, from bytes: what a
 * primary sends (HELLO with any limits, ACKs, CONNECTED, DISCONNECT or
 * anything else), each with an fd of some kind that the secondary must
 * close.  A closed channel is followed by a reconnection for the records
 * that follow, as the reconnect timer does.  The secondary wants 2 queues
 * each way, 64 slots, 256-byte buffers; a HELLO may allow fewer. */
#include "control.h"
#include "fuzz_common.h"

/* tracing on, into nothing: the trace lines' formatting of peer bytes runs too */
static void drop_line(const char *line, void *ctx)
{
    (void)line;
    (void)ctx;
}
static struct mdsa_tracer no_trace = {drop_line, NULL};
static int chan_token;
#define CHAN_MARK ((struct mchannel *)&chan_token)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fds0 = open_fds();
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.interface_id = 7;
    a.num_s2m_rings = a.num_m2s_rings = 2;
    a.log2_ring_size = 6;
    a.buffer_size = 256;
    snprintf((char *)a.interface_name, sizeof a.interface_name, "fuzz-sec");
    snprintf((char *)a.secret, sizeof a.secret, "s3cret");
    struct mconn c;
    if (conn_init(&c, &a, test_alloc(), NULL, &no_trace, NULL))
        abort();
    struct ctl ctl;
    struct fin in = {data, size};
    struct record r;
    struct ctl_out o;
    for (int k = 0; k < 64 && next_record(&in, &r); k++) {
        if (!c.chan) { /* (re)connect */
            ctl_start_secondary(&ctl, &c, "fuzz-app", &no_trace);
            c.chan = CHAN_MARK;
        }
        int fd = make_fd(r.flags & 0x0f, r.flags, r.size);
        ctl_receive(&ctl, r.bytes, r.len, fd, &o);
        if (o.verdict == CTL_CLOSE) {
            c.chan = NULL;
            conn_teardown(&c, NULL);
        } else if (o.verdict == CTL_UP) {
            conn_up(&c);
        } else if (o.verdict == CTL_BOUND) {
            abort(); /* a primary's verdict */
        }
        if (o.send && o.fd >= 0 && fcntl(o.fd, F_GETFD) < 0)
            abort(); /* an fd to pass that is not open */
    }
    c.chan = NULL;
    conn_teardown(&c, NULL);
    conn_destroy(&c);
    assert_no_fd_leak(fds0, "fuzz_control_secondary");
    return 0;
}
