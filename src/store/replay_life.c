#include <config.h>

#include "store/replay_life.h"

#include <math.h>
#include <string.h>

/* No socket lives 100 years: a larger age is a corrupt file, not a fact. */
#define AGE_S_MAX (100.0 * 365 * 24 * 3600)

int rd_get_lifecycle(struct rctx *c, const jnode *o)
{
	static const char *const keys[] = {"source", "since", "events_lost"};
	struct sk_lifecycle_info *li = &c->r->snap.lifecycle;
	const jnode *f[3];
	unsigned source = 0;
	uint64_t since = 0;
	size_t old;
	int rc;

	if (!o)
		return 0;
	old = rd_path_push_key(c, "lifecycle");
	rc = rd_collect(c, o, NULL, keys, 3, f);
	if (rc == 0)
		rc = rd_get_enum(c, f[0], "source", sk_life_source_names, SK_LIFE_LAST,
				 "lifecycle source", &source);
	if (rc == 0 && source == SK_LIFE_NONE)
		rc = rd_bad(c, "source", "expected bpf or estimate");
	if (rc == 0)
		rc = rd_get_uint(c, f[1], "since", INT64_MAX, &since);
	if (rc == 0)
		rc = rd_get_u64(c, f[2], "events_lost", &li->events_lost);
	rd_path_pop(c, old);
	li->source = (uint8_t)source;
	li->since = (int64_t)since;
	return rc;
}

/* Seconds with ms precision, or null. */
static int get_age(struct rctx *c, const jnode *n, const char *field, int64_t *ms)
{
	double s;

	*ms = SK_LIFE_AGE_UNKNOWN;
	if (!n || n->type == SK_JSON_NULL)
		return 0;
	if (n->type != SK_JSON_NUMBER || n->num == SK_JSON_INT)
		return rd_bad(c, field, "expected seconds (a number >= 0) or null, got %s",
			      sk_json_type_name(n));
	s = n->num == SK_JSON_FLOAT ? n->v.d : (double)n->v.u;
	if (!isfinite(s) || s < 0 || s > AGE_S_MAX)
		return rd_bad(c, field, "%g s is out of range", s);
	*ms = (int64_t)(s * 1000.0 + 0.5); /* s >= 0: rounds to the nearest ms */
	return 0;
}

static int get_creator(struct rctx *c, const jnode *o, struct sk_life *l)
{
	static const char *const keys[] = {"pid", "comm", "cgroup_id", "holder"};
	const jnode *f[4];
	size_t old;
	int rc;

	if (!o || o->type == SK_JSON_NULL)
		return 0;
	old = rd_path_push_key(c, "creator");
	rc = rd_collect(c, o, NULL, keys, 4, f);
	if (rc == 0)
		rc = rd_get_pid(c, f[0], "pid", &l->creator_pid);
	if (rc == 0)
		rc = rd_get_strtab(c, f[1], "comm", &l->creator_comm);
	if (rc == 0)
		rc = rd_get_u64(c, f[2], "cgroup_id", &l->creator_cgroup);
	if (rc == 0 && f[3])
		rc = rd_get_bool(c, f[3], "holder", &l->creator_is_holder);
	rd_path_pop(c, old);
	return rc;
}

int rd_get_life(struct rctx *c, size_t index, const jnode *creator, const jnode *age,
		const jnode *state_age, const jnode *estimated)
{
	struct sk_snapshot *s = &c->r->snap;
	struct sk_life *l;
	int rc;

	if (s->lifecycle.source == SK_LIFE_NONE)
		return 0;
	while (s->lives.n <= index) {
		l = SK_VEC_PUSH(&s->lives);
		if (!l)
			return rd_nomem(c);
		l->age_ms = l->state_age_ms = SK_LIFE_AGE_UNKNOWN;
	}
	l = &s->lives.v[index];
	rc = get_creator(c, creator, l);
	if (rc == 0)
		rc = get_age(c, age, "age_s", &l->age_ms);
	if (rc == 0)
		rc = get_age(c, state_age, "state_age_s", &l->state_age_ms);
	if (rc == 0 && estimated)
		rc = rd_get_bool(c, estimated, "age_estimated", &l->estimated);
	return rc;
}
