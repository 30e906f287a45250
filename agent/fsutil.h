/* fsutil: the few file-system operations ISO C lacks, one implementation per platform
 * (fsutil.c POSIX, fsutil_win.c Win32; CMake picks the file, the callers need no
 * #ifdef). Paths are UTF-8; on Windows every one is opened as UTF-16 (ofd_fopen), never
 * through the ANSI code page, so a folder with a non-ASCII name is the folder meant. */
#ifndef OCSFED_FSUTIL_H
#define OCSFED_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

/* Renames tmp to final, replacing final if it exists, in one step as far as the
 * platform allows (rename(2); MoveFileExW with MOVEFILE_REPLACE_EXISTING |
 * MOVEFILE_WRITE_THROUGH), so that a reader sees the old or the new file, never a
 * part. Both must be in the same folder. Returns OFD_OK or OFD_E_IO. */
enum ofd_code ofd_replace_file(const char *tmp, const char *final, ofd_err *e);

/* Writes len bytes of data to path atomically: into path.tmp in the same folder,
 * flushed to the disk, closed, then renamed over path (ofd_replace_file). A reader
 * sees the old content or the new one. path.tmp is created anew (ofd_create_new): a
 * file or link someone left under that name is removed, never written through, so its
 * owner and permissions do not carry over to path. Returns OFD_OK or OFD_E_IO
 * (path.tmp removed). */
enum ofd_code ofd_write_file_atomic(const char *path, const char *data, size_t len, ofd_err *e);

/* Creates the folder dir unless it exists. Returns OFD_OK or OFD_E_IO. */
enum ofd_code ofd_make_dir(const char *dir, ofd_err *e);

/* Names (not paths) of the regular files in dir, sorted by strcmp, at most max of
 * them. Returns OFD_OK with a malloc'ed array of malloc'ed names in *names (free with
 * ofd_names_free) and its size; OFD_E_IO, OFD_E_INVALID (more than max), OFD_E_NOMEM. */
enum ofd_code ofd_list_dir(const char *dir, size_t max, char ***names, size_t *n, ofd_err *e);
void ofd_names_free(char **names, size_t n);

/* Removes the file path; a missing file is OK. Returns OFD_OK or OFD_E_IO. */
enum ofd_code ofd_remove_file(const char *path, ofd_err *e);

/* Reads a whole file into a malloc'ed buffer (NUL added after len bytes) that the
 * caller frees. OFD_E_NOTFOUND when there is no such file, OFD_E_IO, or OFD_E_INVALID
 * when the file is larger than max bytes. One open, one read: what the caller checks is
 * what it gets. */
enum ofd_code ofd_read_file(const char *path, size_t max, char **out, size_t *len, ofd_err *e);

/* How the agent reads a file it will act on (a manifest, its signature, a certificate
 * it names): a table, so that a test can count the reads and change a file between
 * them, as someone writing to the share could. NULL stands for ofd_read_file. */
struct ofd_reader {
    enum ofd_code (*read)(void *ctx, const char *path, size_t max, char **out, size_t *len, ofd_err *e);
    void *ctx;
};
enum ofd_code ofd_reader_read(const struct ofd_reader *rd, const char *path, size_t max, char **out, size_t *len,
                              ofd_err *e);

/* One process at a time: an exclusive lock on the file path (created if missing, kept
 * afterwards). Waits up to wait_ms for another holder to let go. Returns OFD_OK with
 * *lock set (release with ofd_lock_release), OFD_E_CONFLICT when another process still
 * holds it after wait_ms, OFD_E_IO / OFD_E_NOMEM. */
struct ofd_lock;
enum ofd_code ofd_lock_acquire(const char *path, unsigned wait_ms, struct ofd_lock **lock, ofd_err *e);
void ofd_lock_release(struct ofd_lock *lock);

/* The platform primitives fsutil_common.c builds on: open a file by its UTF-8 name
 * (fopen's contract; UTF-16 on Windows), create a new file for writing that must not
 * exist yet, not even as a link (NULL with errno EEXIST when it does), push a flushed
 * FILE's data to the disk (0 or -1), and make the folder entry of a file just created
 * or renamed durable (0 or -1; POSIX needs an fsync of the folder, NTFS journals its
 * metadata and MoveFileEx writes through). ofd_lock_try takes the lock once: OFD_OK
 * with *lock, OFD_E_CONFLICT when another holder has it, OFD_E_IO / OFD_E_NOMEM;
 * ofd_sleep_ms pauses between tries. ofd_dir_scan calls fn with the name of each
 * regular file in dir, in the folder's order, until fn returns other than OFD_OK (which
 * it then returns); OFD_E_IO when the folder cannot be read. */
FILE *ofd_fopen(const char *path, const char *mode);
FILE *ofd_create_new(const char *path);
int ofd_sync_file(FILE *f);
int ofd_sync_parent_dir(const char *path);
enum ofd_code ofd_lock_try(const char *path, struct ofd_lock **lock, ofd_err *e);
void ofd_sleep_ms(unsigned ms);
enum ofd_code ofd_dir_scan(const char *dir, enum ofd_code (*fn)(void *ctx, const char *name, ofd_err *e), void *ctx,
                           ofd_err *e);

#endif
