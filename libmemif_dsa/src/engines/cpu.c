/* SPDX-License-Identifier: Apache-2.0 */
/* The CPU copy engine: memcpy inside submit(), so every burst is complete
 * when submit() returns. */
#include <stdlib.h>
#include <string.h>

#include "copy.h"

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

static const char *cpu_name(mdsa_engine_t *e)
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
    .backend = cpu_name,
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
