/* F2: the setup screen's keys. Up/Down pick a row; Space, Enter, Left and
 * Right change it; [ and ] move a column; Esc, q or F2 leave and save to
 * sktoprc (htop saves on leaving its setup too). */
#include <config.h>

#include <curses.h>
#include <stdio.h>

#include "keys.h"
#include "list.h"
#include "setup.h"

void sk_setup_load(struct sk_ui *ui)
{
	struct sk_error err = {0};
	struct sk_settings s;
	const struct sk_options *o = ui->opts;

	sk_settings_init(&ui->settings);
	if (sk_settings_path(ui->settings_path, sizeof(ui->settings_path)) < 0) {
		ui->settings_path[0] = '\0';
		return;
	}
	sk_settings_init(&s);
	if (sk_settings_load(ui->settings_path, sk_setup_names(), &s, &err) < 0) {
		sk_ui_status(ui, true, "Settings ignored, defaults kept: %s", err.msg);
		return;
	}
	ui->settings = s;
	/* What the command line says wins over the file (-d, -s, -I). */
	if (o && o->interval != 2.0)
		s.delay = 0;
	if (o && (o->sort != SK_SORT_CLOSE_WAIT || o->sort_invert))
		s.sort = s.sort_invert = -1;
	sk_setup_apply(ui, &s);
}

unsigned sk_setup_open(struct sk_ui *ui)
{
	ui->menu_cursor = 0;
	ui->mode = SK_MODE_SETUP;
	return SK_H_REDRAW;
}

static unsigned leave(struct sk_ui *ui)
{
	struct sk_error err = {0};
	struct sk_settings s;

	ui->mode = SK_MODE_NORMAL;
	sk_setup_capture(ui, &s);
	if (!ui->settings_path[0]) {
		sk_ui_status(ui, true, "Settings kept for this run only: no $XDG_CONFIG_HOME or $HOME.");
	} else if (sk_settings_save(ui->settings_path, &s, sk_setup_names(), &err) == 0) {
		ui->settings = s;
		sk_ui_status(ui, false, "Settings saved to %s.", ui->settings_path);
	} else {
		sk_ui_status(ui, true, "Settings not saved: %s", err.msg);
	}
	return SK_H_REBUILD | SK_H_RETIME;
}

unsigned sk_setup_key(struct sk_ui *ui, int key)
{
	size_t row = ui->menu_cursor;

	switch (key) {
	case SK_KEYCODE | KEY_UP:
	case 'k':
		ui->menu_cursor = sk_list_step(row, -1, sk_setup_rows());
		return SK_H_REDRAW;
	case SK_KEYCODE | KEY_DOWN:
	case 'j':
		ui->menu_cursor = sk_list_step(row, 1, sk_setup_rows());
		return SK_H_REDRAW;
	case ' ':
	case '\n':
	case '\r':
	case SK_KEYCODE | KEY_ENTER:
		sk_setup_change(ui, row, 0);
		return SK_H_REBUILD;
	case SK_KEYCODE | KEY_RIGHT:
	case SK_KEYCODE | KEY_LEFT:
		sk_setup_change(ui, row, key == (SK_KEYCODE | KEY_RIGHT) ? 1 : -1);
		return SK_H_REBUILD;
	case '[':
	case ']':
		if (sk_setup_move(ui, row, key == ']' ? 1 : -1))
			ui->menu_cursor = sk_list_step(row, key == ']' ? 1 : -1, sk_setup_rows());
		return SK_H_REBUILD;
	case 27:
	case 'q':
	case SK_KEYCODE | KEY_F(2):
	case SK_KEYCODE | KEY_F(10):
		return leave(ui);
	default:
		return SK_H_NONE;
	}
}
