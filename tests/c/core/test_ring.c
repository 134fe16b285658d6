/* SPDX-License-Identifier: Apache-2.0 */
/* The ring layer (with shm and util below it, and the CPU engine): both
 * sides of a pair of rings in one process, without interfaces, control
 * channels or sockets. */
#include <string.h>
#include <unistd.h>

#include "ring.h"
#include "tcore.h"

/* A secondary's S2M and M2S rings, and the primary's view of them. */
struct pair {
    struct shm sec, pri;
    struct mqueue s_tx, s_rx, p_rx, p_tx;
    struct copier cp_s, cp_p;
};

static void copier_init(struct copier *cp, uint32_t slots)
{
    memset(cp, 0, sizeof *cp);
    cp->engine = mdsa_engine_cpu_create();
    cp->ops = calloc(slots, sizeof *cp->ops);
    cp->ops_cap = slots;
}

static void primary_view(struct pair *p, uint8_t log2, uint64_t rb)
{
    const char *why = "";
    shm_init(&p->pri, test_alloc(), NULL, NULL);
    CHECK_EQ(shm_add_peer_region(&p->pri, 0, p->sec.r[0].size, dup(p->sec.r[0].fd), &why), 0);
    CHECK_EQ(shm_add_peer_region(&p->pri, 1, p->sec.r[1].size, dup(p->sec.r[1].fd), &why), 0);
    memif_msg_add_ring_t s2m = {.flags = MEMIF_MSG_ADD_RING_FLAG_S2M, .log2_ring_size = log2};
    memif_msg_add_ring_t m2s = {.offset = (uint32_t)rb, .log2_ring_size = log2};
    CHECK_EQ(ring_primary_add(&p->p_rx, &p->pri, &s2m, dup(p->s_tx.int_fd), 0, &why), 0);
    CHECK_EQ(ring_primary_add(&p->p_tx, &p->pri, &m2s, dup(p->s_rx.int_fd), 0, &why), 0);
    CHECK_EQ(shm_map_peer_regions(&p->pri, &why), 0);
    CHECK_EQ(ring_primary_map(&p->p_rx, test_alloc()), MEMIF_ERR_SUCCESS);
    CHECK_EQ(ring_primary_map(&p->p_tx, test_alloc()), MEMIF_ERR_SUCCESS);
}

static void pair_init(struct pair *p, uint8_t log2, uint32_t bufsize)
{
    memset(p, 0, sizeof *p);
    uint32_t n = 1u << log2;
    uint64_t rb = memif_ring_bytes(log2);
    shm_init(&p->sec, test_alloc(), NULL, NULL);
    CHECK_EQ(shm_create(&p->sec, rb * 2, (uint64_t)bufsize * n * 2), MEMIF_ERR_SUCCESS);
    const mdsa_layout_t lo = {0};
    const struct shm_ring_at tx_at = {.region = 0, .offset = 0, .buf_region = 1, .buf_base = 0};
    const struct shm_ring_at rx_at = {.region = 0, .offset = (uint32_t)rb, .buf_region = 1,
                                      .buf_base = n * bufsize};
    CHECK_EQ(ring_secondary_init(&p->s_tx, test_alloc(), &p->sec, &tx_at, log2, true, bufsize, &lo), 0);
    CHECK_EQ(ring_secondary_init(&p->s_rx, test_alloc(), &p->sec, &rx_at, log2, false, bufsize, &lo), 0);
    primary_view(p, log2, rb);
    copier_init(&p->cp_s, n);
    copier_init(&p->cp_p, n);
    p->s_tx.cp = p->s_rx.cp = &p->cp_s;
    p->p_tx.cp = p->p_rx.cp = &p->cp_p;
    ring_refill_all(&p->s_rx); /* the secondary hands its M2S buffers over at connect */
}

static void pair_free(struct pair *p)
{
    struct mqueue *qs[] = {&p->s_tx, &p->s_rx, &p->p_rx, &p->p_tx};
    for (int i = 0; i < 4; i++)
        ring_release(qs[i], test_alloc());
    shm_free(&p->pri);
    shm_free(&p->sec);
    p->cp_s.engine->ops->destroy(p->cp_s.engine);
    p->cp_p.engine->ops->destroy(p->cp_p.engine);
    free(p->cp_s.ops);
    free(p->cp_p.ops);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 13 + seed);
}

/* Copy `count` packets tx -> rx through the engine; check every byte. */
static void copy_through(struct mqueue *tx, struct mqueue *rx, const uint32_t *lens, uint16_t count)
{
    static uint8_t in[1 << 16], out[1 << 16];
    size_t total = 0;
    for (uint16_t i = 0; i < count; i++)
        total += lens[i];
    fill(in, total, count);
    uint16_t sent = 0, got = 0;
    uint32_t rlens[16];
    size_t need = 0;
    CHECK_EQ(ring_tx_copy(tx, in, lens, count, true, &sent), MEMIF_ERR_SUCCESS);
    CHECK_EQ(sent, count);
    CHECK_EQ(ring_rx_copy(rx, out, sizeof out, rlens, 16, &got, &need), MEMIF_ERR_SUCCESS);
    CHECK_EQ(got, count);
    for (uint16_t i = 0; i < got; i++)
        CHECK_EQ(rlens[i], lens[i]);
    CHECK(!memcmp(in, out, total));
}

static void test_copy_bursts_both_directions(void)
{
    struct pair p;
    pair_init(&p, 4, 2048);
    const uint32_t lens[] = {60, 2048, 5000, 1};
    copy_through(&p.s_tx, &p.p_rx, lens, 4);
    copy_through(&p.p_tx, &p.s_rx, lens, 4);
    for (int round = 0; round < 10; round++) /* around both rings several times */
        copy_through(round & 1 ? &p.s_tx : &p.p_tx, round & 1 ? &p.p_rx : &p.s_rx, lens, 4);
    CHECK_EQ(p.s_tx.st.packets, 4 + 5 * 4);
    CHECK_EQ(p.s_tx.st.buffers, 6 + 5 * 6); /* 5000 bytes take 3 buffers */
    CHECK_EQ(p.p_rx.st.bytes, (4 + 5 * 4) / 4 * 7109ull);
    pair_free(&p);
}

static void test_whole_packets_or_nothing_when_the_ring_fills(void)
{
    struct pair p;
    pair_init(&p, 2, 1024); /* 4 slots of 1 KiB */
    uint8_t data[8192] = {0};
    uint32_t lens[] = {1500, 1500, 1500};
    uint16_t sent = 0;
    CHECK_EQ(ring_tx_copy(&p.s_tx, data, lens, 3, true, &sent), MEMIF_ERR_SUCCESS);
    CHECK_EQ(sent, 2); /* the third would need slots 5 and 6 */
    CHECK_EQ(p.s_tx.st.ring_full, 1);
    uint32_t huge = 5000; /* more than the whole ring */
    uint16_t got;
    uint32_t rl[4];
    CHECK_EQ(ring_rx_copy(&p.p_rx, data, sizeof data, rl, 4, &got, NULL), MEMIF_ERR_SUCCESS);
    CHECK_EQ(ring_tx_copy(&p.s_tx, data, &huge, 1, true, &sent), MEMIF_ERR_INVAL_ARG);
    CHECK_EQ(sent, 0);
    pair_free(&p);
}

static void test_zero_copy_api(void)
{
    struct pair p;
    pair_init(&p, 4, 2048);
    memif_buffer_t b[8];
    uint16_t n = 0, tx = 0, rx = 0;
    CHECK_EQ(ring_zc_alloc(&p.s_tx, b, 2, &n, 3000, 2), MEMIF_ERR_SUCCESS);
    CHECK_EQ(n, 4); /* two packets of two chained buffers */
    CHECK(b[0].flags & MEMIF_BUFFER_FLAG_NEXT);
    for (int i = 0; i < 4; i++)
        fill(b[i].data, b[i].len, (unsigned)i);
    CHECK_EQ(ring_zc_tx(&p.s_tx, b, 3, &tx), MEMIF_ERR_SUCCESS);
    CHECK_EQ(ring_zc_rx(&p.p_rx, b, 8, &rx), MEMIF_ERR_SUCCESS);
    CHECK_EQ(rx, 2); /* the second chain is not published until its last buffer is */
    CHECK_EQ(ring_zc_refill(&p.p_rx, rx, 0), MEMIF_ERR_SUCCESS);
    memif_buffer_t again = b[0];
    CHECK_EQ(ring_zc_tx(&p.s_tx, &again, 1, &tx), MEMIF_ERR_INVAL_ARG); /* not the next buffer */
    CHECK_EQ(ring_zc_alloc(&p.s_tx, b, 1, &n, 100, 1), MEMIF_ERR_SUCCESS);
    CHECK_EQ(ring_zc_tx(&p.s_tx, b, 1, &tx), MEMIF_ERR_INVAL_ARG); /* slot 3 comes first */
    pair_free(&p);
}

static void test_peer_index_and_descriptor_violations(void)
{
    struct pair p;
    pair_init(&p, 4, 2048);
    uint16_t n;
    p.sec.r[0].addr = p.sec.r[0].addr; /* the secondary's view writes head */
    ring_store(&p.s_tx.ring->head, 17); /* beyond a 16-slot ring */
    CHECK_EQ(ring_rx_avail(&p.p_rx, &n), -1);
    CHECK_STR_CONTAINS(p.p_rx.fault, "S2M head moved backwards or beyond the ring size");
    ring_store(&p.s_tx.ring->head, 1);
    p.s_tx.ring->desc[0] = (memif_desc_t){.region = 1, .offset = 0xfffff000u, .length = 4096};
    uint32_t len;
    uint16_t fl;
    CHECK(ring_rx_buf(&p.p_rx, 0, &len, &fl) == NULL);
    CHECK_STR_CONTAINS(p.p_rx.fault, "S2M descriptor outside its region");
    ring_store(&p.p_tx.ring->tail, 40); /* the primary fills more than we gave */
    CHECK_EQ(ring_rx_avail(&p.s_rx, &n), -1);
    CHECK_STR_CONTAINS(p.s_rx.fault, "M2S tail moved backwards or beyond the slots we gave");
    pair_free(&p);
}

/* Fuzzer finding (fuzz_datapath): a secondary that offers 1-byte M2S
 * buffers made the primary's zero-copy alloc write one array entry per
 * byte of the packet, past the application's array.  A packet now takes at
 * most max_bufs entries; one that needs more is not allocated. */
static void test_tiny_peer_buffers_cannot_overrun_the_callers_array(void)
{
    struct pair p;
    pair_init(&p, 4, 2048);
    for (uint16_t j = 0; j < 16; j++)
        p.s_rx.ring->desc[j].length = 1; /* the hostile secondary's M2S buffers */
    memif_buffer_t b[2 + 4];
    memset(b, 0x5a, sizeof b);
    uint16_t n = 7;
    CHECK_EQ(ring_zc_alloc(&p.p_tx, b, 1, &n, 100, 2), MEMIF_ERR_NOBUF_RING);
    CHECK_EQ(n, 0);
    for (int i = 2; i < 6; i++) /* nothing written past the two entries allowed */
        CHECK_EQ(((uint8_t *)&b[i])[0], 0x5a);
    CHECK_EQ(ring_zc_alloc(&p.p_tx, b, 1, &n, 2, 2), MEMIF_ERR_SUCCESS); /* 2 bytes fit */
    CHECK_EQ(n, 2);
    pair_free(&p);
}

static void test_interrupts_only_when_the_consumer_asks(void)
{
    struct pair p;
    pair_init(&p, 4, 2048);
    ring_set_rx_mode(&p.p_rx, true); /* the primary polls S2M */
    CHECK(ring_rx_polling(&p.s_tx));
    ring_kick(&p.s_tx);
    CHECK_EQ(p.s_tx.st.irq_sent, 0);
    ring_set_rx_mode(&p.p_rx, false);
    ring_kick(&p.s_tx);
    CHECK_EQ(p.s_tx.st.irq_sent, 1);
    ring_drain_irq(&p.p_rx);
    CHECK_EQ(p.p_rx.st.irq_recv, 1);
    pair_free(&p);
}

int main(void)
{
    int fds0 = open_fds();
    RUN(test_copy_bursts_both_directions);
    RUN(test_whole_packets_or_nothing_when_the_ring_fills);
    RUN(test_zero_copy_api);
    RUN(test_peer_index_and_descriptor_violations);
    RUN(test_tiny_peer_buffers_cannot_overrun_the_callers_array);
    RUN(test_interrupts_only_when_the_consumer_asks);
    h_test = "no fd leaks";
    CHECK_EQ(open_fds(), fds0);
    return h_summary(__FILE__);
}
