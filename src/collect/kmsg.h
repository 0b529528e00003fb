/* The kernel's own words: the TCP lines operators grep dmesg for ("TCP:
 * too many orphaned sockets" starts seed 002), read from /dev/kmsg: the
 * ring's recent past when opened, then what arrives, never blocking and a
 * bounded number of records per refresh. The path is a parameter so tests
 * feed a file or a FIFO in the /dev/kmsg format. */
#ifndef SKTOP_KMSG_H
#define SKTOP_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sk_kmsg_line {
	SK_KMSG_ORPHANS,    /* "TCP: too many orphaned sockets" */
	SK_KMSG_TCP_MEM,    /* "TCP: out of memory -- consider tuning tcp_mem" */
	SK_KMSG_TW_OVERFLOW,/* "TCP: time wait bucket table overflow" */
	SK_KMSG_SYN_FLOOD,  /* "TCP: request_sock_TCP: Possible SYN flooding on port ..." */
	SK_KMSG_CONNTRACK,  /* "nf_conntrack: table full, dropping packet" */
	SK_KMSG_LAST
};
/* One row per line, so that a line never has a key without its words. */
struct sk_kmsg_line_def {
	const char *name;   /* its JSON key */
	const char *needle; /* the words a record is searched for */
};
extern const struct sk_kmsg_line_def sk_kmsg_lines[SK_KMSG_LAST];

/* What the log said, as of one refresh: plain data, copied into snapshots. */
struct sk_klog {
	int error;        /* 0, or the errno that made the log unreadable */
	bool enabled;     /* a log was asked for (no: nothing to say) */
	struct {
		uint32_t count;
		uint64_t first_us, last_us; /* kernel timestamps: microseconds since boot */
	} lines[SK_KMSG_LAST];
	uint64_t records; /* records read so far */
};

struct sk_kmsg;

/* Opens path non-blocking. Never fails for an unreadable log: the reader
 * then only reports why (klog.error). -ENOMEM only. */
int sk_kmsg_open(const char *path, struct sk_kmsg **out);
void sk_kmsg_free(struct sk_kmsg *k);

/* Reads what is there now (at most a bounded number of records) and
 * fills out with the totals so far. */
void sk_kmsg_poll(struct sk_kmsg *k, struct sk_klog *out);

/* "\"too many orphaned sockets\" x12, first 3 min ago, last 5 s
 * ago" (now_us: the monotonic clock, which the kernel's timestamps follow). */
void sk_klog_text(const struct sk_klog *log, enum sk_kmsg_line kind, uint64_t now_us, char *buf,
		  size_t size);

/* One record's text ("6,123,456789,-;TCP: ...") into its timestamp and
 * the line kind; false when it is no line of interest. Pure, for tests. */
bool sk_kmsg_parse(const char *rec, size_t len, enum sk_kmsg_line *kind, uint64_t *ts_us);

#endif
