#include <config.h>

#include "store/replay_service.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
	S_KIND, S_NAME, S_ID, S_POD, S_POD_UID, S_NAMESPACE, S_CONTAINER, S_UNIT, S_CGROUP, S_LAST
};
static const char *const service_keys[S_LAST] = {
	"kind", "name", "id", "pod", "pod_uid", "namespace", "container", "unit", "cgroup",
};

/* The row's strings in key order (kind apart), for reading and comparing. */
static uint32_t *string_of(struct sk_service *sv, int key)
{
	switch (key) {
	case S_NAME: return &sv->name;
	case S_ID: return &sv->id;
	case S_POD: return &sv->pod;
	case S_POD_UID: return &sv->pod_uid;
	case S_NAMESPACE: return &sv->ns;
	case S_CONTAINER: return &sv->container;
	case S_UNIT: return &sv->unit;
	default: return &sv->cgroup;
	}
}

static uint64_t row_hash(const void *ctx, uint32_t i)
{
	const struct sk_snapshot *s = ctx;
	struct sk_service *sv = &s->services.v[i];
	uint64_t h = 1469598103934665603ULL ^ sv->kind;

	for (int k = S_NAME; k < S_LAST; k++) {
		const unsigned char *p =
			(const unsigned char *)sk_strtab_get(&s->strs, *string_of(sv, k));

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL; /* "a","" differs from "","a" */
	}
	return sk_mix64(h);
}

/* Whether row i is the candidate, the last row. */
static bool row_is_last(const void *ctx, uint32_t i)
{
	const struct sk_snapshot *s = ctx;
	struct sk_service *a = &s->services.v[i], *b = &s->services.v[s->services.n - 1];

	if (a->kind != b->kind)
		return false;
	for (int k = S_NAME; k < S_LAST; k++)
		if (strcmp(sk_strtab_get(&s->strs, *string_of(a, k)),
			   sk_strtab_get(&s->strs, *string_of(b, k))))
			return false;
	return true;
}

static int read_row(struct rctx *c, const jnode *o, struct sk_service *sv)
{
	const jnode *f[S_LAST];
	unsigned kind = 0;
	int rc = rd_collect(c, o, "service", service_keys, S_LAST, f);

	if (rc == 0 && f[S_KIND])
		rc = rd_get_enum(c, f[S_KIND], "kind", sk_service_kind_names + 1,
				 SK_SERVICE_KIND_LAST - 1, "service kind", &kind);
	sv->kind = f[S_KIND] ? (uint8_t)(kind + 1) : SK_SERVICE_NONE;
	for (int k = S_NAME; rc == 0 && k < S_LAST; k++)
		if (f[k])
			rc = rd_get_strtab(c, f[k], service_keys[k], string_of(sv, k));
	return rc;
}

/* The candidate (the last row) is dropped when an earlier row is the
 * same object; *index names the one kept. */
static int dedup_last(struct rctx *c, uint32_t *index)
{
	struct sk_snapshot *s = &c->r->snap;
	uint32_t last = (uint32_t)s->services.n - 1;
	size_t slot;

	if (sk_itab_full(&c->services, last) &&
	    sk_itab_resize(&c->services, c->services.cap ? 2 * c->services.cap : 64, last,
			   row_hash, s))
		return rd_nomem(c);
	slot = sk_itab_find(&c->services, row_hash(s, last), row_is_last, s);
	if (c->services.slot[slot]) {
		*index = c->services.slot[slot];
		s->services.n--;
		return 0;
	}
	c->services.slot[slot] = last + 1;
	*index = last + 1;
	return 0;
}

int rd_get_service(struct rctx *c, const jnode *o, uint32_t *index)
{
	struct sk_snapshot *s = &c->r->snap;
	struct sk_service *sv;
	int rc;

	*index = 0;
	if (s->services.n >= UINT32_MAX - 1)
		return rd_bad(c, "service", "too many services");
	sv = SK_VEC_PUSH(&s->services);
	if (!sv)
		return rd_nomem(c);
	memset(sv, 0, sizeof(*sv));
	rc = read_row(c, o, sv);
	if (rc) {
		s->services.n--;
		return rc;
	}
	return dedup_last(c, index);
}

static int grow_sock_service(struct sk_snapshot *s, size_t n)
{
	size_t old = s->sock_service.n;

	if (n <= old)
		return 0;
	if (sk_vec_reserve((void **)&s->sock_service.v, &s->sock_service.cap, n,
			   sizeof(*s->sock_service.v)))
		return -ENOMEM;
	memset(s->sock_service.v + old, 0, (n - old) * sizeof(*s->sock_service.v));
	s->sock_service.n = n;
	return 0;
}

int rd_set_sock_service(struct rctx *c, size_t k, uint32_t index)
{
	struct sk_snapshot *s = &c->r->snap;

	if (grow_sock_service(s, k + 1))
		return rd_nomem(c);
	s->sock_service.v[k] = index;
	return 0;
}

int rd_services_finish(struct rctx *c)
{
	struct sk_snapshot *s = &c->r->snap;

	sk_itab_free(&c->services);
	if (!s->services.n)
		return 0;
	if (grow_sock_service(s, s->socks.n))
		return rd_nomem(c);
	for (size_t i = 0; i < s->procs.n; i++)
		if (s->procs.v[i].service)
			s->services.v[s->procs.v[i].service - 1].nprocs++;
	for (size_t i = 0; i < s->socks.n; i++)
		if (s->sock_service.v[i])
			s->services.v[s->sock_service.v[i] - 1].nsockets++;
	return 0;
}
