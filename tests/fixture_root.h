/* Where the committed fixture trees are: $SKTOP_SRCDIR/tests/fixtures when
 * make check runs us, else next to this file (a test run by hand).
 *
 * The procfs tree's links ("socket:[1001]", "net:[4026531840]") point
 * nowhere, and make dist's tar dereferences links, so they are not stored
 * as links: tests/fixtures/proc/LINKS lists them, and the tree is copied
 * to a temporary directory with its links made there, once per test run. */
#ifndef SKTOP_TEST_FIXTURE_ROOT_H
#define SKTOP_TEST_FIXTURE_ROOT_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void fixture_src(const char *sub, char *out, size_t size)
{
	const char *src = getenv("SKTOP_SRCDIR");

	if (src && *src) {
		snprintf(out, size, "%s/tests/fixtures/%s", src, sub);
	} else {
		const char *file = __FILE__, *slash = strrchr(file, '/');

		snprintf(out, size, "%.*s/fixtures/%s", slash ? (int)(slash - file) : 1,
			 slash ? file : ".", sub);
	}
}

static inline void mkdir_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

/* A committed fixture tree copied under /tmp (removed at exit), with the
 * links its LINKS file lists (tab-separated: path, target) made there;
 * exits on failure. dir holds at least 64 bytes. */
static inline void fixture_copy_with_links(const char *sub, char *dir, size_t size,
					   void (*remove_at_exit)(void))
{
	char src[PATH_MAX], cmd[PATH_MAX * 2 + 64], line[1024];
	FILE *links;

	fixture_src(sub, src, sizeof(src));
	snprintf(dir, size, "/tmp/sktop-%s-XXXXXX", sub);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "cannot make a temporary directory\n");
		exit(1);
	}
	atexit(remove_at_exit);
	snprintf(cmd, sizeof(cmd), "cp -R '%s/.' '%s'", src, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot copy the fixture tree %s\n", src);
		exit(1);
	}
	snprintf(cmd, sizeof(cmd), "%s/LINKS", src);
	links = fopen(cmd, "r");
	while (links && fgets(line, sizeof(line), links)) {
		char *tab = strchr(line, '\t'), path[PATH_MAX];

		if (!tab)
			continue;
		*tab = '\0';
		tab[1 + strcspn(tab + 1, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		mkdir_parents(path);
		if (symlink(tab + 1, path) != 0) {
			fprintf(stderr, "cannot make fixture link %s\n", path);
			exit(1);
		}
	}
	if (links)
		fclose(links);
}

static char fixture_proc_dir[64]; /* one copy per test process, removed at exit */

static inline void fixture_proc_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixture_proc_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fixture_proc_dir);
}

/* The procfs tree, rebuilt with its links under /tmp; exits on failure. */
static inline const char *fixture_proc_copy(void)
{
	if (!fixture_proc_dir[0])
		fixture_copy_with_links("proc", fixture_proc_dir, sizeof(fixture_proc_dir),
					fixture_proc_remove);
	return fixture_proc_dir;
}

static inline void fixture_root(const char *sub, char *out, size_t size)
{
	if (strncmp(sub, "proc", 4) == 0 && (sub[4] == '\0' || sub[4] == '/'))
		snprintf(out, size, "%s%s", fixture_proc_copy(), sub + 4);
	else
		fixture_src(sub, out, size);
}

#endif
