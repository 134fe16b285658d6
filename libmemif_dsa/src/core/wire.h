/* SPDX-License-Identifier: Apache-2.0 */
/* memif 2.0 wire format: control messages, ring header, descriptors.
 *
 * Everything here crosses a trust boundary: it is written by the peer
 * (control messages) or lives in memory the peer can write at any time
 * (rings).  Layouts are fixed by the protocol; every size and offset is
 * asserted so a compiler or ABI change cannot silently break interop.
 */
#ifndef MDSA_WIRE_H
#define MDSA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define MEMIF_COOKIE            0x3E31F20u
#define MEMIF_VERSION_MAJOR     2
#define MEMIF_VERSION_MINOR     0
#define MEMIF_VERSION           ((MEMIF_VERSION_MAJOR << 8) | MEMIF_VERSION_MINOR)

#define MEMIF_MSG_SIZE          128
#define MEMIF_NAME_LEN          32
#define MEMIF_SECRET_LEN        24
#define MEMIF_DISC_STRING_LEN   96

/* Limits we advertise in HELLO (the "highest index" values libmemif sends). */
#define MEMIF_MAX_REGION_IDX    255
#define MEMIF_MAX_RING_IDX      255
#define MEMIF_MAX_LOG2_RING     14
/* The most a ring can hold at all: head and tail are free-running u16
 * counters, so 2^15 slots (VPP accepts it; libmemif stops at 14). */
#define MEMIF_MAX_LOG2_RING_HARD 15

enum memif_msg_type {
    MEMIF_MSG_TYPE_NONE = 0,
    MEMIF_MSG_TYPE_ACK = 1,
    MEMIF_MSG_TYPE_HELLO = 2,
    MEMIF_MSG_TYPE_INIT = 3,
    MEMIF_MSG_TYPE_ADD_REGION = 4,
    MEMIF_MSG_TYPE_ADD_RING = 5,
    MEMIF_MSG_TYPE_CONNECT = 6,
    MEMIF_MSG_TYPE_CONNECTED = 7,
    MEMIF_MSG_TYPE_DISCONNECT = 8,
};

#define MEMIF_MSG_ADD_RING_FLAG_S2M 1u
#define MEMIF_DESC_FLAG_NEXT        1u
#define MEMIF_RING_FLAG_MASK_INT    1u

#define MEMIF_RING_S2M 0
#define MEMIF_RING_M2S 1

typedef struct __attribute__((packed)) {
    uint8_t name[MEMIF_NAME_LEN];
    uint16_t min_version;
    uint16_t max_version;
    uint16_t max_region;
    uint16_t max_m2s_ring;
    uint16_t max_s2m_ring;
    uint8_t max_log2_ring_size;
} memif_msg_hello_t;

typedef struct __attribute__((packed)) {
    uint16_t version;
    uint32_t id;
    uint8_t mode;
    uint8_t secret[MEMIF_SECRET_LEN];
    uint8_t name[MEMIF_NAME_LEN];
} memif_msg_init_t;

typedef struct __attribute__((packed)) {
    uint16_t index;
    uint64_t size;
} memif_msg_add_region_t;

typedef struct __attribute__((packed)) {
    uint16_t flags;
    uint16_t index;
    uint16_t region;
    uint32_t offset;
    uint8_t log2_ring_size;
    uint16_t private_hdr_size;
} memif_msg_add_ring_t;

typedef struct __attribute__((packed)) {
    uint8_t if_name[MEMIF_NAME_LEN];
} memif_msg_connect_t;

typedef struct __attribute__((packed)) {
    uint32_t code;
    uint8_t string[MEMIF_DISC_STRING_LEN];
} memif_msg_disconnect_t;

typedef struct __attribute__((packed)) {
    uint16_t type;
    union __attribute__((packed)) {
        memif_msg_hello_t hello;
        memif_msg_init_t init;
        memif_msg_add_region_t add_region;
        memif_msg_add_ring_t add_ring;
        memif_msg_connect_t connect;
        memif_msg_connect_t connected;
        memif_msg_disconnect_t disconnect;
        uint8_t raw[MEMIF_MSG_SIZE - 2];
    };
} memif_msg_t;

/* Shared-memory descriptor: one buffer of a packet. */
typedef struct __attribute__((packed)) {
    uint16_t flags;
    uint16_t region;
    uint32_t length;
    uint32_t offset;
    uint32_t metadata;
} memif_desc_t;

/* Ring header (x86, 64-byte cache line).  The producer-written word (head,
 * written by the secondary) and the consumer-written word (tail, written by
 * the primary) sit on different cache lines. */
#define MEMIF_CACHELINE 64
typedef struct {
    uint32_t cookie;
    uint16_t flags;
    volatile uint16_t head;
    uint8_t pad0[MEMIF_CACHELINE - 8];
    volatile uint16_t tail;
    uint8_t pad1[MEMIF_CACHELINE - 2];
    memif_desc_t desc[];
} memif_ring_t;

#define MEMIF_RING_HDR_SIZE ((uint64_t)sizeof(memif_ring_t))
static inline uint64_t memif_ring_bytes(unsigned log2_ring_size)
{
    return MEMIF_RING_HDR_SIZE + (uint64_t)sizeof(memif_desc_t) * (1ull << log2_ring_size);
}

_Static_assert(sizeof(memif_msg_t) == MEMIF_MSG_SIZE, "control message is 128 bytes");
_Static_assert(sizeof(memif_msg_hello_t) == 43, "HELLO payload");
_Static_assert(offsetof(memif_msg_hello_t, min_version) == 32, "HELLO min_version");
_Static_assert(offsetof(memif_msg_hello_t, max_log2_ring_size) == 42, "HELLO max_log2");
_Static_assert(sizeof(memif_msg_init_t) == 63, "INIT payload");
_Static_assert(offsetof(memif_msg_init_t, id) == 2, "INIT id");
_Static_assert(offsetof(memif_msg_init_t, mode) == 6, "INIT mode");
_Static_assert(offsetof(memif_msg_init_t, secret) == 7, "INIT secret");
_Static_assert(offsetof(memif_msg_init_t, name) == 31, "INIT name");
_Static_assert(sizeof(memif_msg_add_region_t) == 10, "ADD_REGION payload");
_Static_assert(sizeof(memif_msg_add_ring_t) == 13, "ADD_RING payload");
_Static_assert(offsetof(memif_msg_add_ring_t, offset) == 6, "ADD_RING offset");
_Static_assert(offsetof(memif_msg_add_ring_t, log2_ring_size) == 10, "ADD_RING log2");
_Static_assert(offsetof(memif_msg_add_ring_t, private_hdr_size) == 11, "ADD_RING privhdr");
_Static_assert(sizeof(memif_msg_disconnect_t) == 100, "DISCONNECT payload");
_Static_assert(offsetof(memif_msg_t, hello) == 2, "payload at offset 2");
_Static_assert(sizeof(memif_desc_t) == 16, "descriptor is 16 bytes");
_Static_assert(offsetof(memif_desc_t, length) == 4, "desc length");
_Static_assert(offsetof(memif_desc_t, offset) == 8, "desc offset");
_Static_assert(offsetof(memif_ring_t, flags) == 4, "ring flags");
_Static_assert(offsetof(memif_ring_t, head) == 6, "ring head");
_Static_assert(offsetof(memif_ring_t, tail) == 64, "ring tail");
_Static_assert(sizeof(memif_ring_t) == 128, "ring header is 128 bytes");

#endif
