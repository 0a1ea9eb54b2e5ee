/*
 * client.h — `dyad client`, the native client (client*.c; dyad-client(1)).
 */
#ifndef DYAD_CLIENT_H
#define DYAD_CLIENT_H

#include <stdio.h>

/* Runs `dyad client …`: argv[0] is "client". Returns the exit status
 * (0, or one per class of error: client_int.h, dyad-client(1)). */
int client_main(int argc, char **argv);

/* Every `dyad client` command with its arguments (for `dyad help client`). */
void client_usage(FILE *f);

#endif
