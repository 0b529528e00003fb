/* F3: the next row whose text holds the search text, from the row after
 * the cursor round to the cursor itself (view.h). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "view.h"
#include "vrows.h"

static bool row_matches(const struct sk_view *v, const struct sk_snapshot *s, size_t row,
			const char *t)
{
	const struct sk_level *l = sk_view_top_c(v);
	char buf[256];

	switch (l->kind) {
	case SK_VK_PROCS:
		return sk_vfilter_proc_text(v, s, &s->procs.v[v->procs.v[row]], t);
	case SK_VK_SOCKS:
		if (v->grouped) {
			sk_view_gkey_label(&v->groups.v[row].key, buf, sizeof(buf));
			return strcasestr(buf, t) ||
			       strcasestr(sk_dstate_name(v->groups.v[row].key.dstate), t);
		}
		return sk_vfilter_vsock_text(v, s, &v->socks.v[row], t);
	case SK_VK_ORPHANS:
		sk_view_okey_label(s, &v->orphans.v[row], buf, sizeof(buf));
		return strcasestr(buf, t) != NULL;
	case SK_VK_STATES:
		return strcasestr(sk_dstate_name(v->states.v[row].dstate), t) != NULL;
	case SK_VK_DETAIL:
		return strcasestr(v->lines.v[row].text, t) != NULL;
	case SK_VK_FINDINGS: {
		const struct sk_finding *f = sk_view_finding_at(v, s, row);

		return f && (strcasestr(f->subject, t) || strcasestr(f->title, t) ||
			     strcasestr(sk_finding_kind_names[f->kind], t));
	}
	default:
		return false;
	}
}

bool sk_view_search(struct sk_view *v, const struct sk_snapshot *s, const char *text,
		    bool from_cursor)
{
	size_t n = v->nrows, cur = sk_view_top_c(v)->cursor;

	if (!s || !text[0] || n == 0)
		return false;
	for (size_t i = from_cursor ? 0 : 1; i <= n; i++) {
		size_t row = (cur + i) % n;

		if (row_matches(v, s, row, text)) {
			sk_view_move_to(v, row);
			return true;
		}
	}
	return false;
}
