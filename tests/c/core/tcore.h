/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the core's unit tests. */
#ifndef MDSA_TCORE_H
#define MDSA_TCORE_H

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "harness.h"

/* Open fds of this process (to prove nothing leaks). */
static inline int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* The C library's allocator, as a socket without custom functions gets. */
static inline struct mdsa_alloc *test_alloc(void)
{
    static struct mdsa_alloc a;
    static memif_socket_args_t none;
    mdsa_alloc_init(&a, &none);
    return &a;
}

#endif
