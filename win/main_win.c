/* Entry point of the Windows build: arguments arrive as UTF-16 and are converted to
 * UTF-8 here, at the boundary; the core sees UTF-8 only. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include "cli_win.h"

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
        int len = WideCharToMultiByte(CP_UTF8, 0, wargv[n], -1, NULL, 0, NULL, NULL);
        if (len <= 0 || !(argv[n] = malloc((size_t)len))) {
            fprintf(stderr, "ocsfed: cannot convert argument %d to UTF-8\n", n);
            goto out;
        }
        WideCharToMultiByte(CP_UTF8, 0, wargv[n], -1, argv[n], len, NULL, NULL);
    }
    nodespec_set_platform(&cli_win_platform);
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
