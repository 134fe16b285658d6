/* SPDX-License-Identifier: Apache-2.0 */
/* Hardware path without hardware: discovery against a fake sysfs tree,
 * CPUID decoding, portal offset rotation, opening a WQ (mmap refused ->
 * write(), mmap granted -> portal chosen but never submitted to), the
 * write() submission bytes, and the engine's NOOP probe failing cleanly.
 * Nothing here executes MOVDIR64B or ENQCMD. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engines/copy.h"
#include "engines/dsa/engine.h"
#include "engines/dsa/desc.h"
#include "engines/dsa/portal.h"
#include "tutil.h"

static char root[128], sysfs[160], devdir[160];

static void put_file(const char *dir, const char *name, const char *val)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f) {
        perror(p);
        abort();
    }
    fprintf(f, "%s\n", val);
    fclose(f);
}

/* op_cap as a 6.x kernel prints it ("%*pb"): eight 32-bit groups, most
 * significant first.  0x4b = NOOP? no: bits 0,1,3,6 ...; this one has
 * NOOP, BATCH, DRAIN, MEMMOVE, FILL, COMPARE, COMPVAL, CR/AP_DELTA,
 * DUALCAST (bits 0-9) and CRC/COPY_CRC/DIF (16-21): 0x003f03ff. */
#define OPCAP_ALL "00000000,00000000,00000000,00000000,00000000,00000000,00000000,003f03ff"
/* the same without BATCH (bit 1), as newer kernels show a version-1
 * device with the INTEL-SA-01084 erratum */
#define OPCAP_NO_BATCH "00000000,00000000,00000000,00000000,00000000,00000000,00000000,003f03fd"

static void mk_dev_full(const char *name, const char *state, const char *gen_cap,
                        const char *pasid, const char *op_cap, const char *version)
{
    char d[400];
    snprintf(d, sizeof d, "%s/%s", sysfs, name);
    mkdir(d, 0755);
    put_file(d, "state", state);
    put_file(d, "gen_cap", gen_cap);
    put_file(d, "max_batch_size", "1024");
    put_file(d, "version", version);
    if (pasid)
        put_file(d, "pasid_enabled", pasid);
    if (op_cap)
        put_file(d, "op_cap", op_cap);
    put_file(d, "errors", "0x0 0x0 0x0 0x0");
}

static void mk_dev(const char *name, const char *state, const char *gen_cap)
{
    mk_dev_full(name, state, gen_cap, "1", OPCAP_ALL, "0x100");
}

static void mk_wq(const char *name, const char *state, const char *mode, const char *type,
                  const char *size, const char *thr, int node)
{
    char d[400];
    snprintf(d, sizeof d, "%s/%s", sysfs, name);
    mkdir(d, 0755);
    put_file(d, "state", state);
    put_file(d, "mode", mode);
    put_file(d, "type", type);
    put_file(d, "size", size);
    put_file(d, "threshold", thr);
    put_file(d, "max_transfer_size", "2097152");
    put_file(d, "max_batch_size", "32");
    put_file(d, "block_on_fault", "0");
    put_file(d, "name", "app1");
    if (node) {
        char n[400];
        snprintf(n, sizeof n, "%s/%s", devdir, name);
        int fd = open(n, O_CREAT | O_RDWR, 0644);
        if (fd < 0 || ftruncate(fd, 4096)) {
            perror(n);
            abort();
        }
        close(fd);
    }
}

static void make_tree(void)
{
    snprintf(root, sizeof root, "/tmp/mdsa-fake-XXXXXX");
    if (!mkdtemp(root))
        abort();
    snprintf(sysfs, sizeof sysfs, "%s/sys", root);
    snprintf(devdir, sizeof devdir, "%s/dev", root);
    mkdir(sysfs, 0755);
    mkdir(devdir, 0755);
    mk_dev("dsa0", "enabled", "0x40915f010f");
    mk_dev("dsa2", "disabled", "0x0");
    mk_wq("wq0.1", "enabled", "shared", "user", "16", "12", 1);
    mk_wq("wq0.0", "enabled", "dedicated", "user", "32", "0", 1);
    mk_wq("wq0.2", "enabled", "dedicated", "kernel", "8", "0", 1);
    mk_wq("wq0.3", "disabled", "dedicated", "user", "8", "0", 1);
    mk_wq("wq0.4", "enabled", "dedicated", "user", "8", "0", 0); /* no device node */
    mk_wq("wq2.0", "enabled", "shared", "user", "8", "8", 1);     /* device disabled */
    char junk[400];
    snprintf(junk, sizeof junk, "%s/engine0.0", sysfs);
    mkdir(junk, 0755);
    /* wq0.5's node is /dev/null: open works, mmap is refused */
    mk_wq("wq0.5", "enabled", "dedicated", "user", "8", "0", 0);
    char n[400];
    snprintf(n, sizeof n, "%s/wq0.5", devdir);
    if (symlink("/dev/null", n))
        abort();
    /* an IAA device on the same bus: its queues are not DSA queues */
    mk_dev_full("iax1", "enabled", "0x0", "1", OPCAP_ALL, "0x200");
    mk_wq("wq1.0", "enabled", "dedicated", "user", "8", "0", 1);
    /* SVA off, and a device that does not say */
    mk_dev_full("dsa3", "enabled", "0x40915f010f", "0", OPCAP_ALL, "0x100");
    mk_wq("wq3.0", "enabled", "dedicated", "user", "8", "0", 1);
    mk_dev_full("dsa4", "enabled", "0x40915f010f", NULL, OPCAP_ALL, "0x100");
    mk_wq("wq4.0", "enabled", "dedicated", "user", "8", "0", 1);
    /* version 2: the WQ's op_config without MEMMOVE; another without BATCH */
    mk_dev_full("dsa5", "enabled", "0x8", "1", OPCAP_ALL, "0x200");
    mk_wq("wq5.0", "enabled", "dedicated", "user", "8", "0", 1);
    char d[400];
    snprintf(d, sizeof d, "%s/wq5.0", sysfs);
    put_file(d, "op_config", "00000000,00000000,00000000,00000000,00000000,00000000,00000000,003f03f7");
    mk_wq("wq5.1", "enabled", "dedicated", "user", "8", "0", 1);
    snprintf(d, sizeof d, "%s/wq5.1", sysfs);
    put_file(d, "op_config", OPCAP_NO_BATCH);
    put_file(d, "max_batch_size", "100");
    /* version 1 whose op_cap hides BATCH (the kernel's erratum rule) */
    mk_dev_full("dsa6", "enabled", "0x4", "1", OPCAP_NO_BATCH, "0x100");
    mk_wq("wq6.0", "enabled", "shared", "user", "8", "8", 1);
}

static void rm_tree(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd))
        fprintf(stderr, "cleanup of %s failed\n", root);
}

static struct mdsa_hw_wq_attr wqs[32];
static size_t nwq;

static const struct mdsa_hw_wq_attr *find(const char *name)
{
    for (size_t i = 0; i < nwq; i++)
        if (!strcmp(wqs[i].name, name))
            return &wqs[i];
    return NULL;
}

static void test_discovery(void)
{
    size_t total;
    char err[256];
    CHECK_EQ(mdsa_hw_discover(sysfs, devdir, wqs, 32, &nwq, &total, err, sizeof err), 0);
    CHECK_EQ(nwq, 13);
    CHECK_EQ(total, 13);
    /* sorted by device, then queue */
    CHECK(!strcmp(wqs[0].name, "wq0.0"));
    CHECK(!strcmp(wqs[1].name, "wq0.1"));
    CHECK(!strcmp(wqs[6].name, "wq1.0"));
    CHECK(!strcmp(wqs[7].name, "wq2.0"));
    const struct mdsa_hw_wq_attr *a = find("wq0.0");
    CHECK(a && a->usable);
    CHECK(a && !strcmp(a->mode, "dedicated") && a->size == 32 && a->max_batch == 32 &&
          a->max_xfer == 2097152 && a->has_gen_cap && a->gen_cap == 0x40915f010full &&
          !strcmp(a->dev_name, "dsa0") && !strcmp(a->wq_name, "app1"));
    a = find("wq0.1");
    CHECK(a && a->usable && a->threshold == 12 && !strcmp(a->mode, "shared"));
    a = find("wq0.2");
    CHECK(a && !a->usable);
    CHECK_STR_CONTAINS(a ? a->why : NULL, "kernel");
    a = find("wq0.3");
    CHECK_STR_CONTAINS(a ? a->why : NULL, "not enabled");
    a = find("wq0.4");
    CHECK_STR_CONTAINS(a ? a->why : NULL, "no device node");
    a = find("wq2.0");
    CHECK_STR_CONTAINS(a ? a->why : NULL, "device not enabled");
    /* what sysfs says about the device and the allowed operations */
    a = find("wq0.0");
    CHECK(a && a->version == 1 && a->pasid_enabled == 1 && a->has_ops &&
          !strcmp(a->ops_from, "op_cap") && a->batch && a->write_batch && a->drain);
    a = find("wq1.0");
    CHECK(a && !a->usable && !strcmp(a->dev_name, "iax1"));
    CHECK_STR_CONTAINS(a ? a->why : NULL, "on iax1, an IAA device (not DSA)");
    a = find("wq3.0");
    CHECK(a && !a->usable && a->pasid_enabled == 0);
    CHECK_STR_CONTAINS(a ? a->why : NULL, "dsa3: PASID/SVA disabled (pasid_enabled=0");
    a = find("wq4.0");
    CHECK(a && !a->usable && a->pasid_enabled == -1);
    CHECK_STR_CONTAINS(a ? a->why : NULL, "pasid_enabled not readable");
    a = find("wq5.0");
    CHECK(a && !a->usable && !strcmp(a->ops_from, "op_config") && a->version == 2);
    CHECK_STR_CONTAINS(a ? a->why : NULL, "MEMMOVE not in the WQ's allowed operations (op_config)");
    a = find("wq5.1"); /* version 2 without BATCH: none at all */
    CHECK(a && a->usable && !a->batch && !a->write_batch && a->max_batch == 100);
    a = find("wq6.0"); /* version 1, BATCH hidden: portal yes, write() no */
    CHECK(a && a->usable && a->batch && !a->write_batch);
    /* capped output still reports the total */
    struct mdsa_hw_wq_attr two[2];
    size_t n2;
    CHECK_EQ(mdsa_hw_discover(sysfs, devdir, two, 2, &n2, &total, err, sizeof err), 0);
    CHECK_EQ(n2, 2);
    CHECK_EQ(total, 13);
    /* missing root */
    CHECK_EQ(mdsa_hw_discover("/nonexistent-dsa-root", NULL, two, 2, &n2, NULL, err, sizeof err),
             -ENOENT);
    CHECK_STR_CONTAINS(err, "no idxd driver loaded or no DSA device");
}

static void test_cpu_features(void)
{
    struct mdsa_cpu_features f;
    mdsa_cpu_features_decode(7, (1u << 5) | (1u << 28) | (1u << 29), &f);
    CHECK(f.waitpkg && f.movdir64b && f.enqcmd && !f.movdiri);
    mdsa_cpu_features_decode(6, 0xffffffffu, &f); /* no leaf 7: nothing */
    CHECK(!f.waitpkg && !f.movdir64b && !f.enqcmd);
    mdsa_cpu_features_get(&f, NULL); /* whatever this machine is, it must not crash */
    printf("  this CPU: %s movdir64b=%d enqcmd=%d waitpkg=%d\n", f.vendor, f.movdir64b, f.enqcmd,
           f.waitpkg);
}

static void test_cpuinfo_flags(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/cpuinfo", root);
    FILE *f = fopen(p, "w");
    fprintf(f, "processor\t: 0\nvendor_id\t: GenuineIntel\n"
               "flags\t\t: fpu vme movdiri movdir64b enqcmd sse\n\nprocessor\t: 1\n");
    fclose(f);
    CHECK_EQ(mdsa_cpuinfo_has_flag(p, "enqcmd"), 1);
    CHECK_EQ(mdsa_cpuinfo_has_flag(p, "movdir64b"), 1);
    CHECK_EQ(mdsa_cpuinfo_has_flag(p, "enqcm"), 0);
    CHECK_EQ(mdsa_cpuinfo_has_flag(p, "waitpkg"), 0);
    f = fopen(p, "w");
    fprintf(f, "flags\t\t: fpu movdir64b sse\n"); /* a kernel without PASID support */
    fclose(f);
    CHECK_EQ(mdsa_cpuinfo_has_flag(p, "enqcmd"), 0);
    CHECK_EQ(mdsa_cpuinfo_has_flag("/nonexistent/cpuinfo", "enqcmd"), 0);
}

static void test_opmask_formats(void)
{
    uint64_t m[4];
    /* "%*pb" (6.x): 32-bit groups, most significant first */
    CHECK_EQ(mdsa_parse_opmask(OPCAP_ALL "\n", m), 0);
    CHECK_EQ(m[0], 0x003f03ffull);
    CHECK(mdsa_op_allowed(m, MDSA_OP_MEMMOVE) && mdsa_op_allowed(m, MDSA_OP_BATCH) &&
          !mdsa_op_allowed(m, MDSA_OP_CFLUSH));
    CHECK_EQ(mdsa_parse_opmask("00000001,00000000,00000000,00000000,00000000,00000000,00000000,00000008", m), 0);
    CHECK_EQ(m[3], 1ull << 32);
    CHECK_EQ(m[0], 8);
    /* older kernels: 64-bit words, least significant first, trailing comma */
    CHECK_EQ(mdsa_parse_opmask("0x3f03fd,0x0,0x0,0x1,\n", m), 0);
    CHECK_EQ(m[0], 0x3f03fdull);
    CHECK_EQ(m[3], 1);
    CHECK(!mdsa_op_allowed(m, MDSA_OP_BATCH));
    CHECK_EQ(mdsa_parse_opmask("", m), -1);
    CHECK_EQ(mdsa_parse_opmask("zz", m), -1);
    CHECK_EQ(mdsa_parse_opmask("0x1,0x2,0x3,0x4,0x5", m), -1);
}

static void test_portal_offset_rotation(void)
{
    CHECK_EQ(mdsa_portal_offset(0), 0);
    CHECK_EQ(mdsa_portal_offset(1), 64);
    CHECK_EQ(mdsa_portal_offset(63), 4032);
    CHECK_EQ(mdsa_portal_offset(64), 0); /* wraps within the page */
    CHECK_EQ(mdsa_portal_offset(65), 64);
    int ok = 1;
    for (uint64_t i = 0; i < 10000; i++)
        ok &= mdsa_portal_offset(i) % 64 == 0 && mdsa_portal_offset(i) < 4096 &&
              mdsa_portal_offset(i) == (i % 64) * 64;
    CHECK(ok);
    CHECK_EQ(mdsa_portal_offset(UINT64_MAX), 4032);
}

static void test_open_write_path(void)
{
    char err[256];
    struct mdsa_cpu_features none = {0};
    struct mdsa_hw_open_opts o = {.submit = MDSA_HW_SUBMIT_AUTO, .cpu = &none};
    const struct mdsa_hw_wq_attr *a = find("wq0.0");
    struct mdsa_wq *wq = mdsa_hw_wq_open(a, &o, err, sizeof err);
    CHECK(wq != NULL);
    if (!wq)
        return;
    CHECK_EQ(wq->info.portal, 0);
    CHECK(!strcmp(mdsa_hw_wq_method(wq), "write"));
    CHECK_STR_CONTAINS(mdsa_hw_wq_note(wq), "CPU lacks MOVDIR64B");
    CHECK_EQ(wq->info.mode, MDSA_WQ_DEDICATED);
    CHECK_EQ(wq->info.size, 32);
    CHECK_EQ(wq->info.max_batch, 32);
    CHECK_EQ(wq->info.cache_control, 1); /* GENCAP bit 2 */
    struct mdsa_desc d[2];
    desc_init(&d[0], MDSA_OP_NOOP, MDSA_F_CRAV | MDSA_F_RCR, (void *)(uintptr_t)0x1000);
    desc_init(&d[1], MDSA_OP_MEMMOVE, MDSA_F_CRAV, (void *)(uintptr_t)0x2000);
    CHECK_EQ(mdsa_wq_submit(wq, &d[0]), -ENOTSUP);
    CHECK_EQ(mdsa_wq_write(wq, d, 2), 2);
    /* the bytes the "kernel" received are exactly our descriptors */
    uint8_t back[128];
    int fd = open(a->devnode, O_RDONLY);
    CHECK(fd >= 0 && read(fd, back, sizeof back) == (ssize_t)sizeof back);
    if (fd >= 0)
        close(fd);
    CHECK(memcmp(back, d, sizeof back) == 0);
    mdsa_wq_close(wq);
    /* a shared WQ without ENQCMD: write() too, threshold from sysfs */
    wq = mdsa_hw_wq_open(find("wq0.1"), &o, err, sizeof err);
    CHECK(wq && wq->info.mode == MDSA_WQ_SHARED && wq->info.threshold == 12);
    CHECK_STR_CONTAINS(wq ? mdsa_hw_wq_note(wq) : NULL, "CPU lacks ENQCMD");
    mdsa_wq_close(wq);
    /* portal demanded but impossible: a clear error */
    o.submit = MDSA_HW_SUBMIT_PORTAL;
    CHECK(mdsa_hw_wq_open(a, &o, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "portal submission unavailable");
    CHECK_STR_CONTAINS(err, "MOVDIR64B");
    /* a missing node */
    struct mdsa_hw_wq_attr gone = *a;
    snprintf(gone.devnode, sizeof gone.devnode, "%s/nope", devdir);
    o.submit = MDSA_HW_SUBMIT_AUTO;
    CHECK(mdsa_hw_wq_open(&gone, &o, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "No such file");
}

static void test_open_mmap_paths(void)
{
    /* Pretend the CPU has the instructions so the mmap path runs.  These
     * queues are closed without a single submission. */
    char err[256];
    struct mdsa_cpu_features all = {.movdir64b = 1, .enqcmd = 1, .enqcmd_kernel = 1};
    struct mdsa_hw_open_opts o = {.submit = MDSA_HW_SUBMIT_AUTO, .cpu = &all};
    /* /dev/null refuses mmap: falls back to write() and says why */
    struct mdsa_wq *wq = mdsa_hw_wq_open(find("wq0.5"), &o, err, sizeof err);
    CHECK(wq != NULL);
    if (wq) {
        CHECK_EQ(wq->info.portal, 0);
        CHECK_STR_CONTAINS(mdsa_hw_wq_note(wq), "portal mmap refused");
        struct mdsa_desc d;
        desc_init(&d, MDSA_OP_NOOP, 0, NULL);
        CHECK_EQ(mdsa_wq_write(wq, &d, 1), 1);
        mdsa_wq_close(wq);
    }
    o.submit = MDSA_HW_SUBMIT_PORTAL;
    CHECK(mdsa_hw_wq_open(find("wq0.5"), &o, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "portal mmap refused");
    /* a mappable node: the portal method is selected (not used) */
    o.submit = MDSA_HW_SUBMIT_AUTO;
    wq = mdsa_hw_wq_open(find("wq0.0"), &o, err, sizeof err);
    CHECK(wq && wq->info.portal == 1);
#if defined(__x86_64__) || defined(__i386__)
    CHECK(wq && !strcmp(mdsa_hw_wq_method(wq), "movdir64b"));
#endif
    mdsa_wq_close(wq);
    wq = mdsa_hw_wq_open(find("wq0.1"), &o, err, sizeof err);
    CHECK(wq && wq->info.portal == 1);
#if defined(__x86_64__) || defined(__i386__)
    CHECK(wq && !strcmp(mdsa_hw_wq_method(wq), "enqcmd"));
#endif
    mdsa_wq_close(wq);
    /* ENQCMD in CPUID but not enabled by the kernel: write() */
    all.enqcmd_kernel = 0;
    wq = mdsa_hw_wq_open(find("wq0.1"), &o, err, sizeof err);
    CHECK(wq && wq->info.portal == 0 && !strcmp(mdsa_hw_wq_method(wq), "write"));
    CHECK_STR_CONTAINS(wq ? mdsa_hw_wq_note(wq) : NULL, "kernel has not enabled ENQCMD");
    mdsa_wq_close(wq);
    all.enqcmd_kernel = 1;
    /* write requested explicitly */
    o.submit = MDSA_HW_SUBMIT_WRITE;
    wq = mdsa_hw_wq_open(find("wq0.0"), &o, err, sizeof err);
    CHECK(wq && wq->info.portal == 0 && !strcmp(mdsa_hw_wq_method(wq), "write"));
    mdsa_wq_close(wq);
}

static void test_engine_on_fake_hardware(void)
{
    /* The fake node swallows descriptors and never completes them: the
     * NOOP probe must time out; "dsa-hw" reports it, "dsa" falls back. */
    struct mdsa_cpu_features f;
    mdsa_cpu_features_get(&f, NULL);
    if (f.movdir64b || f.enqcmd) {
        /* On a CPU with the instructions the engine would mmap the fake
         * node and issue a real MOVDIR64B/ENQCMD to a plain page; keep
         * this check to the write() path there. */
        printf("  (CPU has portal instructions: forcing submit=write)\n");
    }
    char cfg[800], err[512];
    snprintf(cfg, sizeof cfg, "sysfs=%s,devdir=%s,probe_ms=20,submit=write", sysfs, devdir);
    mdsa_engine_t *e = mdsa_engine_dsa_create("dsa-hw", cfg, 0, err, sizeof err);
    CHECK(e == NULL);
    /* the probe is a BATCH of two MEMMOVEs where batches are allowed ... */
    CHECK_STR_CONTAINS(err, "probe on wq0.0: BATCH of 2 MEMMOVE: no completion within 20 ms");
    CHECK_STR_CONTAINS(err, "probe on wq0.1: BATCH of 2 MEMMOVE: no completion within 20 ms");
    CHECK_STR_CONTAINS(err, "probe on wq0.5: BATCH of 2 MEMMOVE");
    /* ... two lone MEMMOVEs where write() refuses BATCH or the WQ lacks it */
    CHECK_STR_CONTAINS(err, "probe on wq5.1: MEMMOVE: no completion within 20 ms");
    CHECK_STR_CONTAINS(err, "probe on wq6.0: MEMMOVE: no completion within 20 ms");
    e = mdsa_engine_dsa_create("dsa", cfg, 0, err, sizeof err);
    CHECK(e && !strncmp(e->ops->backend(e), "dsa-emu(", 8));
    CHECK_STR_CONTAINS(e ? mdsa_engine_dsa_note(e) : NULL, "probe on wq0.0");
    if (e)
        e->ops->destroy(e);
    /* a named WQ that is not usable, and one that does not exist */
    snprintf(cfg, sizeof cfg, "sysfs=%s,devdir=%s,wq=wq0.2", sysfs, devdir);
    CHECK(mdsa_engine_dsa_create("dsa-hw", cfg, 0, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "wq0.2: WQ type is not 'user'");
    snprintf(cfg, sizeof cfg, "sysfs=%s,devdir=%s,wq=wq9.9", sysfs, devdir);
    CHECK(mdsa_engine_dsa_create("dsa-hw", cfg, 0, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "wq9.9 not found");
    /* the info listing of the fake tree */
    char buf[8192];
    snprintf(cfg, sizeof cfg, "sysfs=%s,devdir=%s", sysfs, devdir);
    mdsa_dsa_info(cfg, buf, sizeof buf);
    CHECK_STR_CONTAINS(buf, "13 work queue(s)");
    CHECK_STR_CONTAINS(buf, "dsa0 state=enabled version=1 pasid_enabled=1 gen_cap=0x40915f010f "
                            "cache_control=yes");
    CHECK_STR_CONTAINS(buf, "wq0.0 mode=dedicated type=user state=enabled size=32");
    CHECK_STR_CONTAINS(buf, "wq0.2 mode=dedicated type=kernel");
    CHECK_STR_CONTAINS(buf, "not usable: WQ type is not 'user'");
    /* every refusal is named */
    CHECK_STR_CONTAINS(buf, "wq1.0 mode=dedicated");
    CHECK_STR_CONTAINS(buf, "not usable: on iax1, an IAA device (not DSA)");
    CHECK_STR_CONTAINS(buf, "not usable: dsa3: PASID/SVA disabled");
    CHECK_STR_CONTAINS(buf, "not usable: MEMMOVE not in the WQ's allowed operations");
    CHECK_STR_CONTAINS(buf, "dsa5 state=enabled version=2 pasid_enabled=1 gen_cap=0x8 cache_control=no");
    CHECK_STR_CONTAINS(buf, "max_batch=100 (device 64)");
    CHECK_STR_CONTAINS(buf, "batch=portal only (write() refuses it)");
    CHECK_STR_CONTAINS(buf, "5 usable");
}

static void test_no_queues_configured(void)
{
    char empty[400], cfg[600], err[512];
    snprintf(empty, sizeof empty, "%s/empty", root);
    mkdir(empty, 0755);
    snprintf(cfg, sizeof cfg, "sysfs=%s", empty);
    CHECK(mdsa_engine_dsa_create("dsa-hw", cfg, 0, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "no DSA work queues configured");
}

int main(void)
{
    make_tree();
    RUN(test_discovery);
    RUN(test_cpu_features);
    RUN(test_cpuinfo_flags);
    RUN(test_opmask_formats);
    RUN(test_portal_offset_rotation);
    RUN(test_open_write_path);
    RUN(test_open_mmap_paths);
    RUN(test_engine_on_fake_hardware);
    RUN(test_no_queues_configured);
    rm_tree();
    return h_summary(__FILE__);
}
