#include "cli.h"

#include <string.h>

#include "cli_apply.h"
#include "cli_manifest.h"
#include "version.h"

static int cmd_version(int argc, char **argv, FILE *out, FILE *err);
/* cli_trust.c, cli_status.c */
int cmd_pin(int argc, char **argv, FILE *out, FILE *err);
int cmd_sign(int argc, char **argv, FILE *out, FILE *err);
int cmd_verify(int argc, char **argv, FILE *out, FILE *err);
int cmd_status(int argc, char **argv, FILE *out, FILE *err);

/* New subcommands are one line here. */
static const struct cli_command commands[] = {
    {"version", "version", cmd_version},
    {"validate", "validate MANIFEST", cmd_validate},
    {"sim", "sim init FILE --fqdn FQDN [--pool FQDN]", cmd_sim},
    {"plan", "plan MANIFEST --node sim:FILE [--json]", cmd_plan},
    {"apply", "apply MANIFEST --node sim:FILE [--now SECONDS]", cmd_apply},
    {"pin", "pin MANIFEST [--check]", cmd_pin},
    {"sign", "sign MANIFEST (--key KEY.pem --cert CERT.pem | --pfx FILE [--password PW]) [--out FILE.p7s]", cmd_sign},
    {"verify", "verify MANIFEST --signer THUMBPRINT [--cert CERT] [--sig FILE.p7s] [--state FILE]", cmd_verify},
    {"status", "status SHARE [--reports DIR] [--stale-after SECONDS]", cmd_status},
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

    if (argc < 2) {
        usage(err, extra, nextra);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cmd_version(1, argv + 1, out, err);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(out, extra, nextra);
        return 0;
    }
    for (i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1, out, err);
    }
    for (i = 0; i < nextra; i++) {
        if (strcmp(argv[1], extra[i].name) == 0)
            return extra[i].run(argc - 1, argv + 1, out, err);
    }
    fprintf(err, "ocsfed: unknown command '%s'\n", argv[1]);
    usage(err, extra, nextra);
    return 2;
}
