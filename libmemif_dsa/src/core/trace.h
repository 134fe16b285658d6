/* SPDX-License-Identifier: Apache-2.0 */
/* The trace hook: handshake steps and disconnect reasons, one line each,
 * to the socket's mdsa_trace_fn.  Off by default; MDSA_TRACE costs one
 * pointer test when off and formats nothing. */
#ifndef MDSA_TRACE_H
#define MDSA_TRACE_H

#include "memif_dsa.h"

struct mdsa_tracer {
    mdsa_trace_fn *fn;
    void *ctx;
};

/* Off, or stderr when MEMIF_DSA_DEBUG is set (and not "0"). */
void mdsa_tracer_init(struct mdsa_tracer *t);
void mdsa_trace_emit(const struct mdsa_tracer *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define MDSA_TRACE(tracer, ...)                                                       \
    do {                                                                              \
        const struct mdsa_tracer *tracer_ = (tracer);                                 \
        if (__builtin_expect(tracer_ && tracer_->fn, 0))                              \
            mdsa_trace_emit(tracer_, __VA_ARGS__);                                    \
    } while (0)

#endif
