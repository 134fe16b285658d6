/* SPDX-License-Identifier: Apache-2.0 */
#include "shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "shm_guard.h"

void shm_init(struct shm *m, const struct mdsa_alloc *al, const struct shm_ext *ext, void *ext_ctx)
{
    memset(m, 0, sizeof *m);
    m->al = al;
    m->ext = ext;
    m->ext_ctx = ext_ctx;
}

static int region_create(uint64_t size, bool sealed, struct mregion *r)
{
    r->fd = memfd_create("memif region", (sealed ? MFD_ALLOW_SEALING : 0) | MFD_CLOEXEC);
    if (r->fd < 0)
        return mdsa_syscall_error(errno);
    if (ftruncate(r->fd, (off_t)size) < 0 ||
        (sealed && fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0))
        return mdsa_syscall_error(errno);
    /* pre-fault our own memory at setup, not on the first packet */
    int flags = MAP_SHARED | (size <= MDSA_PREFAULT_LIMIT ? MAP_POPULATE : 0);
    void *a = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, r->fd, 0);
    if (a == MAP_FAILED)
        return mdsa_syscall_error(errno);
    r->addr = a;
    r->size = size;
    return MEMIF_ERR_SUCCESS;
}

static int region_external(struct shm *m, uint64_t size, struct mregion *r)
{
    if (size > UINT32_MAX || m->ext->add(&r->addr, (uint32_t)size, &r->fd, m->ext_ctx) || !r->addr) {
        r->addr = NULL; /* not ours to unmap */
        r->fd = -1;
        return MEMIF_ERR_NOMEM;
    }
    r->size = size;
    r->external = true;
    return MEMIF_ERR_SUCCESS;
}

int shm_create_regions(struct shm *m, const uint64_t *sizes, uint16_t n, int ext)
{
    for (uint16_t i = 0; i < n; i++)
        if (sizes[i] > MDSA_MAX_REGION_SIZE || sizes[i] > UINT32_MAX + 1ull)
            return MEMIF_ERR_NOMEM; /* descriptor and ring offsets are 32-bit */
    m->r = mdsa_zalloc(m->al, sizeof *m->r * n);
    if (!m->r)
        return MEMIF_ERR_NOMEM;
    for (uint16_t i = 0; i < n; i++)
        m->r[i].fd = -1;
    m->n = n;
    int err = MEMIF_ERR_SUCCESS;
    for (uint16_t i = 0; !err && i < n; i++)
        err = i == ext && m->ext && m->ext->add ? region_external(m, sizes[i], &m->r[i])
                                                : region_create(sizes[i], !m->create_unsealed,
                                                                &m->r[i]);
    if (err)
        shm_free(m);
    return err;
}

int shm_create(struct shm *m, uint64_t ring_bytes, uint64_t buf_bytes)
{
    const uint64_t sizes[2] = {ring_bytes, buf_bytes};
    return shm_create_regions(m, sizes, 2, 1);
}

/* A peer that could shrink the file under our mapping could crash us with
 * SIGBUS: the region must be a file at least `size` long, sealed against
 * shrinking -- or, when it cannot be sealed and we accept that, guarded
 * (*unsealed set; shm_guard.h). */
static const char *peer_region_problem(const struct shm *m, int fd, uint64_t size, bool *unsealed)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return "memory region fd is not a file";
    if ((uint64_t)st.st_size < size)
        return "region size exceeds the file behind its fd";
    int seals = fcntl(fd, F_GET_SEALS);
    *unsealed = seals < 0 || (!(seals & F_SEAL_SHRINK) && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0);
    if (*unsealed && m->refuse_unsealed)
        return "memory region fd cannot be sealed against shrinking (refuse_unsealed is set)";
    return NULL;
}

int shm_add_peer_region(struct shm *m, uint16_t index, uint64_t size, int fd, const char **why)
{
    const char *bad = NULL;
    bool unsealed = false;
    if (fd < 0)
        bad = "missing memory region fd";
    else if (index != m->n)
        bad = "unexpected region index";
    else if (index >= MDSA_MAX_REGIONS)
        bad = "too many regions";
    else if (size == 0 || size > MDSA_MAX_REGION_SIZE)
        bad = "invalid region size";
    else if (!(bad = peer_region_problem(m, fd, size, &unsealed)) && !m->r &&
             !(m->r = mdsa_zalloc(m->al, sizeof *m->r * MDSA_MAX_REGIONS)))
        bad = "out of memory";
    if (bad) {
        if (fd >= 0)
            close(fd);
        *why = bad;
        return -1;
    }
    m->r[index] = (struct mregion){.addr = NULL, .size = size, .fd = fd, .unsealed = unsealed};
    m->n++;
    return 0;
}

int shm_map_peer_regions(struct shm *m, const char **why)
{
    if (m->n == 0)
        return *why = "no memory regions", -1;
    for (uint16_t i = 0; i < m->n; i++) {
        struct mregion *r = &m->r[i];
        void *a = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
        if (a == MAP_FAILED)
            return *why = "memory region mmap failed", -1;
        r->addr = a;
        if (r->unsealed) {
            if (shm_guard_add(a, r->size, &m->shrunk, i + 1, why))
                return -1;
            r->guarded = true;
        }
    }
    return 0;
}

const char *shm_shrunk_reason(struct shm *m, int index)
{
    snprintf(m->shrunk_why, sizeof m->shrunk_why,
             "memory region %d shrank under us (the peer truncated a region it did not seal)",
             index);
    return m->shrunk_why;
}

void shm_free(struct shm *m)
{
    for (uint16_t i = 0; m->r && i < m->n; i++) {
        struct mregion *r = &m->r[i];
        if (r->external) {
            if (m->ext && m->ext->del)
                m->ext->del(r->addr, (uint32_t)r->size, r->fd, m->ext_ctx);
            continue;
        }
        if (r->guarded)
            shm_guard_remove(r->addr); /* the engine is done with it: the caller waited */
        if (r->addr)
            munmap(r->addr, r->size);
        if (r->fd >= 0)
            close(r->fd);
    }
    mdsa_free(m->al, m->r);
    m->r = NULL;
    m->n = 0;
    m->shrunk = 0;
}
