/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes: errno to memif_err_t (memif_strerror is in libmemif.h). */
#ifndef MDSA_ERRORS_H
#define MDSA_ERRORS_H

/* The memif_err_t for an errno value. */
int mdsa_syscall_error(int err);

#endif
