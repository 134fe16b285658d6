/* SPDX-License-Identifier: Apache-2.0 */
/* An interface as its socket sees it: coming up (interrupt fds watched,
 * on_connect), going down (DISCONNECT to the peer, channel closed, fds
 * unwatched, memory freed, on_disconnect), and teardowns the data path
 * asked for (faults), run from the event loop. */
#ifndef MDSA_IFACE_H
#define MDSA_IFACE_H

#include "chan.h"
#include "conn.h"
#include "sock.h"

static inline struct msock *iface_sock(const struct mconn *c)
{
    return (struct msock *)c->args.socket;
}

/* The socket of `c` when the library runs its event loop itself (no
 * application fd callback); else NULL with the memif_err_t for a waiting
 * call to return in *err. */
static inline struct msock *iface_own_loop(struct mconn *c, int *err)
{
    struct msock *s = c ? iface_sock(c) : NULL;
    *err = !c ? MEMIF_ERR_NOCONN : s->epfd < 0 ? MEMIF_ERR_INVAL_ARG : MEMIF_ERR_SUCCESS;
    return *err ? NULL : s;
}

/* The handshake completed. */
void iface_up(struct mconn *c);
/* Tear down: `peer_reason` to the peer in a DISCONNECT (NULL: none),
 * `reason` for our application (NULL: keep the last). */
void iface_down(struct mconn *c, const char *peer_reason, const char *reason);
/* The data path found a violation: mark, wake the loop to tear down.
 * Returns MEMIF_ERR_DISCONNECTED (what the API call returns). */
int iface_fault(struct mconn *c, const char *reason);
/* Tear down every faulted interface of the socket. */
void iface_run_deferred(struct msock *s);

#endif
