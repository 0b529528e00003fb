/* Row identities and the keys of groups and orphan groups: what keeps a
 * cursor on the same row across refreshes (vrows.h). */
#include <config.h>

#include <string.h>
#include <sys/socket.h>

#include "view.h"
#include "vlife.h"
#include "vrows.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

struct sk_vkey sk_view_key_proc(const struct sk_process *p)
{
	return (struct sk_vkey){(uint64_t)(uint32_t)p->pid, p->starttime};
}

struct sk_vkey sk_view_key_sock(const struct sk_socket *k)
{
	if (k->inode || k->cookie)
		return (struct sk_vkey){k->inode, k->cookie};
	/* Hand-built rows and old kernels: the four-tuple names it. */
	uint64_t h = fnv(FNV_INIT, &k->local, sizeof(k->local));

	h = fnv(h, &k->peer, sizeof(k->peer));
	h = fnv(h, &k->netns, sizeof(k->netns));
	h = fnv(h, &k->proto, 1);
	return (struct sk_vkey){0, h | 1};
}

struct sk_vkey sk_vkey_group(const struct sk_gkey *g)
{
	uint64_t h = fnv(FNV_INIT, &g->mode, 1);

	h = fnv(h, &g->dstate, 1);
	h = fnv(h, &g->family, 1);
	h = fnv(h, &g->port, sizeof(g->port));
	h = fnv(h, g->addr, sizeof(g->addr));
	return (struct sk_vkey){h, 2};
}

struct sk_vkey sk_vkey_orphan(const struct sk_okey *o)
{
	uint64_t h = fnv(FNV_INIT, &o->dstate, 1);

	h = fnv(h, &o->owner_kind, 1);
	h = fnv(h, &o->pid, sizeof(o->pid));
	h = fnv(h, &o->cgroup, sizeof(o->cgroup));
	h = fnv(h, &o->lport, sizeof(o->lport));
	return (struct sk_vkey){h, 3};
}

bool sk_vkey_eq(struct sk_vkey a, struct sk_vkey b)
{
	return a.a == b.a && a.b == b.b;
}

bool sk_okey_eq(const struct sk_okey *a, const struct sk_okey *b)
{
	return a->dstate == b->dstate && a->owner_kind == b->owner_kind && a->pid == b->pid &&
	       a->cgroup == b->cgroup && a->lport == b->lport;
}

struct sk_okey sk_okey_of(const struct sk_snapshot *s, const struct sk_socket *k)
{
	struct sk_okey o;

	memset(&o, 0, sizeof(o));
	o.dstate = (uint8_t)sk_dstate_of(k);
	o.owner_kind = k->owner_kind;
	/* The process that made it beats the one listening on its port. */
	const struct sk_life *lf = sk_view_life_creator(s, (size_t)(k - s->socks.v));

	if (lf) {
		o.owner_kind = SK_OKEY_CREATOR;
		o.pid = lf->creator_pid;
		o.cgroup = lf->creator_cgroup;
	} else if (k->owner_kind == SK_OWNER_LISTENER && k->likely_owner < s->procs.n) {
		o.pid = s->procs.v[k->likely_owner].pid;
		o.lport = k->local.port;
	} else if (k->owner_kind == SK_OWNER_CGROUP) {
		o.cgroup = k->cgroup_id;
	} else {
		o.owner_kind = SK_OWNER_NONE;
	}
	return o;
}

struct sk_gkey sk_gkey_of(const struct sk_socket *k, unsigned mode, unsigned dstate)
{
	struct sk_gkey g;

	memset(&g, 0, sizeof(g));
	g.mode = (uint8_t)mode;
	g.dstate = (uint8_t)dstate;
	if (mode == SK_GROUP_LPORT) {
		g.port = (k->flags & SK_SOCK_UNDUMPED) ? 0 : k->local.port;
	} else if (!(k->flags & SK_SOCK_UNDUMPED) &&
		   (k->family == AF_INET || k->family == AF_INET6)) {
		g.family = k->family;
		memcpy(g.addr, k->peer.addr, (size_t)sk_addr_len(k->family));
	} else if (k->family == AF_UNIX) {
		g.family = AF_UNIX;
	}
	return g;
}

bool sk_gkey_eq(const struct sk_gkey *a, const struct sk_gkey *b)
{
	return a->mode == b->mode && a->dstate == b->dstate && a->family == b->family &&
	       a->port == b->port && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* -1, 0, 1 as a is below, equal to, above b (both of one integer type). */
#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

int sk_gkey_cmp(const struct sk_gkey *a, const struct sk_gkey *b)
{
	int r;

	if ((r = CMP(a->dstate, b->dstate)) || (r = CMP(a->family, b->family)) ||
	    (r = CMP(a->port, b->port)))
		return r;
	r = memcmp(a->addr, b->addr, sizeof(a->addr));
	return CMP(r, 0);
}

int sk_okey_cmp(const struct sk_okey *a, const struct sk_okey *b)
{
	int r;

	if ((r = CMP(a->dstate, b->dstate)) || (r = CMP(a->owner_kind, b->owner_kind)) ||
	    (r = CMP(a->pid, b->pid)) || (r = CMP(a->cgroup, b->cgroup)))
		return r;
	return CMP(a->lport, b->lport);
}

/* A finding is the same one across refreshes when its kind and subject are. */
struct sk_vkey sk_vkey_finding(const struct sk_finding *f)
{
	uint64_t h = fnv(FNV_INIT, f->subject, strlen(f->subject));

	return (struct sk_vkey){((uint64_t)f->kind << 8) | f->subject_type, h};
}
