/* fsutil, the part both platforms share: the atomic write is the same sequence on
 * each; only opening a file by its UTF-8 name and flushing it to the disk differ
 * (fsutil.c, fsutil_win.c). */
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

enum ofd_code ofd_write_file_atomic(const char *path, const char *data, size_t len, ofd_err *e)
{
    struct strbuf tmp = {0};
    FILE *f = NULL;
    enum ofd_code rc = OFD_E_IO;
    int created = 0;

    sb_printf(&tmp, "%s.tmp", path);
    if (tmp.oom) {
        rc = ofd_err_set(e, OFD_E_NOMEM, "out of memory");
        goto out;
    }
    if (!(f = ofd_fopen(sb_str(&tmp), "wb"))) {
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
        remove(sb_str(&tmp));
    sb_free(&tmp);
    return rc;
}
