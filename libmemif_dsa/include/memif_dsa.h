/* SPDX-License-Identifier: Apache-2.0 */
/* memif_dsa.h — libmemif-dsa's additions to the libmemif 4.0 API.
 *
 * Everything here has the mdsa_ prefix: copy-engine choice, bursts that copy
 * caller memory into and out of shared memory through the engine, waiting
 * helpers, statistics and tracing.  The libmemif API itself is in
 * <libmemif.h>.
 */
#ifndef MEMIF_DSA_H
#define MEMIF_DSA_H

#include <stddef.h>
#include <stdint.h>

#include "libmemif.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* The library's version: the one place it is written (pyproject, the
 * pkg-config files and the Python package read it from here). */
#define MDSA_VERSION "0.1.0"
/* MDSA_VERSION of the library actually loaded. */
const char *mdsa_version(void);

/* ---- copy engines ------------------------------------------------------ */

/* Counters kept by every copy engine (DSA fields stay 0 on the CPU
 * engine), declared once: X(field, description).  Python reads the field
 * names from the struct type. */
#define MDSA_ENGINE_COUNTERS(X)                                                              \
    X(bursts, "bursts accepted")                                                             \
    X(copies, "copy operations accepted")                                                    \
    X(bytes, "bytes accepted")                                                               \
    X(descriptors, "DSA work descriptors the queue accepted")                                \
    X(batches, "DSA BATCH descriptors the queue accepted")                                   \
    X(bytes_offloaded, "bytes copied by DSA (device or emulator)")                           \
    X(cpu_small, "copies kept on the CPU by the size threshold")                             \
    X(cpu_fallbacks, "copies meant for DSA that the CPU did: the sum of the next three")     \
    X(fallback_errors, "  an error status, a rejected batch, a broken queue or a lost "      \
                       "completion")                                                         \
    X(fallback_queue_full, "  no room in the work queue (or the engine's ring)")             \
    X(fallback_cpu_only, "  the engine had switched to the CPU for good (state)")            \
    X(partial_completions, "page-fault partial completions resumed")                         \
    X(retries, "shared work-queue submissions retried")                                      \
    X(queue_full, "bursts with copies done by the CPU for lack of room")                     \
    X(refusals, "submission attempts the work queue refused (full/busy)")                    \
    X(errors, "completion records with an error status")                                     \
    X(emu_faults, "emulator only: faults and refusals it produced, as of the last one the "  \
                  "engine saw (each shows up once in partial_completions, errors or "        \
                  "refusals)")                                                               \
    X(timeouts, "drains started (overdue completion or software error): the queue is "       \
                "drained before any CPU copy, so the device cannot write what the CPU "      \
                "finishes")                                                                  \
    X(lost_completions, "descriptors whose completion never came (dropped by a full "        \
                        "dedicated WQ, record never written), redone by the CPU after the "  \
                        "drain; also in fallback_errors")                                    \
    X(swerrors, "software errors the device reported")                                       \
    X(wq_resets, "drains that never completed: the WQ was reset")

#define MDSA_COUNTER_FIELD(name, doc) uint64_t name;

struct mdsa_engine_counters {
    MDSA_ENGINE_COUNTERS(MDSA_COUNTER_FIELD)
    /* engine state, not counters */
    uint32_t state;               /* MDSA_ENGINE_NORMAL or MDSA_ENGINE_CPU_ONLY */
    uint32_t memory_locked;       /* 1: descriptors and records mlock()ed; 0: prefaulted */
    char state_reason[128];       /* why the engine is CPU_ONLY ("" otherwise) */
    char note[160];               /* what the engine adapted to: limits rounded down, BATCH
                                     refused, memory not locked ("" when nothing) */
};
typedef struct mdsa_engine_counters mdsa_engine_counters_t;

/* Engine state (counters' `state`): a DSA engine that has given up on the
 * device (a completion never came) copies every later byte on the CPU. */
#define MDSA_ENGINE_NORMAL 0
#define MDSA_ENGINE_CPU_ONLY 1

/* Default size threshold of the DSA engines: shorter copies stay on the
 * CPU (see README, "Copy engines"). */
#define MDSA_DSA_DEFAULT_THRESHOLD 256

/* Choose the copy engine of an interface: "cpu", "dsa" (hardware, else the
 * emulator), "dsa-hw" (hardware or an error), "dsa-emu" (the emulator).
 * `config` is the emulator configuration string (NULL: $MEMIF_DSA_EMU);
 * copies shorter than `threshold` bytes stay on the CPU.  Allowed while
 * the interface has no copies in flight.  On failure `err` says why. */
int mdsa_set_engine(memif_conn_handle_t conn, const char *engine, const char *config,
                    uint32_t threshold, char *err, size_t errlen);
/* The engine actually running, e.g. "cpu", "dsa-emu(sync,dedicated)". */
const char *mdsa_engine_name(memif_conn_handle_t conn);
/* Deprecated (0.1): the old name of mdsa_engine_name(). */
const char *mdsa_engine_backend(memif_conn_handle_t conn)
    __attribute__((deprecated("use mdsa_engine_name")));
/* Check a DSA configuration string: 0, or -EINVAL with a message naming
 * the offending key in `err`. */
int mdsa_dsa_config_validate(const char *config, char *err, size_t errlen);
/* The DSA devices and work queues found (or why none), the CPU features
 * that matter, and the emulator configuration `config` (NULL:
 * $MEMIF_DSA_EMU) gives.  snprintf semantics. */
int mdsa_dsa_info(const char *config, char *buf, size_t len);

/* ---- copying bursts ---------------------------------------------------- */

/* Wait until the burst's copies completed and its packets were published. */
#define MDSA_TX_WAIT 1u

/* Queue `count` packets laid end to end in `data` (packet i is lens[i]
 * bytes, 1 <= lens[i]) on tx queue `qid`, chaining buffers as needed.
 * *sent = packets queued (fewer when the ring is full: a packet is queued
 * whole or not at all).  Without MDSA_TX_WAIT an asynchronous engine may
 * still be reading `data` on return: keep it valid until mdsa_tx_flush()
 * reports nothing pending. */
int mdsa_tx_copy_burst(memif_conn_handle_t conn, uint16_t qid, const uint8_t *data,
                       const uint32_t *lens, uint16_t count, uint32_t flags, uint16_t *sent);
/* Publish completed bursts; with `wait` block until none is pending.
 * *pending = bursts still in flight. */
int mdsa_tx_flush(memif_conn_handle_t conn, uint16_t qid, int wait, uint32_t *pending);

/* Copy up to `max` whole packets from rx queue `qid` into `buf`, end to
 * end; lens[i] = length of packet i.  Slots are returned to the peer
 * before this returns.  If the next packet does not fit in what is left of
 * `buf`, it stays in the ring; when it does not fit in an empty `buf` the
 * call returns MEMIF_ERR_NOBUF and *need says how many bytes it takes. */
int mdsa_rx_copy_burst(memif_conn_handle_t conn, uint16_t qid, uint8_t *buf, size_t buflen,
                       uint32_t *lens, uint16_t max, uint16_t *count, size_t *need);

/* Block until rx queue `qid` holds a packet (MEMIF_ERR_SUCCESS), the
 * interface is disconnected (MEMIF_ERR_DISCONNECTED) or `timeout_ms`
 * passes (MEMIF_ERR_AGAIN; -1 = no limit).  Runs the socket's event loop
 * meanwhile, so it must not be used with an application fd-update
 * callback. */
int mdsa_rx_wait(memif_conn_handle_t conn, uint16_t qid, int timeout_ms);
/* Run the socket's event loop until connected (MEMIF_ERR_SUCCESS) or
 * `timeout_ms` passes (MEMIF_ERR_AGAIN). */
int mdsa_wait_connected(memif_conn_handle_t conn, int timeout_ms);
int mdsa_is_connected(memif_conn_handle_t conn);
/* Why the interface last disconnected: the peer's DISCONNECT string, or
 * our own reason (a protocol violation, EOF, ...).  "" if never. */
const char *mdsa_disconnect_reason(memif_conn_handle_t conn);
/* The socket's internal epoll fd: readable when memif_poll_event() has
 * work.  Lets one thread wait on several sockets (e.g. both ends of a
 * loopback in one process). -1 with an application fd callback. */
int mdsa_socket_event_fd(memif_socket_handle_t sock);
/* Handle up to `max_events` ready events without blocking; returns how
 * many were handled. */
int mdsa_socket_dispatch(memif_socket_handle_t sock, int max_events);
/* Detail of the last socket-level failure (e.g. a path in use). */
const char *mdsa_socket_error(memif_socket_handle_t sock);
/* Number of rx/tx queues while connected (0 when not). */
int mdsa_queue_counts(memif_conn_handle_t conn, uint16_t *rx_queues, uint16_t *tx_queues);

/* ---- statistics -------------------------------------------------------- */

/* Counters of an interface, over all its connections, declared once:
 * X(field, description). */
#define MDSA_STATS_COUNTERS(X)                                                        \
    X(connects, "connections established")                                            \
    X(disconnects, "connections ended")                                               \
    X(tx_packets, "packets transmitted")                                              \
    X(tx_bytes, "bytes transmitted")                                                  \
    X(tx_buffers, "buffers (descriptors) transmitted")                                \
    X(tx_ring_full, "tx bursts that stopped because the ring was full")               \
    X(tx_rollbacks, "chains rolled back because the ring filled mid-packet")          \
    X(rx_packets, "packets received")                                                 \
    X(rx_bytes, "bytes received")                                                     \
    X(rx_buffers, "buffers (descriptors) received")                                   \
    X(interrupts_sent, "interrupts signalled to the peer")                            \
    X(interrupts_received, "interrupts received from the peer")                       \
    X(peer_violations, "protocol violations by the peer (each disconnects)")

typedef struct {
    MDSA_STATS_COUNTERS(MDSA_COUNTER_FIELD)
    mdsa_engine_counters_t engine;
} mdsa_stats_t;

int mdsa_get_stats(memif_conn_handle_t conn, mdsa_stats_t *st);

/* ---- regions the peer cannot seal ---------------------------------------- */

/* A primary maps the secondary's regions.  A region whose fd cannot be
 * sealed against shrinking (memory a zero-copy peer hands out often
 * cannot: DPDK's mempool memfds, for one) is accepted by default and
 * guarded: should the peer shrink it under us, the fault on the missing
 * pages is caught (SIGBUS, handled only for addresses of such regions,
 * every other SIGBUS goes to the handler installed before ours), the pages
 * are replaced by private memory and that interface disconnects with
 * "memory region N shrank ..."; the process and every other interface
 * live.  refuse = 1: refuse such regions instead (the refusal's reason
 * names this option).  Takes effect at the next connection. */
int mdsa_set_refuse_unsealed(memif_conn_handle_t conn, int refuse);

/* Tear the connection down now: the peer gets DISCONNECT `reason`, or no
 * message at all (a plain close, as if we had died) when `reason` is
 * NULL.  The interface stays: a secondary connects again on its timer, a
 * primary waits for the next secondary. */
int mdsa_disconnect(memif_conn_handle_t conn, const char *reason);

/* ---- test knobs --------------------------------------------------------
 * For testing other memif implementations (the conformance suite): ways a
 * real peer may legitimately differ from libmemif.  An application has no
 * reason to use them. */

/* Where a secondary puts its rings and buffers. */
#define MDSA_LAYOUT_LIBMEMIF 0         /* region 0: rings; region 1: buffers */
#define MDSA_LAYOUT_SINGLE_REGION 1    /* region 0: rings, then buffers (VPP copy mode) */
#define MDSA_LAYOUT_REGION_PER_QUEUE 2 /* a region per ring, then a buffer region per ring */

typedef struct {
    uint32_t arrangement;   /* MDSA_LAYOUT_* */
    uint32_t ring_offset;   /* bytes before the first ring of a region (a multiple of 8) */
    uint32_t buffer_offset; /* bytes before the first buffer of a buffer area (any) */
    uint16_t headroom;      /* bytes at the start of every buffer the data skips */
    uint8_t rotate;         /* 1: after each refill a slot's descriptor points at
                               another buffer (two buffers per slot, in turn) */
    uint32_t m2s_length;    /* length offered in M2S descriptors (0: all the buffer
                               holds after the headroom; less: a smaller offer) */
    uint8_t unsealed;       /* 1: regions that cannot be sealed against shrinking, as
                               a zero-copy peer's mempool memory */
} mdsa_layout_t;

/* Secondary: lay out the shared memory of the next connections like this
 * (NULL: libmemif's layout).  With rotate, memif_buffer_enq_tx and
 * memif_buffer_requeue are refused.  MEMIF_ERR_INVAL_ARG names no field:
 * arrangement unknown, ring_offset not a multiple of 8 or above 1 MiB,
 * buffer_offset above 1 MiB, headroom not below the buffer size,
 * m2s_length above what a buffer holds after the headroom, or a primary. */
int mdsa_set_layout(memif_conn_handle_t conn, const mdsa_layout_t *layout);
/* (unsealed or rotate other than 0 or 1 is refused the same way.) */

/* What a primary on this socket advertises in HELLO (highest indices, as
 * on the wire) and then holds its secondaries to; defaults 255, 255, 255
 * and 14 (libmemif's).  max_log2_ring_size may go up to 15 (32768 slots,
 * the most a 16-bit ring index allows; VPP accepts it, libmemif not). */
typedef struct {
    uint16_t max_region;
    uint16_t max_m2s_ring;
    uint16_t max_s2m_ring;
    uint8_t max_log2_ring_size;
} mdsa_hello_limits_t;

int mdsa_set_hello_limits(memif_socket_handle_t sock, const mdsa_hello_limits_t *limits);

/* Secondary: ask for 2^log2 slots per ring, 1..15 (memif_create takes
 * 14 at most, as libmemif; the peer's HELLO still has the last word). */
int mdsa_set_log2_ring_size(memif_conn_handle_t conn, uint8_t log2);

/* ---- tracing ----------------------------------------------------------- */

/* One trace line: a handshake step or a disconnect and its reason. */
typedef void(mdsa_trace_fn)(const char *line, void *ctx);
/* Send the socket's trace lines to `fn` (NULL: off).  Tracing is off by
 * default and costs a pointer test when off; MEMIF_DSA_DEBUG=1 in the
 * environment when a socket is created sends its lines to stderr. */
int mdsa_set_trace(memif_socket_handle_t sock, mdsa_trace_fn *fn, void *ctx);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* MEMIF_DSA_H */
