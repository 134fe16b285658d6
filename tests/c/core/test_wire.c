/* SPDX-License-Identifier: Apache-2.0 */
/* The wire format layer alone: the layouts memif 2.0 fixes. */
#include <stddef.h>

#include "harness.h"
#include "wire.h"

static void test_message_layout(void)
{
    CHECK_EQ(sizeof(memif_msg_t), 128);
    CHECK_EQ(offsetof(memif_msg_t, init), 2);
    CHECK_EQ(offsetof(memif_msg_init_t, secret), 7);
    CHECK_EQ(offsetof(memif_msg_add_ring_t, private_hdr_size), 11);
    CHECK_EQ(sizeof(memif_msg_disconnect_t), 100);
    CHECK_EQ(MEMIF_VERSION, 0x0200);
}

static void test_ring_layout(void)
{
    CHECK_EQ(sizeof(memif_desc_t), 16);
    CHECK_EQ(offsetof(memif_ring_t, head), 6);
    CHECK_EQ(offsetof(memif_ring_t, tail), 64);
    CHECK_EQ(offsetof(memif_ring_t, desc), 128);
    CHECK_EQ(memif_ring_bytes(0), 128 + 16);
    CHECK_EQ(memif_ring_bytes(10), 128 + 16 * 1024);
    CHECK_EQ(memif_ring_bytes(MEMIF_MAX_LOG2_RING), 128 + 16ull * 16384);
}

int main(void)
{
    RUN(test_message_layout);
    RUN(test_ring_layout);
    return h_summary(__FILE__);
}
