/* SPDX-License-Identifier: Apache-2.0 */
/* The shared-memory layer (and util below it): regions a secondary
 * creates, regions a primary takes from a peer, bounds. */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shm.h"
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

int main(void)
{
    RUN(test_secondary_regions_are_sealed_and_mapped);
    RUN(test_buffer_bounds);
    RUN(test_peer_regions_are_checked_and_owned);
    return h_summary(__FILE__);
}
