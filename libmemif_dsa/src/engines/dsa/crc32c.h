/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-32C (Castagnoli, polynomial 0x1EDC6F41) as DSA's CRCGEN and COPY_CRC
 * compute it, including the three operation-specific flag bits. */
#ifndef MDSA_DSA_CRC32C_H
#define MDSA_DSA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Slicing-by-8 tables for the reflected polynomial 0x82F63B78 plus a
 * byte bit-reversal table; built once per owner, read-only afterwards. */
struct mdsa_crc32c_tab {
    uint32_t t[8][256];
    uint8_t rev8[256];
};

void mdsa_crc32c_init(struct mdsa_crc32c_tab *tab);

/* Raw reflected CRC register update (no inversion). */
uint32_t mdsa_crc32c_raw(const struct mdsa_crc32c_tab *tab, uint32_t crc,
                         const void *data, size_t len);

/* DSA semantics (flags = descriptor flags; only bits 17 and 18 matter):
 *   default:                 r = ~seed; r = update(r, data); return ~r
 *                            (the usual chainable CRC-32C: seed 0 over
 *                            "123456789" gives 0xE3069283, and the CRC of
 *                            A||B is the CRC of B seeded with the CRC of A)
 *   MDSA_F_CRC_BYPASS_INV:   no inversion and the seed and result are
 *                            bit-reversed (the register in MSB-first form)
 *   MDSA_F_CRC_BYPASS_DREF:  each data byte is bit-reversed before use
 * Matches what Intel's DML software path and accel-config's test
 * reference compute.  Chaining with the returned value as the next seed
 * holds in every flag combination. */
uint32_t mdsa_dsa_crc32(const struct mdsa_crc32c_tab *tab, uint32_t seed,
                        const void *data, size_t len, uint32_t flags);

#endif
