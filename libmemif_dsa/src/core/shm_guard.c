/* SPDX-License-Identifier: Apache-2.0 */
#include "shm_guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { SLOT_FREE, SLOT_BUSY, SLOT_LIVE };

struct gslot {
    int state;          /* SLOT_*, atomic */
    uintptr_t start, end;
    int *flag;
    int value;
};

static struct gslot slots[MDSA_GUARD_SLOTS];
static struct sigaction prev;  /* the SIGBUS disposition before ours */
static uintptr_t page_size;
static bool installed;
static pthread_mutex_t install_mu = PTHREAD_MUTEX_INITIALIZER;

/* Private zeroed pages over [from, to): the raw system call, so no
 * interceptor (a sanitizer's mmap) runs inside the handler. */
static bool patch(uintptr_t from, uintptr_t to)
{
    return syscall(SYS_mmap, from, to - from, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != -1;
}

/* Not ours: the previous handler, or the default action (restored, and
 * the signal raised again: it lands when this handler returns). */
static void chain(int sig, siginfo_t *si, void *uc)
{
    if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
        prev.sa_sigaction(sig, si, uc);
        return;
    }
    if (!(prev.sa_flags & SA_SIGINFO) && prev.sa_handler != SIG_DFL &&
        prev.sa_handler != SIG_IGN) {
        prev.sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGBUS, &dfl, NULL);
    raise(SIGBUS);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    uintptr_t a = (uintptr_t)si->si_addr;
    for (unsigned i = 0; si->si_code == BUS_ADRERR && i < MDSA_GUARD_SLOTS; i++) {
        struct gslot *g = &slots[i];
        if (__atomic_load_n(&g->state, __ATOMIC_ACQUIRE) != SLOT_LIVE || a < g->start ||
            a >= g->end)
            continue;
        /* from the faulting page on (a shrink cuts the end off); a mapping
         * that cannot be split there (huge pages) is replaced whole */
        if (!patch(a & ~(page_size - 1), g->end) && !patch(g->start, g->end))
            break;
        __atomic_store_n(g->flag, g->value, __ATOMIC_RELEASE);
        errno = saved;
        return;
    }
    errno = saved;
    chain(sig, si, uc);
}

static bool ours_installed(void)
{
    struct sigaction cur;
    return sigaction(SIGBUS, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
           cur.sa_sigaction == on_sigbus;
}

static bool install(void)
{
    pthread_mutex_lock(&install_mu);
    if (!installed) {
        page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        installed = sigaction(SIGBUS, &sa, &prev) == 0 && ours_installed();
    }
    bool ok = installed;
    pthread_mutex_unlock(&install_mu);
    return ok;
}

int shm_guard_add(void *addr, uint64_t len, int *flag, int value, const char **why)
{
    if (!install()) {
        *why = "memory region fd cannot be sealed and no SIGBUS guard could be set";
        return -1;
    }
    for (unsigned i = 0; i < MDSA_GUARD_SLOTS; i++) {
        struct gslot *g = &slots[i];
        int expect = SLOT_FREE;
        if (!__atomic_compare_exchange_n(&g->state, &expect, SLOT_BUSY, false, __ATOMIC_ACQUIRE,
                                         __ATOMIC_RELAXED))
            continue;
        g->start = (uintptr_t)addr;
        g->end = ((uintptr_t)addr + len + page_size - 1) & ~(page_size - 1);
        g->flag = flag;
        g->value = value;
        __atomic_store_n(&g->state, SLOT_LIVE, __ATOMIC_RELEASE);
        return 0;
    }
    *why = "too many unsealed memory regions in this process";
    return -1;
}

void shm_guard_remove(void *addr)
{
    for (unsigned i = 0; i < MDSA_GUARD_SLOTS; i++) {
        struct gslot *g = &slots[i];
        if (__atomic_load_n(&g->state, __ATOMIC_ACQUIRE) == SLOT_LIVE &&
            g->start == (uintptr_t)addr) {
            __atomic_store_n(&g->state, SLOT_FREE, __ATOMIC_RELEASE);
            return;
        }
    }
}
