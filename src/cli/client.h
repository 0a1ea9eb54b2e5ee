/*
 * client.h — `dyad client`, the native client (client*.c; dyad-client(1)).
 */
#ifndef DYAD_CLIENT_H
#define DYAD_CLIENT_H

/* Runs `dyad client …`: argv[0] is "client". Returns the exit status
 * (0, or one per class of error: client_int.h, dyad-client(1)). */
int client_main(int argc, char **argv);

#endif
