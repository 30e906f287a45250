/* libFuzzer target: the manifest scanner, parser and validator, then the expansion for
 * every server a valid manifest names, and the simulated node reader on the same
 * bytes. Certificate files are never read (MANIFEST_NO_FILES). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "desired.h"
#include "manifest.h"
#include "simnode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    ofd_err e;
    size_t i;

    if (manifest_parse((const char *)data, size, "fuzz-no-such-dir", MANIFEST_NO_FILES, &m, &d,
                       &e) == OFD_OK) {
        /* A valid manifest has no error diagnostics and expands for each server. */
        if (d.nerrors)
            __builtin_trap();
        for (i = 0; i < m->nservers; i++) {
            struct desired x;
            if (desired_expand(m, m->servers[i].fqdn, NULL, &x, &e) != OFD_OK)
                __builtin_trap();
            desired_free(&x);
        }
    } else if (!d.nerrors && e.code != OFD_E_NOMEM) {
        __builtin_trap(); /* a rejected manifest says why */
    }
    manifest_free(m);
    diags_free(&d);
    if (simnode_open_buffer((const char *)data, size, "fuzz.json", &node, &e) == OFD_OK)
        node_close(&node);
    return 0;
}
