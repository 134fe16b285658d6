/* SPDX-License-Identifier: Apache-2.0 */
/* XDP counter for the memif conformance suite (loaded with bcc).
 *
 * For every frame: classify it, add 1 to the class's packets, the frame's
 * full length to its bytes, and the frame's hash to its hash_sum (mod 2^64)
 * and hash_xor; then drop it (XDP_DROP: nothing reaches the stack).
 *
 * Hash: FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3)
 * over the first min(length, HASH_MAX) bytes of the frame, Ethernet header
 * included.  memif_conformance/xdp.py computes the same from the vectors.
 *
 * Classes (the order of memif_conformance/xdp.py CLASSES):
 *   0 non_ip   ethertype neither IPv4 nor IPv6 (after at most 2 VLAN tags)
 *   1 ip4_tcp  2 ip4_udp  3 ip4_other
 *   4 ip6_tcp  5 ip6_udp  6 ip6_other
 * VLAN tags: 0x8100 and 0x88a8, at most two, are skipped.
 * IPv4 is TCP/UDP by its protocol field only when the whole header (IHL*4
 * bytes, IHL >= 5, version 4) is in the frame and the fragment offset is 0;
 * otherwise ip4_other.  IPv6 (version 6, 40 bytes present) walks up to
 * MAX_EXT extension headers (hop-by-hop, routing, destination options,
 * fragment); a non-first fragment or a header cut short is ip6_other.
 *
 * The whole frame is copied to a per-CPU scratch buffer with
 * bpf_xdp_load_bytes, so multi-buffer frames (jumbo frames in native mode)
 * count like linear ones; the program is loaded with BPF_F_XDP_HAS_FRAGS.
 */
#include <uapi/linux/bpf.h>

#ifndef HASH_MAX
#define HASH_MAX 9216           /* covers the largest vector (9018 bytes) */
#endif
#define BUF_SIZE 16384          /* power of two >= HASH_MAX: index masks */
#define BUF_MASK (BUF_SIZE - 1)
#define MAX_EXT 4
#define NCLASSES 7

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

struct scratch_buf {
    u8 b[BUF_SIZE];
};

struct class_stats {
    u64 packets;
    u64 bytes;
    u64 hash_sum;
    u64 hash_xor;
};

BPF_PERCPU_ARRAY(scratch, struct scratch_buf, 1);
BPF_PERCPU_ARRAY(stats, struct class_stats, NCLASSES);
/* [0] frames whose bytes could not be loaded, [1] frames longer than HASH_MAX */
BPF_PERCPU_ARRAY(anomalies, u64, 2);

static __always_inline u32 rd8(struct scratch_buf *s, u32 off)
{
    return s->b[off & BUF_MASK];
}

static __always_inline u32 rd16(struct scratch_buf *s, u32 off)
{
    return (rd8(s, off) << 8) | rd8(s, off + 1);
}

static __always_inline void bump(int idx)
{
    u64 *v = anomalies.lookup(&idx);
    if (v)
        *v += 1;
}

static __always_inline u32 l4_class(u32 proto, u32 tcp, u32 udp, u32 other)
{
    if (proto == 6)
        return tcp;
    if (proto == 17)
        return udp;
    return other;
}

static __always_inline u32 classify(struct scratch_buf *s, u32 n)
{
    u32 off = 12, type;

    if (n < 14)
        return 0;
    type = rd16(s, off);
    off += 2;
#pragma unroll
    for (int t = 0; t < 2; t++) {
        if ((type == 0x8100 || type == 0x88a8) && off + 4 <= n) {
            type = rd16(s, off + 2);
            off += 4;
        }
    }

    if (type == 0x0800) {
        u32 vihl, ihl, frag;
        if (off + 20 > n)
            return 3;
        vihl = rd8(s, off);
        ihl = (vihl & 0x0f) * 4;
        if ((vihl >> 4) != 4 || ihl < 20 || off + ihl > n)
            return 3;
        frag = rd16(s, off + 6) & 0x1fff;
        if (frag)
            return 3;
        return l4_class(rd8(s, off + 9), 1, 2, 3);
    }

    if (type == 0x86dd) {
        u32 nh;
        if (off + 40 > n || (rd8(s, off) >> 4) != 6)
            return 6;
        nh = rd8(s, off + 6);
        off += 40;
#pragma unroll
        for (int e = 0; e < MAX_EXT; e++) {
            if (nh == 0 || nh == 43 || nh == 60) {
                if (off + 8 > n)
                    return 6;
                u32 len = (rd8(s, off + 1) + 1) * 8;
                nh = rd8(s, off);
                off += len;
            } else if (nh == 44) {
                if (off + 8 > n)
                    return 6;
                if (rd16(s, off + 2) & 0xfff8)
                    return 6;           /* not the first fragment */
                nh = rd8(s, off);
                off += 8;
            }
        }
        return l4_class(nh, 4, 5, 6);
    }
    return 0;
}

int xdp_count(struct xdp_md *ctx)
{
    int zero = 0;
    struct scratch_buf *s = scratch.lookup(&zero);
    if (!s)
        return XDP_ABORTED;

    u64 len = bpf_xdp_get_buff_len(ctx);
    if (len == 0) {
        bump(0);
        return XDP_DROP;
    }
    if (len > HASH_MAX)
        bump(1);
    /* n = min(len, HASH_MAX) written so that the verifier sees 1 <= n <= HASH_MAX */
    u64 m = len - 1;
    if (m > HASH_MAX - 1)
        m = HASH_MAX - 1;
    u32 n = m + 1;
    if (bpf_xdp_load_bytes(ctx, 0, s->b, n) < 0) {
        bump(0);
        return XDP_DROP;
    }

    u64 h = FNV_OFFSET;
    /* A loop the verifier can walk: a constant bound, a masked index, and no
     * unrolling (clang's unrolled pointer walk has no provable bound). */
#pragma clang loop unroll(disable) vectorize(disable)
    for (u32 i = 0; i < HASH_MAX; i++) {
        if (i >= n)
            break;
        h ^= rd8(s, i);
        h *= FNV_PRIME;
    }

    int cls = classify(s, n);
    struct class_stats *st = stats.lookup(&cls);
    if (st) {
        st->packets += 1;
        st->bytes += len;
        st->hash_sum += h;
        st->hash_xor ^= h;
    }
    return XDP_DROP;
}
