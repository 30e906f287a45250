#include "testproc.h"

#include <stdio.h>
#include <string.h>

DWORD testproc_rerun(const char *verb, const char *arg)
{
    wchar_t exe[MAX_PATH], cmd[2 * MAX_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 99;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!GetModuleFileNameW(NULL, exe, MAX_PATH))
        return 98;
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%ls\" %hs %hs", exe, verb, arg);
    cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
    if (!CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        return 97;
    WaitForSingleObject(pi.hProcess, 60000);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}
