/* F9 (and htop's k, which is Up here): a signal to the process under the
 * cursor. One screen is menu and confirmation at once: its title names the
 * pid, comm and service (when known), the cursor starts on SIGTERM, Enter sends, Esc cancels. */
#include <config.h>

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "list.h"

/* The process a signal would go to: the cursor row's, the one whose
 * sockets or socket is open, a socket row's holder, a finding's subject. */
static uint32_t target(const struct sk_ui *ui)
{
	const struct sk_view *v = &ui->view;
	const struct sk_level *l = sk_view_top_c(v);
	uint32_t p = sk_view_focus_proc(v, ui->snap);

	if (p != SK_NONE)
		return p;
	if (l->kind == SK_VK_SOCKS && !v->grouped && l->cursor < v->socks.n &&
	    !v->socks.v[l->cursor].likely)
		return v->socks.v[l->cursor].proc;
	if (l->kind == SK_VK_FINDINGS && sk_view_finding_at(v, ui->snap, l->cursor))
		return sk_view_finding_at(v, ui->snap, l->cursor)->proc;
	return SK_NONE;
}

unsigned sk_signal_open(struct sk_ui *ui)
{
	uint32_t p;

	if (ui->opts && ui->opts->replay_file) {
		sk_ui_status(ui, false, "Replay: these processes are a saved snapshot; "
					"nothing to send a signal to.");
		return SK_H_REDRAW;
	}
	if (!ui->snap || !ui->send_signal) {
		sk_ui_status(ui, false, "No process to send a signal to.");
		return SK_H_REDRAW;
	}
	p = target(ui);
	if (p == SK_NONE || p >= ui->snap->procs.n) {
		sk_ui_status(ui, false, "F9 sends a signal to a process: put the cursor on one.");
		return SK_H_REDRAW;
	}
	ui->sig_target.pid = ui->snap->procs.v[p].pid;
	ui->sig_target.starttime = ui->snap->procs.v[p].starttime;
	snprintf(ui->sig_target.comm, sizeof(ui->sig_target.comm), "%s", ui->snap->procs.v[p].comm);
	const struct sk_service *sv = sk_snapshot_service(ui->snap, ui->snap->procs.v[p].service);

	/* The unit or container says which of many same-named processes it is. */
	snprintf(ui->sig_target.service, sizeof(ui->sig_target.service), "%s",
		 sv ? sk_strtab_get(&ui->snap->strs, sv->name) : "");
	ui->menu_cursor = sk_signal_default;
	ui->mode = SK_MODE_SIGNAL;
	return SK_H_REDRAW;
}

static unsigned send_chosen(struct sk_ui *ui)
{
	const struct sk_signal_def *d = &sk_signals[ui->menu_cursor];
	int rc = ui->send_signal(ui->sig_target.pid, ui->sig_target.starttime, d->sig);

	ui->mode = SK_MODE_NORMAL;
	if (rc == 0) {
		sk_ui_status(ui, false, "Sent %s to %d (%s).", d->name, (int)ui->sig_target.pid,
			     ui->sig_target.comm);
		return SK_H_REDRAW | SK_H_RESCAN;
	}
	if (rc == -ESRCH)
		sk_ui_status(ui, true, "%s not sent: %d (%s) has exited.", d->name,
			     (int)ui->sig_target.pid, ui->sig_target.comm);
	else
		sk_ui_status(ui, true, "%s not sent to %d (%s): %s.", d->name,
			     (int)ui->sig_target.pid, ui->sig_target.comm, strerror(-rc));
	return SK_H_REDRAW;
}

unsigned sk_signal_key(struct sk_ui *ui, int key)
{
	bool up = key == (SK_KEYCODE | KEY_UP) || key == 'k';
	bool down = key == (SK_KEYCODE | KEY_DOWN) || key == 'j';

	if (up || down) {
		ui->menu_cursor = sk_list_step(ui->menu_cursor, up ? -1 : 1, sk_nsignals);
		return SK_H_REDRAW;
	}
	/* A digit picks by number, as kill -9 does. */
	if (key > '0' && key <= '9') {
		for (size_t i = 0; i < sk_nsignals; i++)
			if (sk_signals[i].sig == key - '0')
				ui->menu_cursor = i;
		return SK_H_REDRAW;
	}
	if ((key == '\n' || key == '\r' || key == (SK_KEYCODE | KEY_ENTER)) &&
	    ui->menu_cursor < sk_nsignals)
		return send_chosen(ui);
	ui->mode = SK_MODE_NORMAL;
	sk_ui_status(ui, false, "No signal sent.");
	return SK_H_REDRAW;
}
