/* SPDX-License-Identifier: Apache-2.0 */
/* Packet-copy rate: CPU memcpy engine vs the DSA engine over the
 * synchronous emulator (and async, for reference).  Interleaves A/B runs
 * and prints medians; numbers only, no assertions (shared machines swing).
 *   build/bench_dsa [copy_len] [burst] [rounds]                          */
#include <stdlib.h>
#include <time.h>

#include "engines/copy.h"
#include "engines/dsa/engine.h"
#include "tutil.h"

#define SLOTS 1024
#define SLOT_SZ 2048

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Copies per second over ~0.2 s, memif-like: destinations walk a ring of
 * 1024 x 2048-byte buffers, sources a packet pool. */
static double run(mdsa_engine_t *e, uint8_t *ring, uint8_t *pkts, uint32_t len, uint32_t burst)
{
    static struct mdsa_copy_op ops[1024];
    uint64_t t, copies = 0, slot = 0;
    double t0 = now_s(), t1;
    do {
        for (int rep = 0; rep < 64; rep++) {
            for (uint32_t k = 0; k < burst; k++, slot++) {
                ops[k].dst = ring + (slot % SLOTS) * SLOT_SZ;
                ops[k].src = pkts + (slot % 256) * SLOT_SZ;
                ops[k].len = len;
            }
            e->ops->submit(e, ops, burst, &t);
            mdsa_engine_wait(e, t);
            copies += burst;
        }
        t1 = now_s();
    } while (t1 - t0 < 0.2);
    return (double)copies / (t1 - t0);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    uint32_t len = argc > 1 ? (uint32_t)atoi(argv[1]) : 1500;
    uint32_t burst = argc > 2 ? (uint32_t)atoi(argv[2]) : 64;
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    if (len > SLOT_SZ || burst > 1024 || rounds < 1 || rounds > 50)
        return 2;
    uint8_t *ring = zalloc_aligned(64, (size_t)SLOTS * SLOT_SZ);
    uint8_t *pkts = zalloc_aligned(64, 256 * SLOT_SZ);
    fill_random(pkts, 256 * SLOT_SZ, 1);
    char err[256];
    mdsa_engine_t *cpu = mdsa_engine_cpu_create();
    mdsa_engine_t *sync = mdsa_engine_dsa_create("dsa-emu", "", 0, err, sizeof err);
    mdsa_engine_t *sync256 = mdsa_engine_dsa_create("dsa-emu", "max_batch=256", 0, err, sizeof err);
    mdsa_engine_t *async = mdsa_engine_dsa_create("dsa-emu", "async=1", 0, err, sizeof err);
    if (!cpu || !sync || !sync256 || !async) {
        fprintf(stderr, "engine: %s\n", err);
        return 1;
    }
    mdsa_engine_t *eng[4] = {cpu, sync, sync256, async};
    const char *name[4] = {"cpu", "dsa-emu sync (max_batch=32)", "dsa-emu sync (max_batch=256)",
                           "dsa-emu async"};
    double r[4][50];
    for (int i = 0; i < rounds; i++) /* A B C D A B C D ... */
        for (int k = 0; k < 4; k++)
            r[k][i] = run(eng[k], ring, pkts, len, burst);
    printf("copy %u bytes, burst %u, %d interleaved rounds (median, min..max Mcopies/s):\n", len,
           burst, rounds);
    double med[4];
    for (int k = 0; k < 4; k++) {
        qsort(r[k], (size_t)rounds, sizeof(double), cmp);
        med[k] = r[k][rounds / 2];
        printf("  %-30s %7.2f  (%.2f..%.2f)  ratio to cpu %.2f\n", name[k], med[k] / 1e6,
               r[k][0] / 1e6, r[k][rounds - 1] / 1e6, med[k] / med[0]);
    }
    for (int k = 0; k < 4; k++)
        eng[k]->ops->destroy(eng[k]);
    free(ring);
    free(pkts);
    return 0;
}
