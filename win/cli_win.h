/* The Windows build's own commands (cli_win.c), for cli_main_ex. */
#ifndef OCSFED_CLI_WIN_H
#define OCSFED_CLI_WIN_H

#include <stddef.h>

#include "cli.h"
#include "nodespec.h"

extern const struct cli_command cli_win_commands[];
/* This server as the node of plan and apply without --node (WMI). */
extern const struct node_platform cli_win_platform;
extern const size_t cli_win_ncommands;

#endif
