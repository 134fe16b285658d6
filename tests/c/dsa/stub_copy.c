/* Test-only stand-ins for what the core's copy.c provides, so the DSA
 * tests link without the memif core: mdsa_engine_wait (same contract:
 * poll until done with a CPU pause, 0 or the error) and a memcpy engine
 * for the benchmark's baseline. */
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "dsa/wq.h"

int mdsa_engine_wait(mdsa_engine_t *e, uint64_t ticket)
{
    for (;;) {
        int r = e->ops->poll(e, ticket);
        if (r == 1)
            return 0;
        if (r < 0)
            return r;
        mdsa_cpu_pause();
    }
}

struct stub_cpu {
    mdsa_engine_t base;
    uint64_t next;
};

static int cpu_submit(mdsa_engine_t *e, const struct mdsa_copy_op *ops, uint32_t n, uint64_t *t)
{
    for (uint32_t i = 0; i < n; i++)
        memcpy(ops[i].dst, ops[i].src, ops[i].len);
    e->ctr.bursts++;
    e->ctr.copies += n;
    *t = ((struct stub_cpu *)e)->next++;
    return 0;
}

static int cpu_poll(mdsa_engine_t *e, uint64_t t)
{
    (void)e;
    (void)t;
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

static const struct mdsa_engine_ops cpu_ops = {cpu_submit, cpu_poll, cpu_backend, cpu_destroy};

mdsa_engine_t *mdsa_engine_cpu_create(void)
{
    struct stub_cpu *c = calloc(1, sizeof *c);
    if (c)
        c->base.ops = &cpu_ops;
    return c ? &c->base : NULL;
}
