/* Internals of the DSA copy engine shared by engine.c (data path) and
 * engine_create.c (choosing and opening a back end).  Not public. */
#ifndef MDSA_DSA_ENGINE_INTERNAL_H
#define MDSA_DSA_ENGINE_INTERNAL_H

#include "engine.h"
#include "wq.h"

/* Build an engine over an open queue.  Takes ownership of wq (closed with
 * mdsa_wq_close) and of emu (destroyed) when non-NULL, also on failure. */
mdsa_engine_t *mdsa_dsa_engine_new(struct mdsa_wq *wq, struct mdsa_emu *emu,
                                   const struct mdsa_dsa_config *c, size_t threshold,
                                   const char *backend, const char *note, char *err,
                                   size_t errlen);

/* Submit one NOOP and wait up to timeout_ns for SUCCESS.  0 or -errno
 * with a message. */
int mdsa_dsa_engine_probe(mdsa_engine_t *e, uint64_t timeout_ns, char *err, size_t errlen);

uint64_t mdsa_dsa_now_ns(void);

#endif
