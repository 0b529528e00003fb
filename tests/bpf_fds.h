/* For the BPF suites: proving that closing a loader leaves nothing loaded
 * (nothing is pinned, so an object lives exactly as long as an fd on it). */
#ifndef SKTOP_TEST_BPF_FDS_H
#define SKTOP_TEST_BPF_FDS_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* This process's fds that hold a BPF object (program, link, map,
 * iterator); -1 when /proc/self/fd cannot be listed. */
static inline int bpf_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], link[64];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		n += strncmp(link, "anon_inode:bpf", 14) == 0;
	}
	closedir(d);
	return n;
}

#endif
