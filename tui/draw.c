#include <config.h>

#include "draw.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "destroy.h"
#include "list.h"
#include "render.h"

/* Rows below the header: tabs, column titles, and the bottom line. */
#define SK_CHROME_ROWS 3

static void blit(const struct sk_screen *sc, int y, int width, const struct sk_line *l,
		 bool cursor)
{
	attr_t base = cursor ? (attr_t)sc->pal.attr[SK_C_CURSOR] : A_NORMAL;

	move(y, 0);
	for (int i = 0; i < l->nspans; i++) {
		const struct sk_span *sp = &l->spans[i];

		attrset(cursor ? base : (attr_t)sc->pal.attr[sp->color]);
		addnstr(l->buf + sp->start, sp->len);
	}
	/* The rest of the row in the row's own attribute: a highlighted cursor
	 * bar runs to the edge, other rows are cleared. */
	attrset(base);
	if (cursor) {
		for (int x = l->cols; x < width; x++)
			addch(' ');
	} else if (l->cols < width) {
		clrtoeol();
	}
	attrset(A_NORMAL);
}

/* A status-coloured row (tabs, titles) fills the line in its first span's
 * colour so bars look like bars. */
static void blit_bar(const struct sk_screen *sc, int y, int width, const struct sk_line *l,
		     uint8_t fill)
{
	blit(sc, y, width, l, false);
	if (l->cols < width) {
		attrset((attr_t)sc->pal.attr[fill]);
		for (int x = l->cols; x < width; x++)
			mvaddch(y, x, ' ');
		attrset(A_NORMAL);
	}
}

static int header_height(const struct sk_ui *ui, int width)
{
	struct sk_line *tmp = malloc(sizeof(struct sk_line) * SK_HEADER_MAX);
	int n;

	if (!tmp)
		return 1;
	n = sk_render_header(ui, width, tmp, SK_HEADER_MAX);
	free(tmp);
	return n;
}

bool sk_draw_layout(struct sk_screen *sc, struct sk_ui *ui)
{
	int rows, cols;
	bool changed;

	getmaxyx(stdscr, rows, cols);
	changed = rows != ui->rows || cols != ui->cols;
	ui->rows = rows;
	ui->cols = cols;
	ui->view.width = cols;
	sc->header_h = header_height(ui, cols);
	/* On a very short terminal the list keeps at least a few rows: the
	 * header gives way first. */
	if (rows - sc->header_h - SK_CHROME_ROWS < 3)
		sc->header_h = rows - SK_CHROME_ROWS - 3;
	if (sc->header_h < 1)
		sc->header_h = rows > 4 ? 1 : 0;
	ui->body_height = rows - sc->header_h - SK_CHROME_ROWS;
	if (ui->body_height < 0)
		ui->body_height = 0;
	return changed;
}

void sk_draw(struct sk_screen *sc, struct sk_ui *ui)
{
	int width = ui->cols, y = 0;
	struct sk_line *lines = malloc(sizeof(struct sk_line) * SK_HEADER_MAX);
	struct sk_line *l = malloc(sizeof(struct sk_line));
	struct sk_line *prompt = NULL;
	struct sk_frame f;
	size_t first, nbody = sk_render_body_rows(ui);

	if (ui->mode == SK_MODE_DESTROY)
		prompt = malloc(sizeof(struct sk_line) * SK_DESTROY_PROMPT_LINES);
	if (!lines || !l || (ui->mode == SK_MODE_DESTROY && !prompt)) {
		free(lines);
		free(l);
		free(prompt);
		return;
	}
	/* The header may have grown (findings appeared, data came back). */
	if (header_height(ui, width) != sc->header_h)
		sk_draw_layout(sc, ui);
	/* Help takes the whole screen below the title line, as in htop. */
	int hdr = ui->mode == SK_MODE_HELP && sc->header_h > 1 ? 1 : sc->header_h;
	int body = ui->body_height + (sc->header_h - hdr);
	int n = sk_render_header(ui, width, lines, hdr);

	for (int i = 0; i < n && y < ui->rows; i++)
		blit(sc, y++, width, &lines[i], false);
	while (y < hdr)
		blit(sc, y++, width, (sk_line_init(l, width, !ui->unicode), l), false);

	if (ui->mode == SK_MODE_HELP) {
		ui->help_top = sk_list_pager_top(ui->help_top, nbody, (size_t)body);
		first = ui->help_top;
	} else if (ui->mode == SK_MODE_SORT) {
		first = sk_list_top(ui->menu_cursor, 0, nbody, (size_t)ui->body_height);
	} else {
		sk_view_scroll(&ui->view, (size_t)ui->body_height);
		first = sk_view_top(&ui->view)->top;
	}
	sk_render_layout(ui, width, first, (size_t)body, &f);

	sk_render_tabs(ui, width, l);
	blit(sc, y++, width, l, false);
	sk_render_colhdr(ui, &f, l);
	blit_bar(sc, y++, width, l, SK_C_COLHDR);
	/* The K confirmation covers the top of the list it is about. */
	int np = prompt ? sk_destroy_render(ui, width, prompt, SK_DESTROY_PROMPT_LINES) : 0;

	for (int r = 0; r < body; r++) {
		if (r < np) {
			blit(sc, y++, width, &prompt[r], false);
			continue;
		}
		bool cur = sk_render_row(ui, &f, first + (size_t)r, l);

		blit(sc, y++, width, l, cur);
	}
	sk_render_status(ui, width, l);
	if (y < ui->rows)
		blit(sc, y, width, l, false);
	wnoutrefresh(stdscr);
	doupdate();
	free(lines);
	free(l);
	free(prompt);
}
