/* memif_dsa.h — libmemif-dsa's additions to the libmemif 4.0 API.
 *
 * Everything here has the mdsa_ prefix: copy-engine choice, bursts that copy
 * caller memory into and out of shared memory through the engine, waiting
 * helpers, statistics, and the C loops behind `memif-dsa reflect` and
 * `memif-dsa bench`.  The libmemif API itself is in <libmemif.h>.
 */
#ifndef MEMIF_DSA_H
#define MEMIF_DSA_H

#include <stddef.h>
#include <stdint.h>

#include "libmemif.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MDSA_VERSION "0.1.0"

/* ---- copy engines ------------------------------------------------------ */

/* Counters kept by every copy engine (DSA fields stay 0 on the CPU engine). */
struct mdsa_engine_counters {
    uint64_t bursts;              /* bursts accepted */
    uint64_t copies;              /* copy operations accepted */
    uint64_t bytes;               /* bytes accepted */
    uint64_t descriptors;         /* DSA work descriptors the queue accepted */
    uint64_t batches;             /* DSA BATCH descriptors the queue accepted */
    uint64_t bytes_offloaded;     /* bytes copied by DSA (device or emulator) */
    uint64_t cpu_small;           /* copies kept on the CPU by the size threshold */
    uint64_t cpu_fallbacks;       /* copies meant for DSA that the CPU did; the sum of: */
    uint64_t fallback_errors;     /*   an error status, a rejected batch, a broken queue or
                                       a completion that never came */
    uint64_t fallback_queue_full; /*   no room in the work queue (or the engine's ring) */
    uint64_t fallback_cpu_only;   /*   the engine had switched to the CPU for good (state) */
    uint64_t partial_completions; /* page-fault partial completions resumed */
    uint64_t retries;             /* shared work-queue submissions retried */
    uint64_t queue_full;          /* bursts with copies done by the CPU for lack of room */
    uint64_t refusals;            /* submission attempts the work queue refused (full/busy) */
    uint64_t errors;              /* completion records with an error status */
    /* Emulator only: page faults, batch-list faults and refused submissions
     * it produced (injected, or a real full queue), as of the last one the
     * engine saw.  Each shows up once in partial_completions, errors or
     * refusals (portal submission). */
    uint64_t emu_faults;
    uint32_t state;               /* MDSA_ENGINE_NORMAL or MDSA_ENGINE_CPU_ONLY */
    char state_reason[128];       /* why the engine is CPU_ONLY ("" otherwise) */
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
/* Back end actually running, e.g. "cpu", "dsa-emu(sync,dedicated)". */
const char *mdsa_engine_backend(memif_conn_handle_t conn);
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

typedef struct {
    uint64_t connects;
    uint64_t disconnects;
    uint64_t tx_packets, tx_bytes, tx_buffers;
    uint64_t tx_ring_full;     /* tx bursts that stopped because the ring was full */
    uint64_t tx_rollbacks;     /* chains rolled back because the ring filled mid-packet */
    uint64_t rx_packets, rx_bytes, rx_buffers;
    uint64_t interrupts_sent;
    uint64_t interrupts_received;
    uint64_t peer_violations;  /* protocol violations by the peer (each disconnects) */
    mdsa_engine_counters_t engine;
} mdsa_stats_t;

int mdsa_get_stats(memif_conn_handle_t conn, mdsa_stats_t *st);

/* ---- reflector and benchmark loops ------------------------------------- */

/* Reflect: every packet received on queue i goes back unchanged on tx
 * queue i (i modulo the tx queue count).  Runs the event loop for up to
 * `timeout_ms` (interrupt mode sleeps in epoll, polling mode spins), never
 * drops a packet because the tx ring is full (it is held and retried).
 * *reflected += packets sent back. */
int mdsa_reflect_run(memif_conn_handle_t conn, uint16_t burst, int timeout_ms, uint64_t *reflected);

typedef struct {
    uint64_t packets;
    uint64_t bytes;
    uint64_t bursts;
    uint64_t empty_polls;
    uint64_t elapsed_ns;
} mdsa_bench_result_t;

/* Transmit `frame_size`-byte frames in bursts of `burst` on every tx queue
 * for `duration_ns`, polling, through the interface's copy engine. */
int mdsa_bench_tx(memif_conn_handle_t conn, uint32_t frame_size, uint16_t burst,
                  uint64_t duration_ns, mdsa_bench_result_t *res);
/* Receive on every rx queue; count only what arrives in the window
 * [first packet + warmup_ns, + duration_ns]. Gives up after `idle_ns`
 * without a packet. */
int mdsa_bench_rx(memif_conn_handle_t conn, uint16_t burst, uint64_t warmup_ns,
                  uint64_t duration_ns, uint64_t idle_ns, mdsa_bench_result_t *res);

#ifdef __cplusplus
}
#endif

#endif /* MEMIF_DSA_H */
