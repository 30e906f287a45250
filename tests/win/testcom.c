#include "testcom.h"

#include <objbase.h>

int testcom_up(void **state)
{
    (void)state;
    return FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) ? -1 : 0;
}

int testcom_down(void **state)
{
    (void)state;
    CoUninitialize();
    return 0;
}
