/* SPDX-License-Identifier: Apache-2.0 */
/* Several sockets at once, written only against the libmemif 4.0 API
 * (<libmemif.h>).  The application watches every fd itself through the
 * control-fd callback (memif_socket_args_t.on_control_fd_update), one epoll
 * for all sockets:
 *   socket A, listening at PREFIX-a: masters id 1 and id 2
 *   socket B, client of PREFIX-a:    slaves id 1 and id 2
 *   socket C, listening at PREFIX-c: master id 5
 *   socket D, client of PREFIX-c:    slave id 5
 * Every slave sends packets of many sizes (chained past 2048 bytes); its
 * master echoes them from the interrupt callback; the slave checks every
 * byte.  The callback must get each socket's own private_ctx, and every fd
 * it was given must be taken back (MEMIF_FD_EVENT_DEL) by the time its
 * socket is deleted.
 *
 *   multi_socket PREFIX [PACKETS]      exit status 0 and "OK ..." on success
 */
#include <libmemif.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "app.h"

#define MAX_FDS 64
#define WINDOW 16

struct app_sock {
    const char *name;
    memif_socket_handle_t h;
    int fds[MAX_FDS];
    int nfds;
    int bad_events; /* an fd added twice, or a DEL of an fd never added */
};

struct iface {
    const char *name;
    struct app_sock *s;
    uint32_t id;
    int is_master;
    memif_conn_handle_t conn;
    int up, disconnects;
    int sent, echoed, verified, failed;
};

static int epfd;
static struct app_sock socks[4] = {{.name = "A"}, {.name = "B"}, {.name = "C"}, {.name = "D"}};
static struct iface ifs[6] = {
    {.name = "master-1", .s = &socks[0], .id = 1, .is_master = 1},
    {.name = "master-2", .s = &socks[0], .id = 2, .is_master = 1},
    {.name = "master-5", .s = &socks[2], .id = 5, .is_master = 1},
    {.name = "slave-1", .s = &socks[1], .id = 1},
    {.name = "slave-2", .s = &socks[1], .id = 2},
    {.name = "slave-5", .s = &socks[3], .id = 5},
};

static uint16_t size_of(int i)
{
    static const uint16_t sizes[] = {60, 1500, 2049, 64, 4096, 9000, 1, 700};
    return sizes[i % 8];
}

static uint8_t pattern(uint32_t id, int pkt, uint32_t off)
{
    return (uint8_t)(id * 31 + pkt * 7 + off * 13 + 1);
}

static int find_fd(struct app_sock *s, int fd)
{
    for (int i = 0; i < s->nfds; i++)
        if (s->fds[i] == fd)
            return i;
    return -1;
}

/* The one callback of every socket: private_ctx is that socket's. */
static int on_fd_update(memif_fd_event_t fde, void *private_ctx)
{
    struct app_sock *s = private_ctx;
    int at = find_fd(s, fde.fd);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = fde.private_ctx};
    if (fde.type & MEMIF_FD_EVENT_DEL) {
        if (at < 0) {
            s->bad_events++;
            return -1;
        }
        s->fds[at] = s->fds[--s->nfds];
        return epoll_ctl(epfd, EPOLL_CTL_DEL, fde.fd, NULL) < 0 ? -1 : 0;
    }
    if (fde.type & MEMIF_FD_EVENT_MOD)
        return epoll_ctl(epfd, EPOLL_CTL_MOD, fde.fd, &ev) < 0 ? -1 : 0;
    if (at >= 0 || s->nfds == MAX_FDS) {
        s->bad_events++;
        return -1;
    }
    s->fds[s->nfds++] = fde.fd;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fde.fd, &ev) < 0 ? -1 : 0;
}

static void on_packet(struct iface *f, const uint8_t *pkt, uint32_t len)
{
    if (f->is_master) {
        if (app_send(f->conn, 0, pkt, len) == 0)
            f->echoed++;
        return;
    }
    int k = f->verified + f->failed, ok = len == size_of(k);
    for (uint32_t i = 0; ok && i < len; i++)
        ok = pkt[i] == pattern(f->id, k, i);
    if (ok)
        f->verified++;
    else
        f->failed++;
}

static int on_interrupt(memif_conn_handle_t conn, void *ctx, uint16_t qid)
{
    static uint8_t pkt[65536];
    struct iface *f = ctx;
    memif_buffer_t bufs[256];
    uint16_t rx = 0;
    int err = memif_rx_burst(conn, qid, bufs, 256, &rx);
    if (err != MEMIF_ERR_SUCCESS)
        return err;
    uint16_t used = 0;
    uint32_t len;
    while (app_gather(bufs, rx, &used, pkt, &len))
        on_packet(f, pkt, len);
    return memif_refill_queue(conn, qid, rx, 0);
}

static int on_connect(memif_conn_handle_t conn, void *ctx)
{
    ((struct iface *)ctx)->up = 1;
    return memif_refill_queue(conn, 0, (uint16_t)-1, 0);
}

static int on_disconnect(memif_conn_handle_t conn, void *ctx)
{
    (void)conn;
    struct iface *f = ctx;
    f->up = 0;
    f->disconnects++;
    return 0;
}

static void fail(const char *what, int err)
{
    fprintf(stderr, "FAIL: %s: %s\n", what, err >= 0 ? memif_strerror(err) : "check failed");
    exit(1);
}

static void make_socket(struct app_sock *s, const char *prefix, char which)
{
    memif_socket_args_t sa;
    memset(&sa, 0, sizeof sa);
    snprintf(sa.path, sizeof sa.path, "%s-%c", prefix, which);
    snprintf(sa.app_name, sizeof sa.app_name, "multi-%s", s->name);
    sa.connection_request_timer.it_value.tv_nsec = 50 * 1000 * 1000;
    sa.connection_request_timer.it_interval.tv_nsec = 50 * 1000 * 1000;
    sa.on_control_fd_update = on_fd_update;
    int err = memif_create_socket(&s->h, &sa, s);
    if (err)
        fail("memif_create_socket", err);
}

static void make_iface(struct iface *f)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.socket = f->s->h;
    a.is_master = (uint8_t)f->is_master;
    a.interface_id = f->id;
    snprintf((char *)a.interface_name, sizeof a.interface_name, "%s", f->name);
    int err = memif_create(&f->conn, &a, on_connect, on_disconnect, on_interrupt, f);
    if (err)
        fail("memif_create", err);
    if (memif_get_socket_handle(f->conn) != f->s->h)
        fail("memif_get_socket_handle", -1);
}

static int all_up(void)
{
    for (int i = 0; i < 6; i++)
        if (!ifs[i].up)
            return 0;
    return 1;
}

/* Every slave sends `total` packets; false when time runs out. */
static int exchange(int total)
{
    static uint8_t pkt[9000];
    double end = app_now() + 30;
    for (int done = 0; !done && app_now() < end;) {
        done = 1;
        for (int i = 3; i < 6; i++) {
            struct iface *f = &ifs[i];
            int got = f->verified + f->failed;
            done &= got >= total;
            if (f->sent < total && f->sent - got < WINDOW) {
                uint32_t len = size_of(f->sent);
                for (uint32_t k = 0; k < len; k++)
                    pkt[k] = pattern(f->id, f->sent, k);
                if (app_send(f->conn, 0, pkt, len) == 0)
                    f->sent++;
            }
        }
        app_epoll_once(epfd, 0);
    }
    return app_now() < end;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PREFIX [PACKETS]\n", argv[0]);
        return 2;
    }
    int total = argc > 2 ? atoi(argv[2]) : 100;
    epfd = epoll_create1(0);
    const char paths[4] = {'a', 'a', 'c', 'c'};
    for (int i = 0; i < 4; i++)
        make_socket(&socks[i], argv[1], paths[i]);
    for (int i = 0; i < 6; i++)
        make_iface(&ifs[i]);
    int a_listens = memif_get_listener_fd(socks[0].h), b_listens = memif_get_listener_fd(socks[1].h);
    if (a_listens < 0 || find_fd(&socks[0], a_listens) < 0 || b_listens >= 0)
        fail("memif_get_listener_fd (A listens, B does not)", -1);
    for (double end = app_now() + 10; !all_up(); app_epoll_once(epfd, 10))
        if (app_now() > end)
            fail("all six interfaces did not connect", -1);
    if (!exchange(total))
        fail("the exchange timed out", -1);

    /* the slaves go first: their masters see the disconnect and stay */
    for (int i = 3; i < 6; i++)
        memif_delete(&ifs[i].conn);
    for (double end = app_now() + 10; ifs[0].up || ifs[1].up || ifs[2].up; app_epoll_once(epfd, 10))
        if (app_now() > end)
            fail("the masters did not see the slaves go", -1);
    for (int i = 0; i < 3; i++)
        memif_delete(&ifs[i].conn);
    int ok = 1, left = 0, bad = 0;
    for (int i = 0; i < 4; i++) {
        int err = memif_delete_socket(&socks[i].h);
        if (err)
            fail("memif_delete_socket", err);
        left += socks[i].nfds;
        bad += socks[i].bad_events;
    }
    for (int i = 3; i < 6; i++) {
        ok &= ifs[i].verified == total && !ifs[i].failed && ifs[i - 3].echoed == total;
        printf("%s: sent %d echoed %d verified %d failed %d\n", ifs[i].name, ifs[i].sent,
               ifs[i - 3].echoed, ifs[i].verified, ifs[i].failed);
    }
    ok &= !left && !bad && ifs[0].disconnects == 1 && ifs[2].disconnects == 1;
    printf("%s: 4 sockets, 6 interfaces, fds left watched %d, bad fd events %d\n", ok ? "OK" : "FAIL",
           left, bad);
    return ok ? 0 : 1;
}
