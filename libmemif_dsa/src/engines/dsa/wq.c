/* SPDX-License-Identifier: Apache-2.0 */
/* Work-queue helpers shared by every back end: the retry policy and
 * names for statuses, opcodes and queue modes. */
#include <errno.h>
#include <stdio.h>

#include "wq.h"

uint32_t mdsa_retry_backoff(const struct mdsa_retry_policy *p, uint32_t attempt)
{
    uint32_t cap = p->max_pause ? p->max_pause : 1;
    if (attempt >= 31)
        return cap;
    uint32_t n = 1u << attempt;
    return n < cap ? n : cap;
}

static void backoff(const struct mdsa_retry_policy *p, uint32_t attempt)
{
    for (uint32_t i = mdsa_retry_backoff(p, attempt); i; i--)
        mdsa_cpu_relax();
}

int mdsa_wq_submit_retry(struct mdsa_wq *wq, const struct mdsa_desc *d,
                         const struct mdsa_retry_policy *p, uint32_t *retries)
{
    uint32_t n = 0;
    int rc = mdsa_wq_submit(wq, d);
    while (rc == MDSA_WQ_RETRY && n < p->max_retries) {
        backoff(p, n);
        n++;
        rc = mdsa_wq_submit(wq, d);
    }
    if (retries)
        *retries = n;
    return rc;
}

int mdsa_wq_write_retry(struct mdsa_wq *wq, const struct mdsa_desc *d, uint32_t n,
                        const struct mdsa_retry_policy *p, uint32_t *retries)
{
    uint32_t done = 0, tries = 0;
    int rc = 0;
    while (done < n) {
        rc = mdsa_wq_write(wq, d + done, n - done);
        if (rc > 0) {
            done += (uint32_t)rc;
            continue;
        }
        if (rc != -EAGAIN || tries >= p->max_retries)
            break;
        backoff(p, tries);
        tries++;
    }
    if (retries)
        *retries = tries;
    if (done == 0 && rc < 0 && rc != -EAGAIN)
        return rc;
    return (int)done;
}

const char *mdsa_wq_mode_name(int mode)
{
    return mode == MDSA_WQ_SHARED ? "shared" : "dedicated";
}

int mdsa_wq_describe(const struct mdsa_wq_info *i, char *buf, size_t len)
{
    return snprintf(buf, len,
                    "%s mode=%s submit=%s size=%u threshold=%u max_xfer=%u "
                    "max_batch=%u block_on_fault=%u cache_control=%u",
                    i->name, mdsa_wq_mode_name(i->mode), i->portal ? "portal" : "write",
                    i->size, i->threshold, i->max_xfer, i->max_batch,
                    i->block_on_fault, i->cache_control);
}

const char *mdsa_status_name(uint8_t status)
{
    switch (status & MDSA_ST_MASK) {
    case MDSA_ST_NONE: return "none";
    case MDSA_ST_SUCCESS: return "success";
    case MDSA_ST_SUCCESS_PRED: return "success-false-predicate";
    case MDSA_ST_PAGE_FAULT: return "page-fault";
    case MDSA_ST_PAGE_FAULT_IR: return "page-fault-invalid-response";
    case MDSA_ST_BATCH_FAIL: return "batch-fail";
    case MDSA_ST_BATCH_PAGE_FAULT: return "batch-list-page-fault";
    case MDSA_ST_DR_OFFSET_NOINC: return "delta-offset-not-increasing";
    case MDSA_ST_DR_OFFSET_ERANGE: return "delta-offset-range";
    case MDSA_ST_DIF_ERR: return "dif-error";
    case MDSA_ST_BAD_OPCODE: return "bad-opcode";
    case MDSA_ST_INVALID_FLAGS: return "invalid-flags";
    case MDSA_ST_NOZERO_RESERVE: return "nonzero-reserved";
    case MDSA_ST_XFER_ERANGE: return "transfer-size-range";
    case MDSA_ST_DESC_CNT_ERANGE: return "descriptor-count-range";
    case MDSA_ST_DR_ERANGE: return "delta-size-range";
    case MDSA_ST_OVERLAP_BUFFERS: return "overlapping-buffers";
    case MDSA_ST_DCAST_ERR: return "dualcast-misaligned";
    case MDSA_ST_DESCLIST_ALIGN: return "descriptor-list-misaligned";
    case MDSA_ST_INT_HANDLE_INVAL: return "invalid-interrupt-handle";
    case MDSA_ST_CRA_XLAT: return "completion-record-fault";
    case MDSA_ST_CRA_ALIGN: return "completion-record-misaligned";
    case MDSA_ST_ADDR_ALIGN: return "address-misaligned";
    case MDSA_ST_PRIV_BAD: return "bad-privilege";
    case MDSA_ST_TRAFFIC_CLASS_CONF: return "traffic-class-config";
    case MDSA_ST_PFAULT_RDBA: return "readback-fault";
    case MDSA_ST_HW_ERR1: return "hardware-error";
    case MDSA_ST_HW_ERR_DRB: return "hardware-readback-error";
    case MDSA_ST_TRANSLATION_FAIL: return "translation-failure";
    case MDSA_ST_DRAIN_EVL: return "fault-before-drain";
    case MDSA_ST_BATCH_EVL_ERR: return "batch-fault-event-log";
    default: return "unknown";
    }
}

const char *mdsa_opcode_name(uint8_t opcode)
{
    switch (opcode) {
    case MDSA_OP_NOOP: return "noop";
    case MDSA_OP_BATCH: return "batch";
    case MDSA_OP_DRAIN: return "drain";
    case MDSA_OP_MEMMOVE: return "memmove";
    case MDSA_OP_FILL: return "fill";
    case MDSA_OP_COMPARE: return "compare";
    case MDSA_OP_COMPVAL: return "compval";
    case MDSA_OP_CR_DELTA: return "create-delta";
    case MDSA_OP_AP_DELTA: return "apply-delta";
    case MDSA_OP_DUALCAST: return "dualcast";
    case MDSA_OP_CRCGEN: return "crcgen";
    case MDSA_OP_COPY_CRC: return "copy-crc";
    case MDSA_OP_DIF_CHECK: return "dif-check";
    case MDSA_OP_DIF_INS: return "dif-insert";
    case MDSA_OP_DIF_STRP: return "dif-strip";
    case MDSA_OP_DIF_UPDT: return "dif-update";
    case MDSA_OP_CFLUSH: return "cache-flush";
    default: return "unknown";
    }
}
