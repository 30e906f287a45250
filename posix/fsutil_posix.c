/* fsutil for POSIX systems (the native build). */
#define _DEFAULT_SOURCE /* flock(2): a BSD call, on Linux and the BSDs alike */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

FILE *ofd_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

FILE *ofd_create_new(const char *path)
{
    /* O_EXCL with O_CREAT fails on any existing name, a dangling link included. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    FILE *f;

    if (fd < 0)
        return NULL;
    if (!(f = fdopen(fd, "wb")))
        close(fd);
    return f;
}

struct ofd_lock {
    int fd;
};

/* flock, not fcntl: its lock belongs to this open file, so it conflicts within one
 * process too, and closing another descriptor of the file does not drop it. */
enum ofd_code ofd_lock_try(const char *path, struct ofd_lock **lock, ofd_err *e)
{
    struct ofd_lock *l = NULL;
    int fd;
    enum ofd_code rc;

    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        return ofd_err_set(e, OFD_E_IO, "cannot open the lock file '%s': %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK || errno == EINTR
                 ? OFD_E_CONFLICT
                 : ofd_err_set(e, OFD_E_IO, "cannot lock '%s': %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    if (!(l = malloc(sizeof(*l)))) {
        close(fd);
        return ofd_err_nomem(e);
    }
    l->fd = fd;
    *lock = l;
    return OFD_OK;
}

void ofd_sleep_ms(unsigned ms)
{
    const struct timespec pause = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    nanosleep(&pause, NULL);
}

void ofd_lock_release(struct ofd_lock *lock)
{
    if (!lock)
        return;
    close(lock->fd); /* drops the flock */
    free(lock);
}

int ofd_sync_file(FILE *f)
{
    return fsync(fileno(f));
}

int ofd_sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    int fd, rc = -1;

    if (dir && (fd = open(dir, O_RDONLY)) >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(dir);
    return rc;
}

enum ofd_code ofd_replace_file(const char *tmp, const char *final, ofd_err *e)
{
    if (rename(tmp, final) != 0)
        return ofd_err_set(e, OFD_E_IO, "cannot replace '%s' with '%s': %s", final, tmp, strerror(errno));
    return OFD_OK;
}

enum ofd_code ofd_remove_file(const char *path, ofd_err *e)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return ofd_err_set(e, OFD_E_IO, "cannot remove '%s': %s", path, strerror(errno));
    return OFD_OK;
}

enum ofd_code ofd_make_dir(const char *dir, ofd_err *e)
{
    struct stat st;

    if (mkdir(dir, 0755) == 0)
        return OFD_OK;
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return OFD_OK;
    return ofd_err_set(e, OFD_E_IO, "cannot create the folder '%s': %s", dir, strerror(errno));
}

enum ofd_code ofd_dir_scan(const char *dir, enum ofd_code (*fn)(void *ctx, const char *name, ofd_err *e), void *ctx,
                           ofd_err *e)
{
    DIR *d = NULL;
    struct dirent *de;
    struct stat st;
    struct strbuf path = {0};
    enum ofd_code rc = OFD_OK;

    if (!(d = opendir(dir))) {
        rc = ofd_err_set(e, OFD_E_IO, "cannot read the folder '%s': %s", dir, strerror(errno));
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        sb_truncate(&path, 0);
        sb_printf(&path, "%s/%s", dir, de->d_name);
        if (path.oom) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        if (stat(sb_str(&path), &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if ((rc = fn(ctx, de->d_name, e)) != OFD_OK)
            goto out;
    }
out:
    sb_free(&path);
    if (d)
        closedir(d);
    return rc;
}
