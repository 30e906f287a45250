#include "cli.h"

#include <string.h>

#include "cli_apply.h"
#include "cli_manifest.h"
#include "version.h"

static int cmd_version(int argc, char **argv, FILE *out, FILE *err);
/* cli_trust.c, cli_status.c, cli_probe.c */
int cmd_pin(int argc, char **argv, FILE *out, FILE *err);
int cmd_sign(int argc, char **argv, FILE *out, FILE *err);
int cmd_verify(int argc, char **argv, FILE *out, FILE *err);
int cmd_status(int argc, char **argv, FILE *out, FILE *err);
int cmd_export(int argc, char **argv, FILE *out, FILE *err); /* cli_export.c */
int cmd_probe(int argc, char **argv, FILE *out, FILE *err);  /* cli_probe.c */

/* New subcommands are one line here. */
static const struct cli_command commands[] = {
    {"version", "version", cmd_version},
    {"validate", "validate MANIFEST", cmd_validate},
    {"imp-checklist", "imp-checklist MANIFEST [--json]", cmd_imp_checklist},
    {"sim", "sim init FILE --fqdn FQDN [--pool FQDN [--pool-store FILE]]", cmd_sim},
    {"export", "export [--node sim:FILE] [--out NODE.json] [--manifest DRAFT.json]", cmd_export},
    {"plan", "plan MANIFEST [--node sim:FILE] [--json] [--verbose]", cmd_plan},
    {"apply", "apply MANIFEST [--node sim:FILE] [--now SECONDS] [--restart-now] [--json] [--verbose]", cmd_apply},
    {"pin", "pin MANIFEST [--check]", cmd_pin},
    {"sign", "sign MANIFEST (--key KEY.pem --cert CERT.pem | --pfx FILE.pfx [--password PW]) [--out FILE.p7s]",
     cmd_sign},
    {"verify", "verify MANIFEST --signer THUMBPRINT [--cert CERT] [--sig FILE.p7s] [--state FILE]", cmd_verify},
    {"status", "status SHARE [--signer THUMBPRINT] [--reports DIR] [--stale-after SECONDS] [--json] [--html FILE]",
     cmd_status},
    {"probe", "probe MANIFEST [--node sim:FILE] [--cert CERT.pem --key KEY.pem] [--json]", cmd_probe},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_version(int argc, char **argv, FILE *out, FILE *err)
{
    (void)argv;
    if (argc != 1) {
        fprintf(err, "ocsfed: version takes no arguments\n");
        return 2;
    }
    fprintf(out, "ocsfed %s (%s)\n", OCSFED_VERSION,
#ifdef _WIN32
            "windows x64"
#else
            "native"
#endif
    );
    return 0;
}

/* The platform's commands, for cli_usage. */
static const struct cli_command *extra_commands;
static size_t n_extra_commands;

void cli_usage(const char *name, FILE *f)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) {
            fprintf(f, "usage: ocsfed %s\n", commands[i].usage);
            return;
        }
    for (i = 0; i < n_extra_commands; i++)
        if (strcmp(extra_commands[i].name, name) == 0) {
            fprintf(f, "usage: ocsfed %s\n", extra_commands[i].usage);
            return;
        }
}

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static void usage(FILE *f, const struct cli_command *extra, size_t nextra)
{
    size_t i;

    fprintf(f, "usage: ocsfed [--version] COMMAND [ARGS]\n\ncommands:\n");
    for (i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  ocsfed %s\n", commands[i].usage);
    for (i = 0; i < nextra; i++)
        fprintf(f, "  ocsfed %s\n", extra[i].usage);
}

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    return cli_main_ex(argc, argv, out, err, NULL, 0);
}

int cli_main_ex(int argc, char **argv, FILE *out, FILE *err, const struct cli_command *extra, size_t nextra)
{
    size_t i;

    extra_commands = extra;
    n_extra_commands = nextra;
    if (argc < 2) {
        usage(err, extra, nextra);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cmd_version(1, argv + 1, out, err);
    if (is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(out, extra, nextra);
        return 0;
    }
    /* `ocsfed COMMAND --help`: that command's usage on stdout, a success. */
    for (i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        if (argc == 3 && is_help(argv[2])) {
            cli_usage(argv[1], out);
            return 0;
        }
        return commands[i].run(argc - 1, argv + 1, out, err);
    }
    for (i = 0; i < nextra; i++) {
        if (strcmp(argv[1], extra[i].name) != 0)
            continue;
        if (argc == 3 && is_help(argv[2])) {
            cli_usage(argv[1], out);
            return 0;
        }
        return extra[i].run(argc - 1, argv + 1, out, err);
    }
    fprintf(err, "ocsfed: unknown command '%s'\n", argv[1]);
    usage(err, extra, nextra);
    return 2;
}
