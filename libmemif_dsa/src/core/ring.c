/* SPDX-License-Identifier: Apache-2.0 */
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "errors.h"

/* ---- setup and teardown ------------------------------------------------- */

static void ring_geometry(struct mqueue *q, uint8_t log2, bool s2m, bool primary)
{
    q->log2 = log2;
    q->size = 1u << log2;
    q->mask = (uint16_t)(q->size - 1);
    q->s2m = s2m;
    q->primary = primary;
    q->is_tx = primary ? !s2m : s2m; /* the primary produces on M2S */
}

/* Our buffers of one ring: loc_mask + 1 of them from `at`'s area, each
 * starting `lo_headroom` bytes in; the first `size` face the slots. */
static int secondary_buffers(struct mqueue *q, const struct mdsa_alloc *al,
                             const struct shm_ring_at *at, uint32_t banks)
{
    if (!(q->loc = mdsa_zalloc(al, sizeof *q->loc * q->size * banks)))
        return MEMIF_ERR_NOMEM;
    q->loc_mask = q->size * banks - 1;
    uint32_t cap = q->buffer_size - q->lo_headroom;
    for (uint32_t j = 0; j <= q->loc_mask; j++) {
        uint32_t base = at->buf_base + j * q->buffer_size; /* in the region: planned */
        q->loc[j] = (struct slot_loc){.base = base, .offset = base + q->lo_headroom, .cap = cap,
                                      .region = at->buf_region};
    }
    for (uint32_t j = 0; j < q->size; j++)
        q->ring->desc[j] = (memif_desc_t){.region = at->buf_region, .length = cap,
                                          .offset = q->loc[j].offset};
    return MEMIF_ERR_SUCCESS;
}

int ring_secondary_init(struct mqueue *q, const struct mdsa_alloc *al, struct shm *m,
                        const struct shm_ring_at *at, uint8_t log2, bool s2m,
                        uint32_t buffer_size, const mdsa_layout_t *lo)
{
    memif_ring_t *ring = (memif_ring_t *)((uint8_t *)m->r[at->region].addr + at->offset);
    ring_geometry(q, log2, s2m, false);
    q->shm = m;
    q->ring = ring;
    q->region = at->region;
    q->offset = at->offset;
    q->buffer_size = buffer_size;
    q->lo_headroom = lo->headroom;
    q->offer = s2m ? 0 : lo->m2s_length;
    ring->cookie = MEMIF_COOKIE;
    ring->flags = 0;
    ring->head = ring->tail = 0;
    q->int_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->int_fd < 0)
        return mdsa_syscall_error(errno);
    return secondary_buffers(q, al, at, shm_layout_banks(lo));
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

static const char *add_ring_problem(const struct shm *m, const memif_msg_add_ring_t *ar, int fd,
                                    uint16_t index)
{
    if (fd < 0)
        return "missing ring interrupt fd";
    if (ar->private_hdr_size != 0)
        return "private headers not supported";
    if (ar->index != index)
        return "unexpected ring index";
    if (ar->index > MEMIF_MAX_RING_IDX)
        return "too many rings";
    if (ar->log2_ring_size > MEMIF_MAX_LOG2_RING_HARD)
        return "ring size too large";
    if (ar->region >= m->n)
        return "ring in an unknown region";
    if (ar->offset % 8)
        return "misaligned ring";
    if ((uint64_t)ar->offset + memif_ring_bytes(ar->log2_ring_size) > m->r[ar->region].size)
        return "ring outside its region";
    if (!is_eventfd(fd))
        return "ring interrupt fd is not an eventfd";
    /* a write to a blocking eventfd with a saturated counter would hang us */
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return "bad ring interrupt fd";
    return NULL;
}

int ring_primary_add(struct mqueue *q, struct shm *m, const memif_msg_add_ring_t *ar, int fd,
                     uint16_t index, const char **why)
{
    const char *bad = add_ring_problem(m, ar, fd, index);
    if (bad) {
        if (fd >= 0)
            close(fd);
        *why = bad;
        return -1;
    }
    memset(q, 0, sizeof *q);
    ring_geometry(q, ar->log2_ring_size, ar->flags & MEMIF_MSG_ADD_RING_FLAG_S2M, true);
    q->shm = m;
    q->region = ar->region;
    q->offset = ar->offset;
    q->int_fd = fd;
    return 0;
}

int ring_primary_map(struct mqueue *q, const struct mdsa_alloc *al)
{
    /* in bounds: ADD_RING was checked against the region's size */
    q->ring = (memif_ring_t *)shm_buf(q->shm, q->region, q->offset,
                                      (uint32_t)memif_ring_bytes(q->log2));
    if (!q->ring || q->ring->cookie != MEMIF_COOKIE)
        return MEMIF_ERR_COOKIE;
    if (q->is_tx && !(q->cap = mdsa_zalloc(al, sizeof *q->cap * q->size)))
        return MEMIF_ERR_NOMEM;
    q->pub = q->last = q->next_buf = q->reserved = 0;
    ring_store(&q->ring->tail, 0); /* the primary owns tail */
    return MEMIF_ERR_SUCCESS;
}

void ring_release(struct mqueue *q, const struct mdsa_alloc *al)
{
    if (q->int_fd >= 0)
        close(q->int_fd);
    q->int_fd = -1;
    mdsa_free(al, q->loc);
    mdsa_free(al, q->cap);
    q->loc = NULL;
    q->cap = NULL;
}

/* ---- index math and descriptors ----------------------------------------- */

static inline int violation(struct mqueue *q, const char *why)
{
    q->fault = why;
    return -1;
}

/* The engine broke: its own reason (a DSA engine that gave up on a hung
 * device says why) becomes the interface's disconnect reason. */
int ring_engine_failed(struct mqueue *q)
{
    const char *why = q->cp->engine->ctr.state_reason;
    return violation(q, why[0] ? why : "copy engine failed");
}

int ring_check_regions(struct mqueue *q)
{
    const char *why = shm_shrunk(q->shm);
    return why ? violation(q, why) : 0;
}

int ring_rx_avail(struct mqueue *q, uint16_t *n)
{
    if (q->primary) {
        /* S2M: the secondary produces; it may hold at most `size` unreleased slots */
        uint16_t head = ring_load(&q->ring->head);
        if (ring_check_regions(q))
            return -1;
        if ((uint16_t)(head - q->pub) > q->size ||
            (uint16_t)(q->last - q->pub) > (uint16_t)(head - q->pub))
            return violation(q, "S2M head moved backwards or beyond the ring size");
        *n = (uint16_t)(head - q->last);
    } else {
        /* M2S: the primary fills only the slots we refilled (up to our head) */
        uint16_t tail = ring_load(&q->ring->tail);
        if (ring_check_regions(q))
            return -1;
        if ((uint16_t)(tail - q->last) > (uint16_t)(q->pub - q->last))
            return violation(q, "M2S tail moved backwards or beyond the slots we gave");
        *n = (uint16_t)(tail - q->last);
    }
    return 0;
}

int ring_tx_free(struct mqueue *q, uint16_t from, uint16_t *n)
{
    if (q->primary) {
        uint16_t head = ring_load(&q->ring->head);
        if (ring_check_regions(q))
            return -1;
        if ((uint16_t)(head - q->pub) > q->size ||
            (uint16_t)(from - q->pub) > (uint16_t)(head - q->pub))
            return violation(q, "M2S head moved backwards or beyond the ring size");
        *n = (uint16_t)(head - from);
    } else {
        uint16_t tail = ring_load(&q->ring->tail);
        if (ring_check_regions(q))
            return -1;
        if ((uint16_t)(tail - q->last) > (uint16_t)(q->pub - q->last))
            return violation(q, "S2M tail moved backwards or beyond our head");
        q->last = tail;
        *n = (uint16_t)(q->size - (uint16_t)(from - tail));
    }
    return 0;
}

uint8_t *ring_tx_buf(struct mqueue *q, uint16_t slot, uint32_t *cap)
{
    if (!q->primary) {
        const struct slot_loc *l = loc_of(q, slot);
        *cap = q->buffer_size - q->lo_headroom;
        return (uint8_t *)q->shm->r[l->region].addr + l->base + q->lo_headroom;
    }
    /* the secondary owns M2S descriptors: read each field once, check, use */
    uint16_t i = slot & q->mask;
    const volatile memif_desc_t *d = &q->ring->desc[i];
    uint16_t region = d->region;
    uint32_t offset = d->offset, length = d->length;
    uint8_t *p = length ? shm_buf(q->shm, region, offset, length) : NULL;
    if (!p) {
        violation(q, "M2S descriptor outside its region");
        return NULL;
    }
    q->cap[i] = length;
    q->seen_len = length > q->seen_len ? length : q->seen_len;
    *cap = length;
    return p;
}

uint8_t *ring_rx_buf(struct mqueue *q, uint16_t slot, uint32_t *len, uint16_t *flags)
{
    const volatile memif_desc_t *d = &q->ring->desc[slot & q->mask];
    uint32_t length = d->length;
    *flags = d->flags;
    *len = length;
    if (!q->primary) {
        /* our own buffer: only the length comes from the peer */
        const struct slot_loc *l = loc_of(q, slot);
        if (length > l->cap) {
            violation(q, "M2S descriptor length exceeds its buffer");
            return NULL;
        }
        return (uint8_t *)q->shm->r[l->region].addr + l->offset;
    }
    uint8_t *p = shm_buf(q->shm, d->region, d->offset, length);
    if (!p)
        violation(q, "S2M descriptor outside its region");
    else if (length > q->seen_len)
        q->seen_len = length;
    return p;
}

/* Primary: clear NEXT on S2M descriptors we consumed, as libmemif's receive
 * does.  A secondary that only ORs NEXT into a slot's flags (DPDK 22.11's
 * transmit) would otherwise leave a stale NEXT after the ring wraps and
 * chain unrelated packets together.  The secondary rewrites flags anyway. */
void ring_rx_consumed(struct mqueue *q, uint16_t from, uint16_t to)
{
    if (!q->primary)
        return; /* our own M2S descriptors are rewritten at refill */
    for (uint16_t s = from; s != to; s++) {
        volatile memif_desc_t *d = &q->ring->desc[s & q->mask];
        uint16_t f = d->flags;
        if (f & MEMIF_DESC_FLAG_NEXT)
            d->flags = (uint16_t)(f & ~MEMIF_DESC_FLAG_NEXT);
    }
}

void ring_refill(struct mqueue *q, uint16_t count, uint16_t headroom)
{
    uint16_t slot = q->pub;
    uint32_t cap = q->buffer_size - q->lo_headroom - headroom;
    if (q->offer && q->offer < cap)
        cap = q->offer;
    for (uint16_t k = 0; k < count; k++, slot++) {
        struct slot_loc *l = loc_of(q, slot);
        l->offset = l->base + q->lo_headroom + headroom;
        l->cap = cap;
        memif_desc_t *d = &q->ring->desc[slot & q->mask];
        d->flags = 0;
        d->region = l->region;
        d->offset = l->offset;
        d->length = cap;
    }
    q->headroom = headroom;
    ring_publish(q, slot);
}

void ring_refill_all(struct mqueue *q)
{
    ring_refill(q, (uint16_t)(q->size - (uint16_t)(q->pub - q->last)), 0);
}

void ring_rx_release(struct mqueue *q, uint16_t upto)
{
    if (q->primary)
        ring_publish(q, upto);
    else
        ring_refill(q, (uint16_t)(q->size - (uint16_t)(q->pub - upto)), q->headroom);
}

bool ring_rx_polling(const struct mqueue *q)
{
    return __atomic_load_n(&q->ring->flags, __ATOMIC_RELAXED) & MEMIF_RING_FLAG_MASK_INT;
}

void ring_kick(struct mqueue *q)
{
    if (ring_rx_polling(q))
        return; /* the consumer polls */
    uint64_t one = 1;
    if (write(q->int_fd, &one, sizeof one) == sizeof one)
        q->st.irq_sent++;
}

/* In interrupt mode, consume the peer's signal along with the packets (as
 * libmemif's rx burst does), so a stale wake-up does not follow.  Polling
 * mode makes no system call. */
void ring_drain_irq(struct mqueue *q)
{
    uint64_t n;
    if (!ring_rx_polling(q) && read(q->int_fd, &n, sizeof n) == sizeof n)
        q->st.irq_recv++;
}

void ring_set_rx_mode(struct mqueue *q, bool polling)
{
    __atomic_store_n(&q->ring->flags, polling ? MEMIF_RING_FLAG_MASK_INT : 0, __ATOMIC_RELAXED);
}

int ring_tx_reap(struct mqueue *q, bool wait)
{
    mdsa_engine_t *e = q->cp->engine;
    bool any = false;
    uint16_t idx = q->pub;
    while (q->inflight_tail != q->inflight_head) {
        struct pending_pub *p = &q->inflight[q->inflight_tail % MDSA_TX_INFLIGHT];
        int r = wait ? (mdsa_engine_wait(e, p->ticket) ? -1 : 1) : e->ops->poll(e, p->ticket);
        if (r == 0)
            break;
        if (r < 0)
            return ring_engine_failed(q);
        idx = p->index;
        q->inflight_tail++;
        any = true;
    }
    if (any && ring_check_regions(q)) /* the copies went to pages the peer cut off */
        return -1;
    if (any) {
        ring_publish(q, idx);
        ring_kick(q); /* only after the data is published */
    }
    return 0;
}
