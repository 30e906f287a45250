/* fsutil: the few file-system operations ISO C lacks, one implementation per platform
 * (fsutil.c POSIX, fsutil_win.c Win32; CMake picks the file, the callers need no
 * #ifdef). Paths are UTF-8. */
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
 * sees the old content or the new one. Returns OFD_OK or OFD_E_IO (path.tmp removed). */
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

/* The platform primitives fsutil_common.c builds on: open a file by its UTF-8 name
 * (fopen's contract), push a flushed FILE's data to the disk (0 or -1), and make the
 * folder entry of a file just created or renamed durable (0 or -1; POSIX needs an
 * fsync of the folder, NTFS journals its metadata and MoveFileEx writes through). */
FILE *ofd_fopen(const char *path, const char *mode);
int ofd_sync_file(FILE *f);
int ofd_sync_parent_dir(const char *path);

#endif
