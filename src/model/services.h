/* Questions the faces ask of a snapshot's services (collect/service.h):
 * which match a --service PATTERN or the TUI's / filter, in what order
 * -s service sorts them, and the totals the grouped-by-service pane shows. */
#ifndef SKTOP_SERVICES_H
#define SKTOP_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "model/snapshot.h"

/* Whether pattern is a case-insensitive substring of any of the service's
 * names: name, pod, "namespace/pod", container, unit, id, cgroup path.
 * NULL (unknown) matches nothing; an empty pattern matches any service. */
bool sk_service_matches(const struct sk_snapshot *s, const struct sk_service *sv,
			const char *pattern);

/* -s service: by name (bytes), unknown after every known one. */
int sk_service_cmp(const struct sk_snapshot *s, const struct sk_service *a,
		   const struct sk_service *b);

/* One service's share of the snapshot. A socket counts once per service
 * however many of its processes hold it (forked workers share listeners);
 * a socket no fd holds counts for the service its cgroup names. Orphans go
 * to the listener's service when one is found, else to their cgroup's. */
struct sk_service_total {
	uint32_t nprocs;
	uint32_t fdless;  /* sockets no fd holds, among agg.sockets */
	struct sk_agg agg;
};

struct sk_service_totals {
	SK_VEC(struct sk_service_total) v; /* parallel to snapshot services */
	SK_VEC(uint32_t) seen;             /* scratch: last socket counted per service */
};

/* The process's service matches (sk_service_matches). */
bool sk_proc_service_matches(const struct sk_snapshot *s, const struct sk_process *p,
			     const char *pattern);

/* Socket k matches when its own service does (no fd holder), or a
 * holder's, or, for an orphan, its likely owner's. */
bool sk_sock_service_matches(const struct sk_snapshot *s, size_t k, const char *pattern);

/* A finding's subject for a process in a service: "pod shop/web-1
 * (container web, pid 42)", "container db (pid 7)", "unit nginx.service
 * (pid 9)". False (buf untouched) when the service names nothing better
 * than the process does: unknown, or only a cgroup path. */
bool sk_service_subject(const struct sk_snapshot *s, const struct sk_service *sv, int32_t pid,
			char *buf, size_t size);

/* The name metrics group a service under: k8s "namespace/pod", else the
 * container, else the unit. False when there is none. */
bool sk_service_group(const struct sk_snapshot *s, const struct sk_service *sv, char *buf,
		      size_t size);

/* What --service PATTERN keeps of a snapshot. A process matches by its
 * service; a socket by sk_sock_service_matches. A document of the
 * selection stays whole: the holders and likely owner of a kept socket
 * are kept too (SK_SEL_HOLDER), so no socket names an absent pid. */
enum { SK_SEL_MATCH = 1, SK_SEL_HOLDER = 2 };
struct sk_service_selection {
	uint8_t *procs; /* per process: SK_SEL_* bits, 0 dropped */
	uint8_t *socks; /* per socket: 1 kept */
	size_t nprocs, nsocks;
};
int sk_service_select(struct sk_service_selection *sel, const struct sk_snapshot *s,
		      const char *pattern);
void sk_service_selection_free(struct sk_service_selection *sel);

/* Whether a finding about process proc (SK_NONE: none) backed by these
 * sockets is kept: its process matches, or one of its sockets is kept. */
bool sk_service_selection_keeps(const struct sk_service_selection *sel, uint32_t proc,
				const uint32_t *socks, size_t n);

void sk_service_totals_free(struct sk_service_totals *t);
int sk_service_totals_compute(struct sk_service_totals *t, const struct sk_snapshot *s);

#endif
