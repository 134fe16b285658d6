/* SPDX-License-Identifier: Apache-2.0 */
/* Monotonic time and deadlines for the waiting helpers. */
#ifndef MDSA_CLOCK_H
#define MDSA_CLOCK_H

#include <stdint.h>

#define MDSA_NO_DEADLINE UINT64_MAX

uint64_t mdsa_now_ns(void);
/* Now + timeout_ms; MDSA_NO_DEADLINE for a negative timeout. */
uint64_t mdsa_deadline(int timeout_ms);
/* Milliseconds left until `deadline` (rounded up, 0 when passed, -1 for
 * none): what epoll_wait takes. */
int mdsa_remaining_ms(uint64_t deadline);

#endif
