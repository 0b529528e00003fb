/* Files written as root: never through a symlink, never over an existing
 * file, always 0600, and nothing left behind when the disk is full or the
 * directory is read-only. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"
#include "store/snapfile.h"

static char *make_dir(void)
{
	char *dir = strdup("/tmp/sktop-snapfile-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void remove_dir(char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int write_file(const char *dir, const char *name, const char *text, struct sk_error *err)
{
	struct sk_snapfile sf;
	int rc = sk_snapfile_create(&sf, dir, name, err);

	if (rc)
		return rc;
	fputs(text, sf.f);
	return sk_snapfile_commit(&sf, err);
}

static void test_creates_0600(void **state)
{
	char *dir = make_dir();
	struct sk_error err = {0};
	char path[512], buf[64] = {0};
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(write_file(dir, "snap.json", "{}\n", &err), 0);
	umask(old);
	snprintf(path, sizeof(path), "%s/snap.json", dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "{}\n");
	assert_int_equal(entries(dir), 1); /* no temp file left */
	remove_dir(dir);
}

static void test_never_overwrites(void **state)
{
	char *dir = make_dir();
	struct sk_error err = {0};
	char path[512], buf[64] = {0};

	(void)state;
	assert_int_equal(write_file(dir, "a.json", "first\n", &err), 0);
	assert_int_equal(write_file(dir, "a.json", "second\n", &err), -EEXIST);
	assert_non_null(strstr(err.msg, "already exists"));
	snprintf(path, sizeof(path), "%s/a.json", dir);
	FILE *f = fopen(path, "r");

	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "first\n");
	assert_int_equal(entries(dir), 1);
	remove_dir(dir);
}

/* The name exists between create and commit: link() refuses, the racer's
 * file stays, our temp file goes. */
static void test_race_at_commit(void **state)
{
	char *dir = make_dir();
	struct sk_error err = {0};
	struct sk_snapfile sf;
	char path[512];

	(void)state;
	assert_int_equal(sk_snapfile_create(&sf, dir, "b.json", &err), 0);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	close(fd);
	fputs("data", sf.f);
	assert_int_equal(sk_snapfile_commit(&sf, &err), -EEXIST);
	assert_int_equal(entries(dir), 1);
	remove_dir(dir);
}

static void test_refuses_symlink(void **state)
{
	char *dir = make_dir();
	struct sk_error err = {0};
	char link[512], target[512];
	struct stat st;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link, sizeof(link), "%s/snap.json", dir);
	assert_int_equal(symlink(target, link), 0); /* dangling: would create target */
	assert_int_equal(write_file(dir, "snap.json", "x", &err), -EEXIST);
	assert_int_not_equal(lstat(target, &st), 0);
	assert_int_equal(entries(dir), 1);
	remove_dir(dir);
}

static void test_bad_names_and_dirs(void **state)
{
	struct sk_error err = {0};
	struct sk_snapfile sf;

	(void)state;
	assert_int_equal(sk_snapfile_create(&sf, "/tmp", "a/b", &err), -EINVAL);
	assert_int_equal(sk_snapfile_create(&sf, "/tmp", "..", &err), -EINVAL);
	assert_int_equal(sk_snapfile_create(&sf, "/nonexistent-sktop-dir", "a", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent-sktop-dir"));
	assert_null(strchr(err.msg, '\n'));
}

/* Each message names the path with its control bytes escaped: -w prints
 * it on a terminal, the s key on the status line. */
static bool printable(const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void test_messages_escape_the_path(void **state)
{
	char *dir = make_dir(), bad_dir[512], name[] = "a\033]0;pwned\007.json";
	struct sk_error err = {0};
	struct sk_snapfile sf;

	(void)state;
	snprintf(bad_dir, sizeof(bad_dir), "%s/\033[2J\033[31mno", dir);
	assert_int_equal(sk_snapfile_create(&sf, bad_dir, "x.json", &err), -ENOENT);
	assert_true(printable(err.msg));
	assert_non_null(strstr(err.msg, "\\x1b[2J"));
	assert_int_equal(sk_snapfile_create(&sf, dir, "x\033[2J/y", &err), -EINVAL);
	assert_true(printable(err.msg));
	assert_int_equal(write_file(dir, name, "first\n", &err), 0);
	assert_int_equal(write_file(dir, name, "second\n", &err), -EEXIST);
	assert_true(printable(err.msg));
	assert_non_null(strstr(err.msg, "\\x1b]0;pwned\\x07.json already exists"));
	/* taken between create and the link */
	assert_int_equal(sk_snapfile_create(&sf, dir, "b\033c.json", &err), 0);
	assert_int_equal(write_file(dir, "b\033c.json", "racer\n", &err), 0);
	assert_int_equal(sk_snapfile_commit(&sf, &err), -EEXIST);
	assert_true(printable(err.msg));
	remove_dir(dir);
}

static void test_basename(void **state)
{
	char buf[128];

	(void)state;
	sk_snapfile_basename(buf, sizeof(buf), "web-1.example", 1763892328); /* 2025-11-23 10:05:28 */
	assert_string_equal(buf, "sktop-web-1.example-20251123-100528");
	sk_snapfile_basename(buf, sizeof(buf), "../\x1b[2Jx y", 0);
	assert_string_equal(buf, "sktop-..2Jxy-19700101-000000");
}

/* Runs fn in a child with a private mount namespace, where a tiny or
 * read-only tmpfs can be mounted without touching the machine. */
static void in_mount_ns(const char *opts, void (*fn)(const char *dir))
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root for a private tmpfs\n");
		skip();
	}
	char dir[] = "/tmp/sktop-mnt-XXXXXX";

	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("sktop", dir, "tmpfs", 0, opts) < 0)
			_exit(3);
		fn(dir);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rmdir(dir), 0); /* the tmpfs went with the child's namespace */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void full_disk(const char *dir)
{
	struct sk_error err = {0};
	struct sk_snapfile sf;
	size_t size = 256 * 1024; /* four times the tmpfs */
	char *big = malloc(size);

	if (!big)
		_exit(9);
	memset(big, 'x', size);
	if (sk_snapfile_create(&sf, dir, "full.json", &err))
		_exit(4);
	fwrite(big, 1, size, sf.f);
	free(big);
	if (sk_snapfile_commit(&sf, &err) != -ENOSPC || !strstr(err.msg, "No space left"))
		_exit(5);
	if (entries(dir) != 0)
		_exit(6); /* no partial file, no temp file */
}

static void read_only(const char *dir)
{
	struct sk_error err = {0};
	struct sk_snapfile sf;

	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
		_exit(7);
	if (sk_snapfile_create(&sf, dir, "ro.json", &err) != -EROFS ||
	    !strstr(err.msg, "Read-only file system"))
		_exit(8);
}

static void test_full_disk(void **state)
{
	(void)state;
	in_mount_ns("size=64k", full_disk);
}

static void test_read_only_dir(void **state)
{
	(void)state;
	in_mount_ns("size=64k", read_only);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_creates_0600),
	cmocka_unit_test(test_never_overwrites),
	cmocka_unit_test(test_race_at_commit),
	cmocka_unit_test(test_refuses_symlink),
	cmocka_unit_test(test_bad_names_and_dirs),
	cmocka_unit_test(test_messages_escape_the_path),
	cmocka_unit_test(test_basename),
	cmocka_unit_test(test_full_disk),
	cmocka_unit_test(test_read_only_dir))
