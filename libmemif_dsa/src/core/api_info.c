/* SPDX-License-Identifier: Apache-2.0 */
/* Versions: the memif protocol's and the library's. */
#include "libmemif.h"
#include "memif_dsa.h"
#include "wire.h"

#define MDSA_STR_(x) #x
#define MDSA_STR(x) MDSA_STR_(x)

uint16_t memif_get_version(void)
{
    return MEMIF_VERSION;
}

const char *memif_get_version_str(void)
{
    return MDSA_STR(MEMIF_VERSION_MAJOR) "." MDSA_STR(MEMIF_VERSION_MINOR);
}

const char *mdsa_version(void)
{
    return MDSA_VERSION;
}
