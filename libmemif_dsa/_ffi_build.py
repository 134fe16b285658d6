# SPDX-License-Identifier: Apache-2.0
"""cffi (API mode) build of the C core, the copy engines and the tools
into libmemif_dsa._memif_dsa.

The declarations below mirror include/libmemif.h, include/memif_dsa.h and
src/tools/mdsa_tools.h, mdsa_bench.h and soak.h; constants and enum values are taken from the headers
by the compiler (``...``) and the statistics counters from the headers'
X-macro lists, so the C headers stay the one source of truth.  The compiler
flags are src/flags.mk's, shared with the Makefile and the C tests.

MEMIF_DSA_SANITIZE=1 builds with AddressSanitizer and UBSan (run the tests
with the sanitizer runtime preloaded; see ci/lanes/30-sanitizers).
"""

import glob
import os
import re
import shlex

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
INCLUDE = os.path.join(HERE, "include")

CDEF = r"""
typedef enum {
    MEMIF_ERR_SUCCESS, MEMIF_ERR_SYSCALL, MEMIF_ERR_CONNREFUSED, MEMIF_ERR_ACCES,
    MEMIF_ERR_NO_FILE, MEMIF_ERR_FILE_LIMIT, MEMIF_ERR_PROC_FILE_LIMIT, MEMIF_ERR_ALREADY,
    MEMIF_ERR_AGAIN, MEMIF_ERR_BAD_FD, MEMIF_ERR_NOMEM, MEMIF_ERR_INVAL_ARG, MEMIF_ERR_NOCONN,
    MEMIF_ERR_CONN, MEMIF_ERR_CB_FDUPDATE, MEMIF_ERR_FILE_NOT_SOCK, MEMIF_ERR_NO_SHMFD,
    MEMIF_ERR_COOKIE, MEMIF_ERR_NOBUF_RING, MEMIF_ERR_NOBUF, MEMIF_ERR_NOBUF_DET,
    MEMIF_ERR_INT_WRITE, MEMIF_ERR_MFMSG, MEMIF_ERR_QID, MEMIF_ERR_PROTO, MEMIF_ERR_ID,
    MEMIF_ERR_ACCSLAVE, MEMIF_ERR_ALRCONN, MEMIF_ERR_MODE, MEMIF_ERR_SECRET, MEMIF_ERR_NOSECRET,
    MEMIF_ERR_MAXREG, MEMIF_ERR_MAXRING, MEMIF_ERR_NO_INTFD, MEMIF_ERR_DISCONNECT,
    MEMIF_ERR_DISCONNECTED, MEMIF_ERR_UNKNOWN_MSG, MEMIF_ERR_POLL_CANCEL, MEMIF_ERR_MAX_RING,
    MEMIF_ERR_PRIVHDR, ...
} memif_err_t;

typedef enum { MEMIF_RX_MODE_INTERRUPT, MEMIF_RX_MODE_POLLING, ... } memif_rx_mode_t;
typedef enum { MEMIF_INTERFACE_MODE_ETHERNET, MEMIF_INTERFACE_MODE_IP,
               MEMIF_INTERFACE_MODE_PUNT_INJECT, ... } memif_interface_mode_t;
#define MEMIF_QUEUE_FLAG_POLLING ...
#define MDSA_TX_WAIT ...
#define MDSA_DSA_DEFAULT_THRESHOLD ...
#define MDSA_ENGINE_NORMAL ...
#define MDSA_ENGINE_CPU_ONLY ...
#define MDSA_LAYOUT_LIBMEMIF ...
#define MDSA_LAYOUT_SINGLE_REGION ...
#define MDSA_LAYOUT_REGION_PER_QUEUE ...

typedef void *memif_conn_handle_t;
typedef void *memif_socket_handle_t;

struct timespec { long tv_sec; long tv_nsec; ...; };
struct itimerspec { struct timespec it_interval; struct timespec it_value; ...; };

typedef struct memif_socket_args {
    char path[108];
    char app_name[32];
    struct itimerspec connection_request_timer;
    ...;
} memif_socket_args_t;

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
    ...;
} memif_conn_args_t;

typedef struct {
    uint8_t region; uint16_t qid; uint32_t ring_size; uint16_t flags;
    uint16_t head; uint16_t tail; uint16_t buffer_size; ...;
} memif_queue_details_t;

typedef struct {
    uint8_t index; void *addr; uint32_t size; int fd; uint8_t is_external; ...;
} memif_region_details_t;

typedef struct {
    uint8_t *if_name; uint8_t *inst_name; uint8_t *remote_if_name; uint8_t *remote_inst_name;
    uint32_t id; uint8_t *secret; uint8_t role; uint8_t mode; uint8_t *socket_path;
    uint8_t regions_num; memif_region_details_t *regions;
    uint8_t rx_queues_num; uint8_t tx_queues_num;
    memif_queue_details_t *rx_queues; memif_queue_details_t *tx_queues;
    uint8_t *error; uint8_t link_up_down; ...;
} memif_details_t;

uint16_t memif_get_version(void);
const char *memif_get_version_str(void);
char *memif_strerror(int err_code);
int memif_create_socket(memif_socket_handle_t *sock, memif_socket_args_t *args, void *private_ctx);
int memif_delete_socket(memif_socket_handle_t *sock);
int memif_create(memif_conn_handle_t *conn, memif_conn_args_t *args, void *on_connect,
                 void *on_disconnect, void *on_interrupt, void *private_ctx);
int memif_delete(memif_conn_handle_t *conn);
int memif_request_connection(memif_conn_handle_t conn);
int memif_poll_event(memif_socket_handle_t sock, int timeout);
int memif_set_rx_mode(memif_conn_handle_t conn, memif_rx_mode_t rx_mode, uint16_t qid);
int memif_get_queue_efd(memif_conn_handle_t conn, uint16_t qid, int *fd);
int memif_get_details(memif_conn_handle_t conn, memif_details_t *md, char *buf, ssize_t buflen);

struct mdsa_engine_counters { @ENGINE_COUNTERS@
    uint32_t state; uint32_t memory_locked; char state_reason[128]; char note[160]; ...; };
typedef struct mdsa_engine_counters mdsa_engine_counters_t;

typedef struct { @STATS_COUNTERS@ mdsa_engine_counters_t engine; ...; } mdsa_stats_t;

typedef struct {
    uint32_t arrangement; uint32_t ring_offset; uint32_t buffer_offset; uint16_t headroom;
    uint8_t rotate; uint32_t m2s_length; uint8_t unsealed; ...;
} mdsa_layout_t;
typedef struct {
    uint16_t max_region; uint16_t max_m2s_ring; uint16_t max_s2m_ring;
    uint8_t max_log2_ring_size; ...;
} mdsa_hello_limits_t;

typedef struct mdsa_tools_reflector mdsa_tools_reflector_t;
typedef void (mdsa_trace_fn)(const char *line, void *ctx);

const char *mdsa_version(void);
int mdsa_set_engine(memif_conn_handle_t conn, const char *engine, const char *config,
                    uint32_t threshold, char *err, size_t errlen);
const char *mdsa_engine_name(memif_conn_handle_t conn);
int mdsa_set_trace(memif_socket_handle_t sock, mdsa_trace_fn *fn, void *ctx);
int mdsa_dsa_config_validate(const char *config, char *err, size_t errlen);
int mdsa_dsa_info(const char *config, char *buf, size_t len);
int mdsa_tx_copy_burst(memif_conn_handle_t conn, uint16_t qid, const uint8_t *data,
                       const uint32_t *lens, uint16_t count, uint32_t flags, uint16_t *sent);
int mdsa_tx_flush(memif_conn_handle_t conn, uint16_t qid, int wait, uint32_t *pending);
int mdsa_rx_copy_burst(memif_conn_handle_t conn, uint16_t qid, uint8_t *buf, size_t buflen,
                       uint32_t *lens, uint16_t max, uint16_t *count, size_t *need);
int mdsa_rx_wait(memif_conn_handle_t conn, uint16_t qid, int timeout_ms);
int mdsa_wait_connected(memif_conn_handle_t conn, int timeout_ms);
int mdsa_is_connected(memif_conn_handle_t conn);
const char *mdsa_disconnect_reason(memif_conn_handle_t conn);
const char *mdsa_socket_error(memif_socket_handle_t sock);
int mdsa_socket_event_fd(memif_socket_handle_t sock);
int mdsa_socket_dispatch(memif_socket_handle_t sock, int max_events);
int mdsa_queue_counts(memif_conn_handle_t conn, uint16_t *rx_queues, uint16_t *tx_queues);
int mdsa_get_stats(memif_conn_handle_t conn, mdsa_stats_t *st);
int mdsa_set_refuse_unsealed(memif_conn_handle_t conn, int refuse);
int mdsa_disconnect(memif_conn_handle_t conn, const char *reason);
int mdsa_set_layout(memif_conn_handle_t conn, const mdsa_layout_t *layout);
int mdsa_set_hello_limits(memif_socket_handle_t sock, const mdsa_hello_limits_t *limits);
int mdsa_set_log2_ring_size(memif_conn_handle_t conn, uint8_t log2);

/* tools/mdsa_tools.h */
mdsa_tools_reflector_t *mdsa_tools_reflector_new(memif_conn_handle_t conn, uint16_t burst,
                                                 int polling);
int mdsa_tools_reflector_run(mdsa_tools_reflector_t *r, int timeout_ms, uint64_t *reflected);
void mdsa_tools_reflector_free(mdsa_tools_reflector_t *r);

/* tools/mdsa_bench.h */
typedef struct {
    uint64_t packets; uint64_t bytes; uint64_t bursts; uint64_t empty_polls; uint64_t elapsed_ns;
    uint64_t cpu_ns; uint64_t phase_ns[3]; ...;
} mdsa_tools_bench_result_t;
#define MDSA_TOOLS_BENCH_COPY ...
#define MDSA_TOOLS_BENCH_ZC ...
#define MDSA_TOOLS_BENCH_YIELD ...
#define MDSA_TOOLS_BENCH_PHASES ...
int mdsa_tools_bench_tx(memif_conn_handle_t conn, uint16_t qid, uint32_t frame_size,
                        uint16_t burst, uint64_t duration_ns, uint32_t flags,
                        mdsa_tools_bench_result_t *res);
int mdsa_tools_bench_rx(memif_conn_handle_t conn, uint16_t qid, uint16_t burst,
                        uint64_t warmup_ns, uint64_t duration_ns, uint64_t idle_ns,
                        uint32_t flags, mdsa_tools_bench_result_t *res);

/* tools/soak.h */
typedef struct {
    uint64_t packets; uint64_t seed; uint32_t min_size; uint32_t max_size; uint16_t burst;
    uint32_t buffer_size; uint32_t inject; ...;
} mdsa_tools_soak_config_t;
#define MDSA_TOOLS_SOAK_INJECT_DROP ...
#define MDSA_TOOLS_SOAK_INJECT_DUP ...
#define MDSA_TOOLS_SOAK_INJECT_SWAP ...
#define MDSA_TOOLS_SOAK_INJECT_CORRUPT ...
#define MDSA_TOOLS_SOAK_INJECT_MISROUTE ...
typedef struct {
    uint64_t planned; uint64_t sent; uint64_t received; uint64_t bytes; uint64_t chained;
    uint64_t lost; uint64_t corrupted; uint64_t duplicated; uint64_t reordered; uint64_t misrouted;
    uint64_t ring_full; uint64_t elapsed_ns; uint32_t streams; int done; ...;
} mdsa_tools_soak_result_t;
typedef struct mdsa_tools_soak mdsa_tools_soak_t;
mdsa_tools_soak_t *mdsa_tools_soak_new(memif_conn_handle_t a, memif_conn_handle_t b,
                                       const mdsa_tools_soak_config_t *cfg, char *err,
                                       size_t errlen);
int mdsa_tools_soak_run(mdsa_tools_soak_t *s, uint64_t budget_ns, mdsa_tools_soak_result_t *res);
void mdsa_tools_soak_free(mdsa_tools_soak_t *s);

/* helpers defined in the module preamble */
void mdsa_py_set_mode(memif_conn_args_t *a, int mode);
"""

PREAMBLE = r"""
#include "libmemif.h"
#include "memif_dsa.h"
#include "tools/mdsa_tools.h"
#include "tools/soak.h"
/* memif_conn_args_t.mode is a bit-field, which cffi cannot reach */
static void mdsa_py_set_mode(memif_conn_args_t *a, int mode) { a->mode = (memif_interface_mode_t)mode; }
"""


def counters(macro):
    """The fields of an X-macro counter list in memif_dsa.h, as cdef text."""
    text = open(os.path.join(INCLUDE, "memif_dsa.h")).read()
    body = re.search(r"#define %s\(X\)((?:.*\\\n)*.*\n)" % macro, text).group(1)
    return " ".join(f"uint64_t {name};" for name in re.findall(r"X\((\w+),", body))


def cdef():
    return (CDEF.replace("@ENGINE_COUNTERS@", counters("MDSA_ENGINE_COUNTERS"))
            .replace("@STATS_COUNTERS@", counters("MDSA_STATS_COUNTERS")))


def _rel(paths):
    return [os.path.relpath(f, os.path.dirname(HERE)) for f in sorted(paths)]


def c_sources():
    return _rel(glob.glob(os.path.join(SRC, "core", "*.c")) + glob.glob(os.path.join(SRC, "engines", "*.c"))
                + glob.glob(os.path.join(SRC, "engines", "dsa", "*.c"))
                + glob.glob(os.path.join(SRC, "tools", "*.c")))


def c_headers():
    return _rel(glob.glob(os.path.join(SRC, "*", "*.h")) + glob.glob(os.path.join(SRC, "engines", "dsa", "*.h"))
                + glob.glob(os.path.join(INCLUDE, "*.h")) + [os.path.join(SRC, "flags.mk")])


def make_vars():
    """NAME = value lines of src/flags.mk."""
    out = {}
    for line in open(os.path.join(SRC, "flags.mk")):
        m = re.match(r"^(\w+)\s*:?=\s*(.*)$", line.strip())
        if m:
            out[m.group(1)] = shlex.split(m.group(2))
    return out


def build_flags():
    v = make_vars()
    cflags, ldflags = list(v["MDSA_CFLAGS"]), list(v["MDSA_LDFLAGS"])
    if os.environ.get("MEMIF_DSA_SANITIZE"):
        cflags += v["MDSA_SANITIZE"]
        ldflags += v["MDSA_SANITIZE"]
    return cflags, ldflags


ffibuilder = FFI()
ffibuilder.cdef(cdef())
_cflags, _ldflags = build_flags()
ffibuilder.set_source(
    "libmemif_dsa._memif_dsa",
    PREAMBLE,
    sources=c_sources(),
    depends=c_headers() + c_sources(),  # rebuild when any header changes
    include_dirs=_rel([INCLUDE, SRC]),
    extra_compile_args=_cflags,
    extra_link_args=_ldflags,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
