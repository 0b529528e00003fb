/* What a COMMAND column says about a process, for every face (TUI, batch
 * text): the command line, led by the process name when that name is not
 * the program's (htop's merged command), because `cw_server`, `nginx:
 * worker process` and a Java thread's name are what an operator knows the
 * process by, and argv[0] hides them. */
#ifndef SKTOP_MODEL_COMMAND_H
#define SKTOP_MODEL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "collect/proc.h"

/* Whether comm is the name argv[0]'s basename already shows. comm is the
 * kernel's 15-byte cut of the name, so a prefix of the basename counts. */
bool sk_command_comm_shown(const char *comm, const char *cmdline);

/* Writes "comm: cmdline" (comm left out when argv[0] shows it; "[comm]"
 * for kernel threads and zombies, which have no command line). With
 * short_path, argv[0]'s directory is dropped. Returns the length it
 * needed, like snprintf. */
size_t sk_command_format(const char *comm, const char *cmdline, bool short_path, char *buf,
			 size_t size);

#endif
