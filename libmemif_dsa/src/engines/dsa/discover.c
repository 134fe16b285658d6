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

static void fill(struct mdsa_hw_wq_attr *a, const char *root, const char *dev_root)
{
    char dir[512], ddir[512];
    uint64_t v;
    snprintf(dir, sizeof dir, "%s/%s", root, a->name);
    snprintf(a->dev_name, sizeof a->dev_name, "dsa%u", a->dev_id);
    snprintf(ddir, sizeof ddir, "%s/%s", root, a->dev_name);
    snprintf(a->devnode, sizeof a->devnode, "%s/%s", dev_root, a->name);
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
    const char *why = NULL;
    if (strcmp(a->state, "enabled"))
        why = "WQ not enabled";
    else if (strcmp(a->type, "user"))
        why = "WQ type is not 'user' (kernel-owned)";
    else if (strcmp(a->mode, "dedicated") && strcmp(a->mode, "shared"))
        why = "unknown WQ mode";
    else if (a->dev_state[0] && strcmp(a->dev_state, "enabled"))
        why = "device not enabled";
    else if (!a->size)
        why = "WQ size is 0";
    else if (!a->max_xfer)
        why = "WQ max_transfer_size is 0";
    else if (access(a->devnode, F_OK))
        why = "no device node (is the idxd 'user' driver bound?)";
    a->usable = why == NULL;
    snprintf(a->why, sizeof a->why, "%s", why ? why : "");
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
