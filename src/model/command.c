#include <config.h>

#include "model/command.h"

#include <stdio.h>
#include <string.h>

/* The basename of the first word of cmdline: start and length. */
static const char *arg0_base(const char *cmdline, size_t *len)
{
	size_t arg0 = strcspn(cmdline, " ");
	const char *base = cmdline;

	for (const char *c = cmdline; c < cmdline + arg0; c++)
		if (*c == '/' && c + 1 < cmdline + arg0)
			base = c + 1;
	*len = arg0 - (size_t)(base - cmdline);
	return base;
}

bool sk_command_comm_shown(const char *comm, const char *cmdline)
{
	size_t blen, clen = strlen(comm);
	const char *base = arg0_base(cmdline, &blen);

	return clen > 0 && clen <= blen && memcmp(base, comm, clen) == 0;
}

size_t sk_command_format(const char *comm, const char *cmdline, bool short_path, char *buf,
			 size_t size)
{
	const char *cmd = cmdline;
	int n;

	if (!cmdline[0])
		n = snprintf(buf, size, "[%s]", comm);
	else {
		if (short_path) {
			size_t blen;

			cmd = arg0_base(cmdline, &blen);
		}
		if (sk_command_comm_shown(comm, cmdline) || !comm[0])
			n = snprintf(buf, size, "%s", cmd);
		else
			n = snprintf(buf, size, "%s: %s", comm, cmd);
	}
	return n < 0 ? 0 : (size_t)n;
}
