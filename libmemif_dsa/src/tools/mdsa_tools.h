/* SPDX-License-Identifier: Apache-2.0 */
/* mdsa_tools.h — the C loops behind `memif-dsa reflect` and
 * `memif-dsa bench`: no Python runs per packet or per burst inside them.
 *
 * Written only against the public API (<libmemif.h>, <memif_dsa.h>), with
 * their own mdsa_tools_ prefix: they are tools, not part of the library's
 * ABI (libmemif_dsa.so does not contain them; the Python package does). */
#ifndef MDSA_TOOLS_H
#define MDSA_TOOLS_H

#include <stdint.h>

#include "libmemif.h"
#include "memif_dsa.h"
#include "mdsa_bench.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- reflector --------------------------------------------------------- */

typedef struct mdsa_tools_reflector mdsa_tools_reflector_t;

/* A reflector for `conn`: every packet received on rx queue i goes back
 * unchanged on tx queue i (i modulo the tx queue count), `burst` (1..256)
 * packets at a time.  `polling`: its rx queues are in polling mode (the
 * loop spins instead of sleeping in epoll).  NULL on bad arguments or no
 * memory. */
mdsa_tools_reflector_t *mdsa_tools_reflector_new(memif_conn_handle_t conn, uint16_t burst,
                                                 int polling);
/* Run the socket's event loop and reflect for up to `timeout_ms` (-1: no
 * limit).  A packet the tx ring cannot take yet is held and retried, never
 * dropped (held packets are dropped when the link goes down).
 * *reflected += packets sent back. */
int mdsa_tools_reflector_run(mdsa_tools_reflector_t *r, int timeout_ms, uint64_t *reflected);
void mdsa_tools_reflector_free(mdsa_tools_reflector_t *r);

/* ---- benchmark: mdsa_bench.h ---------------------------------------------- */

#ifdef __cplusplus
}
#endif

#endif
