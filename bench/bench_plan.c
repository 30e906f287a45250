/* bench_plan: plans a TLS manifest with 2,000 domains and 2,000 IM&P nodes against a
 * simulated Enterprise Edition front end that holds 10,000 unrelated static routes and
 * 10,000 unrelated authorized hosts, and prints the time of each phase and the peak
 * memory. Target: well under a second in all. Native only (getrusage). Prints its
 * summary row as "ROW|what|figure|target|ok" for scripts/bench.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "manifest.h"
#include "plan.h"
#include "simnode.h"
#include "strbuf.h"

#define NDOMAINS 2000
#define NNODES 2000
#define NFOREIGN 10000
#define TP "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    struct strbuf mt = {0}, nt = {0};
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    struct plan p;
    struct rusage ru;
    char *json = NULL;
    double t0, t1, t2, t3, t4;
    ofd_err e;
    int i, rc = 1;

    memset(&p, 0, sizeof(p));
    sb_append(&mt, "{\"manifest_version\": 1, \"serial\": 1, \"imp\": {\"transport\": \"tls\", "
                   "\"server_auth_port\": 5063, \"domains\": [");
    for (i = 0; i < NDOMAINS; i++)
        sb_printf(&mt, "%s\"d%d.example.com\"", i ? ", " : "", i);
    sb_append(&mt, "], \"nodes\": [");
    for (i = 0; i < NNODES; i++)
        sb_printf(&mt, "%s{\"fqdn\": \"imp%d.example.com\", \"ip\": \"10.%d.%d.%d\"}", i ? ", " : "", i, 1 + i / 62500,
                  (i / 250) % 250, i % 250 + 1);
    sb_append(&mt, "]}, \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\", "
                   "\"servers\": [\"fe1.example.com\", \"fe2.example.com\"]}, "
                   "\"certificates\": {\"server\": {\"thumbprint\": \"" TP "\"}}}");
    sb_append(&nt, "{\"node\": {\"fqdn\": \"fe1.example.com\", \"pool\": \"pool.example.com\"}, "
                   "\"certificates\": {\"My\": [{\"thumbprint\": \"" TP "\"}]}, "
                   "\"services\": {\"RTCSRV\": \"running\"}, \"ocs\": {\"MSFT_SIPRoutingTableData\": [");
    for (i = 0; i < NFOREIGN; i++)
        sb_printf(&nt,
                  "%s{\"InstanceID\": \"{R%d}\", \"Backend\": \"sql1\\\\rtc\", \"MatchURI\": "
                  "\"other%d.net\", \"NextHop\": \"gw%d.other.net\", \"NextHopPort\": 5061, "
                  "\"NextHopTransport\": \"TLS\", \"Enabled\": true, "
                  "\"ReplaceHostInRequestURI\": false}",
                  i ? ", " : "", i, i, i);
    sb_append(&nt, "], \"MSFT_SIPRemoteAddressData\": [");
    for (i = 0; i < NFOREIGN; i++)
        sb_printf(&nt,
                  "%s{\"InstanceID\": \"{H%d}\", \"Backend\": \"sql1\\\\rtc\", \"Server\": "
                  "\"gw%d.other.net\", \"OutboundOnly\": false, \"ThrottleAsServer\": true, "
                  "\"TreatAsAuthenticated\": true}",
                  i ? ", " : "", i, i);
    sb_append(&nt, "]}}");
    if (mt.oom || nt.oom) {
        fprintf(stderr, "bench_plan: out of memory\n");
        goto out;
    }

    t0 = now_s();
    if (manifest_parse(mt.s, mt.len, ".", NULL, MANIFEST_NO_FILES, &m, &d, &e) != OFD_OK) {
        diags_print(&d, "bench-manifest.json", stderr);
        fprintf(stderr, "bench_plan: %s\n", e.msg);
        goto out;
    }
    t1 = now_s();
    if (simnode_open_buffer(nt.s, nt.len, "bench-node.json", &node, &e) != OFD_OK) {
        fprintf(stderr, "bench_plan: %s\n", e.msg);
        goto out;
    }
    t2 = now_s();
    if (plan_make(m, &node, &(struct plan_options){.now = (long long)time(NULL)}, &p, &e) != OFD_OK) {
        fprintf(stderr, "bench_plan: %s\n", e.msg);
        goto out;
    }
    t3 = now_s();
    json = plan_to_json(&p);
    t4 = now_s();
    getrusage(RUSAGE_SELF, &ru);
    printf("bench_plan: %d domains, %d IM&P nodes (TLS, EE) vs %d foreign routes + %d foreign hosts\n", NDOMAINS,
           NNODES, NFOREIGN, NFOREIGN);
    printf("  manifest: %zu bytes, node: %zu bytes\n", mt.len, nt.len);
    printf("  changes: %zu (create %zu, update %zu, delete %zu, unchanged %zu), left alone %zu\n", p.n,
           p.counts[PLAN_CREATE], p.counts[PLAN_UPDATE], p.counts[PLAN_DELETE], p.counts[PLAN_UNCHANGED], p.foreign);
    printf("  parse+validate %.3f s, read node %.3f s, plan %.3f s, JSON %.3f s\n", t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    printf("  total %.3f s (target < 1 s), peak RSS %ld KiB\n", t4 - t0, ru.ru_maxrss);
    rc = (t4 - t0) < 1.0 && json ? 0 : 1;
    /* The summary row scripts/bench.sh collects. */
    printf("ROW|plan %d domains + %d IM&P nodes vs %d foreign entries (parse to JSON)|%.3f s, peak RSS %.1f MiB"
           "|< 1 s|%s\n",
           NDOMAINS, NNODES, 2 * NFOREIGN, t4 - t0, (double)ru.ru_maxrss / 1024.0, rc == 0 ? "yes" : "NO");
out:
    free(json);
    plan_free(&p);
    node_close(&node);
    manifest_free(m);
    diags_free(&d);
    sb_free(&mt);
    sb_free(&nt);
    return rc;
}
