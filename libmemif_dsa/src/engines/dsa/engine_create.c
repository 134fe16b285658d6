/* SPDX-License-Identifier: Apache-2.0 */
/* Choosing the DSA engine's back end: a hardware work queue (discovered in
 * sysfs, opened, probed with a two-member BATCH of MEMMOVE whose bytes are
 * compared) or the software emulator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "portal.h"

#define MAX_WQS 256

static int hw_submit_mode(int emu_submit)
{
    return emu_submit == MDSA_EMU_SUBMIT_PORTAL  ? MDSA_HW_SUBMIT_PORTAL
           : emu_submit == MDSA_EMU_SUBMIT_WRITE ? MDSA_HW_SUBMIT_WRITE
                                                 : MDSA_HW_SUBMIT_AUTO;
}

/* Open one WQ and probe it; NULL with the reason in why. */
static mdsa_engine_t *try_wq(const struct mdsa_hw_wq_attr *a, const struct mdsa_dsa_config *c,
                             size_t threshold, char *why, size_t whylen)
{
    struct mdsa_hw_open_opts o = {.submit = hw_submit_mode(c->emu.submit),
                                  .cpu = NULL,
                                  .cpuinfo = c->cpuinfo[0] ? c->cpuinfo : NULL};
    char e1[256];
    struct mdsa_wq *wq = mdsa_hw_wq_open(a, &o, e1, sizeof e1);
    if (!wq) {
        snprintf(why, whylen, "%s", e1);
        return NULL;
    }
    char backend[96];
    snprintf(backend, sizeof backend, "dsa-hw:%s(%s,%s)", a->name,
             mdsa_wq_mode_name(wq->info.mode), mdsa_hw_wq_method(wq));
    const char *note = mdsa_hw_wq_note(wq);
    char keep_note[160];
    snprintf(keep_note, sizeof keep_note, "%s", note);
    mdsa_engine_t *e = mdsa_dsa_engine_new(wq, NULL, c, threshold, backend, keep_note, e1,
                                           sizeof e1);
    if (!e) {
        snprintf(why, whylen, "%s", e1);
        return NULL;
    }
    if (mdsa_dsa_engine_probe(e, c->probe_ns, e1, sizeof e1)) {
        snprintf(why, whylen, "%s", e1);
        e->ops->destroy(e);
        return NULL;
    }
    return e;
}

static mdsa_engine_t *open_hw(const struct mdsa_dsa_config *c, size_t threshold, char *why,
                              size_t whylen)
{
    struct mdsa_hw_wq_attr *attrs = calloc(MAX_WQS, sizeof *attrs);
    size_t n = 0, total = 0;
    char derr[256];
    mdsa_engine_t *e = NULL;
    if (!attrs) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    if (mdsa_hw_discover(c->sysfs[0] ? c->sysfs : NULL, c->devdir[0] ? c->devdir : NULL, attrs,
                         MAX_WQS, &n, &total, derr, sizeof derr)) {
        snprintf(why, whylen, "no DSA hardware: %s", derr);
        goto out;
    }
    if (c->wq[0]) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(attrs[i].name, c->wq))
                continue;
            if (!attrs[i].usable)
                snprintf(why, whylen, "%s: %s", attrs[i].name, attrs[i].why);
            else
                e = try_wq(&attrs[i], c, threshold, why, whylen);
            goto out;
        }
        snprintf(why, whylen, "DSA work queue %s not found", c->wq);
        goto out;
    }
    int usable = 0;
    size_t off = 0;
    for (size_t i = 0; i < n && !e; i++) {
        if (!attrs[i].usable)
            continue;
        usable++;
        char one[256];
        e = try_wq(&attrs[i], c, threshold, one, sizeof one);
        if (!e && off < whylen) /* keep every queue's reason */
            off += (size_t)snprintf(why + off, whylen - off, "%s%s", off ? "; " : "", one);
    }
    if (!e && !usable) {
        if (!n) {
            snprintf(why, whylen, "no DSA work queues configured (accel-config)");
        } else {
            int off = snprintf(why, whylen, "no usable DSA work queue:");
            for (size_t i = 0; i < n && off > 0 && (size_t)off < whylen; i++)
                off += snprintf(why + off, whylen - (size_t)off, " %s: %s;", attrs[i].name,
                                attrs[i].why);
        }
    }
out:
    free(attrs);
    return e;
}

static mdsa_engine_t *open_emu(const struct mdsa_dsa_config *c, size_t threshold,
                               const char *note, char *err, size_t errlen)
{
    struct mdsa_emu *emu = mdsa_emu_create(&c->emu, err, errlen);
    if (!emu)
        return NULL;
    char backend[96];
    snprintf(backend, sizeof backend, "dsa-emu(%s,%s%s)", c->emu.async ? "async" : "sync",
             mdsa_wq_mode_name(c->emu.mode), c->emu.submit == MDSA_EMU_SUBMIT_WRITE ? ",write" : "");
    return mdsa_dsa_engine_new(mdsa_emu_wq(emu, 0), emu, c, threshold, backend, note, err, errlen);
}

mdsa_engine_t *mdsa_engine_dsa_create(const char *kind, const char *config, size_t threshold,
                                      char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    if (!kind)
        kind = "dsa";
    int want_hw = !strcmp(kind, "dsa") || !strcmp(kind, "dsa-hw");
    int want_emu = !strcmp(kind, "dsa") || !strcmp(kind, "dsa-emu");
    if (!want_hw && !want_emu) {
        snprintf(err, errlen, "unknown DSA engine kind '%s' (dsa, dsa-hw or dsa-emu)", kind);
        return NULL;
    }
    struct mdsa_dsa_config c;
    mdsa_dsa_config_default(&c);
    const char *src = config, *origin = "DSA config";
    if (!src) {
        src = getenv("MEMIF_DSA_EMU");
        origin = "MEMIF_DSA_EMU";
    }
    char perr[512];
    if (mdsa_dsa_config_parse(&c, src, perr, sizeof perr)) {
        snprintf(err, errlen, "%s: %s", origin, perr);
        return NULL;
    }
    char why[512] = "";
    if (want_hw) {
        mdsa_engine_t *e = open_hw(&c, threshold, why, sizeof why);
        if (e || !want_emu) {
            if (!e)
                snprintf(err, errlen, "dsa-hw: %s", why);
            return e;
        }
    }
    return open_emu(&c, threshold, why, err, errlen);
}
