/* A node that wraps another and fails its k-th write, or simulates a crash after it,
 * in the manner of SQLite's test_vfs: the fault is a node implementation like any
 * other, so no test hook sits in production code. Reads pass through. */
#ifndef OCSFED_NODE_FAULT_H
#define OCSFED_NODE_FAULT_H

#include "node.h"

struct nodefault {
    struct node inner;         /* borrowed; closed by its owner */
    unsigned long fail_at;     /* 1-based write number to fail; 0: never */
    unsigned long crash_after; /* a crash right after this write: every later write
                                * fails, so the apply cannot undo anything and leaves
                                * its journal, as a killed process would; 0: never */
    unsigned long writes;      /* writes seen, including the failed one */
    unsigned long slow_reads;  /* a provider slow to show a new instance: after each
                                * create, the next slow_reads reads of that instance
                                * (get_instance) do not find it yet */
    char slow_id[64];          /* the instance being hidden, and for how many reads more */
    unsigned long hidden_left;
    unsigned long hidden; /* reads answered "not there yet" */
    /* Called at the write fail_at, before it fails: another writer's turn (another
     * front end of the pool, an administrator) between the apply and its rollback. */
    void (*before_fail)(struct nodefault *f);
};

/* Makes *out a node over f (which must outlive it). */
void nodefault_wrap(struct nodefault *f, struct node *out);

#endif
