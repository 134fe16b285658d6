/* SPDX-License-Identifier: Apache-2.0 */
/* Control channels: one SOCK_SEQPACKET connection each, carrying 128-byte
 * messages and fds (SCM_RIGHTS).  Sends never block: a peer that stops
 * reading is disconnected.  The messages' meaning is control.c's. */
#ifndef MDSA_CHAN_H
#define MDSA_CHAN_H

#include <stddef.h>

#include "control.h"
#include "sock.h"
#include "wire.h"

struct mchannel {
    struct watch w;          /* w.fd: the connection */
    struct msock *sock;
    struct ctl ctl;          /* its handshake */
    struct mchannel *next;   /* the socket's pending list */
};

/* A channel over connected fd `fd` (closed on failure), watched. */
struct mchannel *chan_open(struct msock *s, int fd, int *err);
/* Stop watching, close, free. */
void chan_destroy(struct mchannel *ch);
/* 0, or -1 when the message could not be sent whole. */
int chan_send(struct mchannel *ch, const memif_msg_t *m, int fd);
int chan_send_disconnect(struct mchannel *ch, const char *reason);
/* One message: 1 with its bytes in *m, their count in *len and at most one
 * fd in *fd; 0 when none is waiting; -1 when the channel must close (*why). */
int chan_recv(struct mchannel *ch, memif_msg_t *m, size_t *len, int *fd, const char **why);

/* The socket's accepted channels that no INIT identified yet.  A flood
 * of silent connections evicts the oldest. */
void chan_pending_add(struct msock *s, struct mchannel *ch);
void chan_pending_unlink(struct msock *s, struct mchannel *ch);
void chan_pending_clear(struct msock *s);

#endif
