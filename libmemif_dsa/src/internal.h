/* Internal structures shared by the core's source files.
 *
 * Ownership: a socket (msock) owns its interfaces (mconn) and the control
 * channels not yet bound to an interface; an interface owns its channel,
 * regions, queues and copy engine while connected.  No global mutable
 * state: everything hangs off a socket.
 */
#ifndef MDSA_INTERNAL_H
#define MDSA_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engines/copy.h"
#include "libmemif.h"
#include "memif_dsa.h"
#include "wire.h"

#define MDSA_MAX_PENDING_CHANNELS 64   /* accepted but not yet identified */
#define MDSA_MAX_QUEUES 256             /* per direction (index <= 255) */
#define MDSA_MAX_REGIONS 256            /* index <= 255 */
/* Largest region we create or accept: bounds what a peer can make us map. */
#define MDSA_MAX_REGION_SIZE (16ull << 30)
/* Our own regions are pre-faulted at setup when at most this large. */
#define MDSA_PREFAULT_LIMIT (256ull << 20)
#define MDSA_TX_INFLIGHT 64             /* async tx bursts in flight per queue */

struct msock;
struct mconn;
struct mchannel;

enum watch_kind { W_LISTENER, W_CONTROL, W_INTERRUPT, W_TIMER, W_CANCEL, W_WORK };

/* What an fd event dispatches to: the pointer handed out as private_ctx
 * (application fd callback) or epoll data (internal loop). */
struct watch {
    enum watch_kind kind;
    int fd;
    bool added;
    struct msock *sock;
    struct mchannel *chan;
    struct mconn *conn;
    uint16_t qid;
};

enum chan_state {
    CH_M_WAIT_INIT,     /* master: HELLO sent, waiting for INIT */
    CH_M_WAIT_SETUP,    /* master: regions/rings until CONNECT */
    CH_S_WAIT_HELLO,    /* slave: connected, waiting for HELLO */
    CH_S_SETUP,         /* slave: sending INIT..CONNECT, one per ACK */
    CH_S_WAIT_CONNECTED,
    CH_CONNECTED,
};

struct mchannel {
    struct watch w;
    struct msock *sock;
    struct mconn *conn;          /* NULL until the master matched INIT */
    enum chan_state state;
    uint32_t step;               /* slave: next setup message to send */
    struct mchannel *next;       /* pending list (master, unidentified) */
};

struct mregion {
    void *addr;
    uint64_t size;
    int fd;
    bool external;
};

struct pending_pub {             /* an async tx burst awaiting completion */
    uint64_t ticket;
    uint16_t index;              /* ring index to publish when it lands */
};

struct slot_loc {                /* where a slave-owned slot's buffer lives */
    uint32_t base;               /* start of the buffer */
    uint32_t offset;             /* data start (base + headroom) */
    uint32_t cap;                /* bytes from offset to the buffer end */
    uint16_t region;
};

struct mqueue {
    struct mconn *conn;
    memif_ring_t *ring;
    uint32_t size;               /* slots */
    uint16_t mask;
    uint8_t log2;
    uint16_t region;             /* ring location as announced */
    uint32_t offset;
    int int_fd;
    struct watch w;
    bool is_tx;                  /* we produce on this ring */
    bool s2m;
    /* Our private cursors: never re-read our own index from shared memory,
     * the peer can write it. */
    uint16_t pub;                /* last index we published (head or tail) */
    uint16_t next_buf;           /* tx: next slot to hand out (libmemif API) */
    uint16_t last;               /* rx: consumed up to (last_head / last_tail) */
    uint16_t limit;              /* rx on slave: refilled up to (== pub) */
    struct slot_loc *loc;        /* slave: buffer of each slot (we own them) */
    uint32_t *cap;               /* master tx: validated capacity per slot */
    uint16_t headroom;           /* slave rx: headroom of the last refill */
    /* async copy bursts */
    struct pending_pub inflight[MDSA_TX_INFLIGHT];
    uint32_t inflight_head, inflight_tail;
    uint16_t reserved;           /* tx: slots handed to the engine (>= pub) */
    /* reflector: packets received but not yet sent back */
    uint8_t *hold;
    size_t hold_cap, hold_off;
    uint32_t *hold_lens;
    uint16_t hold_n, hold_i;
    /* counters */
    uint64_t packets, bytes, buffers, ring_full, rollbacks, irq_sent, irq_recv;
};

struct mconn {
    struct msock *sock;
    memif_conn_args_t args;
    memif_connection_update_t *on_connect, *on_disconnect;
    memif_on_interrupt_t *on_interrupt;
    void *private_ctx;
    struct mchannel *chan;
    bool connected;
    bool faulted;                /* data path found a violation; teardown pending */
    char fault_reason[MEMIF_DISC_STRING_LEN];
    char reason[MEMIF_DISC_STRING_LEN + 16];
    char remote_if_name[MEMIF_NAME_LEN + 1];
    char remote_app_name[MEMIF_NAME_LEN + 1];
    /* run parameters, negotiated */
    uint16_t num_s2m, num_m2s;
    uint8_t log2;
    uint16_t buffer_size;
    struct mregion *regions;
    uint16_t nregions;
    struct mqueue *s2m, *m2s;    /* index = ring index */
    uint8_t rx_polling[MDSA_MAX_QUEUES]; /* requested rx mode, kept across reconnects */
    /* copy engine */
    mdsa_engine_t *engine;
    struct mdsa_copy_op *ops;    /* scratch: one op per ring slot */
    uint32_t ops_cap;
    uint64_t tickets;            /* bursts submitted to the engine */
    uint64_t last_ticket;
    /* statistics that outlive a connection */
    uint64_t connects, disconnects, violations;
    mdsa_stats_t totals;         /* queue counters of past connections */
    struct mconn *next;
};

struct msock {
    memif_socket_args_t args;
    void *private_ctx;
    int role;                    /* -1 unset, 1 listener (master), 0 client */
    bool abstract;
    int listener_fd;
    bool own_listener;           /* we bound it (unlink the file on delete) */
    struct watch lw;
    int epfd;                    /* internal loop, when no application callback */
    int timer_fd;
    struct watch tw;
    int cancel_fd;
    struct watch cw;
    int work_fd;                 /* wakes the loop for deferred teardowns */
    struct watch ww;
    struct mconn *conns;
    struct mchannel *pending;
    unsigned npending;
    memif_add_external_region_t *ext_add;
    memif_get_external_region_addr_t *ext_get;
    memif_del_external_region_t *ext_del;
    memif_get_external_buffer_offset_t *ext_off;
    char errmsg[160];            /* detail of the last socket-level error */
};

/* allocation through the socket's allocator */
void *ms_alloc(struct msock *s, size_t n);   /* zeroed */
void ms_free(struct msock *s, void *p);

/* socket.c: fd watching */
int watch_add(struct msock *s, struct watch *w);
void watch_del(struct msock *s, struct watch *w);
void sock_kick_work(struct msock *s);
int sock_ensure_listener(struct msock *s);
void sock_close_listener(struct msock *s);
int sock_connect(struct mconn *c);
void sock_timer_update(struct msock *s);

/* control.c: handshake and messages */
struct mchannel *chan_new(struct msock *s, int fd, enum chan_state st);
void chan_destroy(struct mchannel *ch);
int chan_handle_readable(struct mchannel *ch);
int chan_send_hello(struct mchannel *ch);
int chan_send_disconnect(struct mchannel *ch, const char *reason);
/* Tear an interface down: optional DISCONNECT to the peer with `reason`
 * (NULL: none), close channel, unmap, free queues, callback. */
void conn_disconnect(struct mconn *c, const char *send_reason, const char *local_reason);
/* Data path found a peer violation: mark, wake the loop to tear down. */
void conn_fault(struct mconn *c, const char *reason);
void conn_run_deferred(struct msock *s);

/* shm.c: regions and rings */
int shm_slave_create(struct mconn *c);
int shm_master_add_region(struct mconn *c, uint16_t index, uint64_t size, int fd, const char **why);
int shm_master_add_ring(struct mconn *c, const memif_msg_add_ring_t *ar, int fd, const char **why);
int shm_master_connect(struct mconn *c, const char **why);
void shm_slave_connected(struct mconn *c);
void shm_free(struct mconn *c);

/* ring.c helpers */
static inline struct mqueue *conn_txq(struct mconn *c, uint16_t qid)
{
    return c->args.is_master ? &c->m2s[qid] : &c->s2m[qid];
}
static inline struct mqueue *conn_rxq(struct mconn *c, uint16_t qid)
{
    return c->args.is_master ? &c->s2m[qid] : &c->m2s[qid];
}
static inline uint16_t conn_ntx(const struct mconn *c)
{
    return c->args.is_master ? c->num_m2s : c->num_s2m;
}
static inline uint16_t conn_nrx(const struct mconn *c)
{
    return c->args.is_master ? c->num_s2m : c->num_m2s;
}
/* Ring index publication: release store so descriptors and data written
 * before are visible to the peer first. */
static inline void ring_store(volatile uint16_t *p, uint16_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}
static inline uint16_t ring_load(volatile uint16_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
void queue_kick(struct mqueue *q);
void rx_drain_irq(struct mqueue *q);
void queue_refill_all(struct mqueue *q, uint16_t headroom);
int queue_tx_reap(struct mqueue *q, bool wait);
/* rx: packets available (validated); <0 on a peer violation (already faulted) */
int queue_rx_avail(struct mqueue *q, uint16_t *n);
/* tx: free slots (validated); <0 on violation */
int queue_tx_free(struct mqueue *q, uint16_t from, uint16_t *n);
/* Locate the buffer and length of an rx slot; NULL on violation. */
uint8_t *queue_rx_buf(struct mqueue *q, uint16_t slot, uint32_t *len, uint16_t *flags);
/* Locate a tx slot's buffer and its capacity; NULL on violation. */
uint8_t *queue_tx_buf(struct mqueue *q, uint16_t slot, uint32_t *cap);
void queue_rx_release(struct mqueue *q, uint16_t upto);
void queue_rx_consumed(struct mqueue *q, uint16_t from, uint16_t to);

/* time */
uint64_t mdsa_now_ns(void);
uint64_t mdsa_deadline(int timeout_ms);      /* UINT64_MAX: none */
int mdsa_poll_until(struct msock *s, uint64_t deadline);

void conn_account_queue(struct mconn *c, const struct mqueue *q, mdsa_stats_t *st);
void queue_apply_rx_mode(struct mqueue *q, bool polling);

/* errors */
int mdsa_syscall_error(int err);
bool conn_live(const struct mconn *c);
/* The queue of a live interface, or the error an API call returns. */
int conn_queue(struct mconn *c, uint16_t qid, bool tx, struct mqueue **q);

#endif
