/* intake: whether the manifest found on the share may be used. On each check the
 * service reads manifest.json and manifest.json.p7s, and intake decides: ACCEPT (a
 * newer, signed, valid manifest), UNCHANGED (the one accepted last, same bytes), or
 * REFUSE with a reason. A refused manifest is reported and never applied.
 *
 * The state file remembers the highest manifest ever accepted (the anti-rollback
 * floor), whatever came of it, so that an older one (a replayed or rolled-back file)
 * is refused:
 *   {"format": 1, "last_serial": 12, "last_sha256": "<64 lower-case hex digits>"}
 * written atomically (temporary file in the same folder, flushed, renamed over). */
#ifndef OCSFED_INTAKE_H
#define OCSFED_INTAKE_H

#include <stddef.h>

#include "error.h"
#include "manifest.h"
#include "trust.h"

#define INTAKE_SHA256_LEN CS_SHA256_LEN
#define INTAKE_STATE_MAX_BYTES 4096u

enum intake_decision { INTAKE_ACCEPT, INTAKE_UNCHANGED, INTAKE_REFUSE };

enum intake_reason {
    INTAKE_R_NONE = 0,
    INTAKE_R_UNSIGNED,         /* no .p7s */
    INTAKE_R_BAD_SIGNATURE,    /* malformed, damaged, or more than one signer */
    INTAKE_R_UNTRUSTED_SIGNER, /* signed by someone other than the pinned publisher */
    INTAKE_R_TORN,             /* incomplete JSON, bytes not matching the signature, or a
                                  * file changing while read: try again later */
    INTAKE_R_OLDER_SERIAL,     /* serial below the last applied one */
    INTAKE_R_SAME_SERIAL_DIFFERENT_CONTENT,
    INTAKE_R_INVALID,      /* signed, but fails manifest validation */
    INTAKE_R_FILE_MISMATCH /* signed and valid, but a file it names is missing or does
                                  * not match its pin (changed on the share after signing) */
};

#define INTAKE_REVERTED_REASON_MAX 512u

struct intake_state {
    int present; /* 0: nothing applied yet */
    long long last_serial;
    unsigned char last_sha256[INTAKE_SHA256_LEN];
    /* A manifest the agent applied and then undid because its confirming probe failed
     * (check.c, "confirm"): not applied again, so that a broken change is not made and
     * undone at every check. Forgotten when a newer serial is accepted, or when an
     * operator clears it (intake_state_clear_reverted; on a server `ocsfed service
     * retry`). Saved as "reverted": {"serial", "sha256", "reason"}. */
    int reverted;
    long long reverted_serial;
    unsigned char reverted_sha256[INTAKE_SHA256_LEN];
    char reverted_reason[INTAKE_REVERTED_REASON_MAX]; /* why, control characters blanked */
};

struct intake_result {
    enum intake_decision decision;
    enum intake_reason reason;               /* INTAKE_R_NONE unless REFUSE */
    long long serial;                        /* the manifest's, 0 when it was not parsed */
    unsigned char sha256[INTAKE_SHA256_LEN]; /* of the manifest bytes */
    char msg[OFD_ERR_MSG_MAX];               /* operator message (also for ACCEPT) */
    char rule[8];                            /* INVALID: the first error's rule */
    struct manifest *manifest;               /* ACCEPT and UNCHANGED: parsed from the very
                                             * bytes verified (and the files checked
                                             * against their pins); freed by
                                             * intake_result_free */
};

/* Decides on manifest bytes (text, len) and its signature (sig, sig_len; sig NULL when
 * there is no .p7s) given the trust anchor and the state (NULL or !present: nothing
 * accepted yet). names are the two files as the messages name them: the paths the
 * operator gave (ocsfed verify), the share's (the service); NULL: manifest.json and
 * manifest.json.p7s. base_dir, rd and flags are manifest_parse's: the files the
 * manifest names are read through rd once, after the signature verified, and each
 * checked against its pin. The checks run in this order: unsigned, UTF-16, torn JSON,
 * signature, validation (then the named files), serial.
 * Returns OFD_OK with *res filled (free with intake_result_free) whatever the
 * decision; OFD_E_NOMEM or another error when no decision could be made. */
struct intake_names {
    const char *manifest, *sig;
};
enum ofd_code intake_decide(const char *text, size_t len, const unsigned char *sig, size_t sig_len,
                            const struct trust_anchor *anchor, const struct intake_state *state,
                            const struct intake_names *names, const char *base_dir, const struct ofd_reader *rd,
                            unsigned flags, struct intake_result *res, ofd_err *e);

/* Reads manifest_path and sig_path twice through rd (NULL: from disk) and decides as
 * intake_decide on the first read, its messages naming the two paths as given. A file that differs between the reads is still being
 * written: REFUSE/TORN. A missing sig_path is UNSIGNED; a missing manifest is OFD_E_IO
 * (nothing to decide on). Neither is read again afterwards: res->manifest is all the
 * caller may act on. */
enum ofd_code intake_check_files(const char *manifest_path, const char *sig_path, const struct trust_anchor *anchor,
                                 const struct intake_state *state, const struct ofd_reader *rd, unsigned flags,
                                 struct intake_result *res, ofd_err *e);

/* Frees what res owns (the manifest) and clears it. */
void intake_result_free(struct intake_result *res);

/* "unsigned", "bad_signature", ... ("none" for INTAKE_R_NONE). Never NULL. */
const char *intake_reason_name(enum intake_reason r);
const char *intake_decision_name(enum intake_decision d);

/* Reads the state file. A missing file is OFD_OK with st->present = 0; a malformed one
 * is OFD_E_INVALID (the caller must not treat it as "nothing applied", which would
 * accept a replayed older manifest). *st is written only on OFD_OK. */
enum ofd_code intake_state_load(const char *path, struct intake_state *st, ofd_err *e);

/* Writes the state file atomically (path.tmp, flushed, renamed over path). */
enum ofd_code intake_state_save(const char *path, const struct intake_state *st, ofd_err *e);

/* After the manifest of res was accepted: the state to save (the new floor; a serial
 * reverted earlier is forgotten). */
void intake_state_from_result(const struct intake_result *res, struct intake_state *st);

/* Forgets the reverted serial of the state file at path (the floor stays): the next
 * check applies that manifest again. A missing file is OK. */
enum ofd_code intake_state_clear_reverted(const char *path, ofd_err *e);

#endif
