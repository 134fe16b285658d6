/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation through the application's allocator (memif_socket_args_t's
 * alloc/realloc/free; malloc and friends where it gave none). */
#ifndef MDSA_ALLOC_H
#define MDSA_ALLOC_H

#include <stddef.h>

#include "libmemif.h"

struct mdsa_alloc {
    memif_alloc_t *alloc;
    memif_realloc_t *realloc;
    memif_free_t *free;
};

/* The socket arguments' functions, the C library's where one is NULL. */
void mdsa_alloc_init(struct mdsa_alloc *a, const memif_socket_args_t *args);
void *mdsa_zalloc(const struct mdsa_alloc *a, size_t n); /* zeroed */
void *mdsa_realloc(const struct mdsa_alloc *a, void *p, size_t n);
void mdsa_free(const struct mdsa_alloc *a, void *p); /* NULL is fine */

#endif
