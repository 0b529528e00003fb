/* What the renderer's files share (render.c, render_header.c,
 * render_body.c): glyphs with their ASCII stand-ins, thresholds, lookups. */
#ifndef SKTOP_TUI_RENDER_INT_H
#define SKTOP_TUI_RENDER_INT_H

#include <stdint.h>

#include "app.h"
#include "colors.h"

/* Glyphs with their ASCII stand-ins (TERM=vt100, no UTF-8 locale). */
#define G(ui, utf8, ascii) ((ui)->unicode ? (utf8) : (ascii))
#define G_SEP(ui) G(ui, " \xe2\x94\x82 ", " | ")
#define G_TIMES(ui) G(ui, "\xc3\x97", "x")
#define G_DOWN(ui) G(ui, "\xe2\x96\xbc", "v")
#define G_UP(ui) G(ui, "\xe2\x96\xb2", "^")
#define G_CRUMB(ui) G(ui, " \xe2\x80\xba ", " > ")
#define G_INF(ui) G(ui, "\xe2\x88\x9e", "inf")
#define G_RISING(ui) G(ui, "\xe2\x86\x91", "!")
#define G_TO(ui) G(ui, "\xe2\x86\x92", "->")

static inline int64_t th(const struct sk_ui *ui, enum sk_threshold t, int64_t fallback)
{
	return ui->opts ? ui->opts->thresholds.v[t] : fallback;
}

static inline const struct sk_process *row_proc(const struct sk_ui *ui, uint32_t pi)
{
	return pi != SK_NONE && pi < ui->snap->procs.n ? &ui->snap->procs.v[pi] : NULL;
}

/* A count that never fell is a leak's signature; red once it is more than
 * a trickle, yellow while it is. */
static inline uint8_t growth_color(const struct sk_trend *t)
{
	if (!t->known)
		return SK_C_DIM;
	if (t->monotonic)
		return t->per_min >= 1 ? SK_C_CRIT : SK_C_WARN;
	return t->per_min > -0.05 && t->per_min < 0.05 ? SK_C_DIM : SK_C_DEFAULT;
}

#endif
