/* Runs the running test program again, as a child process, with other arguments. */
#ifndef OCSFED_TESTPROC_H
#define OCSFED_TESTPROC_H

#include <windows.h>

/* Runs this program as "PROGRAM verb arg", waits for it (a minute at most) and returns
 * its exit code; 97 or 98 when it could not be started. */
DWORD testproc_rerun(const char *verb, const char *arg);

#endif
