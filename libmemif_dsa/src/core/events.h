/* SPDX-License-Identifier: Apache-2.0 */
/* Event dispatch: what a readable fd of the socket means (a connection to
 * accept, a control message, an interrupt, the timer, a cancel, deferred
 * work), and the internal epoll loop. */
#ifndef MDSA_EVENTS_H
#define MDSA_EVENTS_H

#include "libmemif.h"
#include "sock.h"

/* memif_control_fd_handler: `w` is the watch handed out as private_ctx. */
int events_dispatch(struct watch *w, memif_fd_event_type_t events);
/* One epoll_wait (timeout_ms: -1 forever) and its event. */
int events_poll(struct msock *s, int timeout_ms);
/* Up to `max` ready events without blocking; how many were handled. */
int events_drain(struct msock *s, int max);

#endif
