/* The export file (export.h): the node's snapshot and what ocsfed learnt about it. */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "simnode.h"
#include "version.h"

enum ofd_code export_node(const struct node *n, const struct vocab *v, const struct export_draft *draft,
                          const char *draft_file, long long now, char **text, ofd_err *e)
{
    cJSON *x = NULL, *y, *a;
    char ts[21];
    size_t i;

    report_format_time(now, ts);
    if (!(x = cJSON_CreateObject()) || !cJSON_AddNumberToObject(x, "format", 1)
        || !cJSON_AddStringToObject(x, "time", ts) || !cJSON_AddStringToObject(x, "agent_version", OCSFED_VERSION)
        || !(y = vocab_to_json(v)) || !cJSON_AddItemToObject(x, "vocabulary", y))
        goto oom;
    if (draft && draft_file) {
        if (!(y = cJSON_AddObjectToObject(x, "draft")) || !cJSON_AddStringToObject(y, "file", draft_file)
            || !(a = cJSON_AddArrayToObject(y, "not_inferred")))
            goto oom;
        for (i = 0; i < draft->nnotes; i++)
            if (!cJSON_AddItemToArray(a, cJSON_CreateString(draft->notes[i])))
                goto oom;
    }
    return simnode_snapshot(n, x, text, e); /* takes x over */
oom:
    cJSON_Delete(x);
    return ofd_err_nomem(e);
}
