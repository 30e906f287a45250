/* bench_common: see bench_common.h. */
#include "bench_common.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "node.h"
#include "ocs_model.h"
#include "simnode.h"
#include "strbuf.h"

/* Fixed: the certificates are irrelevant on TCP; only the clock of the plan. */
#define BENCH_NOW 1796000000LL

double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_peak_rss_mib(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1.0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

double bench_cpu_s(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0.0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec
           + (double)ru.ru_stime.tv_usec / 1e6;
}

void bench_node_ip(size_t i, char buf[16])
{
    snprintf(buf, 16, "10.%u.%u.%u", (unsigned)(1 + i / 62500 % 250), (unsigned)(i / 250 % 250),
             (unsigned)(i % 250 + 1));
}

enum ofd_code bench_manifest(size_t ndomains, size_t nnodes, struct manifest **out, ofd_err *e)
{
    struct strbuf t = {0};
    struct diags d = {0};
    char ip[16];
    size_t i;
    enum ofd_code rc;

    sb_append(&t, "{\"manifest_version\": 1, \"serial\": 1, \"imp\": {\"transport\": \"tcp\", \"domains\": [");
    for (i = 0; i < ndomains; i++)
        sb_printf(&t, "%s\"d%zu.example.com\"", i ? ", " : "", i);
    sb_append(&t, "], \"nodes\": [");
    for (i = 0; i < nnodes; i++) {
        bench_node_ip(i, ip);
        sb_printf(&t, "%s{\"fqdn\": \"imp%zu.example.com\", \"ip\": \"%s\"}", i ? ", " : "", i, ip);
    }
    sb_append(&t, "]}, \"ocs\": {\"edition\": \"standard\", \"servers\": [\"" BENCH_SERVER "\"]}}");
    if (t.oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = manifest_parse(t.s, t.len, ".", NULL, MANIFEST_NO_FILES, out, &d, e);
    if (rc != OFD_OK)
        diags_print(&d, "bench-manifest.json", stderr);
out:
    diags_free(&d);
    sb_free(&t);
    return rc;
}

/* Appends s as the contents of a JSON string (quotes and backslashes escaped). */
static void json_str(struct strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_appendc(sb, '\\');
        sb_appendc(sb, *s);
    }
}

/* The node file text of BENCH_SERVER converged to m (TCP: routes to node 0's address,
 * one authorized host per node address), everything owned by ocsfed. */
void bench_converged_node(const struct manifest *m, struct strbuf *t)
{
    char hop[16], ip[16];
    size_t i;

    bench_node_ip(m->next_hop, hop);
    sb_append(t, "{\"ocsfed_sim_node\": 1, \"node\": {\"fqdn\": \"" BENCH_SERVER "\", \"pool\": \"" BENCH_SERVER
                 "\", \"backend\": \"");
    json_str(t, ocs_lit.se_backend);
    sb_printf(t,
              "\"}, \"ocs\": {\"MSFT_SIPListeningAddressData\": [{\"InstanceID\": "
              "\"{00000003-0000-4000-8000-000000000001}\", \"IPAddress\": \"%s\", \"Port\": %u, "
              "\"TransportType\": \"%s\", \"Enabled\": true}], \"MSFT_SIPRoutingTableData\": [",
              ocs_lit.ip_all, ocs_lit.tcp_port, ocs_lit.listen_tcp);
    for (i = 0; i < m->ndomains; i++) {
        sb_printf(t, "%s{\"InstanceID\": \"{00000001-0000-4000-8000-%012zu}\", \"Backend\": \"", i ? ", " : "", i);
        json_str(t, ocs_lit.se_backend);
        sb_printf(t,
                  "\", \"MatchURI\": \"%s%s%s\", \"NextHop\": \"%s\", \"NextHopPort\": %u, "
                  "\"NextHopTransport\": \"%s\", \"Enabled\": true, \"ReplaceHostInRequestURI\": false}",
                  ocs_lit.match_uri_prefix, m->domains[i], ocs_lit.match_uri_suffix, hop, m->route_port,
                  ocs_lit.route_tcp);
    }
    sb_append(t, "], \"MSFT_SIPRemoteAddressData\": [");
    for (i = 0; i < m->nnodes; i++) {
        bench_node_ip(i, ip);
        sb_printf(t, "%s{\"InstanceID\": \"{00000002-0000-4000-8000-%012zu}\", \"Backend\": \"", i ? ", " : "", i);
        json_str(t, ocs_lit.se_backend);
        sb_printf(t,
                  "\", \"Server\": \"%s\", \"OutboundOnly\": false, \"ThrottleAsServer\": true, "
                  "\"TreatAsAuthenticated\": true}",
                  ip);
    }
    sb_printf(t,
              "]}, \"certificates\": {\"Root\": [], \"CA\": [], \"My\": []}, \"fips\": {\"Enabled\": 0}, "
              "\"services\": {\"%s\": \"running\"}, \"ocsfed\": {\"owned\": [{\"class\": "
              "\"MSFT_SIPListeningAddressData\", \"key\": \"%u\"}",
              ocs_lit.service, ocs_lit.tcp_port);
    for (i = 0; i < m->ndomains; i++)
        sb_printf(t, ", {\"class\": \"MSFT_SIPRoutingTableData\", \"key\": \"%s%s%s\"}", ocs_lit.match_uri_prefix,
                  m->domains[i], ocs_lit.match_uri_suffix);
    for (i = 0; i < m->nnodes; i++) {
        bench_node_ip(i, ip);
        sb_printf(t, ", {\"class\": \"MSFT_SIPRemoteAddressData\", \"key\": \"%s\"}", ip);
    }
    sb_append(t, "]}}\n");
}

int bench_dir_make(struct bench_dir *d)
{
    const char *tmp = getenv("TMPDIR");
    int n;

    memset(d, 0, sizeof(*d));
    if (!tmp || !*tmp)
        tmp = "/tmp";
    n = snprintf(d->dir, sizeof(d->dir), "%s/ocsfed-bench.XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof(d->dir)) {
        fprintf(stderr, "bench: TMPDIR is too long\n");
        return -1;
    }
    if (!mkdtemp(d->dir)) {
        fprintf(stderr, "bench: cannot create a folder in %s: %s\n", tmp, strerror(errno));
        d->dir[0] = '\0';
        return -1;
    }
    snprintf(d->node, sizeof(d->node), "%s/node.json", d->dir);
    snprintf(d->journal, sizeof(d->journal), "%s/node.json.journal", d->dir);
    return 0;
}

void bench_dir_remove(const struct bench_dir *d)
{
    char path[1024];
    struct dirent *de;
    DIR *dir;

    if (!d->dir[0] || !(dir = opendir(d->dir)))
        return;
    while ((de = readdir(dir)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", d->dir, de->d_name) < (int)sizeof(path))
            unlink(path);
    }
    closedir(dir);
    if (rmdir(d->dir) != 0)
        fprintf(stderr, "bench: cannot remove %s: %s\n", d->dir, strerror(errno));
}

enum ofd_code bench_plan_file(const char *node_path, const struct manifest *m, struct plan *p, double *secs, ofd_err *e)
{
    struct node n = {0};
    double t0 = bench_now();
    enum ofd_code rc;

    if ((rc = simnode_open(node_path, &n, e)) != OFD_OK)
        goto out;
    rc = plan_make(m, &n, &(struct plan_options){.now = BENCH_NOW}, p, e);
out:
    *secs = bench_now() - t0;
    node_close(&n);
    return rc;
}

enum ofd_code bench_apply_file(const char *node_path, const char *journal, const struct plan *p, int restart_allowed,
                               struct bench_applied *out, ofd_err *e)
{
    struct apply_options opt;
    struct apply_result res;
    struct node n = {0};
    double t0 = bench_now(), c0 = bench_cpu_s();
    enum ofd_code rc;

    memset(&res, 0, sizeof(res));
    memset(&opt, 0, sizeof(opt));
    opt.restart_allowed = restart_allowed;
    opt.journal = journal;
    if ((rc = simnode_open(node_path, &n, e)) != OFD_OK)
        goto out;
    ofd_err_clear(e);
    rc = apply_run(p, &n, &opt, &res, e);
    if (rc != OFD_OK && res.rolled_back)
        fprintf(stderr, "bench: apply failed and was rolled back (%s)\n",
                res.rollback_rc == OFD_OK ? "cleanly" : res.rollback_msg);
out:
    out->secs = bench_now() - t0;
    out->cpu = bench_cpu_s() - c0;
    out->writes = res.writes;
    node_close(&n);
    return rc;
}

size_t bench_setting_changes(const struct plan *p)
{
    return p->counts[PLAN_CREATE] + p->counts[PLAN_UPDATE] + p->counts[PLAN_DELETE];
}

int bench_row(int ok, const char *what, const char *target, const char *fmt, ...)
{
    va_list ap;

    printf("ROW|%s|", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("|%s|%s\n", target, ok ? "yes" : "NO");
    return ok;
}

int bench_in_child(int (*fn)(size_t n), size_t n, const char *name)
{
    pid_t pid;
    int status;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", name, strerror(errno));
        return 1;
    }
    if (pid == 0) {
        int rc = fn(n);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "%s: waitpid: %s\n", name, strerror(errno));
            return 1;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    printf("%s: the case of %zu was killed by signal %d\n", name, n, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 1;
}

int bench_run_sizes(int argc, char **argv, const size_t *def, size_t ndef, size_t min_n, const char *unit,
                    int (*fn)(size_t n), const char *name)
{
    size_t i, n, count = argc > 1 ? (size_t)(argc - 1) : ndef;
    char *end;
    int rc = 0;

    for (i = 0; i < count; i++) {
        if (argc > 1) {
            n = (size_t)strtoul(argv[i + 1], &end, 10);
            if (*end || n < min_n) {
                fprintf(stderr, "%s: '%s' is not a number of %s (%zu or more)\n", name, argv[i + 1], unit, min_n);
                return 2;
            }
        } else {
            n = def[i];
        }
        if (bench_in_child(fn, n, name) != 0) {
            printf("%s: %zu %s FAILED\n", name, n, unit);
            rc = 1;
        }
    }
    return rc;
}
