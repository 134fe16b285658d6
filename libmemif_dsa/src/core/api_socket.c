/* SPDX-License-Identifier: Apache-2.0 */
/* The libmemif 4.0 socket functions and our socket additions. */
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "endpoint.h"
#include "events.h"
#include "libmemif.h"
#include "memif_dsa.h"
#include "sock.h"

int memif_create_socket(memif_socket_handle_t *sock, memif_socket_args_t *args, void *private_ctx)
{
    if (!sock || !args)
        return MEMIF_ERR_INVAL_ARG;
    if (strnlen(args->path, sizeof args->path) == sizeof args->path ||
        strnlen(args->app_name, sizeof args->app_name) == sizeof args->app_name)
        return MEMIF_ERR_INVAL_ARG;
    struct mdsa_alloc al;
    mdsa_alloc_init(&al, args);
    struct msock *s = mdsa_zalloc(&al, sizeof *s);
    if (!s)
        return MEMIF_ERR_NOMEM;
    int err = sock_init(s, args, private_ctx);
    if (err) {
        mdsa_free(&al, s);
        return err;
    }
    *sock = s;
    return MEMIF_ERR_SUCCESS;
}

int memif_delete_socket(memif_socket_handle_t *sock)
{
    if (!sock || !*sock)
        return MEMIF_ERR_INVAL_ARG;
    struct msock *s = *sock;
    if (s->conns)
        return MEMIF_ERR_INVAL_ARG; /* interfaces still use it */
    chan_pending_clear(s);
    endpoint_close_listener(s);
    sock_fini(s);
    struct mdsa_alloc al = s->al;
    mdsa_free(&al, s);
    *sock = NULL;
    return MEMIF_ERR_SUCCESS;
}

const char *memif_get_socket_path(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->args.path : NULL;
}

const char *memif_get_socket_filename(memif_socket_handle_t sock)
{
    return memif_get_socket_path(sock);
}

int memif_get_listener_fd(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->listener_fd : -1;
}

int memif_set_listener_fd(memif_socket_handle_t sock, int fd)
{
    if (!sock || fd < 0)
        return MEMIF_ERR_INVAL_ARG;
    return endpoint_adopt_listener(sock, fd);
}

int memif_set_connection_request_timer(memif_socket_handle_t sock, struct itimerspec timer)
{
    if (!sock)
        return MEMIF_ERR_INVAL_ARG;
    sock_timer_set(sock, timer);
    return MEMIF_ERR_SUCCESS;
}

void memif_register_external_region(memif_socket_handle_t sock, memif_add_external_region_t *ar,
                                    memif_get_external_region_addr_t *gr,
                                    memif_del_external_region_t *dr,
                                    memif_get_external_buffer_offset_t *go)
{
    struct msock *s = sock;
    if (s)
        s->ext = (struct shm_ext){.add = ar, .get = gr, .del = dr, .off = go};
}

int memif_control_fd_handler(void *ptr, memif_fd_event_type_t events)
{
    return ptr ? events_dispatch(ptr, events) : MEMIF_ERR_INVAL_ARG;
}

int memif_poll_event(memif_socket_handle_t sock, int timeout)
{
    struct msock *s = sock;
    if (!s || s->epfd < 0)
        return MEMIF_ERR_INVAL_ARG;
    return events_poll(s, timeout);
}

int memif_cancel_poll_event(memif_socket_handle_t sock)
{
    struct msock *s = sock;
    uint64_t one = 1;
    if (!s)
        return MEMIF_ERR_INVAL_ARG;
    if (write(s->cancel_fd, &one, sizeof one) != sizeof one)
        return MEMIF_ERR_INT_WRITE;
    return MEMIF_ERR_SUCCESS;
}

const char *mdsa_socket_error(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->errmsg : "";
}

int mdsa_socket_event_fd(memif_socket_handle_t sock)
{
    return sock ? ((struct msock *)sock)->epfd : -1;
}

int mdsa_socket_dispatch(memif_socket_handle_t sock, int max_events)
{
    struct msock *s = sock;
    if (!s || s->epfd < 0)
        return -MEMIF_ERR_INVAL_ARG;
    return events_drain(s, max_events);
}

int mdsa_set_trace(memif_socket_handle_t sock, mdsa_trace_fn *fn, void *ctx)
{
    struct msock *s = sock;
    if (!s)
        return MEMIF_ERR_INVAL_ARG;
    s->trace = (struct mdsa_tracer){.fn = fn, .ctx = ctx};
    return MEMIF_ERR_SUCCESS;
}
