/* SPDX-License-Identifier: Apache-2.0 */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *default_alloc(size_t n) { return malloc(n); }
static void *default_realloc(void *p, size_t n) { return realloc(p, n); }
static void default_free(void *p) { free(p); }

void mdsa_alloc_init(struct mdsa_alloc *a, const memif_socket_args_t *args)
{
    a->alloc = args->alloc ? args->alloc : default_alloc;
    a->realloc = args->realloc ? args->realloc : default_realloc;
    a->free = args->free ? args->free : default_free;
}

void *mdsa_zalloc(const struct mdsa_alloc *a, size_t n)
{
    void *p = a->alloc(n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *mdsa_realloc(const struct mdsa_alloc *a, void *p, size_t n)
{
    return a->realloc(p, n);
}

void mdsa_free(const struct mdsa_alloc *a, void *p)
{
    if (p)
        a->free(p);
}
