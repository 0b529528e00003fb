/* /dev/kmsg gives one record per read(); a file or FIFO gives bytes. Both
 * are read into a buffer and split at newlines: a record is
 * "PRIO,SEQ,TS_US,FLAGS[,...];TEXT\n", followed by " KEY=VALUE\n"
 * continuation lines, which are skipped. */
#include <config.h>

#include "collect/kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KMSG_BUF 8192         /* a record is at most ~1 KiB (PRINTK_MESSAGE_MAX) */
#define KMSG_MAX_READS 20000  /* per poll: a refresh never waits on a flood */

const struct sk_kmsg_line_def sk_kmsg_lines[SK_KMSG_LAST] = {
	[SK_KMSG_ORPHANS] = {"too_many_orphans", "too many orphaned sockets"},
	[SK_KMSG_TCP_MEM] = {"tcp_out_of_memory", "out of memory -- consider tuning tcp_mem"},
	[SK_KMSG_TW_OVERFLOW] = {"time_wait_overflow", "time wait bucket table overflow"},
	[SK_KMSG_SYN_FLOOD] = {"syn_flooding", "Possible SYN flooding"},
	[SK_KMSG_CONNTRACK] = {"conntrack_full", "nf_conntrack: table full"},
};

struct sk_kmsg {
	int fd;
	struct sk_klog log;
	size_t have;
	char buf[KMSG_BUF];
};

int sk_kmsg_open(const char *path, struct sk_kmsg **out)
{
	struct sk_kmsg *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (!k)
		return -ENOMEM;
	k->log.enabled = true;
	k->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		k->log.error = errno;
	*out = k;
	return 0;
}

void sk_kmsg_free(struct sk_kmsg *k)
{
	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

static bool find(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

bool sk_kmsg_parse(const char *rec, size_t len, enum sk_kmsg_line *kind, uint64_t *ts_us)
{
	const char *semi = memchr(rec, ';', len);
	uint64_t ts = 0;
	int field = 0;

	if (!semi || rec[0] == ' ')
		return false;
	/* The third comma-separated field of the prefix is the timestamp. */
	for (const char *p = rec; p < semi; p++) {
		if (*p == ',') {
			if (++field == 3)
				break;
			continue;
		}
		if (field == 2) {
			if (*p < '0' || *p > '9' || ts > (UINT64_MAX - 9) / 10)
				return false;
			ts = ts * 10 + (uint64_t)(*p - '0');
		}
	}
	if (field < 2)
		return false;
	for (int i = 0; i < SK_KMSG_LAST; i++)
		if (find(semi + 1, len - (size_t)(semi + 1 - rec), sk_kmsg_lines[i].needle)) {
			*kind = (enum sk_kmsg_line)i;
			*ts_us = ts;
			return true;
		}
	return false;
}

static void count(struct sk_klog *log, enum sk_kmsg_line kind, uint64_t ts)
{
	if (log->lines[kind].count++ == 0)
		log->lines[kind].first_us = ts;
	log->lines[kind].last_us = ts;
}

/* Consumes the whole lines in the buffer; a line longer than the buffer
 * is dropped (no record is). */
static void consume(struct sk_kmsg *k)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(k->buf + start, '\n', k->have - start))) {
		size_t len = (size_t)(nl - (k->buf + start));
		enum sk_kmsg_line kind;
		uint64_t ts;

		if (k->buf[start] != ' ')
			k->log.records++;
		if (sk_kmsg_parse(k->buf + start, len, &kind, &ts))
			count(&k->log, kind, ts);
		start += len + 1;
	}
	if (start == 0 && k->have == sizeof(k->buf))
		start = k->have;
	memmove(k->buf, k->buf + start, k->have - start);
	k->have -= start;
}

void sk_kmsg_poll(struct sk_kmsg *k, struct sk_klog *out)
{
	for (int i = 0; k->fd >= 0 && i < KMSG_MAX_READS; i++) {
		ssize_t n = read(k->fd, k->buf + k->have, sizeof(k->buf) - k->have);

		if (n < 0 && errno == EPIPE)
			continue; /* the ring overwrote records we had not read: go on */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			k->log.error = errno;
			break;
		}
		if (n <= 0)
			break;
		k->have += (size_t)n;
		consume(k);
	}
	*out = k->log;
}

static void ago(uint64_t now_us, uint64_t ts_us, char *buf, size_t size)
{
	uint64_t s = now_us > ts_us ? (now_us - ts_us) / 1000000 : 0;

	if (s < 120)
		snprintf(buf, size, "%llu s ago", (unsigned long long)s);
	else if (s < 7200)
		snprintf(buf, size, "%llu min ago", (unsigned long long)(s / 60));
	else
		snprintf(buf, size, "%llu h ago", (unsigned long long)(s / 3600));
}

void sk_klog_text(const struct sk_klog *log, enum sk_kmsg_line kind, uint64_t now_us, char *buf,
		  size_t size)
{
	char first[32], last[32];

	ago(now_us, log->lines[kind].first_us, first, sizeof(first));
	ago(now_us, log->lines[kind].last_us, last, sizeof(last));
	snprintf(buf, size, "\"%s\" x%u, first %s, last %s", sk_kmsg_lines[kind].needle,
		 log->lines[kind].count, first, last);
}
