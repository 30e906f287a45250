/* Test helpers over the agent's own file and manifest functions, for cmocka tests: each
 * one fails the running test when a step fails. */
#ifndef OCSFED_TESTUTIL_H
#define OCSFED_TESTUTIL_H

#include <cjson/cJSON.h>

struct manifest;

/* Copies the file src to dst (written atomically). */
void testutil_copy_file(const char *src, const char *dst);

/* Removes the files in dir (what an earlier run left); a missing dir is fine. */
void testutil_empty_dir(const char *dir);

/* Loads the manifest at path; the test fails with its first diagnostic when it is not
 * valid. The caller frees it with manifest_free. */
struct manifest *testutil_load_manifest(const char *path);

/* Writes the manifest src to dst as JSON without its "$schema", after edit (when not
 * NULL) has changed the parsed document, and pins the files it names as they are then
 * (testutil_pin_manifest): they must be there. */
void testutil_write_manifest(const char *src, const char *dst, void (*edit)(cJSON *root));

/* ocsfed pin on the manifest at path, in place, as a publisher does before signing. */
void testutil_pin_manifest(const char *path);

/* Runs `ocsfed ARGS...` (NULL-terminated, at most 14) in this process through the
 * command line's own entry point, and returns its exit status; what it printed is in
 * testutil_out and testutil_err. */
int testutil_ocsfed(const char *a0, ...);
extern char testutil_out[65536], testutil_err[65536];

#endif
