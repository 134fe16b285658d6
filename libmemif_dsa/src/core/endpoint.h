/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints of a socket: the listener its primaries share (bound on the
 * first primary, closed with the last), accepted connections, and the
 * connections its secondaries make (retried on the socket's timer). */
#ifndef MDSA_ENDPOINT_H
#define MDSA_ENDPOINT_H

#include "conn.h"
#include "sock.h"

/* Listen on the socket's path unless already listening. */
int endpoint_listen(struct msock *s);
/* Use an fd the application bound (memif_set_listener_fd). */
int endpoint_adopt_listener(struct msock *s, int fd);
/* Stop listening; remove the socket file if we bound it. */
void endpoint_close_listener(struct msock *s);
/* Accept one connection and send HELLO. */
int endpoint_accept(struct msock *s);
/* A secondary connects to the socket's path (MEMIF_ERR_CONNREFUSED when
 * nobody listens; the timer retries). */
int endpoint_connect(struct mconn *c);
/* Timer: every secondary without a channel tries again. */
void endpoint_retry(struct msock *s);

#endif
