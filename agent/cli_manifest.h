/* Subcommands implemented in cli_manifest.c; same contract as struct cli_command.run. */
#ifndef OCSFED_CLI_MANIFEST_H
#define OCSFED_CLI_MANIFEST_H

#include <stdio.h>

int cmd_validate(int argc, char **argv, FILE *out, FILE *err);
int cmd_sim(int argc, char **argv, FILE *out, FILE *err);
int cmd_plan(int argc, char **argv, FILE *out, FILE *err);
int cmd_imp_checklist(int argc, char **argv, FILE *out, FILE *err);

#endif
