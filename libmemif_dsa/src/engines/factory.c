/* SPDX-License-Identifier: Apache-2.0 */
/* The engine factory: an engine by name. */
#include <stdio.h>
#include <string.h>

#include "copy.h"
#include "dsa/engine.h"

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
