#include <config.h>

#include "mouse.h"

#include "keys.h"
#include "render.h"

#define SK_WHEEL_ROWS 3

/* Sorts by the column under x, or inverts it when it is the sort already. */
static unsigned click_title(struct sk_ui *ui, int x)
{
	struct sk_frame f;
	const struct sk_level *l = sk_view_top(&ui->view);

	sk_render_layout(ui, ui->cols, l->top, (size_t)ui->body_height, &f);
	for (size_t i = 0; f.defs && i < f.ncols; i++) {
		const struct sk_colpos *p = &f.pos[i];
		int sort = f.defs[p->col].sort;

		if (x < p->x || x >= p->x + p->w + 1)
			continue;
		if (sort < 0) {
			sk_ui_status(ui, false, "%s cannot be sorted on.", f.defs[p->col].title);
			return SK_H_REDRAW;
		}
		if ((int)p->col == f.sortcol)
			sk_view_invert(&ui->view);
		else
			sk_view_set_sort(&ui->view, sort);
		return SK_H_REBUILD;
	}
	return SK_H_NONE;
}

static unsigned click_row(struct sk_ui *ui, size_t row)
{
	const struct sk_level *l = sk_view_top(&ui->view);

	if (row >= ui->view.nrows)
		return SK_H_NONE;
	if (row == l->cursor ||
	    (l->kind == SK_VK_FINDINGS && row / SK_FINDING_ROWS == l->cursor / SK_FINDING_ROWS))
		return sk_keys_run(ui, SK_ACT_ENTER);
	sk_view_move_to(&ui->view, row);
	return SK_H_REDRAW;
}

unsigned sk_mouse_handle(struct sk_ui *ui, int y, int x, enum sk_mouse_button b)
{
	int tabs = ui->rows - ui->body_height - 3; /* below the header */

	if (ui->mode != SK_MODE_NORMAL || !ui->snap)
		return SK_H_NONE;
	if (b == SK_MB_WHEEL_UP || b == SK_MB_WHEEL_DOWN) {
		sk_view_move(&ui->view, b == SK_MB_WHEEL_UP ? -SK_WHEEL_ROWS : SK_WHEEL_ROWS);
		return SK_H_REDRAW;
	}
	if (y == tabs) {
		int p = sk_render_tab_at(ui->cols, x);

		if (p < 0)
			return SK_H_NONE;
		sk_view_set_pane(&ui->view, (enum sk_pane)p);
		return SK_H_REBUILD;
	}
	if (y == tabs + 1)
		return click_title(ui, x);
	if (y > tabs + 1 && y < tabs + 2 + ui->body_height)
		return click_row(ui, sk_view_top(&ui->view)->top + (size_t)(y - tabs - 2));
	return SK_H_NONE;
}
