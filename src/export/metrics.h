/* A snapshot (with its findings and history) as Prometheus metrics: the
 * text exposition format 0.0.4, or OpenMetrics 1.0.0. A pure function into
 * a buffer, so the exporter can render once per refresh and serve the same
 * bytes to every scrape, and the textfile writer can reuse it.
 *
 * Metric names, label names and label values such as the state names are
 * contracts (README "Prometheus", doc/sktop.1): add, never rename. */
#ifndef SKTOP_METRICS_H
#define SKTOP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

#define SK_METRICS_MAX_GROUPS_DEFAULT 200
#define SK_METRICS_LABEL_MAX 128 /* bytes of one label value, cut on a UTF-8 boundary */

enum sk_metrics_format {
	SK_METRICS_PROMETHEUS,  /* text/plain; version=0.0.4 */
	SK_METRICS_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

/* The Content-Type header of each format. */
const char *sk_metrics_content_type(enum sk_metrics_format f);

struct sk_metrics_opts {
	enum sk_metrics_format format;
	uint32_t max_groups;      /* >= 1: groups (and pids) kept, the rest become "other" */
	bool per_process;         /* also the sktop_process_* series */
	const char *version;      /* sktop_build_info{version} */
	uint64_t refreshes;       /* refreshes completed, for sktop_refreshes_total */
	uint64_t refresh_errors;  /* refreshes failed, for sktop_refresh_errors_total */
};

struct sk_metrics_buf {
	char *data;    /* NUL-terminated once anything was rendered */
	size_t len, cap;
	bool oom;  /* an append failed: the buffer is incomplete */
};

void sk_metrics_buf_free(struct sk_metrics_buf *b);

/* The group a process's series are summed under. Today its name (comm);
 * the one place to switch to the process's service (issue 13) once the
 * snapshot carries one. */
const char *sk_metrics_group_of(const struct sk_snapshot *s, const struct sk_process *p);

/* Appends the metrics of s to out. 0, or -ENOMEM (out then holds a partial
 * text that must not be served). */
int sk_metrics_render(struct sk_metrics_buf *out, const struct sk_snapshot *s,
		      const struct sk_metrics_opts *o);

/* A label value as the exposition formats want it: control characters
 * dropped (names are untrusted), '\\', '"' and newline escaped, at most
 * SK_METRICS_LABEL_MAX bytes of the source kept, cut on a UTF-8 boundary.
 * Returns the length written into out (NUL-terminated; outsize must be at
 * least 2 * SK_METRICS_LABEL_MAX + 1). */
size_t sk_metrics_label_escape(const char *in, char *out, size_t outsize);

#endif
