/* The command-line front end, portable: `ocsfed validate | plan | apply ...`.
 * Both entry points (main.c, main_win.c) hand it UTF-8 arguments. */
#ifndef OCSFED_CLI_H
#define OCSFED_CLI_H

#include <stdio.h>

/* One subcommand. run() gets argv with argv[0] being the subcommand's name and
 * returns the process exit status. */
struct cli_command {
    const char *name;
    const char *usage; /* one line, after "ocsfed " */
    int (*run)(int argc, char **argv, FILE *out, FILE *err);
};

/* Runs the command line; returns the exit status (0 ok, 1 error, 2 usage or, for
 * plan, changes pending). */
int cli_main(int argc, char **argv, FILE *out, FILE *err);

/* "usage: ocsfed <the command's usage line>" on f: the one wording of each command's
 * usage, for --help and for the commands' own usage errors. */
void cli_usage(const char *name, FILE *f);

/* The same with commands that only one platform has (the Windows service commands),
 * handed in by that platform's entry point so the core needs no #ifdef. */
int cli_main_ex(int argc, char **argv, FILE *out, FILE *err, const struct cli_command *extra, size_t nextra);

#endif
