/* SPDX-License-Identifier: Apache-2.0 */
/* libmemif.h — the libmemif 4.0 application interface, as implemented by
 * libmemif-dsa.
 *
 * A program written for upstream libmemif 4.0 builds against this header
 * and links against libmemif-dsa unchanged: the same functions, structures,
 * callbacks, error codes and semantics.  libmemif-dsa's own additions (copy
 * engines, copying bursts, statistics) live in <memif_dsa.h>.
 *
 * Roles: master = primary = listener; slave = secondary = connector (the
 * libmemif API and the wire format say master/slave; our own code and
 * documentation say primary/secondary).  The secondary creates the shared
 * memory and the interrupt eventfds.  One socket may hold primary and
 * secondary interfaces at once.  docs/libmemif-compat.md lists every
 * symbol and what, if anything, differs from upstream.
 */
#ifndef _LIBMEMIF_H_
#define _LIBMEMIF_H_

#define LIBMEMIF_VERSION "4.0"
#define MEMIF_DEFAULT_APP_NAME "libmemif-app"

#include <inttypes.h>
#include <sys/timerfd.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* Error codes, in libmemif's order (values 0..39 are part of the ABI). */
typedef enum {
    MEMIF_ERR_SUCCESS = 0,     /* success */
    MEMIF_ERR_SYSCALL,         /* other system call error */
    MEMIF_ERR_CONNREFUSED,     /* connection refused */
    MEMIF_ERR_ACCES,           /* permission denied */
    MEMIF_ERR_NO_FILE,         /* file does not exist */
    MEMIF_ERR_FILE_LIMIT,      /* system open file limit */
    MEMIF_ERR_PROC_FILE_LIMIT, /* process open file limit */
    MEMIF_ERR_ALREADY,         /* connection already requested */
    MEMIF_ERR_AGAIN,           /* operation would block */
    MEMIF_ERR_BAD_FD,          /* invalid fd */
    MEMIF_ERR_NOMEM,           /* out of memory */
    MEMIF_ERR_INVAL_ARG,       /* invalid argument */
    MEMIF_ERR_NOCONN,          /* handle points to no connection */
    MEMIF_ERR_CONN,            /* handle points to an existing connection */
    MEMIF_ERR_CB_FDUPDATE,     /* the application's fd-update callback failed */
    MEMIF_ERR_FILE_NOT_SOCK,   /* socket path exists but is not a socket */
    MEMIF_ERR_NO_SHMFD,        /* missing shared-memory fd */
    MEMIF_ERR_COOKIE,          /* wrong cookie on a ring */
    MEMIF_ERR_NOBUF_RING,      /* ring full */
    MEMIF_ERR_NOBUF,           /* not enough memif buffers */
    MEMIF_ERR_NOBUF_DET,       /* details need a larger buffer */
    MEMIF_ERR_INT_WRITE,       /* interrupt write failed */
    MEMIF_ERR_MFMSG,           /* malformed message received */
    MEMIF_ERR_QID,             /* invalid queue id */
    MEMIF_ERR_PROTO,           /* incompatible protocol version */
    MEMIF_ERR_ID,              /* unmatched interface id */
    MEMIF_ERR_ACCSLAVE,        /* slave cannot accept connection requests */
    MEMIF_ERR_ALRCONN,         /* already connected */
    MEMIF_ERR_MODE,            /* mode mismatch */
    MEMIF_ERR_SECRET,          /* secret mismatch */
    MEMIF_ERR_NOSECRET,        /* secret required */
    MEMIF_ERR_MAXREG,          /* region limit reached */
    MEMIF_ERR_MAXRING,         /* ring limit reached */
    MEMIF_ERR_NO_INTFD,        /* missing interrupt fd */
    MEMIF_ERR_DISCONNECT,      /* disconnect received */
    MEMIF_ERR_DISCONNECTED,    /* interface is disconnected */
    MEMIF_ERR_UNKNOWN_MSG,     /* unknown message type */
    MEMIF_ERR_POLL_CANCEL,     /* memif_poll_event() was cancelled */
    MEMIF_ERR_MAX_RING,        /* ring size too large */
    MEMIF_ERR_PRIVHDR,         /* private headers not supported */
} memif_err_t;

/* Events on an fd the application watches for libmemif. */
typedef enum memif_fd_event_type {
    MEMIF_FD_EVENT_READ = 1,
    MEMIF_FD_EVENT_WRITE = 2,
    MEMIF_FD_EVENT_ERROR = 4,  /* error on the fd */
    MEMIF_FD_EVENT_DEL = 8,    /* fd is about to be closed: stop watching */
    MEMIF_FD_EVENT_MOD = 16,   /* watched events changed */
} memif_fd_event_type_t;

typedef void *memif_conn_handle_t;
typedef void *memif_socket_handle_t;

typedef void *(memif_alloc_t)(size_t size);
typedef void *(memif_realloc_t)(void *ptr, size_t size);
typedef void(memif_free_t)(void *ptr);

/* An fd to watch; private_ctx goes back to memif_control_fd_handler(). */
typedef struct memif_fd_event {
    int fd;
    memif_fd_event_type_t type;
    void *private_ctx;
} memif_fd_event_t;

typedef int(memif_control_fd_update_t)(memif_fd_event_t fde, void *private_ctx);
typedef int(memif_connection_update_t)(memif_conn_handle_t conn, void *private_ctx);
typedef int(memif_on_interrupt_t)(memif_conn_handle_t conn, void *private_ctx, uint16_t qid);

/* External regions (slave supplies its own buffer memory). */
typedef uint32_t(memif_get_external_buffer_offset_t)(void *private_ctx);
typedef int(memif_add_external_region_t)(void **addr, uint32_t size, int *fd, void *private_ctx);
typedef void *(memif_get_external_region_addr_t)(uint32_t size, int fd, void *private_ctx);
typedef int(memif_del_external_region_t)(void *addr, uint32_t size, int fd, void *private_ctx);

void memif_register_external_region(memif_socket_handle_t sock,
                                    memif_add_external_region_t *ar,
                                    memif_get_external_region_addr_t *gr,
                                    memif_del_external_region_t *dr,
                                    memif_get_external_buffer_offset_t *go);

#ifndef _MEMIF_H_
typedef enum {
    MEMIF_INTERFACE_MODE_ETHERNET = 0,
    MEMIF_INTERFACE_MODE_IP = 1,
    MEMIF_INTERFACE_MODE_PUNT_INJECT = 2,
} memif_interface_mode_t;
#endif

/* Socket arguments.  path: file path, or an abstract name starting with
 * '@' (or '\0').  A zero connection_request_timer disables automatic
 * reconnection of slaves.  A NULL on_control_fd_update makes the library
 * poll its own fds (use memif_poll_event()). */
typedef struct memif_socket_args {
    char path[108];
    char app_name[32];
    struct itimerspec connection_request_timer;
    memif_control_fd_update_t *on_control_fd_update;
    memif_alloc_t *alloc;
    memif_realloc_t *realloc;
    memif_free_t *free;
} memif_socket_args_t;

/* Interface arguments; zero values take the defaults 1/1/2048/10. */
typedef struct {
    memif_socket_handle_t socket;
    uint8_t secret[24];
    uint8_t num_s2m_rings;
    uint8_t num_m2s_rings;
    uint16_t buffer_size;
    uint8_t log2_ring_size;
    uint8_t is_master;
    uint32_t interface_id;
    uint8_t interface_name[32];
    memif_interface_mode_t mode : 8;
} memif_conn_args_t;

typedef enum {
    MEMIF_RX_MODE_INTERRUPT = 0,
    MEMIF_RX_MODE_POLLING,
} memif_rx_mode_t;

/* One shared-memory buffer (one descriptor) of a packet. */
typedef struct {
    uint16_t desc_index;
    void *queue;
    uint32_t len;
#define MEMIF_BUFFER_FLAG_NEXT (1 << 0) /* packet continues in the next buffer */
#define MEMIF_BUFFER_FLAG_RX (1 << 1)   /* buffer came from an rx ring */
    uint8_t flags;
    void *data;
} memif_buffer_t;

typedef struct {
    uint8_t region;
    uint16_t qid;
    uint32_t ring_size;
#define MEMIF_QUEUE_FLAG_POLLING 1
    uint16_t flags;
    uint16_t head;
    uint16_t tail;
    uint16_t buffer_size;
} memif_queue_details_t;

typedef struct {
    uint8_t index;
    void *addr;
    uint32_t size;
    int fd;
    uint8_t is_external;
} memif_region_details_t;

typedef struct {
    uint8_t *if_name;
    uint8_t *inst_name;
    uint8_t *remote_if_name;
    uint8_t *remote_inst_name;
    uint32_t id;
    uint8_t *secret;
    uint8_t role; /* 0 = master, 1 = slave */
    uint8_t mode; /* 0 = ethernet, 1 = ip, 2 = punt/inject */
    uint8_t *socket_path;
    uint8_t regions_num;
    memif_region_details_t *regions;
    uint8_t rx_queues_num;
    uint8_t tx_queues_num;
    memif_queue_details_t *rx_queues;
    memif_queue_details_t *tx_queues;
    uint8_t *error;
    uint8_t link_up_down; /* 1 = up, 0 = down */
} memif_details_t;

typedef struct memif_desc_details {
    uint16_t flags;
    uint16_t region;
    uint32_t length;
    uint32_t offset;
    uint32_t metadata;
} memif_desc_details_t;

typedef struct memif_ring_details {
    uint16_t head;
    uint16_t tail;
    uint16_t flags;
    void *offset;
    uint16_t ndesc;
    memif_desc_details_t descs[];
} memif_ring_details_t;

uint16_t memif_get_version(void);
const char *memif_get_version_str(void);
char *memif_strerror(int err_code);

int memif_create_socket(memif_socket_handle_t *sock, memif_socket_args_t *args, void *private_ctx);
int memif_delete_socket(memif_socket_handle_t *sock);
memif_socket_handle_t memif_get_socket_handle(memif_conn_handle_t conn);
const char *memif_get_socket_path(memif_socket_handle_t sock);
const char *memif_get_socket_filename(memif_socket_handle_t sock);
int memif_get_listener_fd(memif_socket_handle_t sock);
int memif_set_listener_fd(memif_socket_handle_t sock, int fd);
int memif_set_connection_request_timer(memif_socket_handle_t sock, struct itimerspec timer);

int memif_create(memif_conn_handle_t *conn, memif_conn_args_t *args,
                 memif_connection_update_t *on_connect,
                 memif_connection_update_t *on_disconnect,
                 memif_on_interrupt_t *on_interrupt, void *private_ctx);
int memif_delete(memif_conn_handle_t *conn);
int memif_request_connection(memif_conn_handle_t conn);

int memif_control_fd_handler(void *ptr, memif_fd_event_type_t events);
int memif_poll_event(memif_socket_handle_t sock, int timeout);
#define MEMIF_HAVE_CANCEL_POLL_EVENT 1
int memif_cancel_poll_event(memif_socket_handle_t sock);

int memif_get_queue_efd(memif_conn_handle_t conn, uint16_t qid, int *fd);
int memif_set_rx_mode(memif_conn_handle_t conn, memif_rx_mode_t rx_mode, uint16_t qid);
int memif_get_details(memif_conn_handle_t conn, memif_details_t *md, char *buf, ssize_t buflen);
int memif_get_tx_ring_details(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid, uint16_t ndesc);
int memif_get_rx_ring_details(memif_conn_handle_t conn, memif_ring_details_t *rd, uint16_t qid, uint16_t ndesc);

int memif_buffer_alloc(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                       uint16_t count, uint16_t *count_out, uint16_t size);
int memif_buffer_enq_tx(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                        uint16_t count, uint16_t *count_out);
int memif_buffer_requeue(memif_conn_handle_t conn, memif_buffer_t *buf_a, memif_buffer_t *buf_b);
int memif_set_next_free_buffer(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *buf);
int memif_refill_queue(memif_conn_handle_t conn, uint16_t qid, uint16_t count, uint16_t headroom);
int memif_tx_burst(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                   uint16_t count, uint16_t *tx);
int memif_rx_burst(memif_conn_handle_t conn, uint16_t qid, memif_buffer_t *bufs,
                   uint16_t count, uint16_t *rx);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _LIBMEMIF_H_ */
