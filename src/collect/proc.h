/* /proc: processes and the socket fds they hold.
 *
 * The scanner takes the procfs root as a parameter so tests point it at a
 * fixture tree. Each file parser is a pure function of a buffer (fuzzed and
 * unit tested); the scanner only opens, reads (bounded) and calls them. */
#ifndef SKTOP_PROC_H
#define SKTOP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "model/sock.h"
#include "util/strtab.h"
#include "util/vec.h"

#define SK_COMM_MAX 64      /* escaped comm: 16 raw bytes, up to 4 each when escaped */
#define SK_CMDLINE_MAX 4096 /* raw bytes read from /proc/PID/cmdline */
#define SK_FD_LIMIT_UNLIMITED UINT64_MAX

/* Counts a process's sockets, filled by the join (snapshot.c). */
struct sk_agg {
	uint32_t sockets;                      /* distinct socket inodes held */
	uint32_t by_proto[SK_PROTO_LAST];
	uint32_t tcp_states[SK_TCP_STATE_LAST];
	uint32_t closed[SK_SN_LAST];   /* TCP fds in CLOSE: absent from the dump or bound-inactive */
	uint32_t unbound[SK_SN_LAST];  /* UDP fds absent from the dump: never bound, not a leak by itself */
	uint32_t other[SK_SN_LAST];    /* sockets of protocols sktop does not dump */
	uint32_t orphans;              /* orphans attributed to it by listener (likely) */
	uint64_t rmem, wmem, recv_q, send_q;
};

enum sk_proc_flag {
	SK_PROC_FD_DENIED = 1u << 0, /* could not list /proc/PID/fd (permission) */
	SK_PROC_KERNEL = 1u << 1,    /* kernel thread (no cmdline, no mm) */
	SK_PROC_PARTIAL = 1u << 2,   /* vanished or changed while being read */
};

struct sk_process {
	int32_t pid;
	uint32_t uid;                /* real uid from status */
	uint64_t starttime;          /* stat field 22: tells a reused pid from the old one */
	uint64_t netns;              /* inode of /proc/PID/ns/net, 0 when unreadable */
	uint64_t fd_limit;           /* RLIMIT_NOFILE soft, SK_FD_LIMIT_UNLIMITED */
	uint64_t rss_kb;             /* VmRSS: the "tiny RSS, huge rmem" contrast */
	uint32_t fd_count;           /* open fds */
	uint32_t cmdline;            /* strtab offset: args joined by spaces, escaped */
	uint32_t fdrefs_start;       /* this process's socket fds in the fdref table */
	uint32_t fdrefs_count;
	uint32_t flags;              /* enum sk_proc_flag */
	uint32_t service;            /* snapshot services index + 1; 0: unknown */
	char comm[SK_COMM_MAX];      /* escaped: printable ASCII/UTF-8 only */
	struct sk_agg agg;
};

/* A socket fd: "socket:[inode]" behind /proc/PID/fd/FD. */
struct sk_fdref {
	uint64_t inode;
	int32_t fd;
	uint32_t proc;   /* index into the process table */
	uint32_t sock;   /* index into the socket table after the join, or SK_NONE */
	uint32_t flags;  /* SK_FDREF_CACHED: from the owner cache, not read this refresh */
};

#define SK_FDREF_CACHED 1u

typedef SK_VEC(struct sk_process) sk_procvec;
typedef SK_VEC(struct sk_fdref) sk_fdrefvec;

struct sk_procfs_stats {
	uint32_t processes;  /* processes read */
	uint32_t vanished;   /* gone between readdir and read: skipped, not an error */
	uint32_t fd_denied;  /* fd tables we were not allowed to list */
	uint32_t fds;        /* fds listed */
	uint32_t cached;     /* processes whose socket fds came from the owner cache */
	uint32_t from_rows;  /* processes whose fds came from sk_procfs_scan_rows' rows */
	uint32_t closed_races; /* fds that looked closed only because they changed between
	                        * the walk and the dump: not counted as closed */
};

/* Reads every process under proc_root (e.g. "/proc"). Appends to procs and
 * fds (fdrefs of one process are contiguous), strings to strs. Returns 0, or
 * -errno when proc_root itself cannot be read. */
int sk_procfs_scan(const char *proc_root, sk_procvec *procs, sk_fdrefvec *fds,
		   struct sk_strtab *strs, struct sk_procfs_stats *stats,
		   struct sk_error *err);

/* The incremental owner map. The kernel gives no event when an fd table
 * changes, so every refresh still lists each /proc/PID/fd directory (cheap:
 * no readlink), but an fd number that held a socket last time is taken from
 * the cache, marked SK_FDREF_CACHED; only new numbers and numbers that were
 * not sockets are read. The join verifies what the cache cannot know (an fd
 * replaced in place) and the engine rescans when it is stale. (The open-fd
 * count in stat("/proc/PID/fd").st_size alone cannot see a close and a dup
 * in one interval: a randomized test caught exactly that.) */
struct sk_procfs_cache;

int sk_procfs_cache_new(struct sk_procfs_cache **out);
void sk_procfs_cache_free(struct sk_procfs_cache *c);
void sk_procfs_cache_invalidate(struct sk_procfs_cache *c);

/* sk_procfs_scan, reading from and refreshing the cache (NULL: no cache). */
int sk_procfs_scan_cached(const char *proc_root, struct sk_procfs_cache *cache,
			  sk_procvec *procs, sk_fdrefvec *fds, struct sk_strtab *strs,
			  struct sk_procfs_stats *stats, struct sk_error *err);

/* Every fd of every process as the kernel listed it in one pass (the BPF
 * owner path): sorted by pid, then fd. inode 0 is an fd that is not a
 * socket; starttime is in stat's clock ticks, so a row never lends its fds
 * to a later process that reused the pid. */
struct sk_fdrow {
	int32_t pid;
	int32_t fd;
	uint64_t inode;
	uint64_t starttime;
};

typedef SK_VEC(struct sk_fdrow) sk_fdrowvec;

/* sk_procfs_scan with the fds taken from rows instead of a readlink per fd;
 * everything else (stat, status, limits, cmdline, namespace) is read from
 * /proc as always. A process the rows do not cover (born after they were
 * taken, or its pid reused) has its fd table read from /proc. */
int sk_procfs_scan_rows(const char *proc_root, const sk_fdrowvec *rows, sk_procvec *procs,
			sk_fdrefvec *fds, struct sk_strtab *strs, struct sk_procfs_stats *stats,
			struct sk_error *err);

/* Whether /proc/PID/fd/FD still is socket:[inode]. */
bool sk_procfs_fd_is(const char *proc_root, int32_t pid, int32_t fd, uint64_t inode);

/* The class of the socket behind /proc/PID/fd/FD, from the
 * system.sockprotoname xattr. SK_SN_OTHER when it cannot be read. */
enum sk_sockname sk_procfs_sockname(const char *proc_root, int32_t pid, int32_t fd);

/* Inode of a namespace link, e.g. ns "net": the N in readlink(proc_root/PID/ns/net)
 * = "net:[N]" (readlink, not stat, so fixture trees can hold plain symlinks).
 * pid 0 means "self". Returns 0 when unreadable. */
uint64_t sk_procfs_ns_inode(const char *proc_root, int32_t pid, const char *ns);

/* --- pure parsers (buffer in, struct out; return 0 or -EINVAL) --- */

struct sk_proc_stat {
	char comm[SK_COMM_MAX]; /* escaped */
	char state;
	uint64_t flags;     /* field 9, PF_*: PF_KTHREAD (0x00200000) marks a kernel thread */
	uint64_t starttime;
};

/* /proc/PID/stat: comm is everything between the first '(' and the LAST ')'. */
int sk_parse_proc_stat(const char *buf, size_t len, struct sk_proc_stat *out);

struct sk_proc_status {
	uint32_t uid;     /* real */
	uint64_t rss_kb;
	bool have_uid;
};
int sk_parse_proc_status(const char *buf, size_t len, struct sk_proc_status *out);

/* "Max open files" soft limit from /proc/PID/limits. */
int sk_parse_proc_limits_nofile(const char *buf, size_t len, uint64_t *soft);

/* readlink text of an fd: "socket:[12345]" -> 12345. -EINVAL for anything else. */
int sk_parse_socket_link(const char *buf, size_t len, uint64_t *inode);

/* NUL-separated cmdline -> one line, args joined by ' ', escaped into out. */
size_t sk_format_cmdline(const char *buf, size_t len, char *out, size_t outsize);

#endif
