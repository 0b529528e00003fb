#include <config.h>

#include "fview.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "line.h"

#define SK_FVIEW_INDENT 11 /* strlen("Next step: ") */

struct sink {
	struct sk_fview_line *out;
	size_t max, n;
};

static void emit(struct sink *k, uint8_t kind, const char *label, const char *text, size_t len)
{
	if (k->n < k->max) {
		k->out[k->n].kind = kind;
		snprintf(k->out[k->n].text, sizeof(k->out[k->n].text), "%-*s%.*s", SK_FVIEW_INDENT,
			 label, (int)len, text);
	}
	k->n++;
}

/* Wraps text under a label: breaks at the last space that fits, or mid-word
 * when no space does (a long command line must still be read whole). */
static void wrap(struct sink *k, uint8_t kind, const char *label, const char *text, int width)
{
	int room = width - SK_FVIEW_INDENT;

	if (room < 8)
		room = 8;
	while (*text == ' ')
		text++;
	if (!*text) {
		emit(k, kind, label, "-", 1);
		return;
	}
	while (*text) {
		size_t fit = sk_text_prefix(text, room), cut = fit;

		if (text[fit]) {
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = fit ? fit : 1;
		}
		emit(k, kind, label, text, cut);
		label = "";
		text += cut;
		while (*text == ' ')
			text++;
	}
}

/* "close_wait 812 (limit 1024), fds 900" */
static void evidence(const struct sk_finding *f, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < f->nev && i < SK_FINDING_EVIDENCE && n < size; i++) {
		const struct sk_evidence *e = &f->ev[i];
		int w;

		if (e->limit != SK_UNKNOWN)
			w = snprintf(buf + n, size - n, "%s%s %" PRId64 " (limit %" PRId64 ")",
				     i ? ", " : "", e->name, e->value, e->limit);
		else
			w = snprintf(buf + n, size - n, "%s%s %" PRId64, i ? ", " : "", e->name,
				     e->value);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

size_t sk_fview_lines(const struct sk_finding *f, int width, struct sk_fview_line *out,
		      size_t max)
{
	struct sink k = {out, max, 0};
	/* Room for the longest subject (a pod, its container and pid) and
	 * title: wrap() cuts the text into lines of SK_FVIEW_TEXT. */
	char buf[SK_FINDING_SUBJECT + 2 * SK_FINDING_TEXT];

	snprintf(buf, sizeof(buf), "%s %s: %s: %s", sk_severity_names[f->severity],
		 sk_finding_kind_names[f->kind], f->subject, f->title);
	wrap(&k, SK_FV_TITLE, "Finding:", buf, width);
	wrap(&k, SK_FV_TEXT, "Detail:", f->detail, width);
	if (f->nev) {
		evidence(f, buf, sizeof(buf));
		wrap(&k, SK_FV_TEXT, "Evidence:", buf, width);
	}
	wrap(&k, SK_FV_COMMAND, "Next step:", f->next_step, width);
	return k.n;
}
