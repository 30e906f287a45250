/* Entry point of the Windows build: arguments arrive as UTF-16 and are converted to
 * UTF-8 here, at the boundary; the core sees UTF-8 only. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include "cli_win.h"
#include "error_win.h"
#include "probe_schannel.h"

int wmain(int argc, wchar_t **wargv)
{
    char **argv = NULL;
    int i, n = 0, rc = 1;

    argv = calloc((size_t)argc + 1, sizeof(*argv));
    if (!argv) {
        fprintf(stderr, "ocsfed: out of memory\n");
        goto out;
    }
    for (n = 0; n < argc; n++) {
        if (!(argv[n] = ofd_wide_to_utf8(wargv[n]))) {
            fprintf(stderr, "ocsfed: cannot convert argument %d to UTF-8\n", n);
            goto out;
        }
    }
    nodespec_set_platform(&cli_win_platform);
    probe_tls_set_platform(&probe_tls_schannel);
    rc = cli_main_ex(argc, argv, stdout, stderr, cli_win_commands, cli_win_ncommands);
out:
    if (argv) {
        for (i = 0; i < n; i++)
            free(argv[i]);
        free(argv);
    }
    fflush(stdout);
    return rc;
}
