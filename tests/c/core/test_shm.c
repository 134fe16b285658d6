/* SPDX-License-Identifier: Apache-2.0 */
/* The shared-memory layer (and util below it): regions a secondary
 * creates, regions a primary takes from a peer, bounds. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shm.h"
#include "shm_layout.h"
#include "wire.h"
#include "tcore.h"

static void test_secondary_regions_are_sealed_and_mapped(void)
{
    int fds0 = open_fds();
    struct shm m;
    shm_init(&m, test_alloc(), NULL, NULL);
    CHECK_EQ(shm_create(&m, 4096, 8192), MEMIF_ERR_SUCCESS);
    CHECK_EQ(m.n, 2);
    CHECK_EQ(m.r[0].size, 4096);
    CHECK_EQ(m.r[1].size, 8192);
    CHECK(fcntl(m.r[1].fd, F_GET_SEALS) & F_SEAL_SHRINK);
    ((uint8_t *)m.r[1].addr)[8191] = 1; /* mapped, writable */
    shm_free(&m);
    CHECK_EQ(m.n, 0);
    CHECK_EQ(open_fds(), fds0);
}

static void test_buffer_bounds(void)
{
    struct shm m;
    shm_init(&m, test_alloc(), NULL, NULL);
    CHECK_EQ(shm_create(&m, 4096, 8192), MEMIF_ERR_SUCCESS);
    CHECK(shm_buf(&m, 1, 0, 8192) == m.r[1].addr);
    CHECK(shm_buf(&m, 1, 8191, 1) != NULL);
    CHECK(shm_buf(&m, 1, 8191, 2) == NULL);
    CHECK(shm_buf(&m, 1, UINT32_MAX, UINT32_MAX) == NULL); /* no 32-bit wrap */
    CHECK(shm_buf(&m, 2, 0, 1) == NULL);
    CHECK(shm_buf(&m, 0xffff, 0, 0) == NULL);
    shm_free(&m);
}

static int region_fd(uint64_t size, int seal)
{
    int fd = memfd_create("t", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (ftruncate(fd, (off_t)size) < 0)
        return -1;
    if (seal)
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
    return fd;
}

static void test_peer_regions_are_checked_and_owned(void)
{
    int fds0 = open_fds();
    struct shm m;
    const char *why = NULL;
    shm_init(&m, test_alloc(), NULL, NULL);
    CHECK_EQ(shm_add_peer_region(&m, 0, 4096, -1, &why), -1);
    CHECK_STR_CONTAINS(why, "missing memory region fd");
    CHECK_EQ(shm_add_peer_region(&m, 1, 4096, region_fd(4096, 1), &why), -1);
    CHECK_STR_CONTAINS(why, "unexpected region index");
    CHECK_EQ(shm_add_peer_region(&m, 0, 0, region_fd(4096, 1), &why), -1);
    CHECK_STR_CONTAINS(why, "invalid region size");
    CHECK_EQ(shm_add_peer_region(&m, 0, 8192, region_fd(4096, 1), &why), -1);
    CHECK_STR_CONTAINS(why, "exceeds the file");
    CHECK_EQ(shm_add_peer_region(&m, 0, 8, eventfd(0, 0), &why), -1);
    CHECK_STR_CONTAINS(why, "not a file");
    CHECK_EQ(open_fds(), fds0); /* refused fds are closed */
    int fd = region_fd(4096, 0);
    CHECK_EQ(shm_add_peer_region(&m, 0, 4096, fd, &why), 0);
    CHECK(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK); /* sealed by us */
    CHECK_EQ(shm_add_peer_region(&m, 1, 100, region_fd(4096, 1), &why), 0);
    CHECK_EQ(shm_map_peer_regions(&m, &why), 0);
    CHECK(shm_buf(&m, 1, 0, 100) != NULL);
    CHECK(shm_buf(&m, 1, 0, 101) == NULL); /* the announced size, not the file's */
    shm_free(&m);
    CHECK_EQ(open_fds(), fds0);
}

/* The application's own SIGBUS handler, installed before the guard. */
static sigjmp_buf app_jump;
static volatile sig_atomic_t app_sigbus;
static void app_handler(int sig)
{
    (void)sig;
    app_sigbus++;
    siglongjmp(app_jump, 1);
}

/* A mapping of `size` bytes of a memfd cut to `keep` bytes. */
static __attribute__((noinline)) uint8_t *cut_mapping(uint64_t size, uint64_t keep, int *fd)
{
    *fd = memfd_create("t", MFD_CLOEXEC); /* no sealing, as a peer's mempool memfd */
    if (*fd < 0 || ftruncate(*fd, (off_t)size) < 0)
        return NULL;
    uint8_t *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
    if (a == MAP_FAILED || ftruncate(*fd, (off_t)keep) < 0)
        return NULL;
    return a;
}

static void test_unsealed_peer_regions_are_guarded(void)
{
    struct sigaction app = {.sa_handler = app_handler};
    sigemptyset(&app.sa_mask);
    CHECK_EQ(sigaction(SIGBUS, &app, NULL), 0);
    int fds0 = open_fds();
    struct shm m;
    const char *why = NULL;
    shm_init(&m, test_alloc(), NULL, NULL);
    int fd = memfd_create("t", MFD_CLOEXEC), keep = -1;
    CHECK_EQ(ftruncate(fd, 65536), 0);
    keep = dup(fd);
    CHECK_EQ(shm_add_peer_region(&m, 0, 65536, fd, &why), 0);
    CHECK(m.r[0].unsealed);
    CHECK_EQ(shm_map_peer_regions(&m, &why), 0);
    CHECK(m.r[0].guarded && shm_shrunk(&m) == NULL);
    uint8_t *a = m.r[0].addr;
    memset(a, 7, 65536);
    CHECK_EQ(ftruncate(keep, 8192), 0); /* the peer cuts the region */
    memset(a + 4096, 9, 65536 - 4096);  /* no crash: the missing pages are replaced */
    CHECK(a[0] == 7 && a[4096] == 9 && a[65535] == 9);
    CHECK_STR_CONTAINS(shm_shrunk(&m), "memory region 0 shrank under us");
    /* a SIGBUS outside every guarded region still reaches the application */
    int other;
    uint8_t *volatile b = cut_mapping(16384, 4096, &other);
    CHECK(b != NULL);
    if (b && sigsetjmp(app_jump, 1) == 0)
        b[8192] = 1;
    CHECK_EQ(app_sigbus, 1);
    munmap(b, 16384);
    close(other);
    shm_free(&m);
    close(keep);
    CHECK_EQ(open_fds(), fds0);
}

static void test_unsealed_regions_can_be_refused(void)
{
    struct shm m;
    const char *why = NULL;
    shm_init(&m, test_alloc(), NULL, NULL);
    m.refuse_unsealed = true;
    int fd = memfd_create("t", MFD_CLOEXEC);
    CHECK_EQ(ftruncate(fd, 4096), 0);
    CHECK_EQ(shm_add_peer_region(&m, 0, 4096, fd, &why), -1);
    CHECK_STR_CONTAINS(why, "cannot be sealed against shrinking (refuse_unsealed is set)");
    shm_free(&m);
}

/* Every ring and buffer of a plan inside its region, none overlapping. */
static void check_plan(const mdsa_layout_t *lo, uint32_t nrings, uint8_t log2, uint32_t bs,
                       uint16_t want_regions)
{
    struct shm_ring_at at[8];
    struct shm_plan plan;
    const char *why = NULL;
    CHECK_EQ(shm_plan_layout(lo, nrings, log2, bs, 256, at, &plan, &why), 0);
    CHECK_EQ(plan.n, want_regions);
    uint64_t rb = memif_ring_bytes(log2), area = (uint64_t)bs * (1u << log2) * shm_layout_banks(lo);
    for (uint32_t k = 0; k < nrings; k++) {
        CHECK(at[k].offset >= lo->ring_offset && at[k].offset % 8 == 0);
        CHECK(at[k].offset + rb <= plan.size[at[k].region]);
        CHECK(at[k].buf_base >= lo->buffer_offset);
        CHECK(at[k].buf_base + area <= plan.size[at[k].buf_region]);
        for (uint32_t j = 0; j < k; j++) {
            if (at[j].region == at[k].region)
                CHECK(at[j].offset + rb <= at[k].offset);
            if (at[j].buf_region == at[k].buf_region)
                CHECK(at[j].buf_base + area <= at[k].buf_base);
            if (at[j].region == at[k].buf_region) /* rings before buffers */
                CHECK(at[j].offset + rb <= at[k].buf_base);
        }
    }
}

static void test_layouts(void)
{
    mdsa_layout_t lo = {0};
    check_plan(&lo, 4, 5, 2048, 2);
    lo = (mdsa_layout_t){.arrangement = MDSA_LAYOUT_SINGLE_REGION, .ring_offset = 256,
                         .buffer_offset = 13, .headroom = 3, .rotate = 1};
    check_plan(&lo, 4, 5, 2048, 1);
    lo.arrangement = MDSA_LAYOUT_REGION_PER_QUEUE;
    check_plan(&lo, 4, 5, 2048, 8);
    struct shm_ring_at at[4];
    struct shm_plan plan;
    const char *why = NULL;
    CHECK_EQ(shm_plan_layout(&lo, 4, 5, 2048, 7, at, &plan, &why), -1);
    CHECK_STR_CONTAINS(why, "more regions than the primary allows");
    lo.arrangement = MDSA_LAYOUT_SINGLE_REGION;
    CHECK_EQ(shm_plan_layout(&lo, 2, 14, 65535, 256, at, &plan, &why), -1);
    CHECK_STR_CONTAINS(why, "exceeds 4 GiB");
    CHECK_EQ(shm_layout_check(&lo, 2048), 0);
    lo.ring_offset = 12;
    CHECK_EQ(shm_layout_check(&lo, 2048), -1);
    lo = (mdsa_layout_t){.headroom = 2048};
    CHECK_EQ(shm_layout_check(&lo, 2048), -1);
    lo = (mdsa_layout_t){.headroom = 48, .m2s_length = 2001};
    CHECK_EQ(shm_layout_check(&lo, 2048), -1);
    lo.m2s_length = 2000;
    CHECK_EQ(shm_layout_check(&lo, 2048), 0);
}

int main(void)
{
    RUN(test_secondary_regions_are_sealed_and_mapped);
    RUN(test_buffer_bounds);
    RUN(test_peer_regions_are_checked_and_owned);
    RUN(test_unsealed_peer_regions_are_guarded);
    RUN(test_unsealed_regions_can_be_refused);
    RUN(test_layouts);
    return h_summary(__FILE__);
}
