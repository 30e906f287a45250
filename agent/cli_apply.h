/* The apply command (cli_apply.c); same contract as struct cli_command.run. */
#ifndef OCSFED_CLI_APPLY_H
#define OCSFED_CLI_APPLY_H

#include <stdio.h>

int cmd_apply(int argc, char **argv, FILE *out, FILE *err);

#endif
