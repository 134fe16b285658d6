/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: descriptor, index and region validation on the data path
 * (ring.c, ring_copy.c, ring_zc.c, shm.c), either role.  The input lays
 * out an interface -- as a primary: the peer's regions and rings (sizes,
 * ring regions, offsets and sizes as ADD_REGION/ADD_RING would announce
 * them), set up through conn.c; as a secondary: its own rings with the
 * negotiated sizes -- then plays the hostile peer: it writes descriptors,
 * head, tail and ring flags into the shared memory (through its own
 * mapping, as a peer process would) between receive and transmit calls
 * of every kind (copying bursts, the zero-copy API, refill, flush).  The
 * first violation a call reports ends the input, as the interface would
 * go down. */
#include "conn.h"
#include "fuzz_common.h"

static struct mdsa_tracer no_trace;
static uint8_t rxbuf[1 << 20];
static uint8_t txdata[1 << 16];

struct peer {
    uint8_t *base[4]; /* the peer's mappings of the regions */
    uint64_t size[4];
    unsigned n;
};

static void init_conn(struct mconn *c, bool primary, uint16_t buffer_size)
{
    memif_conn_args_t a;
    memset(&a, 0, sizeof a);
    a.is_master = primary;
    a.buffer_size = buffer_size;
    if (conn_init(c, &a, test_alloc(), NULL, &no_trace, NULL))
        abort();
}

/* Primary: regions and rings from the input, then CONNECT's mapping. */
static bool setup_primary(struct mconn *c, struct peer *p, struct fin *in, uint8_t mode)
{
    const char *why;
    p->n = 1 + fin_u8(in) % 3;
    for (unsigned i = 0; i < p->n; i++) {
        p->size[i] = (uint64_t)fin_u16(in) * 64;
        int fd = make_fd(FD_MEMFD, 0, (uint32_t)p->size[i]);
        void *m = p->size[i] ? mmap(NULL, p->size[i], PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                             : MAP_FAILED;
        p->base[i] = m == MAP_FAILED ? NULL : m;
        if (conn_primary_add_region(c, (uint16_t)i, p->size[i], fd, &why))
            return false;
    }
    unsigned nring[2] = {1 + fin_u8(in) % 2, 1 + fin_u8(in) % 2};
    for (unsigned dir = 0; dir < 2; dir++)
        for (unsigned k = 0; k < nring[dir]; k++) {
            memif_msg_add_ring_t ar = {.flags = dir == 0 ? MEMIF_MSG_ADD_RING_FLAG_S2M : 0,
                                       .index = (uint16_t)k};
            ar.region = fin_u8(in) % p->n;
            ar.offset = fin_u32(in);
            ar.log2_ring_size = fin_u8(in) % 16;
            if (!(mode & 2) && p->base[ar.region] && (uint64_t)ar.offset + 4 <= p->size[ar.region]) {
                uint32_t cookie = MEMIF_COOKIE; /* a peer that sets its rings up */
                memcpy(p->base[ar.region] + ar.offset, &cookie, 4);
            }
            if (conn_primary_add_ring(c, &ar, make_fd(FD_EVENTFD, 0, 0), &why))
                return false;
        }
    return conn_primary_map(c, &why) == 0;
}

/* The peer's view of queue q's ring. */
static memif_ring_t *peer_ring(struct mconn *c, struct peer *p, struct mqueue *q)
{
    if (!conn_primary(c))
        return q->ring; /* our own memory; the peer maps the same pages */
    return (memif_ring_t *)(p->base[q->region] + q->offset);
}

static struct mqueue *pick(struct mconn *c, uint8_t sel)
{
    uint16_t n = (uint16_t)(c->num_s2m + c->num_m2s);
    uint16_t i = sel % n;
    return i < c->num_s2m ? &c->s2m[i] : &c->m2s[i - c->num_s2m];
}

/* One operation; false when the call found a violation (or was refused). */
static bool op(struct mconn *c, struct peer *p, struct fin *in)
{
    uint8_t kind = fin_u8(in) % 9;
    struct mqueue *q = pick(c, fin_u8(in));
    memif_ring_t *ring = peer_ring(c, p, q);
    uint16_t n16;
    switch (kind) {
    case 0: { /* the peer writes a descriptor */
        uint16_t slot = fin_u16(in);
        memif_desc_t d;
        fin_take(in, &d, sizeof d);
        memcpy((void *)&ring->desc[slot & q->mask], &d, sizeof d);
        return true;
    }
    case 1: /* ... its head */
        ring->head = fin_u16(in);
        return true;
    case 2: /* ... our tail (it can write anything) */
        ring->tail = fin_u16(in);
        return true;
    case 3:
        ring->flags = fin_u16(in);
        return true;
    case 4: { /* a copying receive burst */
        if (q->is_tx)
            return true;
        uint32_t lens[64];
        uint16_t cnt;
        size_t need;
        size_t buflen = ((size_t)fin_u16(in) * 16) % sizeof rxbuf;
        int err = ring_rx_copy(q, rxbuf, buflen, lens, 1 + fin_u8(in) % 64, &cnt, &need);
        return err != MEMIF_ERR_DISCONNECTED;
    }
    case 5: { /* zero-copy receive, then give slots back */
        if (q->is_tx)
            return true;
        memif_buffer_t b[64];
        if (ring_zc_rx(q, b, 1 + fin_u8(in) % 64, &n16) == MEMIF_ERR_DISCONNECTED)
            return false;
        for (uint16_t i = 0; i < n16; i++) /* read what the descriptors point at */
            if (b[i].len)
                rxbuf[0] ^= ((volatile uint8_t *)b[i].data)[b[i].len - 1];
        ring_zc_refill(q, fin_u8(in), fin_u16(in) % 512);
        return true;
    }
    case 6: { /* a copying transmit burst */
        if (!q->is_tx)
            return true;
        uint32_t lens[8];
        uint16_t cnt = 1 + fin_u8(in) % 8;
        uint64_t total = 0;
        for (uint16_t i = 0; i < cnt; i++) {
            lens[i] = 1 + fin_u16(in) % 8192;
            if (total + lens[i] > sizeof txdata)
                lens[i] = 1;
            total += lens[i];
        }
        int err = ring_tx_copy(q, txdata, lens, cnt, fin_u8(in) & 1, &n16);
        return err != MEMIF_ERR_DISCONNECTED;
    }
    case 7: { /* zero-copy transmit: allocate, fill, send */
        if (!q->is_tx)
            return true;
        /* memif_buffer_alloc's contract: bufs holds want * ceil(size / buffer_size) */
        static memif_buffer_t b[16 * 64];
        uint16_t want = 1 + fin_u8(in) % 16, got = 0;
        uint32_t bs = c->args.buffer_size, sz = fin_u16(in) % 9001;
        sz = sz > 64 * bs ? 64 * bs : sz;
        uint32_t per = sz ? (sz + bs - 1) / bs : 1;
        if (ring_zc_alloc(q, b, want, &got, (uint16_t)sz, per) == MEMIF_ERR_DISCONNECTED)
            return false;
        for (uint16_t i = 0; i < got; i++)
            memset(b[i].data, 0xab, b[i].len);
        if (got && (fin_u8(in) & 1))
            b[got - 1].len = fin_u32(in); /* the application lies: refused, not a crash */
        return ring_zc_tx(q, b, got, &n16) != MEMIF_ERR_DISCONNECTED;
    }
    default: /* publish what the engine finished */
        return !q->is_tx || ring_tx_reap(q, fin_u8(in) & 1) == 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fds0 = open_fds();
    struct fin in = {data, size};
    uint8_t mode = fin_u8(&in);
    bool primary = !(mode & 1);
    struct mconn c;
    struct peer p = {.n = 0};
    init_conn(&c, primary, (uint16_t)(1 + fin_u16(&in) % 4096));
    bool up;
    if (primary) {
        up = setup_primary(&c, &p, &in, mode);
    } else {
        uint8_t ns = 1 + fin_u8(&in) % 2, nm = 1 + fin_u8(&in) % 2, log2 = fin_u8(&in) % 9;
        const char *why;
        up = conn_secondary_create(&c, ns, nm, log2, 256, &why) == 0;
    }
    if (up) {
        conn_up(&c);
        for (int k = 0; k < 256 && in.n && op(&c, &p, &in); k++)
            ;
    }
    conn_teardown(&c, NULL);
    conn_destroy(&c);
    for (unsigned i = 0; i < p.n; i++)
        if (p.base[i])
            munmap(p.base[i], p.size[i]);
    assert_no_fd_leak(fds0, "fuzz_datapath");
    return 0;
}
