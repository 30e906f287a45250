/* apply's journal, inside the apply module (apply.c, apply_journal.c): the file, one
 * undo record per line, each flushed to the disk before the write it describes; the
 * records' encoding; and taking one back (journal_undo), which the rollback of a failed
 * apply and the recovery after a crash share. Not for other modules: apply.h is the
 * interface. */
#ifndef OCSFED_APPLY_JOURNAL_H
#define OCSFED_APPLY_JOURNAL_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "node.h"

struct journal {
    const char *path; /* the journal file, or NULL: none (the rollback alone) */
    FILE *f;          /* open once the first record is written */
    const char *fqdn; /* the node it is for, in its header */
};

/* Appends record (a JSON object) as one line, flushed to the disk; the first one
 * creates the file (which must not exist: that is an interrupted apply to recover)
 * with its header {"ocsfed_journal": 1, "node": fqdn}. OFD_OK, OFD_E_CONFLICT, OFD_E_IO. */
enum ofd_code journal_append(struct journal *jl, const cJSON *record, ofd_err *e);
/* Closes and removes the journal: the apply is complete or fully undone. */
enum ofd_code journal_finish(struct journal *jl, ofd_err *e);
/* Closes it and keeps it: a rollback that failed is completed by the next run. */
void journal_keep(struct journal *jl);

/* A record {"op": op, "class": cls} (cls may be NULL); NULL out of memory. */
cJSON *journal_record(const char *op, const char *cls);
/* An instance, an ownership record, as a record keeps them; NULL out of memory. */
cJSON *journal_instance(const struct node_instance *in);
cJSON *journal_owned(const struct node_owned *o);

/* Takes back the write record describes. Idempotent: the write may or may not have
 * been made. An updated entry someone else deleted since is left deleted: OFD_OK, and
 * note (when given) says so; otherwise note is "". */
enum ofd_code journal_undo(struct node *n, const cJSON *record, char *note, size_t note_size, ofd_err *e);

#endif
