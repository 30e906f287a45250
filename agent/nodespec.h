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
};

/* Registers the platform's node (the entry point calls it once; NULL: none). */
void nodespec_set_platform(const struct node_platform *p);

/* Opens the node spec names (NULL: the platform's own) and gives the path of its apply
 * journal in *journal (malloc'ed; SIMFILE.journal for a simulated node). */
enum ofd_code nodespec_open(const char *spec, struct node *out, char **journal, ofd_err *e);

#endif
