/* fsutil: the atomic write never writes through a file someone else put in its way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "strbuf.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void assert_text(const char *path, const char *want)
{
    char *text = NULL;
    size_t len = 0;
    ofd_err e;

    assert_int_equal(ofd_read_file(path, 4096, &text, &len, &e), OFD_OK);
    assert_string_equal(text, want);
    free(text);
}

/* A local user pre-creates state.json.tmp as a link to a file of theirs (or to a file
 * SYSTEM should not touch): the write replaces the link, never writes through it. */
static void a_planted_temporary_link_is_not_followed(void **state)
{
    ofd_err e;
    int hard;

    (void)state;
    for (hard = 0; hard <= 1; hard++) {
        remove("fs_state.json");
        remove("fs_state.json.tmp");
        write_text("fs_victim.txt", "the victim's own content\n");
        assert_int_equal(
            hard ? link("fs_victim.txt", "fs_state.json.tmp") : symlink("fs_victim.txt", "fs_state.json.tmp"), 0);
        assert_int_equal(ofd_write_file_atomic("fs_state.json", "{\"format\": 1}\n", 14, &e), OFD_OK);
        assert_text("fs_victim.txt", "the victim's own content\n");
        assert_text("fs_state.json", "{\"format\": 1}\n");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_planted_temporary_link_is_not_followed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
