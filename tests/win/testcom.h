/* cmocka group setup and teardown for tests that call COM: the test thread joins the
 * multithreaded apartment, and leaves it at the end. */
#ifndef OCSFED_TESTCOM_H
#define OCSFED_TESTCOM_H

/* 0, or -1 when CoInitializeEx fails. */
int testcom_up(void **state);
int testcom_down(void **state);

#endif
