/* SPDX-License-Identifier: Apache-2.0 */
/* DSA work-queue discovery from sysfs (/sys/bus/dsa/devices by default;
 * the root is a parameter so tests can point it at a fake tree). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "desc.h"
#include "portal.h"

/* Read a one-line sysfs attribute into buf (newline stripped). */
static int read_attr(const char *dir, const char *name, char *buf, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    if (!fgets(buf, (int)len, f))
        buf[0] = 0;
    fclose(f);
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}

static int read_u64(const char *dir, const char *name, uint64_t *out)
{
    char buf[64], *end;
    if (read_attr(dir, name, buf, sizeof buf))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 0);
    if (errno || end == buf)
        return -1;
    *out = v;
    return 0;
}

static uint32_t clamp32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int is_dir(const char *root, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, name);
    DIR *d = opendir(p);
    if (d)
        closedir(d);
    return d != NULL;
}

int mdsa_parse_opmask(const char *text, uint64_t out[4])
{
    char buf[512];
    char *tok[16];
    int n = 0;
    memset(out, 0, 4 * sizeof *out);
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *t = strtok_r(buf, ", \t\n", &save); t && n < 16;
         t = strtok_r(NULL, ", \t\n", &save))
        tok[n++] = t;
    if (!n)
        return -1;
    int old = !strncmp(tok[0], "0x", 2); /* "%#llx," per 64-bit word, bits 0-63 first */
    if (old && n > 4)
        return -1;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(tok[i], &end, 16);
        if (errno || *end)
            return -1;
        if (old) {
            out[i] = v;
        } else { /* "%*pb": 32-bit groups, the last one holds bits 0-31 */
            int g = n - 1 - i;
            if (g >= 8 || v > 0xffffffffull)
                return -1;
            out[g / 2] |= (uint64_t)v << (32 * (g % 2));
        }
    }
    return 0;
}

/* Allowed operations: the WQ's op_config (DSA 2.x) else the device's op_cap. */
static void read_ops(struct mdsa_hw_wq_attr *a, const char *dir, const char *ddir)
{
    char buf[512];
    if (!read_attr(dir, "op_config", buf, sizeof buf) && !mdsa_parse_opmask(buf, a->ops))
        a->ops_from = "op_config";
    else if (!read_attr(ddir, "op_cap", buf, sizeof buf) && !mdsa_parse_opmask(buf, a->ops))
        a->ops_from = "op_cap";
    else
        a->ops_from = "";
    a->has_ops = a->ops_from[0] != 0;
    int shown = !a->has_ops || mdsa_op_allowed(a->ops, MDSA_OP_BATCH);
    /* Since the INTEL-SA-01084 fix the kernel hides BATCH from these masks
     * on version-1 devices, where write() refuses it; the device itself
     * (every DSA 1.x has BATCH) still runs it from a privileged portal. */
    a->batch = shown || a->version == 1;
    a->write_batch = a->has_ops && mdsa_op_allowed(a->ops, MDSA_OP_BATCH);
    a->drain = !a->has_ops || mdsa_op_allowed(a->ops, MDSA_OP_DRAIN);
}

static void fill(struct mdsa_hw_wq_attr *a, const char *root, const char *dev_root)
{
    char dir[512], ddir[512], buf[64];
    uint64_t v;
    snprintf(dir, sizeof dir, "%s/%s", root, a->name);
    /* DSA and IAA queues share the bus and the wqX.Y names: the device
     * directory tells them apart. */
    char iax[32];
    snprintf(iax, sizeof iax, "iax%u", a->dev_id);
    if (!is_dir(root, a->dev_name) && is_dir(root, iax))
        snprintf(a->dev_name, sizeof a->dev_name, "%s", iax);
    snprintf(ddir, sizeof ddir, "%s/%s", root, a->dev_name);
    snprintf(a->devnode, sizeof a->devnode, "%s/%s", dev_root, a->name);
    snprintf(a->errors_path, sizeof a->errors_path, "%s/errors", ddir);
    read_attr(dir, "state", a->state, sizeof a->state);
    read_attr(dir, "mode", a->mode, sizeof a->mode);
    read_attr(dir, "type", a->type, sizeof a->type);
    read_attr(dir, "name", a->wq_name, sizeof a->wq_name);
    read_attr(ddir, "state", a->dev_state, sizeof a->dev_state);
    if (!read_u64(dir, "size", &v))
        a->size = clamp32(v);
    if (!read_u64(dir, "threshold", &v))
        a->threshold = clamp32(v);
    if (!read_u64(dir, "max_batch_size", &v))
        a->max_batch = clamp32(v);
    if (!read_u64(dir, "max_transfer_size", &v))
        a->max_xfer = v;
    if (!read_u64(dir, "block_on_fault", &v))
        a->block_on_fault = v != 0;
    if (!read_u64(ddir, "gen_cap", &v)) {
        a->has_gen_cap = 1;
        a->gen_cap = v;
    }
    if (!read_attr(ddir, "version", buf, sizeof buf)) /* e.g. 0x100 = 1.0 */
        a->version = (unsigned)(strtoul(buf, NULL, 0) >> 8);
    a->pasid_enabled = read_u64(ddir, "pasid_enabled", &v) ? -1 : v != 0;
    read_ops(a, dir, ddir);
    char why[160] = "";
    if (!strncmp(a->dev_name, "iax", 3))
        snprintf(why, sizeof why, "on %s, an IAA device (not DSA)", a->dev_name);
    else if (!is_dir(root, a->dev_name))
        snprintf(why, sizeof why, "device %s not found under %s", a->dev_name, root);
    else if (strcmp(a->state, "enabled"))
        snprintf(why, sizeof why, "WQ not enabled");
    else if (strcmp(a->type, "user"))
        snprintf(why, sizeof why, "WQ type is not 'user' (kernel-owned)");
    else if (strcmp(a->mode, "dedicated") && strcmp(a->mode, "shared"))
        snprintf(why, sizeof why, "unknown WQ mode");
    else if (a->dev_state[0] && strcmp(a->dev_state, "enabled"))
        snprintf(why, sizeof why, "device not enabled");
    else if (a->pasid_enabled != 1)
        snprintf(why, sizeof why, "%s: %s", a->dev_name,
                 a->pasid_enabled ? "pasid_enabled not readable: cannot confirm SVA/PASID"
                                  : "PASID/SVA disabled (pasid_enabled=0; needs "
                                    "intel_iommu=on,sm_on): user addresses would be DMA addresses");
    else if (a->has_ops && !mdsa_op_allowed(a->ops, MDSA_OP_MEMMOVE))
        snprintf(why, sizeof why, "MEMMOVE not in the WQ's allowed operations (%s)", a->ops_from);
    else if (!a->size)
        snprintf(why, sizeof why, "WQ size is 0");
    else if (!a->max_xfer)
        snprintf(why, sizeof why, "WQ max_transfer_size is 0");
    else if (access(a->devnode, F_OK))
        snprintf(why, sizeof why, "no device node (is the idxd 'user' driver bound?)");
    a->usable = why[0] == 0;
    snprintf(a->why, sizeof a->why, "%s", why);
}

static int cmp_attr(const void *x, const void *y)
{
    const struct mdsa_hw_wq_attr *a = x, *b = y;
    if (a->dev_id != b->dev_id)
        return a->dev_id < b->dev_id ? -1 : 1;
    return a->wq_id < b->wq_id ? -1 : a->wq_id > b->wq_id;
}

int mdsa_hw_discover(const char *root, const char *dev_root, struct mdsa_hw_wq_attr *out,
                     size_t max, size_t *n, size_t *total, char *err, size_t errlen)
{
    root = root ? root : MDSA_DSA_SYSFS_ROOT;
    dev_root = dev_root ? dev_root : MDSA_DSA_DEV_ROOT;
    *n = 0;
    if (total)
        *total = 0;
    DIR *d = opendir(root);
    if (!d) {
        int e = errno;
        if (err && errlen)
            snprintf(err, errlen, "%s: %s (no idxd driver loaded or no DSA device)", root,
                     strerror(e));
        return -ENOENT;
    }
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned dev, wq;
        char extra;
        if (sscanf(de->d_name, "wq%u.%u%c", &dev, &wq, &extra) != 2)
            continue;
        if (*n < max) {
            struct mdsa_hw_wq_attr *a = &out[*n];
            memset(a, 0, sizeof *a);
            snprintf(a->name, sizeof a->name, "wq%u.%u", dev, wq);
            snprintf(a->dev_name, sizeof a->dev_name, "dsa%u", dev);
            a->dev_id = dev;
            a->wq_id = wq;
            fill(a, root, dev_root);
            (*n)++;
        }
        count++;
    }
    closedir(d);
    qsort(out, *n, sizeof *out, cmp_attr);
    if (total)
        *total = count;
    return 0;
}
