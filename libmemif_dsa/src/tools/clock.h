/* SPDX-License-Identifier: Apache-2.0 */
/* The tools' clock (they use only the library's public API). */
#ifndef MDSA_TOOLS_CLOCK_H
#define MDSA_TOOLS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t tools_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
