/* See leakrun.h. */
#include <config.h>

#include <fcntl.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leakrun.h"
#include "helpers/piped.h"

void need_root_or_skip(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root to build leaks in network namespaces\n");
		skip();
	}
}

const char *builddir(void)
{
	const char *d = getenv("SKTOP_BUILDDIR");

	return d ? d : ".";
}

/* The READY line is the readiness signal: no sleeps. */
int start_leak(struct leak *l, const char *const *args)
{
	struct piped_ends ends;
	char path[4096], line[256];
	char *argv[32];
	int argc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/helpers/leakgen", builddir());
	argv[argc++] = path;
	argv[argc++] = "--unshare";
	for (; *args && argc < 30; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	/* Close-on-exec ends: a second leakgen must not inherit the first
	 * one's stdin, or the first never sees EOF and lives out its lifetime. */
	l->pid = fork_piped(&ends);
	if (l->pid < 0)
		return -1;
	if (l->pid == 0) {
		dup2(ends.rd, 0);
		dup2(ends.wr, 1);
		execv(path, argv);
		_exit(127);
	}
	l->stdin_fd = ends.wr;
	f = fdopen(ends.rd, "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "READY leaker=%d peer=%d port=%d netns=%llu", &l->leaker, &l->peer,
		   &l->port, &l->netns) != 4) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

void stop_leak(struct leak *l)
{
	if (l->pid <= 0)
		return;
	close(l->stdin_fd);
	waitpid(l->pid, NULL, 0);
	l->pid = 0;
}


long count_lines(const char *cmd, const char *needle)
{
	char line[4096];
	long n = 0;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (!needle || strstr(line, needle))
			n++;
	assert_int_equal(pclose(p), 0);
	return n;
}

long first_number(const char *cmd)
{
	char line[4096];
	long v = -1;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	if (fgets(line, sizeof(line), p))
		v = strtol(line, NULL, 10);
	pclose(p);
	return v;
}


char *run_capture(const char *cmd, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	*len = 0;
	for (;;) {
		if (*len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			char *grown = realloc(buf, cap);

			if (!grown)
				free(buf);
			assert_non_null(grown);
			buf = grown;
		}
		size_t n = fread(buf + *len, 1, cap - *len - 1, p);

		if (n == 0)
			break;
		*len += n;
	}
	buf[*len] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}
