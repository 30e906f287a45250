/* Events through the real ReportEventW. Wine's Event Log stores nothing, so ctest runs
 * this with WINEDEBUG=+eventlog and matches the reported strings in its output. */
#include <windows.h>

#include "evlog_win.h"

int main(void)
{
    evlog_open();
    evlog_info(EVLOG_APPLIED, "serial %d: %d changes applied to %s", 7, 12, "ocs1.example.com");
    evlog_error(EVLOG_REFUSED, "manifest serial %d refused: %s", 6, "older than the applied serial 7");
    evlog_close();
    /* After close nothing is reported. */
    evlog_info(EVLOG_APPLIED, "must not appear");
    return 0;
}
