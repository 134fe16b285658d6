/* SPDX-License-Identifier: Apache-2.0 */
/* The SIGBUS guard over peer regions that cannot be sealed against
 * shrinking.  A peer that truncates such a region makes every access to
 * its missing pages raise SIGBUS -- in our copies, the copy engine's
 * worker threads, or the application reading a buffer in place.  The
 * guard's handler acts only on addresses inside a registered region: it
 * maps private zeroed pages over the missing part (the access then
 * completes on memory nobody else sees) and records which region shrank,
 * so the data path takes that interface down with a reason.  Any other
 * SIGBUS goes to the handler that was installed before ours (the
 * application's, a sanitizer's), or to the default action.
 *
 * Signal dispositions are per process, so this is the one piece of
 * process-wide state in the core: a fixed table of guarded ranges, read
 * lock-free by the handler.  The handler is installed at the first
 * registration; an application that installs its own SIGBUS handler later
 * must chain to the one it replaces. */
#ifndef MDSA_SHM_GUARD_H
#define MDSA_SHM_GUARD_H

#include <stdint.h>

#define MDSA_GUARD_SLOTS 1024 /* guarded regions per process */

/* Guard [addr, addr + len): a fault there stores `value` into *flag.
 * 0, or -1 with *why (no slot left, or the handler could not be put in
 * place, e.g. under a sanitizer that keeps SIGBUS to itself). */
int shm_guard_add(void *addr, uint64_t len, int *flag, int value, const char **why);
/* Stop guarding the range registered at `addr` (before unmapping it). */
void shm_guard_remove(void *addr);

#endif
