/* SPDX-License-Identifier: Apache-2.0 */
/* A wq.h queue over a real DSA work queue: /dev/dsa/wqX.Y, its 4 KiB
 * portal (MOVDIR64B for dedicated, ENQCMD for shared WQs) or write().
 * CPUID (and for ENQCMD the kernel's cpuinfo flag) is checked before a
 * submitting instruction can be installed.  Also the device's software
 * errors (poll() on the file, the sysfs "errors" attribute) and a bounded
 * reset (close and reopen the file). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define MDSA_X86 1
#endif

#include "desc.h"
#include "portal.h"

void mdsa_cpu_features_decode(unsigned max_leaf, uint32_t ecx7, struct mdsa_cpu_features *f)
{
    if (max_leaf < 7)
        ecx7 = 0;
    f->waitpkg = (ecx7 & MDSA_CPUID7_ECX_WAITPKG) != 0;
    f->movdiri = (ecx7 & MDSA_CPUID7_ECX_MOVDIRI) != 0;
    f->movdir64b = (ecx7 & MDSA_CPUID7_ECX_MOVDIR64B) != 0;
    f->enqcmd = (ecx7 & MDSA_CPUID7_ECX_ENQCMD) != 0;
}

int mdsa_cpuinfo_has_flag(const char *cpuinfo, const char *flag)
{
    FILE *fp = fopen(cpuinfo ? cpuinfo : "/proc/cpuinfo", "re");
    char line[8192];
    int found = 0;
    size_t fl = strlen(flag);
    if (!fp)
        return 0;
    while (!found && fgets(line, sizeof line, fp)) {
        if (strncmp(line, "flags", 5))
            continue;
        char *p = strchr(line, ':');
        while (p && *p) {
            p += strspn(p, ": \t\n");
            size_t n = strcspn(p, " \t\n");
            if (n == fl && !strncmp(p, flag, fl))
                found = 1;
            p += n;
        }
        break; /* the first CPU's flags speak for all */
    }
    fclose(fp);
    return found;
}

void mdsa_cpu_features_get(struct mdsa_cpu_features *f, const char *cpuinfo)
{
    memset(f, 0, sizeof *f);
#ifdef MDSA_X86
    unsigned a, b, c, d;
    unsigned max_leaf = __get_cpuid_max(0, NULL);
    if (max_leaf && __get_cpuid(0, &a, &b, &c, &d)) {
        memcpy(f->vendor, &b, 4);
        memcpy(f->vendor + 4, &d, 4);
        memcpy(f->vendor + 8, &c, 4);
    }
    uint32_t ecx7 = 0;
    if (max_leaf >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d))
        ecx7 = c;
    mdsa_cpu_features_decode(max_leaf, ecx7, f);
    f->enqcmd_kernel = f->enqcmd && mdsa_cpuinfo_has_flag(cpuinfo, "enqcmd");
#else
    snprintf(f->vendor, sizeof f->vendor, "non-x86");
#endif
}

enum { METHOD_WRITE = 0, METHOD_MOVDIR64B, METHOD_ENQCMD };

struct hw_wq {
    struct mdsa_wq base; /* first */
    int fd;
    void *portal;
    uint64_t counter; /* portal slot rotation; a queue handle has one user */
    int method;
    int dead;         /* a reset could not reopen the file: refuse everything */
    char devnode[256];
    char errors_path[530];
    char last_errors[256]; /* the "errors" attribute when last read */
    uint64_t nerrors;
    char note[160];
};

static struct hw_wq *H(struct mdsa_wq *wq)
{
    return (struct hw_wq *)wq;
}

#ifdef MDSA_X86
/* MOVDIR64B [rdx] -> [rax]: 66 0F 38 F8 /r with ModRM 0x02.  Only
 * installed when CPUID.7.0:ECX[28] is set.  The sfence makes earlier
 * descriptor/record stores globally visible before the device reads. */
static int submit_movdir64b(struct mdsa_wq *wq, const struct mdsa_desc *d)
{
    struct hw_wq *h = H(wq);
    void *dst = (char *)h->portal + mdsa_portal_offset(h->counter++);
    __asm__ __volatile__("sfence" ::: "memory");
    __asm__ __volatile__(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02" ::"a"(dst), "d"(d) : "memory");
    return MDSA_WQ_OK;
}

/* ENQCMD [rdx] -> [rax]: F2 0F 38 F8 /r; ZF=1 means the shared WQ did not
 * accept it (retry).  Only installed when CPUID.7.0:ECX[29] is set. */
static int submit_enqcmd(struct mdsa_wq *wq, const struct mdsa_desc *d)
{
    struct hw_wq *h = H(wq);
    void *dst = (char *)h->portal + mdsa_portal_offset(h->counter++);
    uint8_t retry;
    __asm__ __volatile__("sfence" ::: "memory");
    __asm__ __volatile__(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02\n\tsetz %0"
                         : "=qm"(retry)
                         : "a"(dst), "d"(d)
                         : "memory", "cc");
    return retry ? MDSA_WQ_RETRY : MDSA_WQ_OK;
}
#endif

static int submit_none(struct mdsa_wq *wq, const struct mdsa_desc *d)
{
    (void)wq;
    (void)d;
    return -ENOTSUP;
}

static int hw_write(struct mdsa_wq *wq, const struct mdsa_desc *d, uint32_t n)
{
    if (H(wq)->dead)
        return -EIO;
    ssize_t r = write(H(wq)->fd, d, (size_t)n * sizeof *d);
    if (r < 0)
        return -errno;
    if ((size_t)r < sizeof *d)
        return -EAGAIN;
    return (int)((size_t)r / sizeof *d);
}

static void hw_close(struct mdsa_wq *wq)
{
    struct hw_wq *h = H(wq);
    if (h->portal)
        munmap(h->portal, MDSA_PORTAL_SIZE);
    if (h->fd >= 0)
        close(h->fd);
    free(h);
}

/* New software errors: the file polls readable once the device has
 * reported one (the kernel keeps that state), and the sysfs "errors"
 * attribute shows the last one; a change there is a new error. */
static uint64_t hw_errors(struct mdsa_wq *wq)
{
    struct hw_wq *h = H(wq);
    struct pollfd p = {.fd = h->fd, .events = POLLIN};
    if (h->dead || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
        return h->nerrors;
    char buf[256] = "";
    FILE *f = fopen(h->errors_path, "re");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
    }
    if (strcmp(buf, h->last_errors)) {
        snprintf(h->last_errors, sizeof h->last_errors, "%s", buf);
        h->nerrors++;
    }
    return h->nerrors;
}

/* Closing the file makes the idxd driver drain (or abort) what this
 * process queued; that can block on a hung device, so it runs in a helper
 * thread and the caller waits a bounded time. */
struct closer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fd, done, abandoned;
    void *portal;
};

static void *close_thread(void *arg)
{
    struct closer *c = arg;
    if (c->portal)
        munmap(c->portal, MDSA_PORTAL_SIZE);
    close(c->fd);
    pthread_mutex_lock(&c->mu);
    c->done = 1;
    int free_it = c->abandoned;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (free_it)
        free(c);
    return NULL;
}

static const struct mdsa_wq_ops write_ops;

static int hw_reset(struct mdsa_wq *wq, uint64_t timeout_ns)
{
    struct hw_wq *h = H(wq);
    struct closer *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->fd = h->fd;
    c->portal = h->portal;
    h->fd = -1;
    h->portal = NULL;
    h->dead = 1;
    pthread_t t;
    if (pthread_create(&t, NULL, close_thread, c)) {
        close_thread(c); /* no thread: close here, unbounded */
    } else {
        pthread_detach(t);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(timeout_ns / 1000000000ull);
    ts.tv_nsec += (long)(timeout_ns % 1000000000ull);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->mu);
    while (!c->done && pthread_cond_timedwait(&c->cv, &c->mu, &ts) != ETIMEDOUT)
        ;
    int done = c->done;
    c->abandoned = !done; /* the thread frees it when close finally returns */
    pthread_mutex_unlock(&c->mu);
    if (!done)
        return -ETIMEDOUT; /* the queue stays dead */
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
    /* open again: the queue is usable, through write() (a new portal
     * would need the same checks as at open; after a reset the engine
     * does not submit again anyway) */
    h->fd = open(h->devnode, O_RDWR | O_CLOEXEC);
    h->dead = h->fd < 0;
    h->base.info.portal = 0;
    h->base.ops = &write_ops;
    h->method = METHOD_WRITE;
    return 0;
}

static const struct mdsa_wq_ops write_ops = {.submit = submit_none,
                                             .write = hw_write,
                                             .close = hw_close,
                                             .errors = hw_errors,
                                             .reset = hw_reset};
#ifdef MDSA_X86
static const struct mdsa_wq_ops movdir64b_ops = {.submit = submit_movdir64b,
                                                 .write = hw_write,
                                                 .close = hw_close,
                                                 .errors = hw_errors,
                                                 .reset = hw_reset};
static const struct mdsa_wq_ops enqcmd_ops = {.submit = submit_enqcmd,
                                              .write = hw_write,
                                              .close = hw_close,
                                              .errors = hw_errors,
                                              .reset = hw_reset};
#endif

static int open_error(char *err, size_t errlen, const struct mdsa_hw_wq_attr *a, int e)
{
    const char *hint = "";
    if (e == EBUSY)
        hint = " (a dedicated WQ admits one opener)";
    else if (e == EACCES || e == EPERM)
        hint = " (check the node's permissions)";
    else if (e == ENOENT)
        hint = " (is the idxd 'user' driver bound to the WQ?)";
    snprintf(err, errlen, "open %s: %s%s", a->devnode, strerror(e), hint);
    return -e;
}

struct mdsa_wq *mdsa_hw_wq_open(const struct mdsa_hw_wq_attr *a, const struct mdsa_hw_open_opts *o,
                                char *err, size_t errlen)
{
    struct mdsa_cpu_features detected;
    const struct mdsa_cpu_features *cpu = o ? o->cpu : NULL;
    int submit = o ? o->submit : MDSA_HW_SUBMIT_AUTO;
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (!cpu) {
        mdsa_cpu_features_get(&detected, o ? o->cpuinfo : NULL);
        cpu = &detected;
    }
    int shared = !strcmp(a->mode, "shared");
    if (!shared && strcmp(a->mode, "dedicated")) {
        snprintf(err, errlen, "%s: unknown WQ mode '%s'", a->name, a->mode);
        return NULL;
    }
    struct hw_wq *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->fd = open(a->devnode, O_RDWR | O_CLOEXEC);
    if (h->fd < 0) {
        open_error(err, errlen, a, errno);
        free(h);
        return NULL;
    }
    h->base.ops = &write_ops;
    h->method = METHOD_WRITE;
    snprintf(h->devnode, sizeof h->devnode, "%s", a->devnode);
    snprintf(h->errors_path, sizeof h->errors_path, "%s", a->errors_path);
    int have_insn = shared ? cpu->enqcmd : cpu->movdir64b;
    const char *insn = shared ? "ENQCMD" : "MOVDIR64B";
    if (submit != MDSA_HW_SUBMIT_WRITE) {
        if (!have_insn) {
            snprintf(h->note, sizeof h->note, "CPU lacks %s: using write()", insn);
        } else if (shared && !cpu->enqcmd_kernel) {
            snprintf(h->note, sizeof h->note,
                     "kernel has not enabled ENQCMD ('enqcmd' missing from /proc/cpuinfo "
                     "flags): using write()");
        } else {
            void *p = mmap(NULL, MDSA_PORTAL_SIZE, PROT_WRITE, MAP_SHARED | MAP_POPULATE, h->fd, 0);
            if (p == MAP_FAILED) {
                int e = errno;
                snprintf(h->note, sizeof h->note, "portal mmap refused (%s%s): using write()",
                         strerror(e), e == EPERM ? "; needs CAP_SYS_RAWIO on this device" : "");
            } else {
                h->portal = p;
            }
        }
        if (!h->portal && submit == MDSA_HW_SUBMIT_PORTAL) {
            snprintf(err, errlen, "%s: portal submission unavailable: %s", a->name, h->note);
            hw_close(&h->base);
            return NULL;
        }
    } else {
        snprintf(h->note, sizeof h->note, "write() requested");
    }
#ifdef MDSA_X86
    if (h->portal) {
        h->method = shared ? METHOD_ENQCMD : METHOD_MOVDIR64B;
        h->base.ops = shared ? &enqcmd_ops : &movdir64b_ops;
    }
#endif
    struct mdsa_wq_info *i = &h->base.info;
    snprintf(i->name, sizeof i->name, "%s", a->name);
    i->mode = shared ? MDSA_WQ_SHARED : MDSA_WQ_DEDICATED;
    i->portal = h->portal != NULL;
    i->block_on_fault = (uint8_t)a->block_on_fault;
    /* GENCAP bit 2 (cache_control_mem), the bit the kernel and DTO read */
    i->cache_control = a->has_gen_cap && (a->gen_cap & MDSA_GENCAP_CACHE_CONTROL);
    i->version = (uint8_t)(a->version ? a->version : 1);
    i->batch = (uint8_t)a->batch;
    i->write_batch = (uint8_t)a->write_batch;
    i->drain = (uint8_t)a->drain;
    i->size = a->size;
    i->threshold = shared ? (a->threshold ? a->threshold : a->size) : 0;
    /* as sysfs shows them; the engine rounds down to the device's powers of two */
    i->max_xfer = a->max_xfer > UINT32_MAX ? UINT32_MAX : (uint32_t)a->max_xfer;
    i->max_batch = a->max_batch;
    return &h->base;
}

const char *mdsa_hw_wq_method(const struct mdsa_wq *wq)
{
    const struct hw_wq *h = (const struct hw_wq *)wq;
    return h->method == METHOD_MOVDIR64B ? "movdir64b"
           : h->method == METHOD_ENQCMD  ? "enqcmd"
                                         : "write";
}

const char *mdsa_hw_wq_note(const struct mdsa_wq *wq)
{
    return ((const struct hw_wq *)wq)->note;
}
