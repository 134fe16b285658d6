/* SPDX-License-Identifier: Apache-2.0 */
/* One CPU pause for spin loops.  Shared by the core and the copy engines,
 * so it lives outside both (neither reaches into the other for it). */
#ifndef MDSA_CPU_RELAX_H
#define MDSA_CPU_RELAX_H

static inline void mdsa_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

#endif
