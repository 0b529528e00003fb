/* One finding per program, not per process: the same bug in nine workers
 * made nine findings that pushed everything else off the screen. The
 * snapshot has no executable path (reading /proc/PID/exe would cost a
 * syscall per process every refresh), so a program is its comm, its uid
 * and the first word of its command line. */
#include <config.h>

#include "analyse/findings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Evidence that adds up across processes; the rest (a limit, an age, a
 * backoff) keeps the largest. */
static bool summed(unsigned id)
{
	switch (id) {
	case SK_EV_CLOSE_WAIT: case SK_EV_CLOSED: case SK_EV_SOCKETS: case SK_EV_RECV_Q:
	case SK_EV_RMEM: case SK_EV_SEND_Q: case SK_EV_ORPHANED: case SK_EV_ZERO_WINDOW:
	case SK_EV_RSS:
		return true;
	default:
		return false;
	}
}

static size_t argv0_len(const char *cmd)
{
	size_t n = 0;

	while (cmd[n] && cmd[n] != ' ')
		n++;
	return n;
}

static bool same_program(const struct sk_snapshot *s, uint32_t a, uint32_t b)
{
	const struct sk_process *p = &s->procs.v[a], *q = &s->procs.v[b];
	const char *ca = sk_strtab_get(&s->strs, p->cmdline), *cb = sk_strtab_get(&s->strs, q->cmdline);
	size_t la = argv0_len(ca);

	return p->uid == q->uid && strcmp(p->comm, q->comm) == 0 && la == argv0_len(cb) &&
	       memcmp(ca, cb, la) == 0;
}

static bool mergeable(const struct sk_snapshot *s, const struct sk_finding *a,
		      const struct sk_finding *b)
{
	return a->kind == b->kind && a->subject_type == SK_SUBJ_PROCESS &&
	       b->subject_type == SK_SUBJ_PROCESS && a->proc != SK_NONE && b->proc != SK_NONE &&
	       a->proc < s->procs.n && b->proc < s->procs.n && same_program(s, a->proc, b->proc);
}

static void absorb(struct sk_finding *into, const struct sk_finding *f)
{
	if (into->nprocs == 0) {
		into->nprocs = 1;
		into->pids[0] = into->pid;
	}
	if (into->nprocs < SK_FINDING_PIDS)
		into->pids[into->nprocs] = f->pid;
	into->nprocs++;
	if (f->severity > into->severity)
		into->severity = f->severity;
	for (int i = 0; i < f->nev; i++)
		for (int j = 0; j < into->nev; j++) {
			struct sk_evidence *e = &into->ev[j];

			if (e->id != f->ev[i].id)
				continue;
			if (summed(e->id))
				e->value += f->ev[i].value;
			else if (f->ev[i].value > e->value)
				*e = f->ev[i];
		}
}

/* "leakgen[12,13,+7]" and a title that says how many. */
static void relabel(struct sk_finding *f, const struct sk_snapshot *s)
{
	const struct sk_process *p = &s->procs.v[f->proc];
	size_t n = (size_t)snprintf(f->subject, sizeof(f->subject), "%.40s[", p->comm);
	uint32_t shown = 0;

	for (; shown < f->nprocs && shown < SK_FINDING_PIDS && n + 16 < sizeof(f->subject); shown++)
		n += (size_t)snprintf(f->subject + n, sizeof(f->subject) - n, "%s%d", shown ? "," : "",
				      (int)f->pids[shown]);
	if (shown < f->nprocs)
		snprintf(f->subject + n, sizeof(f->subject) - n, ",+%u]", f->nprocs - shown);
	else
		snprintf(f->subject + n, sizeof(f->subject) - n, "]");
	n = strlen(f->title);
	snprintf(f->title + n, sizeof(f->title) - n, " [%u processes of %s; figures for %d, "
		 "evidence summed]", f->nprocs, p->comm, (int)f->pid);
}

int sk_findings_merge_programs(struct sk_findings *f, const struct sk_snapshot *s)
{
	size_t n = f->list.n;
	uint32_t *leader = malloc((n ? n : 1) * sizeof(*leader));
	uint32_t *socks = malloc((f->socks.n ? f->socks.n : 1) * sizeof(*socks));
	size_t out = 0, ns = 0;

	if (!leader || !socks) {
		free(leader);
		free(socks);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		leader[i] = (uint32_t)i;
		for (size_t j = 0; j < i; j++)
			if (leader[j] == j && mergeable(s, &f->list.v[j], &f->list.v[i])) {
				leader[i] = (uint32_t)j;
				absorb(&f->list.v[j], &f->list.v[i]);
				break;
			}
	}
	/* Leaders in order, each followed by its members' sockets. */
	for (size_t i = 0; i < n; i++) {
		if (leader[i] != i)
			continue;
		struct sk_finding g = f->list.v[i];
		uint32_t start = (uint32_t)ns;

		for (size_t j = i; j < n; j++) {
			const struct sk_finding *m = &f->list.v[j];

			if (leader[j] != i)
				continue;
			/* memcpy takes no NULL, even for 0 bytes: an empty socks table is NULL */
			if (m->socks_count)
				memcpy(socks + ns, f->socks.v + m->socks_start,
				       m->socks_count * sizeof(*socks));
			ns += m->socks_count;
		}
		g.socks_start = start;
		g.socks_count = (uint32_t)ns - start;
		if (g.nprocs > 1)
			relabel(&g, s);
		f->list.v[out++] = g;
	}
	if (ns)
		memcpy(f->socks.v, socks, ns * sizeof(*socks));
	f->socks.n = ns;
	f->list.n = out;
	free(leader);
	free(socks);
	return 0;
}

bool sk_finding_has_pid(const struct sk_finding *f, int32_t pid)
{
	if (f->pid == pid)
		return true;
	for (uint32_t i = 0; i < f->nprocs && i < SK_FINDING_PIDS; i++)
		if (f->pids[i] == pid)
			return true;
	return false;
}
