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

void sk_service_totals_free(struct sk_service_totals *t);
int sk_service_totals_compute(struct sk_service_totals *t, const struct sk_snapshot *s);

#endif
