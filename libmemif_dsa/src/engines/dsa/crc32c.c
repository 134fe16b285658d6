/* SPDX-License-Identifier: Apache-2.0 */
/* Table-driven CRC-32C for the DSA emulator (see crc32c.h). */
#include <string.h>

#include "crc32c.h"
#include "desc.h"

#define CRC32C_REFLECTED_POLY 0x82F63B78u

void mdsa_crc32c_init(struct mdsa_crc32c_tab *tab)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ ((c & 1u) ? CRC32C_REFLECTED_POLY : 0u);
        tab->t[0][i] = c;
        uint8_t r = 0;
        for (int k = 0; k < 8; k++)
            if (i & (1u << k))
                r |= (uint8_t)(0x80u >> k);
        tab->rev8[i] = r;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int s = 1; s < 8; s++)
            tab->t[s][i] = (tab->t[s - 1][i] >> 8) ^ tab->t[0][tab->t[s - 1][i] & 0xffu];
}

uint32_t mdsa_crc32c_raw(const struct mdsa_crc32c_tab *tab, uint32_t crc,
                         const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len >= 8) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4); /* little-endian hosts only (x86-64, arm64) */
        memcpy(&hi, p + 4, 4);
        lo ^= crc;
        crc = tab->t[7][lo & 0xff] ^ tab->t[6][(lo >> 8) & 0xff] ^
              tab->t[5][(lo >> 16) & 0xff] ^ tab->t[4][lo >> 24] ^
              tab->t[3][hi & 0xff] ^ tab->t[2][(hi >> 8) & 0xff] ^
              tab->t[1][(hi >> 16) & 0xff] ^ tab->t[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ tab->t[0][(crc ^ *p++) & 0xff];
    return crc;
}

static uint32_t rev32(uint32_t v)
{
    v = (v & 0x55555555u) << 1 | (v >> 1 & 0x55555555u);
    v = (v & 0x33333333u) << 2 | (v >> 2 & 0x33333333u);
    v = (v & 0x0f0f0f0fu) << 4 | (v >> 4 & 0x0f0f0f0fu);
    return __builtin_bswap32(v);
}

uint32_t mdsa_dsa_crc32(const struct mdsa_crc32c_tab *tab, uint32_t seed,
                        const void *data, size_t len, uint32_t flags)
{
    int bypass_inv = (flags & MDSA_F_CRC_BYPASS_INV) != 0;
    uint32_t r = bypass_inv ? rev32(seed) : ~seed;
    if (flags & MDSA_F_CRC_BYPASS_DREF) {
        const uint8_t *p = data;
        for (size_t i = 0; i < len; i++)
            r = (r >> 8) ^ tab->t[0][(r ^ tab->rev8[p[i]]) & 0xff];
    } else {
        r = mdsa_crc32c_raw(tab, r, data, len);
    }
    return bypass_inv ? rev32(r) : ~r;
}
