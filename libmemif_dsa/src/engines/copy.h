/* SPDX-License-Identifier: Apache-2.0 */
/* The copy-engine interface: how the data path moves packet bytes.
 *
 * The data path hands an engine one burst of copies at a time and learns,
 * in submission order, when each burst has landed.  It publishes a ring
 * index only after the burst that filled those slots is complete, so the
 * same data-path code is correct for a synchronous engine (CPU memcpy) and
 * an asynchronous one (Intel DSA, or the DSA emulator).  The data path
 * never asks which engine it has.
 */
#ifndef MDSA_COPY_H
#define MDSA_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "../common/cpu_relax.h"
#include "memif_dsa.h"

struct mdsa_copy_op {
    void *dst;
    const void *src;
    uint32_t len;
};

/* struct mdsa_engine_counters (what every engine counts) is public: it is
 * defined in memif_dsa.h and reported by mdsa_get_stats(). */

typedef struct mdsa_engine mdsa_engine_t;

struct mdsa_engine_ops {
    /* Accept one burst.  On success returns 0 and a ticket; tickets of one
     * engine increase by one per accepted burst.  The source and
     * destination memory must stay valid until poll() reports the ticket
     * complete.  An engine never refuses a burst for lack of room: it
     * copies on the CPU instead and counts that.  Returns <0 (-errno) only
     * for a broken engine. */
    int (*submit)(mdsa_engine_t *e, const struct mdsa_copy_op *ops,
                  uint32_t n, uint64_t *ticket);
    /* Non-blocking: 1 when the burst `ticket` and every earlier one are
     * complete (bytes in place), 0 when not yet, <0 on an unrecoverable
     * engine failure. */
    int (*poll)(mdsa_engine_t *e, uint64_t ticket);
    /* Name of the engine actually running ("cpu", "dsa-emu(...)",
     * "dsa-hw:wq0.0(...)"); Python's stats()["engine"]["name"]. */
    const char *(*backend)(mdsa_engine_t *e);
    void (*destroy)(mdsa_engine_t *e);
};

struct mdsa_engine {
    const struct mdsa_engine_ops *ops;
    struct mdsa_engine_counters ctr;
};

/* Poll until `ticket` is complete; returns 0 or the engine's error. */
static inline int mdsa_engine_wait(mdsa_engine_t *e, uint64_t ticket)
{
    for (;;) {
        int r = e->ops->poll(e, ticket);
        if (r == 1)
            return 0;
        if (r < 0)
            return r;
        mdsa_cpu_relax();
    }
}

/* The CPU engine (cpu.c): memcpy inside submit(), always complete. */
mdsa_engine_t *mdsa_engine_cpu_create(void);

/* Engine by name (factory.c): "cpu", "dsa", "dsa-hw", "dsa-emu".  NULL with
 * `err` set when it cannot run here. */
mdsa_engine_t *mdsa_engine_create(const char *name, const char *config, uint32_t threshold,
                                  char *err, size_t errlen);

#endif
