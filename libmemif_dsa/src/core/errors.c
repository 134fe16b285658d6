/* SPDX-License-Identifier: Apache-2.0 */
/* Error strings and errno mapping. */
#include "errors.h"

#include <errno.h>
#include <stddef.h>

#include "libmemif.h"

static const char *const errlist[] = {
    [MEMIF_ERR_SUCCESS] = "success",
    [MEMIF_ERR_SYSCALL] = "system call failed",
    [MEMIF_ERR_CONNREFUSED] = "connection refused (no listener on the socket)",
    [MEMIF_ERR_ACCES] = "permission denied",
    [MEMIF_ERR_NO_FILE] = "socket file does not exist",
    [MEMIF_ERR_FILE_LIMIT] = "system limit on open files reached",
    [MEMIF_ERR_PROC_FILE_LIMIT] = "process limit on open files reached",
    [MEMIF_ERR_ALREADY] = "already requested or in use",
    [MEMIF_ERR_AGAIN] = "try again (timed out or would block)",
    [MEMIF_ERR_BAD_FD] = "bad file descriptor",
    [MEMIF_ERR_NOMEM] = "out of memory",
    [MEMIF_ERR_INVAL_ARG] = "invalid argument",
    [MEMIF_ERR_NOCONN] = "handle does not point to an interface",
    [MEMIF_ERR_CONN] = "handle already points to an interface",
    [MEMIF_ERR_CB_FDUPDATE] = "application fd-update callback failed",
    [MEMIF_ERR_FILE_NOT_SOCK] = "socket path exists but is not a socket",
    [MEMIF_ERR_NO_SHMFD] = "missing shared-memory file descriptor",
    [MEMIF_ERR_COOKIE] = "wrong cookie on ring",
    [MEMIF_ERR_NOBUF_RING] = "ring full",
    [MEMIF_ERR_NOBUF] = "more packets are waiting than the buffer array holds",
    [MEMIF_ERR_NOBUF_DET] = "details buffer too small",
    [MEMIF_ERR_INT_WRITE] = "interrupt write failed",
    [MEMIF_ERR_MFMSG] = "malformed control message",
    [MEMIF_ERR_QID] = "invalid queue id",
    [MEMIF_ERR_PROTO] = "incompatible protocol version",
    [MEMIF_ERR_ID] = "unmatched interface id",
    [MEMIF_ERR_ACCSLAVE] = "a secondary (slave) cannot accept connections",
    [MEMIF_ERR_ALRCONN] = "interface already connected",
    [MEMIF_ERR_MODE] = "mode mismatch",
    [MEMIF_ERR_SECRET] = "incorrect secret",
    [MEMIF_ERR_NOSECRET] = "secret required",
    [MEMIF_ERR_MAXREG] = "too many regions",
    [MEMIF_ERR_MAXRING] = "too many rings",
    [MEMIF_ERR_NO_INTFD] = "missing interrupt file descriptor",
    [MEMIF_ERR_DISCONNECT] = "disconnect received from the peer",
    [MEMIF_ERR_DISCONNECTED] = "interface is disconnected",
    [MEMIF_ERR_UNKNOWN_MSG] = "unknown control message type",
    [MEMIF_ERR_POLL_CANCEL] = "event polling cancelled",
    [MEMIF_ERR_MAX_RING] = "ring too large (log2 ring size above 14)",
    [MEMIF_ERR_PRIVHDR] = "private headers not supported",
};

char *memif_strerror(int err_code)
{
    if (err_code < 0 || (size_t)err_code >= sizeof errlist / sizeof errlist[0] || !errlist[err_code])
        return (char *)"Unknown error";
    return (char *)errlist[err_code];
}

int mdsa_syscall_error(int err)
{
    switch (err) {
    case 0: return MEMIF_ERR_SUCCESS;
    case EACCES: case EPERM: return MEMIF_ERR_ACCES;
    case ENFILE: return MEMIF_ERR_FILE_LIMIT;
    case EMFILE: return MEMIF_ERR_PROC_FILE_LIMIT;
    case ENOMEM: return MEMIF_ERR_NOMEM;
    case EAGAIN: return MEMIF_ERR_AGAIN;
    case EBADF: return MEMIF_ERR_BAD_FD;
    case ENOENT: return MEMIF_ERR_NO_FILE;
    case ECONNREFUSED: return MEMIF_ERR_CONNREFUSED;
    case EALREADY: case EISCONN: return MEMIF_ERR_ALREADY;
    case ENOTSOCK: return MEMIF_ERR_FILE_NOT_SOCK;
    default: return MEMIF_ERR_SYSCALL;
    }
}
