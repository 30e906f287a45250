/* fsutil for Windows: wide-character Win32 calls (and _wfopen), UTF-8 paths converted
 * at the call with the one conversion (error_win.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "error_win.h"
#include "strbuf.h"

enum ofd_code ofd_replace_file(const char *tmp, const char *final, ofd_err *e)
{
    wchar_t *wt = ofd_utf8_to_wide(tmp), *wf = ofd_utf8_to_wide(final);
    enum ofd_code rc = OFD_OK;

    if (!wt || !wf) {
        rc = ofd_err_set(e, OFD_E_INVALID, "cannot convert '%s' or '%s' to UTF-16", tmp, final);
        goto out;
    }
    if (!MoveFileExW(wt, wf, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        rc = ofd_err_set(e, OFD_E_IO, "cannot replace '%s' with '%s' (Win32 error %lu)", final, tmp,
                         (unsigned long)GetLastError());
        if (e)
            e->raw = (long)GetLastError();
    }
out:
    free(wt);
    free(wf);
    return rc;
}

enum ofd_code ofd_make_dir(const char *dir, ofd_err *e)
{
    wchar_t *w = ofd_utf8_to_wide(dir);
    DWORD err;
    enum ofd_code rc = OFD_OK;

    if (!w) {
        rc = ofd_err_set(e, OFD_E_INVALID, "cannot convert '%s' to UTF-16", dir);
        goto out;
    }
    /* A file of that name also gives ERROR_ALREADY_EXISTS; writing into it then fails
     * with its own message, so no extra attribute check (and import) is needed. */
    if (!CreateDirectoryW(w, NULL) && (err = GetLastError()) != ERROR_ALREADY_EXISTS)
        rc = ofd_err_set(e, OFD_E_IO, "cannot create the folder '%s' (Win32 error %lu)", dir, (unsigned long)err);
out:
    free(w);
    return rc;
}

enum ofd_code ofd_dir_scan(const char *dir, enum ofd_code (*fn)(void *ctx, const char *name, ofd_err *e), void *ctx,
                           ofd_err *e)
{
    struct strbuf pattern = {0};
    wchar_t *w = NULL;
    char *name = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    WIN32_FIND_DATAW fd;
    enum ofd_code rc = OFD_OK;
    DWORD err;

    sb_printf(&pattern, "%s\\*", dir);
    if (pattern.oom || !(w = ofd_utf8_to_wide(sb_str(&pattern)))) {
        rc = ofd_err_set(e, OFD_E_NOMEM, "cannot convert '%s' to UTF-16", dir);
        goto out;
    }
    if ((h = FindFirstFileW(w, &fd)) == INVALID_HANDLE_VALUE) {
        if ((err = GetLastError()) != ERROR_FILE_NOT_FOUND) /* not found: an empty folder */
            rc = ofd_err_set(e, OFD_E_IO, "cannot read the folder '%s' (Win32 error %lu)", dir, (unsigned long)err);
        goto out;
    }
    do {
        if (fd.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE))
            continue;
        if (!(name = ofd_wide_to_utf8(fd.cFileName))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        if ((rc = fn(ctx, name, e)) != OFD_OK)
            goto out;
        free(name);
        name = NULL;
    } while (FindNextFileW(h, &fd));
    if ((err = GetLastError()) != ERROR_NO_MORE_FILES)
        rc = ofd_err_set(e, OFD_E_IO, "cannot read the folder '%s' (Win32 error %lu)", dir, (unsigned long)err);
out:
    free(name);
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    free(w);
    sb_free(&pattern);
    return rc;
}

enum ofd_code ofd_remove_file(const char *path, ofd_err *e)
{
    wchar_t *wp = ofd_utf8_to_wide(path);
    DWORD err;
    enum ofd_code rc = OFD_OK;

    if (!wp)
        return ofd_err_nomem(e);
    if (!DeleteFileW(wp) && (err = GetLastError()) != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND)
        rc = ofd_err_set(e, OFD_E_IO, "cannot remove '%s' (Windows error %lu)", path, (unsigned long)err);
    free(wp);
    return rc;
}

FILE *ofd_fopen(const char *path, const char *mode)
{
    wchar_t *wp = ofd_utf8_to_wide(path), *wm = ofd_utf8_to_wide(mode);
    FILE *f = NULL;

    if (wp && wm)
        f = _wfopen(wp, wm);
    else
        errno = EINVAL;
    free(wp);
    free(wm);
    return f;
}

FILE *ofd_create_new(const char *path)
{
    wchar_t *wp = ofd_utf8_to_wide(path);
    HANDLE h = INVALID_HANDLE_VALUE;
    FILE *f = NULL;
    int fd = -1;

    if (!wp) {
        errno = EINVAL;
        goto out;
    }
    /* CREATE_NEW fails on any existing name, a link or junction included; no "wx"
     * mode: msvcrt on Server 2003 does not know it. */
    if ((h = CreateFileW(wp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL))
        == INVALID_HANDLE_VALUE) {
        errno = GetLastError() == ERROR_FILE_EXISTS || GetLastError() == ERROR_ALREADY_EXISTS ? EEXIST : EACCES;
        goto out;
    }
    if ((fd = _open_osfhandle((intptr_t)h, _O_BINARY | _O_WRONLY)) < 0)
        goto out;
    h = INVALID_HANDLE_VALUE; /* the descriptor owns it */
    if ((f = _fdopen(fd, "wb")))
        fd = -1;
out:
    if (fd >= 0)
        _close(fd);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(wp);
    return f;
}

struct ofd_lock {
    HANDLE h;
};

/* The file opened with no sharing is the lock: a second open fails with a sharing
 * violation until the first handle is closed, also when the holder dies. A file in the
 * agent's own protected folder, rather than a named mutex, which any user could create
 * first in the Global namespace and so hold the agent off. */
enum ofd_code ofd_lock_try(const char *path, struct ofd_lock **lock, ofd_err *e)
{
    wchar_t *wp = ofd_utf8_to_wide(path);
    HANDLE h = INVALID_HANDLE_VALUE;
    struct ofd_lock *l;
    DWORD err;

    if (!wp)
        return ofd_err_set(e, OFD_E_INVALID, "cannot convert '%s' to UTF-16", path);
    h = CreateFileW(wp, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    free(wp);
    if (h == INVALID_HANDLE_VALUE) {
        err = GetLastError();
        return err == ERROR_SHARING_VIOLATION
                   ? OFD_E_CONFLICT
                   : ofd_err_set(e, OFD_E_IO, "cannot open the lock file '%s' (Win32 error %lu)", path,
                                 (unsigned long)err);
    }
    if (!(l = malloc(sizeof(*l)))) {
        CloseHandle(h);
        return ofd_err_nomem(e);
    }
    l->h = h;
    *lock = l;
    return OFD_OK;
}

void ofd_sleep_ms(unsigned ms)
{
    Sleep(ms);
}

void ofd_lock_release(struct ofd_lock *lock)
{
    if (!lock)
        return;
    CloseHandle(lock->h);
    free(lock);
}

int ofd_sync_parent_dir(const char *path)
{
    (void)path; /* NTFS journals the entry; the rename is MOVEFILE_WRITE_THROUGH */
    return 0;
}

int ofd_sync_file(FILE *f)
{
    return FlushFileBuffers((HANDLE)_get_osfhandle(_fileno(f))) ? 0 : -1;
}
