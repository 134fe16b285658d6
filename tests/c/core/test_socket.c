/* SPDX-License-Identifier: Apache-2.0 */
/* The socket layer (with the handshake, interfaces and everything below
 * it, but not the API): one socket holding a primary and a secondary with
 * the same id, connecting to itself, each side torn down alone. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "clock.h"
#include "endpoint.h"
#include "events.h"
#include "iface.h"
#include "tcore.h"

static int ups, downs;
static int on_up(memif_conn_handle_t c, void *ctx) { (void)c; (void)ctx; ups++; return 0; }
static int on_down(memif_conn_handle_t c, void *ctx) { (void)c; (void)ctx; downs++; return 0; }

static void add_iface(struct msock *s, struct mconn *c, int primary)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.socket = s;
    a.is_master = (uint8_t)primary;
    a.interface_id = 0;
    CHECK_EQ(conn_init(c, &a, &s->al, &s->ext, &s->trace, NULL), MEMIF_ERR_SUCCESS);
    c->on_connect = on_up;
    c->on_disconnect = on_down;
    c->next = s->conns;
    s->conns = c;
}

static int run_until(struct msock *s, int (*cond)(struct mconn *, struct mconn *),
                     struct mconn *a, struct mconn *b)
{
    uint64_t end = mdsa_deadline(5000);
    while (!cond(a, b) && mdsa_now_ns() < end) {
        events_poll(s, 50);
        iface_run_deferred(s);
    }
    return cond(a, b);
}

static int both_live(struct mconn *a, struct mconn *b) { return conn_live(a) && conn_live(b); }
static int first_down(struct mconn *a, struct mconn *b) { (void)b; return !a->connected; }

static void test_one_socket_holds_both_roles(void)
{
    int fds0 = open_fds();
    struct msock s;
    struct mconn pri, sec;
    memif_socket_args_t args;
    memset(&s, 0, sizeof s);
    memset(&args, 0, sizeof args);
    snprintf(args.path, sizeof args.path, "@mdsa-test-socket-layer-%d", getpid());
    args.connection_request_timer.it_value.tv_nsec = 20 * 1000 * 1000;
    args.connection_request_timer.it_interval.tv_nsec = 20 * 1000 * 1000;
    CHECK_EQ(sock_init(&s, &args, NULL), MEMIF_ERR_SUCCESS);
    add_iface(&s, &pri, 1);
    add_iface(&s, &sec, 0);
    CHECK_EQ(endpoint_listen(&s), MEMIF_ERR_SUCCESS);
    CHECK_EQ(endpoint_connect(&sec), MEMIF_ERR_SUCCESS); /* to its own socket's listener */
    CHECK_EQ(endpoint_connect(&sec), MEMIF_ERR_ALRCONN);
    sock_timer_start(&s);
    CHECK(run_until(&s, both_live, &pri, &sec));
    CHECK_EQ(ups, 2);

    iface_down(&sec, "secondary leaves", "secondary leaves"); /* one side alone */
    CHECK(run_until(&s, first_down, &pri, &sec));
    CHECK(!strcmp(pri.reason, "secondary leaves"));
    CHECK_EQ(downs, 2);
    CHECK(run_until(&s, both_live, &pri, &sec)); /* the timer connects it again */

    iface_down(&pri, "primary leaves", "primary leaves"); /* the other side alone */
    CHECK(run_until(&s, first_down, &sec, &pri));
    CHECK(!strcmp(sec.reason, "primary leaves"));
    CHECK(sock_has_primary(&s));

    iface_down(&sec, NULL, "done");
    chan_pending_clear(&s);
    endpoint_close_listener(&s);
    sock_fini(&s);
    conn_destroy(&pri);
    conn_destroy(&sec);
    CHECK_EQ(open_fds(), fds0);
}

int main(void)
{
    RUN(test_one_socket_holds_both_roles);
    return h_summary(__FILE__);
}
