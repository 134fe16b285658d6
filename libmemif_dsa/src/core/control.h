/* SPDX-License-Identifier: Apache-2.0 */
/* The handshake state machine of both roles, without sockets: it takes a
 * received message (its bytes as received and the fd that came with it)
 * and says what to do: a message to send, the interface it identified,
 * that the interface is up, or that the channel must close and why.
 * Every field is checked before it is acted on; a violation closes the
 * channel with a reason.  The socket layer does the I/O (events.c); a
 * fuzzer or a unit test can drive it from byte buffers alone. */
#ifndef MDSA_CONTROL_H
#define MDSA_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "trace.h"
#include "wire.h"

enum ctl_state {
    CTL_P_WAIT_INIT,      /* primary: HELLO sent, waiting for INIT */
    CTL_P_SETUP,          /* primary: regions and rings until CONNECT */
    CTL_S_WAIT_HELLO,     /* secondary: connected, waiting for HELLO */
    CTL_S_SETUP,          /* secondary: INIT..CONNECT, one per ACK */
    CTL_S_WAIT_CONNECTED, /* secondary: CONNECT sent */
    CTL_CONNECTED,
};

struct ctl {
    enum ctl_state state;
    uint32_t step;               /* secondary: next setup message */
    struct mconn *conn;          /* NULL until a primary matched INIT */
    struct mconn *const *ifaces; /* primary: the list INIT's id is looked up in */
    const char *app_name;        /* our name in HELLO and INIT */
    mdsa_hello_limits_t limits;  /* primary: what our HELLO allowed (held to) */
    const struct mdsa_tracer *trace;
};

enum ctl_verdict {
    CTL_CONTINUE,  /* send out.msg if out.send, keep going */
    CTL_BOUND,     /* primary: INIT matched ctl.conn; bind it, send, keep going */
    CTL_UP,        /* send if out.send, then the interface is up */
    CTL_CLOSE,     /* close the channel (tell the peer out.peer_reason) */
};

struct ctl_out {
    enum ctl_verdict verdict;
    bool send;
    memif_msg_t msg;
    int fd;                   /* to pass with msg, or -1; still ours (not a transfer) */
    const char *reason;       /* CTL_CLOSE: what our application is told */
    const char *peer_reason;  /* CTL_CLOSE: DISCONNECT string for the peer, NULL: none */
    bool violation;           /* CTL_CLOSE: the peer broke the protocol */
    char text[MEMIF_DISC_STRING_LEN + 1]; /* storage for a formatted reason */
};

/* A primary's new channel; `out` holds the HELLO to send, advertising
 * `limits`, which the secondary is then held to.  `ifaces` points to the
 * head of the socket's interface list. */
void ctl_start_primary(struct ctl *ctl, struct mconn *const *ifaces, const char *app_name,
                       const mdsa_hello_limits_t *limits, const struct mdsa_tracer *trace,
                       struct ctl_out *out);
/* The limits a primary advertises unless told otherwise (libmemif's). */
void ctl_default_limits(mdsa_hello_limits_t *l);
/* A secondary's new channel to its primary, for interface `c`. */
void ctl_start_secondary(struct ctl *ctl, struct mconn *c, const char *app_name,
                         const struct mdsa_tracer *trace);
/* One received message: `len` bytes (anything but MEMIF_MSG_SIZE is
 * malformed) and `fd` (-1: none), which ctl_receive owns from here on. */
void ctl_receive(struct ctl *ctl, const void *bytes, size_t len, int fd, struct ctl_out *out);
/* The DISCONNECT message carrying `reason`. */
void ctl_disconnect_msg(memif_msg_t *m, const char *reason);

#endif
