/* SPDX-License-Identifier: Apache-2.0 */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void to_stderr(const char *line, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "memif-dsa: %s\n", line);
}

void mdsa_tracer_init(struct mdsa_tracer *t)
{
    const char *v = getenv("MEMIF_DSA_DEBUG");
    t->fn = v && *v && strcmp(v, "0") ? to_stderr : NULL;
    t->ctx = NULL;
}

void mdsa_trace_emit(const struct mdsa_tracer *t, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->fn(line, t->ctx);
}
