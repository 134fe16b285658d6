/* SPDX-License-Identifier: Apache-2.0 */
/* The soak loop behind `memif-dsa soak` (soak.h): one thread drives both
 * interfaces, every stream (direction x queue) in turn: build and queue a
 * burst, then receive and check what arrived.  Sizes and payloads are
 * functions of (seed, stream, sequence number), so the receiver knows what
 * every packet must be without any shared state with the sender. */
#include "soak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define NBUF 4          /* tx burst buffers per stream (async engines read them late) */
#define SHORT_WINDOW 256 /* how far around the expected number a short packet is looked for */

struct txbuf {
    uint8_t *data;
    uint32_t *lens;
    uint16_t count, first; /* packets built; first not yet queued */
    size_t off;            /* byte offset of `first` */
    uint64_t last_sub;     /* submission index of its last queued part (+1; 0 = none) */
};

struct stream {
    memif_conn_handle_t tx, rx;
    uint16_t q;
    uint16_t id;           /* direction << 8 | queue */
    uint64_t planned, next_seq;
    struct txbuf buf[NBUF];
    unsigned cur;          /* buffer being sent */
    uint64_t subs;         /* bursts submitted on this stream */
    /* receiver */
    uint8_t *seen;         /* one bit per sequence number */
    uint64_t distinct, top; /* numbers seen once; highest seen + 1 */
};

struct mdsa_tools_soak {
    mdsa_tools_soak_config_t cfg;
    struct stream *st;
    uint32_t n;
    uint8_t *rxbuf;
    size_t rxcap;
    uint32_t *rxlens;
    mdsa_tools_soak_result_t res;
};

/* ---- what a packet is: pure functions of (seed, stream, seq) ------------ */

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint32_t pkt_size(const mdsa_tools_soak_config_t *c, uint16_t id, uint64_t seq)
{
    uint32_t span = c->max_size - c->min_size + 1;
    return c->min_size + (uint32_t)(mix(c->seed ^ mix(((uint64_t)id << 48) ^ seq)) % span);
}

static uint64_t word0(uint16_t id, uint64_t seq)
{
    return (uint64_t)id << 48 | (seq & 0xffffffffffffull);
}

/* Hash of the header's first word, the length and the payload, 8 bytes
 * at a time (packets sit end to end: unaligned loads through memcpy). */
static uint32_t pkt_hash(uint64_t w0, uint32_t len, const uint8_t *payload, size_t n)
{
    uint64_t h = mix(w0 ^ ((uint64_t)len << 32) ^ 0x736f616b);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, payload + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    uint64_t t = 0;
    if (n > i)
        memcpy(&t, payload + i, n - i);
    h = mix(h ^ t ^ n);
    return (uint32_t)(h ^ (h >> 32));
}

static void fill_payload(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t x = mix(seed) | 1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
    x ^= x << 13;
    memcpy(p + i, &x, n - i);
}

/* The header of packet `seq` of a `len`-byte packet (all 16 bytes). */
static void make_header(uint8_t h[MDSA_TOOLS_SOAK_HEADER], uint16_t id, uint64_t seq, uint32_t len,
                        const uint8_t *payload)
{
    uint64_t w0 = word0(id, seq);
    size_t plen = len > MDSA_TOOLS_SOAK_HEADER ? len - MDSA_TOOLS_SOAK_HEADER : 0;
    uint32_t hash = pkt_hash(w0, len, payload, plen);
    memcpy(h, &w0, 8);
    memcpy(h + 8, &hash, 4);
    memcpy(h + 12, &len, 4);
}

static void build_packet(const mdsa_tools_soak_config_t *c, uint8_t *p, uint16_t id, uint64_t seq,
                         uint32_t len)
{
    uint8_t h[MDSA_TOOLS_SOAK_HEADER];
    const uint8_t *payload = p; /* not read when there is none */
    if (len > MDSA_TOOLS_SOAK_HEADER) {
        fill_payload(p + MDSA_TOOLS_SOAK_HEADER, len - MDSA_TOOLS_SOAK_HEADER,
                     c->seed ^ word0(id, seq));
        payload = p + MDSA_TOOLS_SOAK_HEADER;
    }
    make_header(h, id, seq, len, payload);
    memcpy(p, h, len < MDSA_TOOLS_SOAK_HEADER ? len : MDSA_TOOLS_SOAK_HEADER);
}

/* ---- receiving ---------------------------------------------------------- */

static void arrived(struct mdsa_tools_soak *s, struct stream *st, uint64_t seq)
{
    uint8_t bit = (uint8_t)(1u << (seq & 7));
    if (st->seen[seq >> 3] & bit) {
        s->res.duplicated++;
        return;
    }
    st->seen[seq >> 3] |= bit;
    st->distinct++;
    if (seq + 1 < st->top)
        s->res.reordered++;
    else
        st->top = seq + 1;
}

/* A short packet: the expected next one, or one near it with the same
 * length and the same leading header bytes; UINT64_MAX when none. */
static uint64_t short_seq(const struct mdsa_tools_soak *s, const struct stream *st,
                          const uint8_t *p, uint32_t len)
{
    uint64_t lo = st->top > SHORT_WINDOW ? st->top - SHORT_WINDOW : 0;
    uint64_t hi = st->top + SHORT_WINDOW < st->planned ? st->top + SHORT_WINDOW : st->planned;
    for (uint64_t k = 0; k < hi - lo; k++) {
        /* start at the expected one, then alternate outwards */
        uint64_t seq = st->top + ((k & 1) ? (k + 1) / 2 : -(k / 2));
        if (seq < lo || seq >= hi || pkt_size(&s->cfg, st->id, seq) != len)
            continue;
        uint8_t h[MDSA_TOOLS_SOAK_HEADER];
        make_header(h, st->id, seq, len, p); /* no payload: p is not read */
        if (!memcmp(h, p, len))
            return seq;
    }
    return UINT64_MAX;
}

static void check_packet(struct mdsa_tools_soak *s, struct stream *st, const uint8_t *p,
                         uint32_t len)
{
    s->res.received++;
    s->res.bytes += len;
    if (len < MDSA_TOOLS_SOAK_HEADER) {
        uint64_t seq = short_seq(s, st, p, len);
        if (seq == UINT64_MAX)
            s->res.corrupted++;
        else
            arrived(s, st, seq);
        return;
    }
    uint64_t w0;
    uint32_t hash, hlen;
    memcpy(&w0, p, 8);
    memcpy(&hash, p + 8, 4);
    memcpy(&hlen, p + 12, 4);
    uint64_t seq = w0 & 0xffffffffffffull;
    if (hlen != len ||
        hash != pkt_hash(w0, len, p + MDSA_TOOLS_SOAK_HEADER, len - MDSA_TOOLS_SOAK_HEADER)) {
        s->res.corrupted++;
        return;
    }
    if ((uint16_t)(w0 >> 48) != st->id) {
        s->res.misrouted++;
        return;
    }
    if (seq >= st->planned || pkt_size(&s->cfg, st->id, seq) != len) {
        s->res.corrupted++; /* intact, yet never sent: a hash collision at best */
        return;
    }
    arrived(s, st, seq);
}

static int rx_step(struct mdsa_tools_soak *s, struct stream *st, uint16_t *got)
{
    size_t need;
    int err = mdsa_rx_copy_burst(st->rx, st->q, s->rxbuf, s->rxcap, s->rxlens, s->cfg.burst, got,
                                 &need);
    if (err)
        return err;
    size_t off = 0;
    for (uint16_t i = 0; i < *got; i++) {
        check_packet(s, st, s->rxbuf + off, s->rxlens[i]);
        off += s->rxlens[i];
    }
    return MEMIF_ERR_SUCCESS;
}

/* ---- sending ------------------------------------------------------------ */

/* Wait until buffer b is no longer read by the engine. */
static int tx_buffer_free(struct stream *st, struct txbuf *b)
{
    for (;;) {
        uint32_t pending = 0;
        int err = mdsa_tx_flush(st->tx, st->q, 0, &pending);
        if (err)
            return err;
        if (b->last_sub == 0 || b->last_sub <= st->subs - pending)
            return MEMIF_ERR_SUCCESS;
        if ((err = mdsa_tx_flush(st->tx, st->q, 1, NULL)))
            return err;
    }
}

/* What goes at the next position of a burst: normally the next sequence
 * number; the first burst of stream 0 may carry the injected mistakes. */
struct slot_plan {
    uint64_t seq;
    uint16_t id;
    int flip, fresh; /* flip a byte; consumes a new sequence number */
};

static struct slot_plan plan_next(const struct mdsa_tools_soak *s, const struct stream *st,
                                  uint16_t pos)
{
    struct slot_plan p = {.seq = st->next_seq, .id = st->id, .fresh = 1};
    uint32_t inj = s->cfg.inject;
    if (!inj || st != &s->st[0] || st->subs != 0 || st->next_seq > 8)
        return p;
    if ((inj & MDSA_TOOLS_SOAK_INJECT_SWAP) && (p.seq == 2 || p.seq == 3))
        p.seq ^= 1; /* 3 goes first, then 2 */
    if ((inj & MDSA_TOOLS_SOAK_INJECT_CORRUPT) && p.seq == 7)
        p.flip = 1;
    if ((inj & MDSA_TOOLS_SOAK_INJECT_DUP) && pos == 6)
        p = (struct slot_plan){.seq = 0, .id = st->id};
    if ((inj & MDSA_TOOLS_SOAK_INJECT_MISROUTE) && pos == 4)
        p = (struct slot_plan){.seq = 0, .id = (uint16_t)(st->id ^ 0x80)};
    return p;
}

static int tx_build(struct mdsa_tools_soak *s, struct stream *st)
{
    st->cur = (st->cur + 1) % NBUF;
    struct txbuf *b = &st->buf[st->cur];
    int err = tx_buffer_free(st, b);
    if (err)
        return err;
    size_t off = 0;
    b->count = b->first = 0;
    b->off = 0;
    while (b->count < s->cfg.burst && st->next_seq < st->planned) {
        struct slot_plan p = plan_next(s, st, b->count);
        if (p.fresh && (s->cfg.inject & MDSA_TOOLS_SOAK_INJECT_DROP) && st == &s->st[0] &&
            st->subs == 0 && p.seq == 5) {
            st->next_seq++; /* never sent */
            continue;
        }
        uint32_t len = pkt_size(&s->cfg, p.id, p.seq);
        build_packet(&s->cfg, b->data + off, p.id, p.seq, len);
        if (p.flip)
            b->data[off + len - 1] ^= 0x40;
        b->lens[b->count++] = len;
        s->res.chained += len > s->cfg.buffer_size;
        off += len;
        st->next_seq += p.fresh;
    }
    return MEMIF_ERR_SUCCESS;
}

static int tx_step(struct mdsa_tools_soak *s, struct stream *st)
{
    struct txbuf *b = &st->buf[st->cur];
    if (b->first == b->count) {
        if (st->next_seq == st->planned) /* all queued: publish what landed */
            return mdsa_tx_flush(st->tx, st->q, 0, NULL);
        int err = tx_build(s, st);
        if (err)
            return err;
        b = &st->buf[st->cur];
    }
    uint16_t want = (uint16_t)(b->count - b->first), sent = 0;
    int err = mdsa_tx_copy_burst(st->tx, st->q, b->data + b->off, b->lens + b->first, want, 0, &sent);
    if (err)
        return err;
    if (sent) {
        b->last_sub = ++st->subs;
        for (uint16_t i = 0; i < sent; i++)
            b->off += b->lens[b->first + i];
        b->first = (uint16_t)(b->first + sent);
        s->res.sent += sent;
    }
    if (sent < want)
        s->res.ring_full++;
    return MEMIF_ERR_SUCCESS;
}

/* ---- set-up --------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    return -1;
}

static int check_config(const mdsa_tools_soak_config_t *c, char *err, size_t errlen)
{
    if (c->packets == 0)
        return fail(err, errlen, "packets must be at least 1");
    if (c->min_size < 1 || c->max_size > 65535 || c->min_size > c->max_size)
        return fail(err, errlen, "sizes must satisfy 1 <= min_size <= max_size <= 65535");
    if (c->burst < 1 || c->burst > 256)
        return fail(err, errlen, "burst must be 1..256");
    if (c->packets > (1ull << 40))
        return fail(err, errlen, "packets must be at most 2^40");
    return 0;
}

/* Streams a -> b then b -> a, one per queue both sides have. */
static uint32_t plan_streams(memif_conn_handle_t a, memif_conn_handle_t b, struct stream *out)
{
    uint16_t rx[2] = {0}, tx[2] = {0};
    mdsa_queue_counts(a, &rx[0], &tx[0]);
    mdsa_queue_counts(b, &rx[1], &tx[1]);
    uint32_t n = 0;
    for (int d = 0; d < 2; d++) {
        uint16_t nq = d == 0 ? (tx[0] < rx[1] ? tx[0] : rx[1]) : (tx[1] < rx[0] ? tx[1] : rx[0]);
        for (uint16_t q = 0; q < nq; q++, n++)
            if (out)
                out[n] = (struct stream){.tx = d ? b : a, .rx = d ? a : b, .q = q,
                                         .id = (uint16_t)(d << 8 | q)};
    }
    return n;
}

static int alloc_stream(struct mdsa_tools_soak *s, struct stream *st)
{
    size_t cap = (size_t)s->cfg.burst * s->cfg.max_size;
    for (int i = 0; i < NBUF; i++) {
        st->buf[i].data = malloc(cap ? cap : 1);
        st->buf[i].lens = calloc(s->cfg.burst, sizeof(uint32_t));
        if (!st->buf[i].data || !st->buf[i].lens)
            return -1;
    }
    st->seen = calloc(st->planned / 8 + 1, 1);
    return st->seen ? 0 : -1;
}

mdsa_tools_soak_t *mdsa_tools_soak_new(memif_conn_handle_t a, memif_conn_handle_t b,
                                       const mdsa_tools_soak_config_t *cfg, char *err,
                                       size_t errlen)
{
    if (!a || !b || !cfg) {
        fail(err, errlen, "two interfaces and a configuration are needed");
        return NULL;
    }
    if (check_config(cfg, err, errlen))
        return NULL;
    if (!mdsa_is_connected(a) || !mdsa_is_connected(b)) {
        fail(err, errlen, "both interfaces must be connected");
        return NULL;
    }
    uint32_t n = plan_streams(a, b, NULL);
    struct mdsa_tools_soak *s = calloc(1, sizeof *s);
    if (!s || !(s->st = calloc(n ? n : 1, sizeof *s->st)))
        goto nomem;
    s->cfg = *cfg;
    s->n = plan_streams(a, b, s->st);
    s->res.planned = cfg->packets;
    s->res.streams = s->n;
    for (uint32_t i = 0; i < s->n; i++) {
        struct stream *st = &s->st[i];
        st->planned = cfg->packets / s->n + (i < cfg->packets % s->n);
        st->cur = NBUF - 1;
        if (alloc_stream(s, st))
            goto nomem;
    }
    s->rxcap = (size_t)cfg->burst * cfg->max_size;
    s->rxbuf = malloc(s->rxcap);
    s->rxlens = calloc(cfg->burst, sizeof *s->rxlens);
    if (!s->rxbuf || !s->rxlens)
        goto nomem;
    return s;
nomem:
    mdsa_tools_soak_free(s);
    fail(err, errlen, "out of memory");
    return NULL;
}

void mdsa_tools_soak_free(mdsa_tools_soak_t *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; s->st && i < s->n; i++) {
        for (int k = 0; k < NBUF; k++) {
            free(s->st[i].buf[k].data);
            free(s->st[i].buf[k].lens);
        }
        free(s->st[i].seen);
    }
    free(s->st);
    free(s->rxbuf);
    free(s->rxlens);
    free(s);
}

/* ---- the loop --------------------------------------------------------------- */

static int all_queued(const struct mdsa_tools_soak *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        const struct stream *st = &s->st[i];
        if (st->next_seq < st->planned || st->buf[st->cur].first < st->buf[st->cur].count)
            return 0;
    }
    return 1;
}

/* Everything queued: wait for the engines, then take what is left. */
static int drain(struct mdsa_tools_soak *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        int err = mdsa_tx_flush(s->st[i].tx, s->st[i].q, 1, NULL);
        if (err)
            return err;
    }
    for (;;) {
        uint32_t total = 0;
        for (uint32_t i = 0; i < s->n; i++) {
            uint16_t got = 0;
            int err = rx_step(s, &s->st[i], &got);
            if (err)
                return err;
            total += got;
        }
        if (!total)
            break;
    }
    s->res.lost = 0;
    for (uint32_t i = 0; i < s->n; i++)
        s->res.lost += s->st[i].planned - s->st[i].distinct;
    s->res.done = 1;
    return MEMIF_ERR_SUCCESS;
}

static void running_lost(struct mdsa_tools_soak *s)
{
    uint64_t gaps = 0; /* numbers skipped so far (they may still come, reordered) */
    for (uint32_t i = 0; i < s->n; i++)
        gaps += s->st[i].top - s->st[i].distinct;
    s->res.lost = gaps;
}

int mdsa_tools_soak_run(mdsa_tools_soak_t *s, uint64_t budget_ns, mdsa_tools_soak_result_t *res)
{
    if (!s || !res)
        return MEMIF_ERR_INVAL_ARG;
    uint64_t t0 = tools_now_ns(), deadline = t0 + budget_ns;
    int err = MEMIF_ERR_SUCCESS;
    for (uint64_t round = 1; !s->res.done; round++) {
        for (uint32_t i = 0; i < s->n && !err; i++)
            err = tx_step(s, &s->st[i]);
        for (uint32_t i = 0; i < s->n && !err; i++) {
            uint16_t got;
            err = rx_step(s, &s->st[i], &got);
        }
        if (!err && all_queued(s))
            err = drain(s);
        if (err || ((round & 15) == 0 && tools_now_ns() >= deadline))
            break;
    }
    if (!s->res.done)
        running_lost(s);
    s->res.elapsed_ns += tools_now_ns() - t0;
    *res = s->res;
    return err;
}
