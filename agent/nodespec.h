/* Which node a command works on: "sim:FILE" (a simulated front end, any build), or
 * no --node at all: the platform's own, this server (the Windows build registers WMI
 * here; the native build has none). Keeps the core free of the platform's code. */
#ifndef OCSFED_NODESPEC_H
#define OCSFED_NODESPEC_H

#include "error.h"
#include "node.h"

struct node_platform {
    /* Opens this server's node. */
    enum ofd_code (*open)(struct node *out, ofd_err *e);
    /* Where this server's apply journal lives (malloc'ed), NULL on out of memory. */
    char *(*journal)(void);
    /* R16: the PKCS#12 password from the platform's protected store (malloc'ed, the
     * caller wipes and frees it), or NULL when none is set. NULL: no such store. */
    char *(*pfx_password)(void);
};

/* Registers the platform's node (the entry point calls it once; NULL: none). */
void nodespec_set_platform(const struct node_platform *p);
/* 1 when this build has a server of its own (no --node means it). */
int nodespec_has_platform(void);

/* The PKCS#12 password a command uses (R16), decided here once: the platform's
 * protected store when it holds one, else the OCSFED_PFX_PASSWORD environment variable
 * of the administrator's own console. Malloc'ed (free with nodespec_password_free), or
 * NULL when there is none. */
char *nodespec_pfx_password(void);
/* Overwrites and frees a password. */
void nodespec_password_free(char *pw);

/* Opens the node spec names (NULL: the platform's own) and gives the path of its apply
 * journal in *journal (malloc'ed; SIMFILE.journal for a simulated node). */
enum ofd_code nodespec_open(const char *spec, struct node *out, char **journal, ofd_err *e);

#endif
