/* fsutil, the part both platforms share: reading a whole file and the atomic write are
 * the same sequence on each; only opening a file by its UTF-8 name, creating one
 * exclusively and flushing it to the disk differ (fsutil.c, fsutil_win.c). */
#include "fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void ofd_names_free(char **names, size_t n)
{
    size_t i;

    for (i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

struct name_list {
    const char *dir;
    size_t max, n, cap;
    char **v;
};

static enum ofd_code name_add(void *ctx, const char *name, ofd_err *e)
{
    struct name_list *l = ctx;
    char **nv;

    if (l->n == l->max)
        return ofd_err_set(e, OFD_E_INVALID, "the folder '%s' holds more than %zu files", l->dir, l->max);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;

        if (!(nv = realloc(l->v, cap * sizeof(*nv))))
            return ofd_err_nomem(e);
        l->v = nv;
        l->cap = cap;
    }
    if (!(l->v[l->n] = ofd_strdup(name)))
        return ofd_err_nomem(e);
    l->n++;
    return OFD_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum ofd_code ofd_list_dir(const char *dir, size_t max, char ***names, size_t *n, ofd_err *e)
{
    struct name_list l = {.dir = dir, .max = max};
    enum ofd_code rc;

    if ((rc = ofd_dir_scan(dir, name_add, &l, e)) != OFD_OK) {
        ofd_names_free(l.v, l.n);
        return rc;
    }
    if (l.n)
        qsort(l.v, l.n, sizeof(*l.v), cmp_names);
    *names = l.v;
    *n = l.n;
    return OFD_OK;
}

enum ofd_code ofd_write_file_atomic(const char *path, const char *data, size_t len, ofd_err *e)
{
    struct strbuf tmp = {0};
    FILE *f = NULL;
    enum ofd_code rc = OFD_E_IO;
    int created = 0;

    sb_printf(&tmp, "%s.tmp", path);
    if (tmp.oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    /* A temporary file left by a crash, or put there by someone else (a link to a file
     * of theirs, or a file whose owner they are): removed, then created anew. */
    if ((rc = ofd_remove_file(sb_str(&tmp), e)) != OFD_OK)
        goto out;
    if (!(f = ofd_create_new(sb_str(&tmp)))) {
        rc = ofd_err_set(e, OFD_E_IO, "cannot create '%s': %s", sb_str(&tmp), strerror(errno));
        goto out;
    }
    created = 1;
    /* Data on the disk before the rename makes it visible. */
    if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || ofd_sync_file(f) != 0) {
        rc = ofd_err_set(e, OFD_E_IO, "cannot write '%s': %s", sb_str(&tmp), strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = ofd_err_set(e, OFD_E_IO, "cannot write '%s': %s", sb_str(&tmp), strerror(errno));
        goto out;
    }
    f = NULL;
    if ((rc = ofd_replace_file(sb_str(&tmp), path, e)) != OFD_OK)
        goto out;
    created = 0;
    /* The rename itself on the disk: after a power cut the file is the new one. */
    if (ofd_sync_parent_dir(path) != 0) {
        rc = ofd_err_set(e, OFD_E_IO, "cannot flush the folder of '%s': %s", path, strerror(errno));
        goto out;
    }
out:
    if (f)
        fclose(f);
    if (created)
        ofd_remove_file(sb_str(&tmp), NULL);
    sb_free(&tmp);
    return rc;
}

enum ofd_code ofd_read_file(const char *path, size_t max, char **out, size_t *len, ofd_err *e)
{
    FILE *f = NULL;
    char *buf = NULL, *n;
    size_t used = 0, cap = 0, got;
    enum ofd_code rc = OFD_E_IO;

    if (!(f = ofd_fopen(path, "rb"))) {
        rc = ofd_err_set(e, errno == ENOENT ? OFD_E_NOTFOUND : OFD_E_IO, "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        if (cap - used < 4096 + 1) {
            cap = cap ? cap * 2 : 8192;
            if (!(n = realloc(buf, cap))) {
                rc = ofd_err_set(e, OFD_E_NOMEM, "out of memory reading '%s'", path);
                goto out;
            }
            buf = n;
        }
        got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (used > max) {
            rc = ofd_err_set(e, OFD_E_INVALID, "'%s' is larger than the limit of %zu bytes", path, max);
            goto out;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        ofd_err_set(e, OFD_E_IO, "cannot read '%s'", path);
        goto out;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    buf = NULL;
    rc = OFD_OK;
out:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

enum ofd_code ofd_reader_read(const struct ofd_reader *rd, const char *path, size_t max, char **out, size_t *len,
                              ofd_err *e)
{
    if (rd && rd->read)
        return rd->read(rd->ctx, path, max, out, len, e);
    return ofd_read_file(path, max, out, len, e);
}

enum ofd_code ofd_lock_acquire(const char *path, unsigned wait_ms, struct ofd_lock **lock, ofd_err *e)
{
    unsigned waited = 0;
    enum ofd_code rc;

    while ((rc = ofd_lock_try(path, lock, e)) == OFD_E_CONFLICT && waited < wait_ms) {
        ofd_sleep_ms(50);
        waited += 50;
    }
    if (rc == OFD_E_CONFLICT)
        ofd_err_set(e, OFD_E_CONFLICT, "another process holds '%s' (waited %u s)", path, wait_ms / 1000);
    return rc;
}
