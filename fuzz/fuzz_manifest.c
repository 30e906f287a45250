/* libFuzzer target: the manifest scanner, parser and validator, the expansion for every
 * server a valid manifest names, its IM&P checklist, the simulated node reader and the
 * plan.
 * Input: MANIFEST [NUL NODE]. Without a NUL byte the whole input is tried as both.
 * Certificate files are never read (MANIFEST_NO_FILES, a base directory that does not
 * exist). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "imp_checklist.h"
#include "manifest.h"
#include "plan.h"
#include "simnode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data, *nodetext = text;
    const char *nul = memchr(data, 0, size);
    size_t mlen = size, nlen = size, i;
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    struct plan p;
    ofd_err e;

    if (nul) {
        mlen = (size_t)(nul - text);
        nodetext = nul + 1;
        nlen = size - mlen - 1;
    }
    if (manifest_parse(text, mlen, "fuzz-no-such-dir", NULL, MANIFEST_NO_FILES, &m, &d, &e) == OFD_OK) {
        /* A valid manifest has no error diagnostics and expands for each server. */
        if (d.nerrors)
            __builtin_trap();
        for (i = 0; i < m->nservers; i++) {
            struct desired x;
            if (desired_expand(m, m->servers[i].fqdn, NULL, &x, &e) != OFD_OK)
                __builtin_trap();
            desired_free(&x);
        }
        {
            struct imp_checklist c;
            FILE *devnull;
            char *json;

            if (imp_checklist_make(m, &c, &e) == OFD_OK) {
                if (!c.n)
                    __builtin_trap(); /* every manifest has IM&P domains and listeners */
                json = imp_checklist_to_json(&c);
                free(json);
                if ((devnull = fopen("/dev/null", "w")) != NULL) {
                    imp_checklist_print_text(&c, m, "fuzz.json", devnull);
                    fclose(devnull);
                }
                imp_checklist_free(&c);
            }
        }
    } else if (!d.nerrors && e.code != OFD_E_NOMEM) {
        __builtin_trap(); /* a rejected manifest says why */
    }
    if (simnode_open_buffer(nodetext, nlen, "fuzz.json", &node, &e) == OFD_OK) {
        if (m
            && plan_make(m, &node, &(struct plan_options){.now = 1893456000LL /* 2030, inside the seeds' validity */},
                         &p, &e)
                   == OFD_OK) {
            char *json = plan_to_json(&p);
            free(json);
            plan_free(&p);
        }
        node_close(&node);
    }
    manifest_free(m);
    diags_free(&d);
    return 0;
}
