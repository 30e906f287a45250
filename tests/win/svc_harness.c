/* The agent's service loop (agent/svc_win.c) with a probe for a check: runs as a real
 * service in the Wine prefix so the tests see what the SCM, the folder watch and the
 * stop protocol do. Each check appends its reason to C:\ocsfed-svc\checks.log; when
 * C:\ocsfed-svc\slow exists, a check takes up to 30 s unless a stop interrupts it; when
 * C:\ocsfed-svc\wake exists, a check asks to be woken 2 s later (a restart slot). */
#include <windows.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "svc_win.h"

static void note(const char *line)
{
    FILE *f = fopen("C:\\ocsfed-svc\\checks.log", "a");

    if (f) {
        fprintf(f, "%s\n", line);
        fclose(f);
    }
}

static enum ofd_code probe(void *ctx, const struct svc_config *cfg, const char *reason, long long *wake_at, ofd_err *e)
{
    int i;

    (void)ctx;
    (void)e;
    /* One append for both lines: a test that sees the reason also sees the mode. */
    if (cfg->monitor) {
        char both[128];
        snprintf(both, sizeof(both), "%s\nmonitor", reason);
        note(both);
    } else {
        note(reason);
    }
    /* As a check whose restart waits for its slot: wake me in 2 s. */
    if (strcmp(reason, "restart slot") != 0 && GetFileAttributesW(L"C:\\ocsfed-svc\\wake") != INVALID_FILE_ATTRIBUTES)
        *wake_at = (long long)time(NULL) + 2;
    if (GetFileAttributesW(L"C:\\ocsfed-svc\\slow") != INVALID_FILE_ATTRIBUTES) {
        note("slow-begin");
        for (i = 0; i < 300; i++) {
            if (svc_stop_requested()) {
                /* The step in flight would be finished or rolled back here. */
                note("interrupted");
                return OFD_OK;
            }
            Sleep(100);
        }
        note("slow-end");
    }
    return OFD_OK;
}

int wmain(int argc, wchar_t **argv)
{
    const struct svc_hooks hooks = {probe, NULL};
    int rc = svc_run(&hooks, argc > 1 && wcscmp(argv[1], L"run") == 0);

    note("exited");
    return rc;
}
