/* SPDX-License-Identifier: Apache-2.0 */
/* What the libFuzzer harnesses share: reading the fuzzer's bytes, making
 * the fds a peer could pass (memfds of any size, eventfds, sockets,
 * pipes, ...), and checking that an input leaks no fd.  The harnesses call
 * the production code (libmemif_dsa/src), never a copy of it. */
#ifndef MDSA_FUZZ_COMMON_H
#define MDSA_FUZZ_COMMON_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcore.h" /* open_fds(), test_alloc(): shared with the core's unit tests */
#include "wire.h"

/* ---- the fuzzer's bytes ---------------------------------------------------- */

struct fin {
    const uint8_t *p;
    size_t n;
};

static inline size_t fin_take(struct fin *in, void *dst, size_t want)
{
    size_t k = want < in->n ? want : in->n;
    memset(dst, 0, want);
    memcpy(dst, in->p, k);
    in->p += k;
    in->n -= k;
    return k;
}

static inline uint8_t fin_u8(struct fin *in)
{
    uint8_t v;
    fin_take(in, &v, 1);
    return v;
}

static inline uint16_t fin_u16(struct fin *in)
{
    uint16_t v;
    fin_take(in, &v, 2);
    return v;
}

static inline uint32_t fin_u32(struct fin *in)
{
    uint32_t v;
    fin_take(in, &v, 4);
    return v;
}

/* ---- fds a peer can send ----------------------------------------------------- */

/* Record header of the control harnesses (tests/fuzz/README.md):
 *   byte 0: bits 0-3 fd kind (FD_*), bit 4 FD_COOKIES, bit 7 second channel
 *   bytes 1-4: u32 memfd size
 *   byte 5: message length, 0 = 128
 * then the message bytes. */
enum {
    FD_NONE = 0,
    FD_MEMFD = 1,          /* sealed against shrinking, as our secondary sends */
    FD_MEMFD_UNSEALED = 2, /* sealable, not sealed yet */
    FD_MEMFD_NOSEAL = 3,   /* cannot be sealed */
    FD_EVENTFD = 4,
    FD_SOCKET = 5,
    FD_PIPE = 6,
    FD_DEVNULL = 7,
    FD_EVENTFD_BLOCKING = 8,
    FD_KINDS
};
#define FD_COOKIES 0x10u    /* memfd: the ring cookie at every 8-byte offset of its first 64 KiB */
#define REC_CHANNEL_B 0x80u
#define REC_HEADER 6

static inline void put_cookies(int fd, uint64_t size)
{
    static uint8_t page[65536];
    if (!page[0])
        for (size_t i = 0; i < sizeof page; i += 8) {
            uint32_t c = MEMIF_COOKIE;
            memcpy(page + i, &c, 4);
        }
    size_t n = size < sizeof page ? (size_t)size : sizeof page;
    if (pwrite(fd, page, n, 0) < 0)
        abort();
}

/* A new fd of `kind` (-1 for FD_NONE); abort() when the system refuses,
 * which is the harness's problem, not a finding. */
static inline int make_fd(unsigned kind, unsigned flags, uint32_t size)
{
    int fd = -1, sv[2], pp[2];
    switch (kind % FD_KINDS) {
    case FD_NONE:
        return -1;
    case FD_MEMFD:
    case FD_MEMFD_UNSEALED:
    case FD_MEMFD_NOSEAL:
        fd = memfd_create("fuzz region", kind == FD_MEMFD_NOSEAL ? 0 : MFD_ALLOW_SEALING);
        if (fd < 0 || ftruncate(fd, size) < 0)
            abort();
        if (flags & FD_COOKIES)
            put_cookies(fd, size);
        if (kind == FD_MEMFD && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
            abort();
        return fd;
    case FD_EVENTFD:
        return eventfd(0, EFD_NONBLOCK);
    case FD_EVENTFD_BLOCKING:
        return eventfd(0, 0);
    case FD_SOCKET:
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
            abort();
        close(sv[1]);
        return sv[0];
    case FD_PIPE:
        if (pipe(pp) < 0)
            abort();
        close(pp[1]);
        return pp[0];
    case FD_DEVNULL:
        return open("/dev/null", O_RDWR);
    }
    return -1;
}

/* One control record; false at the end of the input. */
struct record {
    uint8_t flags;
    uint32_t size;
    size_t len;          /* what the socket delivered: 1..255 bytes */
    uint8_t bytes[256];
};

static inline bool next_record(struct fin *in, struct record *r)
{
    if (in->n < REC_HEADER)
        return false;
    r->flags = fin_u8(in);
    r->size = fin_u32(in);
    uint8_t l = fin_u8(in);
    size_t want = l ? l : MEMIF_MSG_SIZE;
    r->len = fin_take(in, r->bytes, want);
    if (r->len == 0)
        r->len = want; /* the input ended: a message of zeros */
    return true;
}

/* ---- leaks ---------------------------------------------------------------------- */

/* An input that leaves an fd open is a finding: crash so libFuzzer keeps it. */
static inline void assert_no_fd_leak(int before, const char *harness)
{
    int after = open_fds();
    if (after != before) {
        fprintf(stderr, "%s: fd leak: %d open fds before the input, %d after\n", harness, before,
                after);
        abort();
    }
}

#endif
