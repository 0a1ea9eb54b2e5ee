/*
 * client.h — `dyad client` subcommands (client.c).
 */
#ifndef DYAD_CLIENT_H
#define DYAD_CLIENT_H

/* Decrypts an export file with the person's password and prints it as
 * readable text. Returns the process exit status. */
int client_read_export(const char *path);

#endif
