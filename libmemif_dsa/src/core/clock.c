/* SPDX-License-Identifier: Apache-2.0 */
#include "clock.h"

#include <time.h>

uint64_t mdsa_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t mdsa_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? MDSA_NO_DEADLINE : mdsa_now_ns() + (uint64_t)timeout_ms * 1000000ull;
}

int mdsa_remaining_ms(uint64_t deadline)
{
    if (deadline == MDSA_NO_DEADLINE)
        return -1;
    uint64_t now = mdsa_now_ns();
    if (now >= deadline)
        return 0;
    uint64_t ms = (deadline - now + 999999) / 1000000;
    return ms > 1000000 ? 1000000 : (int)ms;
}
