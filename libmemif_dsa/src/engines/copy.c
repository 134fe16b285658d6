/* The CPU copy engine and the engine factory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "dsa/engine.h"

struct cpu_engine {
    mdsa_engine_t base;
    uint64_t next_ticket;
};

static int cpu_submit(mdsa_engine_t *e, const struct mdsa_copy_op *ops, uint32_t n, uint64_t *ticket)
{
    struct cpu_engine *ce = (struct cpu_engine *)e;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        memcpy(ops[i].dst, ops[i].src, ops[i].len);
        bytes += ops[i].len;
    }
    e->ctr.bursts++;
    e->ctr.copies += n;
    e->ctr.bytes += bytes;
    *ticket = ++ce->next_ticket;
    return 0;
}

static int cpu_poll(mdsa_engine_t *e, uint64_t ticket)
{
    (void)e;
    (void)ticket;
    return 1;
}

static const char *cpu_backend(mdsa_engine_t *e)
{
    (void)e;
    return "cpu";
}

static void cpu_destroy(mdsa_engine_t *e)
{
    free(e);
}

static const struct mdsa_engine_ops cpu_ops = {
    .submit = cpu_submit,
    .poll = cpu_poll,
    .backend = cpu_backend,
    .destroy = cpu_destroy,
};

mdsa_engine_t *mdsa_engine_cpu_create(void)
{
    struct cpu_engine *ce = calloc(1, sizeof *ce);
    if (!ce)
        return NULL;
    ce->base.ops = &cpu_ops;
    return &ce->base;
}

int mdsa_engine_wait(mdsa_engine_t *e, uint64_t ticket)
{
    for (;;) {
        int r = e->ops->poll(e, ticket);
        if (r == 1)
            return 0;
        if (r < 0)
            return r;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

mdsa_engine_t *mdsa_engine_create(const char *name, const char *config, uint32_t threshold,
                                  char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!strcmp(name, "cpu")) {
        mdsa_engine_t *e = mdsa_engine_cpu_create();
        if (!e && err)
            snprintf(err, errlen, "out of memory");
        return e;
    }
    if (!strcmp(name, "dsa") || !strcmp(name, "dsa-hw") || !strcmp(name, "dsa-emu"))
        return mdsa_engine_dsa_create(name, config, threshold, err, errlen);
    if (err && errlen)
        snprintf(err, errlen, "unknown copy engine '%s' (choose cpu, dsa, dsa-hw or dsa-emu)", name);
    return NULL;
}
