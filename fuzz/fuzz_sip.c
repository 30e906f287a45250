/* libFuzzer target for the probe's SIP parser (agent/probe_sip.c): whatever answers on
 * an IM&P node's port. Input: the bytes received. Every message parsed is within the
 * input, every call makes progress or stops, and a prefix of a message never parses as
 * more than the message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t left = size, used;
    struct probe_sip_msg m;
    ofd_err e;

    while (left > 0) {
        enum probe_sip_parse_result r = probe_sip_parse(p, left, &m, &used, &e);

        if (r != PROBE_SIP_MESSAGE)
            break;
        if (used == 0 || used > left)
            abort(); /* a message is within what was received, and not empty */
        if (m.response && (m.status < 100 || m.status > 699))
            abort();
        if (memchr(m.reason, '\n', strlen(m.reason)) || memchr(m.call_id, '\r', strlen(m.call_id)))
            abort(); /* control characters are blanked */
        p += used;
        left -= used;
    }
    return 0;
}
