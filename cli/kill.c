#include <config.h>

#include "kill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "act/audit.h"
#include "act/killset.h"
#include "batch.h"
#include "engine.h"
#include "model/match.h"

static void user_name(void *ctx, uint32_t uid, char *buf, size_t size)
{
	(void)ctx;
	sk_batch_user_name(uid, buf, size);
}

/* The sockets the filter selects, as snapshot indices. */
static int select_rows(const struct sk_snapshot *s, const struct sk_match *m,
		       struct sk_killset *ks, struct sk_error *err)
{
	uint32_t *idx = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*idx));
	size_t n = 0;
	int rc;

	if (!idx)
		return sk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < s->socks.n; i++)
		if (sk_match_socket(m, s, &s->socks.v[i]))
			idx[n++] = (uint32_t)i;
	rc = sk_killset_build(ks, s, idx, n);
	free(idx);
	return rc ? sk_error_set(err, ENOMEM, "out of memory") : 0;
}

static void print_rows(FILE *out, const struct sk_snapshot *s, const struct sk_killset *ks,
		       bool dry_run)
{
	for (size_t i = 0; i < ks->rows.n; i++) {
		const struct sk_socket *k = &ks->rows.v[i];
		uint32_t pi = ks->row_owner.v[i];
		char local[128], peer[128], who[96] = "-";

		sk_view_endpoint(s, k, false, local, sizeof(local));
		sk_view_endpoint(s, k, true, peer, sizeof(peer));
		if (pi != SK_NONE)
			snprintf(who, sizeof(who), "%s[%d]", s->procs.v[pi].comm, (int)s->procs.v[pi].pid);
		fprintf(out, "%s %-5s %-11s %-22s %-22s %s\n", dry_run ? "would destroy" : "destroy",
			sk_view_proto(k), sk_dstate_name(sk_dstate_of(k)), local, peer, who);
	}
}

static void print_summary(FILE *out, const struct sk_killset *ks, const struct sk_options *o)
{
	char states[256], owners[512];

	sk_killset_states(ks, states, sizeof(states));
	sk_killset_owners(ks, 5, owners, sizeof(owners));
	fprintf(out, "%s %zu socket%s (%s) of %s\n", o->dry_run ? "would destroy" : "destroying",
		ks->rows.n, ks->rows.n == 1 ? "" : "s", states[0] ? states : "none",
		owners[0] ? owners : "nobody");
	if (ks->skipped)
		fprintf(out, "skipped %u matching unix sockets and closed fds: nothing in the "
			     "kernel's TCP/UDP tables to destroy\n", ks->skipped);
	if (ks->by_state[SK_TCP_CLOSE_WAIT])
		fprintf(out, "note: a CLOSE_WAIT socket's fd stays open in its process; destroying "
			     "frees the kernel side, the leak is the process's\n");
}

static int destroy(const struct sk_options *o, struct sk_engine *e, struct sk_killset *ks,
		   FILE *out, FILE *err_out)
{
	struct sk_destroy_result res;
	struct sk_error err;
	int rc;

	sk_error_clear(&err);
	rc = sk_engine_destroy(e, ks->rows.v, ks->rows.n, &res, &err);
	sk_audit_destroy("--kill-sockets", o->kill_filter, ks, &res, rc, err.msg);
	fprintf(out, "destroyed %u, already gone %u, refused %u\n", res.destroyed, res.gone,
		res.refused);
	if (rc) {
		fprintf(err_out, "sktop: %s\n", err.msg[0] ? err.msg : strerror(-rc));
		return 1;
	}
	return 0;
}

int sk_kill_run(const struct sk_options *o, FILE *out, FILE *err_out)
{
	struct sk_engine_config cfg = sk_batch_engine_config(o);
	struct sk_engine *e = NULL;
	struct sk_killset ks;
	struct sk_match m;
	struct sk_error err;
	int rc, status = 1;

	sk_error_clear(&err);
	sk_killset_init(&ks);
	if (sk_match_compile(&m, o->kill_filter, user_name, NULL)) {
		fprintf(err_out, "sktop: --kill-sockets: the filter is too long\n");
		return 1;
	}
	rc = sk_engine_new(&cfg, &e, &err);
	if (rc == 0)
		rc = sk_engine_refresh(e, &err);
	if (rc == 0)
		rc = select_rows(sk_engine_snapshot(e), &m, &ks, &err);
	if (rc) {
		fprintf(err_out, "sktop: %s\n", err.msg);
		goto out;
	}
	if (ks.rows.n == 0) {
		fprintf(err_out, "sktop: no TCP or UDP socket matches \"%s\"%s\n", o->kill_filter,
			ks.skipped ? " (only unix sockets or closed fds)" : "");
		goto out;
	}
	print_rows(out, sk_engine_snapshot(e), &ks, o->dry_run);
	print_summary(out, &ks, o);
	if (o->dry_run)
		status = 0;
	else
		status = destroy(o, e, &ks, out, err_out);
out:
	sk_killset_free(&ks);
	sk_engine_free(e);
	return status;
}
