/* SPDX-License-Identifier: Apache-2.0 */
/* "memif-dsa info": what DSA hardware this machine offers (or why none)
 * and what the emulator would run with. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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

static void cpu_part(struct out *o, const struct mdsa_dsa_config *c)
{
    struct mdsa_cpu_features f;
    mdsa_cpu_features_get(&f, c->cpuinfo[0] ? c->cpuinfo : NULL);
    put(o, "CPU: %s  movdir64b=%s enqcmd=%s%s waitpkg=%s\n", f.vendor[0] ? f.vendor : "unknown",
        f.movdir64b ? "yes" : "no", f.enqcmd ? "yes" : "no",
        f.enqcmd && !f.enqcmd_kernel ? " (not enabled by the kernel: no 'enqcmd' in cpuinfo)" : "",
        f.waitpkg ? "yes" : "no");
    if (!f.movdir64b && !f.enqcmd_kernel)
        put(o, "  (no portal instructions: hardware, if any, is driven through write())\n");
}

static void dev_line(struct out *o, const struct mdsa_hw_wq_attr *a)
{
    put(o, "  %s state=%s version=%u pasid_enabled=%s", a->dev_name,
        a->dev_state[0] ? a->dev_state : "?", a->version,
        a->pasid_enabled < 0 ? "?" : a->pasid_enabled ? "1" : "0");
    if (a->has_gen_cap)
        put(o, " gen_cap=0x%llx cache_control=%s", (unsigned long long)a->gen_cap,
            a->gen_cap & MDSA_GENCAP_CACHE_CONTROL ? "yes" : "no");
    put(o, "\n");
}

static void wq_line(struct out *o, const struct mdsa_hw_wq_attr *a)
{
    put(o,
        "    %s mode=%s type=%s state=%s size=%u threshold=%u max_xfer=%llu (device %u) "
        "max_batch=%u (device %u) block_on_fault=%d ops=%s batch=%s drain=%s node=%s: %s%s\n",
        a->name, a->mode, a->type, a->state, a->size, a->threshold,
        (unsigned long long)a->max_xfer,
        mdsa_pow2_floor(a->max_xfer > UINT32_MAX ? UINT32_MAX : (uint32_t)a->max_xfer),
        a->max_batch, mdsa_pow2_floor(a->max_batch), a->block_on_fault,
        a->ops_from[0] ? a->ops_from : "unknown",
        !a->batch ? "no" : a->write_batch ? "yes" : "portal only (write() refuses it)",
        a->drain ? "yes" : "no", a->devnode, a->usable ? "usable" : "not usable: ",
        a->usable ? "" : a->why);
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
            dev_line(o, &a[i]);
            last_dev = a[i].dev_name;
        }
        wq_line(o, &a[i]);
        usable += a[i].usable != 0;
    }
    if (n)
        put(o, "  %zu usable\n", usable);
    free(a);
}

static void memory_part(struct out *o)
{
    struct rlimit rl;
    getrlimit(RLIMIT_MEMLOCK, &rl);
    if (rl.rlim_cur == RLIM_INFINITY)
        put(o, "Engine memory: descriptor lists and records locked with mlock "
               "(RLIMIT_MEMLOCK unlimited)\n");
    else
        put(o, "Engine memory: descriptor lists and records locked with mlock when "
               "RLIMIT_MEMLOCK (%llu KiB here) allows, else prefaulted; each engine's "
               "memory_locked and note say which\n",
            (unsigned long long)rl.rlim_cur / 1024);
}

int mdsa_dsa_info(const char *config, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    struct mdsa_dsa_config c;
    char err[1024], fmt[1024];
    const char *src = config, *origin = "argument";
    if (len)
        buf[0] = 0;
    mdsa_dsa_config_default(&c);
    if (!src) {
        src = getenv("MEMIF_DSA_EMU");
        origin = src ? "MEMIF_DSA_EMU" : "defaults";
    }
    int bad = mdsa_dsa_config_parse(&c, src, err, sizeof err);
    cpu_part(&o, &c);
    hw_part(&o, &c);
    if (bad) {
        put(&o, "Emulator configuration (%s): invalid: %s\n", origin, err);
    } else {
        mdsa_emu_config_format(&c.emu, fmt, sizeof fmt);
        put(&o, "Emulator configuration (%s):\n  %s\n", origin, fmt);
        mdsa_dsa_config_format(&c, fmt, sizeof fmt);
        put(&o, "Engine configuration:\n  %s\n", fmt);
    }
    memory_part(&o);
    put(&o, "Engine kinds: dsa = hardware when usable, else the emulator; dsa-hw = hardware "
            "only; dsa-emu = emulator\n");
    return (int)o.used;
}
