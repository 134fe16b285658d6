/* Shared memory: the regions and rings a slave creates (memfd, sealed
 * against shrinking, pre-faulted), and the checks a master applies before
 * it maps what a peer sent (sizes against the file behind the fd, seals,
 * ring bounds, cookies). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int region_create(uint64_t size, struct mregion *r)
{
    r->fd = memfd_create("memif region", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (r->fd < 0)
        return mdsa_syscall_error(errno);
    if (ftruncate(r->fd, (off_t)size) < 0 || fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
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

static int queue_alloc_arrays(struct msock *s, struct mqueue *q, bool with_loc, bool with_cap)
{
    if (with_loc && !(q->loc = ms_alloc(s, sizeof *q->loc * q->size)))
        return MEMIF_ERR_NOMEM;
    if (with_cap && !(q->cap = ms_alloc(s, sizeof *q->cap * q->size)))
        return MEMIF_ERR_NOMEM;
    return MEMIF_ERR_SUCCESS;
}

static int ops_alloc(struct mconn *c)
{
    uint32_t max = 1;
    for (uint16_t i = 0; i < c->num_s2m; i++)
        max = c->s2m[i].size > max ? c->s2m[i].size : max;
    for (uint16_t i = 0; i < c->num_m2s; i++)
        max = c->m2s[i].size > max ? c->m2s[i].size : max;
    c->ops = ms_alloc(c->sock, sizeof *c->ops * max);
    c->ops_cap = max;
    return c->ops ? MEMIF_ERR_SUCCESS : MEMIF_ERR_NOMEM;
}

static struct mqueue *queues_alloc(struct msock *s, uint16_t n)
{
    struct mqueue *q = ms_alloc(s, sizeof *q * n);
    for (uint16_t i = 0; q && i < n; i++)
        q[i].int_fd = -1;
    return q;
}

int shm_slave_create(struct mconn *c)
{
    struct msock *s = c->sock;
    uint32_t n = 1u << c->log2;
    uint32_t nrings = (uint32_t)c->num_s2m + c->num_m2s;
    uint64_t rb = memif_ring_bytes(c->log2);
    uint64_t ring_bytes = rb * nrings;
    uint64_t buf_bytes = (uint64_t)c->buffer_size * n * nrings;
    int err;
    if (buf_bytes > MDSA_MAX_REGION_SIZE || buf_bytes > UINT32_MAX + 1ull)
        return MEMIF_ERR_NOMEM; /* buffer offsets are 32-bit */
    c->regions = ms_alloc(s, sizeof *c->regions * 2);
    c->s2m = queues_alloc(s, c->num_s2m);
    c->m2s = queues_alloc(s, c->num_m2s);
    if (!c->regions || !c->s2m || !c->m2s)
        goto nomem;
    c->regions[0].fd = c->regions[1].fd = -1;
    c->nregions = 2;
    if ((err = region_create(ring_bytes, &c->regions[0])))
        goto fail;
    if (s->ext_add) {
        struct mregion *r = &c->regions[1];
        if (buf_bytes > UINT32_MAX || s->ext_add(&r->addr, (uint32_t)buf_bytes, &r->fd, c->private_ctx) ||
            !r->addr) {
            err = MEMIF_ERR_NOMEM;
            goto fail;
        }
        r->size = buf_bytes;
        r->external = true;
    } else if ((err = region_create(buf_bytes, &c->regions[1]))) {
        goto fail;
    }
    for (uint32_t k = 0; k < nrings; k++) {
        bool s2m = k < c->num_s2m;
        struct mqueue *q = s2m ? &c->s2m[k] : &c->m2s[k - c->num_s2m];
        memif_ring_t *ring = (memif_ring_t *)((uint8_t *)c->regions[0].addr + k * rb);
        ring->cookie = MEMIF_COOKIE;
        ring->flags = 0;
        ring->head = ring->tail = 0;
        q->conn = c;
        q->ring = ring;
        q->size = n;
        q->mask = (uint16_t)(n - 1);
        q->log2 = c->log2;
        q->region = 0;
        q->offset = (uint32_t)(k * rb);
        q->s2m = s2m;
        q->is_tx = s2m; /* the slave produces on S2M */
        q->int_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (q->int_fd < 0) {
            err = mdsa_syscall_error(errno);
            goto fail;
        }
        if ((err = queue_alloc_arrays(s, q, true, false)))
            goto fail;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t base = (uint32_t)(((uint64_t)k * n + j) * c->buffer_size);
            q->loc[j] = (struct slot_loc){.base = base, .offset = base, .cap = c->buffer_size, .region = 1};
            ring->desc[j] = (memif_desc_t){.region = 1, .length = c->buffer_size, .offset = base};
        }
    }
    if ((err = ops_alloc(c)))
        goto fail;
    return MEMIF_ERR_SUCCESS;
nomem:
    err = MEMIF_ERR_NOMEM;
fail:
    shm_free(c);
    return err;
}

void shm_slave_connected(struct mconn *c)
{
    /* hand every receive buffer to the master at once */
    for (uint16_t i = 0; i < c->num_m2s; i++)
        queue_refill_all(&c->m2s[i], 0);
}

int shm_master_add_region(struct mconn *c, uint16_t index, uint64_t size, int fd, const char **why)
{
    struct msock *s = c->sock;
    struct stat st;
    if (fd < 0)
        return *why = "missing memory region fd", -1;
    if (index != c->nregions)
        return *why = "unexpected region index", -1;
    if (index > MEMIF_MAX_REGION_IDX)
        return *why = "too many regions", -1;
    if (size == 0 || size > MDSA_MAX_REGION_SIZE)
        return *why = "invalid region size", -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return *why = "memory region fd is not a file", -1;
    if ((uint64_t)st.st_size < size)
        return *why = "region size exceeds the file behind its fd", -1;
    /* a peer that could shrink the file under our mapping could crash us
     * with SIGBUS: require (or add) the shrink seal */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (!(seals & F_SEAL_SHRINK) && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0))
        return *why = "memory region fd cannot be sealed against shrinking", -1;
    if (!c->regions && !(c->regions = ms_alloc(s, sizeof *c->regions * MDSA_MAX_REGIONS)))
        return *why = "out of memory", -1;
    c->regions[index] = (struct mregion){.addr = NULL, .size = size, .fd = fd};
    c->nregions++;
    return 0;
}

static bool is_eventfd(int fd)
{
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0)
        return true; /* no /proc here: cannot tell, the fd is still made non-blocking */
    link[n] = '\0';
    return strcmp(link, "anon_inode:[eventfd]") == 0;
}

int shm_master_add_ring(struct mconn *c, const memif_msg_add_ring_t *ar, int fd, const char **why)
{
    struct msock *s = c->sock;
    bool s2m = ar->flags & MEMIF_MSG_ADD_RING_FLAG_S2M;
    uint16_t *count = s2m ? &c->num_s2m : &c->num_m2s;
    if (fd < 0)
        return *why = "missing ring interrupt fd", -1;
    if (ar->private_hdr_size != 0)
        return *why = "private headers not supported", -1;
    if (ar->index != *count)
        return *why = "unexpected ring index", -1;
    if (ar->index > MEMIF_MAX_RING_IDX)
        return *why = "too many rings", -1;
    if (ar->log2_ring_size > MEMIF_MAX_LOG2_RING)
        return *why = "ring size too large", -1;
    if (ar->region >= c->nregions)
        return *why = "ring in an unknown region", -1;
    if (ar->offset % 8)
        return *why = "misaligned ring", -1;
    if ((uint64_t)ar->offset + memif_ring_bytes(ar->log2_ring_size) > c->regions[ar->region].size)
        return *why = "ring outside its region", -1;
    if (!is_eventfd(fd))
        return *why = "ring interrupt fd is not an eventfd", -1;
    /* a write to a blocking eventfd with a saturated counter would hang us */
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return *why = "bad ring interrupt fd", -1;
    struct mqueue **arr = s2m ? &c->s2m : &c->m2s;
    struct mqueue *na = s->args.realloc(*arr, sizeof **arr * (*count + 1u));
    if (!na)
        return *why = "out of memory", -1;
    *arr = na;
    struct mqueue *q = &na[*count];
    memset(q, 0, sizeof *q);
    q->conn = c;
    q->region = ar->region;
    q->offset = ar->offset;
    q->log2 = ar->log2_ring_size;
    q->size = 1u << q->log2;
    q->mask = (uint16_t)(q->size - 1);
    q->int_fd = fd;
    q->s2m = s2m;
    q->is_tx = !s2m; /* the master produces on M2S */
    (*count)++;
    return 0;
}

int shm_master_connect(struct mconn *c, const char **why)
{
    if (c->nregions == 0)
        return *why = "no memory regions", -1;
    if (c->num_s2m == 0 || c->num_m2s == 0)
        return *why = "rings missing in one direction", -1;
    for (uint16_t i = 0; i < c->nregions; i++) {
        struct mregion *r = &c->regions[i];
        void *a = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
        if (a == MAP_FAILED)
            return *why = "memory region mmap failed", -1;
        r->addr = a;
    }
    uint8_t maxlog2 = 0;
    for (int dir = 0; dir < 2; dir++) {
        uint16_t n = dir ? c->num_m2s : c->num_s2m;
        for (uint16_t i = 0; i < n; i++) {
            struct mqueue *q = dir ? &c->m2s[i] : &c->s2m[i];
            q->ring = (memif_ring_t *)((uint8_t *)c->regions[q->region].addr + q->offset);
            if (q->ring->cookie != MEMIF_COOKIE) {
                snprintf(c->fault_reason, sizeof c->fault_reason, "wrong cookie on %s ring %u",
                         dir ? "tx" : "rx", i);
                return *why = c->fault_reason, -1;
            }
            if (q->is_tx && queue_alloc_arrays(c->sock, q, false, true))
                return *why = "out of memory", -1;
            q->pub = q->last = q->next_buf = q->reserved = 0;
            ring_store(&q->ring->tail, 0); /* the master owns tail */
            maxlog2 = q->log2 > maxlog2 ? q->log2 : maxlog2;
        }
    }
    c->log2 = maxlog2;
    c->buffer_size = 0; /* the slave's choice; a master reads it from descriptors */
    if (ops_alloc(c))
        return *why = "out of memory", -1;
    return 0;
}

static void queue_release(struct mconn *c, struct mqueue *q)
{
    struct msock *s = c->sock;
    conn_account_queue(c, q, &c->totals);
    watch_del(s, &q->w);
    if (q->int_fd >= 0)
        close(q->int_fd);
    q->int_fd = -1;
    ms_free(s, q->loc);
    ms_free(s, q->cap);
    ms_free(s, q->hold);
    ms_free(s, q->hold_lens);
}

void shm_free(struct mconn *c)
{
    struct msock *s = c->sock;
    if (c->s2m) {
        for (uint16_t i = 0; i < c->num_s2m; i++)
            queue_release(c, &c->s2m[i]);
        ms_free(s, c->s2m);
    }
    if (c->m2s) {
        for (uint16_t i = 0; i < c->num_m2s; i++)
            queue_release(c, &c->m2s[i]);
        ms_free(s, c->m2s);
    }
    c->s2m = c->m2s = NULL;
    c->num_s2m = c->num_m2s = 0;
    if (c->regions) {
        for (uint16_t i = 0; i < c->nregions; i++) {
            struct mregion *r = &c->regions[i];
            if (r->external) {
                if (s->ext_del)
                    s->ext_del(r->addr, (uint32_t)r->size, r->fd, c->private_ctx);
                continue;
            }
            if (r->addr)
                munmap(r->addr, r->size);
            if (r->fd >= 0)
                close(r->fd);
        }
        ms_free(s, c->regions);
    }
    c->regions = NULL;
    c->nregions = 0;
    ms_free(s, c->ops);
    c->ops = NULL;
    c->ops_cap = 0;
}
