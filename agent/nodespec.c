#include "nodespec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apply.h"
#include "fsutil.h"
#include "simnode.h"
#include "strbuf.h"

static const struct node_platform *platform;

void nodespec_set_platform(const struct node_platform *p)
{
    platform = p;
}

int nodespec_has_platform(void)
{
    return platform != NULL;
}

char *nodespec_pfx_password(void)
{
    const char *env;
    char *pw = platform && platform->pfx_password ? platform->pfx_password() : NULL;

    if (!pw && (env = getenv("OCSFED_PFX_PASSWORD")))
        pw = ofd_strdup(env);
    return pw;
}

void nodespec_password_free(char *pw)
{
    if (!pw)
        return;
    OPENSSL_cleanse(pw, strlen(pw));
    free(pw);
}

enum ofd_code nodespec_open(const char *spec, struct node *out, char **journal, ofd_err *e)
{
    enum ofd_code rc;

    *journal = NULL;
    if (!spec) {
        if (!platform)
            return ofd_err_set(e, OFD_E_INVALID,
                               "this build has no server of its own to work on: give --node sim:FILE");
        if (!(*journal = platform->journal()))
            return ofd_err_nomem(e);
        if ((rc = platform->open(out, e)) != OFD_OK) {
            free(*journal);
            *journal = NULL;
        }
        return rc;
    }
    if (strcmp(spec, "sim:") == 0)
        return ofd_err_set(
            e, OFD_E_INVALID,
            "--node 'sim:' names no file: give the simulated front end's file, e.g. --node sim:fe1.json");
    if (strncmp(spec, "sim:", 4) != 0) {
        FILE *f = ofd_fopen(spec, "rb");
        /* A file given without its "sim:": say how to write it. */
        if (f) {
            fclose(f);
            return ofd_err_set(e, OFD_E_INVALID,
                               "--node '%s': a node is sim:FILE (a simulated front end): write --node sim:%s", spec,
                               spec);
        }
        return ofd_err_set(e, OFD_E_INVALID, "--node '%s': a node is sim:FILE (a simulated front end)%s", spec,
                           platform ? ", or no --node for this server" : "");
    }
    if (!(*journal = apply_journal_for(spec + 4)))
        return ofd_err_nomem(e);
    if ((rc = simnode_open_named(spec + 4, out, e)) != OFD_OK) {
        free(*journal);
        *journal = NULL;
    }
    return rc;
}
