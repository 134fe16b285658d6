/* SPDX-License-Identifier: Apache-2.0 */
/* Sockets: one memif control socket (a path or an abstract name) and the
 * fds it watches, through the application's fd-update callback or an
 * internal epoll.  A socket may hold primary (listener) and secondary
 * (client) interfaces at once.  This file's layer: watches, the
 * reconnection timer, the cancel and deferred-work eventfds. */
#ifndef MDSA_SOCK_H
#define MDSA_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc.h"
#include "conn.h"
#include "libmemif.h"
#include "shm.h"
#include "trace.h"

#define MDSA_MAX_PENDING_CHANNELS 64 /* accepted but not yet identified */
#define MDSA_DEFAULT_SOCKET_PATH "/run/vpp/memif.sock"

struct mchannel; /* chan.h */
struct msock;

enum watch_kind { W_LISTENER, W_CONTROL, W_INTERRUPT, W_TIMER, W_CANCEL, W_WORK };

/* What an fd event dispatches to: the pointer handed out as private_ctx
 * (application fd callback) or epoll data (internal loop). */
struct watch {
    enum watch_kind kind;
    int fd;
    bool added;
    struct msock *sock;
    struct mchannel *chan; /* W_CONTROL */
    struct mconn *conn;    /* W_INTERRUPT */
    uint16_t qid;          /* W_INTERRUPT */
};

struct msock {
    memif_socket_args_t args;
    void *private_ctx;
    struct mdsa_alloc al;
    struct shm_ext ext;
    struct mdsa_tracer trace;
    bool abstract;               /* '@name' or a leading NUL */
    int listener_fd;
    bool own_listener;           /* we bound it (unlink the file on close) */
    struct watch lw;
    int epfd;                    /* internal loop, when no application callback */
    int timer_fd;
    struct watch tw;
    int cancel_fd;
    struct watch cw;
    int work_fd;                 /* wakes the loop for deferred teardowns */
    struct watch ww;
    struct mconn *conns;         /* both roles */
    struct mchannel *pending;    /* accepted, not yet identified by INIT */
    unsigned npending;
    char errmsg[160];            /* detail of the last socket-level error */
    mdsa_hello_limits_t limits;  /* what our primaries advertise in HELLO */
};

/* Set up *s (zeroed storage) from the application's arguments. */
int sock_init(struct msock *s, const memif_socket_args_t *args, void *private_ctx);
/* Close the socket's own fds (channels and listener are gone already). */
void sock_fini(struct msock *s);
void watch_init(struct watch *w, enum watch_kind k, struct msock *s, int fd);
int watch_add(struct msock *s, struct watch *w);
void watch_del(struct msock *s, struct watch *w);
/* Wake the loop to run deferred teardowns. */
void sock_kick_work(struct msock *s);
/* Start the reconnection timer (secondaries use it) if configured. */
void sock_timer_start(struct msock *s);
void sock_timer_set(struct msock *s, struct itimerspec timer);
bool sock_has_primary(const struct msock *s);

#endif
