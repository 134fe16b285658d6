/* "memif-dsa info": what DSA hardware this machine offers (or why none)
 * and what the emulator would run with. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "portal.h"

struct out {
    char *buf;
    size_t len;
    size_t used; /* bytes wanted so far (may exceed len) */
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->used < o->len ? o->len - o->used : 0;
    int n = vsnprintf(room ? o->buf + o->used : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used += (size_t)n;
}

static void cpu_part(struct out *o)
{
    struct mdsa_cpu_features f;
    mdsa_cpu_features_get(&f);
    put(o, "CPU: %s  movdir64b=%s enqcmd=%s waitpkg=%s\n", f.vendor[0] ? f.vendor : "unknown",
        f.movdir64b ? "yes" : "no", f.enqcmd ? "yes" : "no", f.waitpkg ? "yes" : "no");
    if (!f.movdir64b && !f.enqcmd)
        put(o, "  (no portal instructions: hardware, if any, is driven through write())\n");
}

static void hw_part(struct out *o, const struct mdsa_dsa_config *c)
{
    enum { MAXW = 256 };
    struct mdsa_hw_wq_attr *a = calloc(MAXW, sizeof *a);
    size_t n = 0, total = 0;
    char err[256];
    const char *root = c->sysfs[0] ? c->sysfs : MDSA_DSA_SYSFS_ROOT;
    if (!a) {
        put(o, "DSA hardware: (out of memory)\n");
        return;
    }
    if (mdsa_hw_discover(root, c->devdir[0] ? c->devdir : NULL, a, MAXW, &n, &total, err,
                         sizeof err)) {
        put(o, "DSA hardware: none (%s)\n", err);
        free(a);
        return;
    }
    put(o, "DSA hardware under %s: %zu work queue(s)\n", root, total);
    if (!n)
        put(o, "  none configured: set one up with accel-config (type=user)\n");
    const char *last_dev = "";
    size_t usable = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(last_dev, a[i].dev_name)) {
            put(o, "  %s state=%s", a[i].dev_name, a[i].dev_state[0] ? a[i].dev_state : "?");
            if (a[i].has_gen_cap)
                put(o, " gen_cap=0x%llx", (unsigned long long)a[i].gen_cap);
            put(o, "\n");
            last_dev = a[i].dev_name;
        }
        put(o,
            "    %s mode=%s type=%s state=%s size=%u threshold=%u max_xfer=%llu "
            "max_batch=%u block_on_fault=%d node=%s: %s%s\n",
            a[i].name, a[i].mode, a[i].type, a[i].state, a[i].size, a[i].threshold,
            (unsigned long long)a[i].max_xfer, a[i].max_batch, a[i].block_on_fault,
            a[i].devnode, a[i].usable ? "usable" : "not usable: ", a[i].usable ? "" : a[i].why);
        usable += a[i].usable != 0;
    }
    if (n)
        put(o, "  %zu usable\n", usable);
    free(a);
}

int mdsa_dsa_info(const char *config, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    struct mdsa_dsa_config c;
    char err[512], fmt[768];
    const char *src = config, *origin = "argument";
    if (len)
        buf[0] = 0;
    mdsa_dsa_config_default(&c);
    if (!src) {
        src = getenv("MEMIF_DSA_EMU");
        origin = src ? "MEMIF_DSA_EMU" : "defaults";
    }
    int bad = mdsa_dsa_config_parse(&c, src, err, sizeof err);
    cpu_part(&o);
    hw_part(&o, &c);
    if (bad) {
        put(&o, "Emulator configuration (%s): invalid: %s\n", origin, err);
    } else {
        mdsa_emu_config_format(&c.emu, fmt, sizeof fmt);
        put(&o, "Emulator configuration (%s):\n  %s\n", origin, fmt);
        put(&o, "Engine: ring=%u batch_descs=%s%u retries=%u timeout_ms=%llu cc=%s\n", c.ring,
            c.batch_descs ? "" : "auto/", c.batch_descs ? c.batch_descs : 256u, c.retries,
            (unsigned long long)(c.timeout_ns / 1000000), c.cc < 0 ? "auto" : c.cc ? "1" : "0");
    }
    put(&o, "Engine kinds: dsa = hardware when usable, else the emulator; dsa-hw = hardware "
            "only; dsa-emu = emulator\n");
    return (int)o.used;
}
