/* What the rules share, inside src/analyse only: the evaluation's context,
 * the candidate lists the one walk over the sockets fills, and the small
 * steps every rule takes to write a finding. findings.c holds the rules
 * about processes and the machine's limits and runs the table;
 * rules_net.c the ones about shared pools and queues (ports towards one
 * destination, TIME_WAIT churn, accept queues, UDP receive buffers). */
#ifndef SKTOP_ANALYSE_RULES_H
#define SKTOP_ANALYSE_RULES_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyse/findings.h"
#include "analyse/history.h"
#include "model/services.h"
#include "model/snapshot.h"
#include "util/hash.h"
#include "util/vec.h"

typedef SK_VEC(uint32_t) idxvec;

/* A destination: the connections sharing it share one pool of local ports.
 * Grouped with a hash as the rows go by, not by sorting every connected
 * socket afterwards (90k at 100k sockets, each compare two cache misses
 * into the rows). */
struct dest {
	uint64_t netns;
	uint64_t hash;
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint32_t used;  /* connections towards it */
	uint32_t start; /* qualifying ones: where its members start in the member list */
};

struct dest_groups {
	SK_VEC(struct dest) dests;
	struct sk_itab tab; /* dests by destination */
	idxvec of;        /* the dest of each ports candidate */
	uint64_t seed;
};

/* Kept between evaluations: at 100k sockets these are megabytes, and
 * allocating them each refresh cost a page fault per 4 KiB touched. */
struct sk_findings_scratch {
	/* The rows each rule over sockets can fire on, ascending, found in one
	 * walk (collect_candidates): a row is 288 bytes, and at 100k sockets
	 * every walk over the table costs milliseconds. */
	idxvec zero_window, ports, listeners, udp, orphans;
	struct dest_groups dg; /* the ports candidates by destination */
	idxvec members, hits;  /* ephemeral_ports */
};

struct ctx {
	struct sk_findings *f;
	const struct sk_snapshot *s;
	const struct sk_history *h;
	const int64_t *th;
	int rc;
	struct sk_findings_scratch *x;
};

static inline struct sk_finding *new_finding(struct ctx *c, enum sk_finding_kind kind,
					     enum sk_severity sev)
{
	struct sk_finding *f = SK_VEC_PUSH(&c->f->list);

	if (!f) {
		c->rc = -ENOMEM;
		return NULL;
	}
	f->kind = (uint8_t)kind;
	f->severity = (uint8_t)sev;
	f->proc = SK_NONE;
	f->socks_start = (uint32_t)c->f->socks.n;
	snprintf(f->subject, sizeof(f->subject), "system");
	return f;
}

static inline void subject_process(struct sk_finding *f, const struct sk_snapshot *s,
				   uint32_t proc)
{
	const struct sk_process *p = &s->procs.v[proc];

	f->subject_type = SK_SUBJ_PROCESS;
	f->pid = p->pid;
	f->proc = proc;
	/* A pid alone means nothing on a node running fifty copies of it. */
	if (!sk_service_subject(s, sk_snapshot_service(s, p->service), p->pid, f->subject,
				sizeof(f->subject)))
		snprintf(f->subject, sizeof(f->subject), "%.40s[%d]", p->comm, (int)p->pid);
}

static inline void add_sock(struct ctx *c, struct sk_finding *f, uint32_t sock)
{
	uint32_t *slot = SK_VEC_PUSH(&c->f->socks);

	if (!slot) {
		c->rc = -ENOMEM;
		return;
	}
	*slot = sock;
	f->socks_count++;
}

static inline void evidence(struct sk_finding *f, enum sk_evidence_name id, int64_t value,
			    int64_t limit)
{
	if (f->nev < SK_FINDING_EVIDENCE)
		f->ev[f->nev++] = (struct sk_evidence){sk_evidence_names[id], value, limit,
							(uint8_t)id};
}

__attribute__((format(printf, 3, 4)))
static inline void text(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

static inline struct sk_trend sys_trend(const struct ctx *c, enum sk_smetric m)
{
	struct sk_trend none = {0};

	return c->h ? sk_series_trend(&c->h->sys[m]) : none;
}

static inline int64_t pct(int64_t v, int64_t limit)
{
	if (limit <= 0 || v < 0)
		return 0;
	return (int64_t)((double)v * 100.0 / (double)limit);
}

static inline bool ports_range(const struct sk_snapshot *s, int64_t *lo, int64_t *hi)
{
	*lo = s->sys.limits.ip_local_port_range[0];
	*hi = s->sys.limits.ip_local_port_range[1];
	return *lo != SK_UNKNOWN && *hi != SK_UNKNOWN && *hi >= *lo;
}

static inline int push_index(idxvec *v, size_t i)
{
	if (v->n == v->cap &&
	    sk_vec_reserve((void **)&v->v, &v->cap, v->n + 1, sizeof(*v->v)))
		return -ENOMEM;
	v->v[v->n++] = (uint32_t)i;
	return 0;
}

static inline uint32_t owner_proc(const struct sk_snapshot *s, const struct sk_socket *k)
{
	const struct sk_fdref *ref = sk_snapshot_first_ref(s, k);

	return ref ? ref->proc : k->likely_owner;
}

/* The rules in rules_net.c, run from findings.c's table. */
void sk_rule_ephemeral_ports(struct ctx *c);
void sk_rule_time_wait_churn(struct ctx *c);
void sk_rule_accept_overflow(struct ctx *c);
void sk_rule_udp_rcvbuf(struct ctx *c);

#endif
