/* K: destroying sockets from the TUI (destroy.h). */
#include <config.h>

#include "destroy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/audit.h"
#include "colors.h"
#include "vselect.h"

/* Why K cannot act here, or NULL. */
static const char *refusal(const struct sk_ui *ui)
{
	if (ui->opts && ui->opts->replay_file)
		return "Replay: these sockets are a file's, there is nothing live to destroy.";
	if (!ui->snap)
		return "No snapshot to choose sockets from.";
	if (ui->destroy.queued)
		return "A destroy is under way; wait for its result.";
	if (ui->destroy.unsupported)
		return "This kernel cannot destroy sockets (built without CONFIG_INET_DIAG_DESTROY).";
	if (geteuid() != 0)
		return "Destroying sockets needs root (CAP_NET_ADMIN).";
	return NULL;
}

unsigned sk_destroy_begin(struct sk_ui *ui)
{
	struct sk_ui_destroy *d = &ui->destroy;
	const char *why = refusal(ui);
	sk_u32vec idx = {0};
	long n;

	if (why) {
		sk_ui_status(ui, true, "%s", why);
		return SK_H_REDRAW;
	}
	n = sk_vselect_cursor(&ui->view, ui->snap, &idx, d->what, sizeof(d->what));
	if (n > 0 && sk_killset_build(&d->set, ui->snap, idx.v, idx.n))
		n = -ENOMEM;
	free(idx.v);
	if (n < 0) {
		sk_ui_status(ui, true, "Out of memory choosing the sockets.");
		return SK_H_REDRAW;
	}
	if (n == 0) {
		sk_ui_status(ui, false, "K destroys sockets: select a socket, a group (g) or a finding.");
		return SK_H_REDRAW;
	}
	if (d->set.rows.n == 0) {
		sk_ui_status(ui, false, "Only unix sockets or closed fds here: nothing in the kernel's "
					"TCP/UDP tables to destroy.");
		return SK_H_REDRAW;
	}
	ui->mode = SK_MODE_DESTROY;
	return SK_H_REDRAW;
}

unsigned sk_destroy_key(struct sk_ui *ui, int key)
{
	ui->mode = SK_MODE_NORMAL;
	if (key != 'y' && key != 'Y') {
		sk_ui_status(ui, false, "Nothing destroyed.");
		return SK_H_REDRAW;
	}
	sk_ui_status(ui, false, "Destroying %zu socket%s...", ui->destroy.set.rows.n,
		     ui->destroy.set.rows.n == 1 ? "" : "s");
	return SK_H_REDRAW | SK_H_DESTROY;
}

static void field(struct sk_line *l, int width, bool ascii, const char *label, uint8_t color,
		  const char *text)
{
	sk_line_init(l, width, ascii);
	sk_line_addf(l, SK_C_DIM, "  %-8s", label);
	sk_line_add(l, color, text);
}

int sk_destroy_render(const struct sk_ui *ui, int width, struct sk_line *out, int max)
{
	const struct sk_ui_destroy *d = &ui->destroy;
	const struct sk_killset *ks = &d->set;
	bool ascii = !ui->unicode;
	char buf[512];
	int n = 0;

	if (max < SK_DESTROY_PROMPT_LINES)
		return 0;
	sk_line_init(&out[n], width, ascii);
	sk_line_addf(&out[n++], SK_C_STATUS_ERR, " Destroy %zu socket%s? %s", ks->rows.n,
		     ks->rows.n == 1 ? "" : "s", d->what);
	sk_killset_states(ks, buf, sizeof(buf));
	field(&out[n++], width, ascii, "states", SK_C_BOLD, buf);
	sk_killset_owners(ks, 3, buf, sizeof(buf));
	field(&out[n++], width, ascii, "owners", SK_C_BOLD, buf);
	field(&out[n++], width, ascii, "how", SK_C_DEFAULT,
	      "SOCK_DESTROY, as ss -K: the peer gets a RST, the owner ECONNABORTED");
	if (ks->by_state[SK_TCP_CLOSE_WAIT]) {
		field(&out[n++], width, ascii, "note", SK_C_WARN,
		      "a CLOSE_WAIT's fd stays open in its process: destroying frees the");
		field(&out[n++], width, ascii, "", SK_C_WARN,
		      "kernel side, the fd leak is the process's (fix or restart it)");
	}
	if (ks->skipped) {
		snprintf(buf, sizeof(buf), "%u unix socket%s or closed fd%s skipped: nothing to destroy",
			 ks->skipped, ks->skipped == 1 ? "" : "s", ks->skipped == 1 ? "" : "s");
		field(&out[n++], width, ascii, "skipped", SK_C_DIM, buf);
	}
	sk_line_init(&out[n], width, ascii);
	sk_line_add(&out[n], SK_C_KEY, " y");
	sk_line_add(&out[n], SK_C_DEFAULT, " destroy, logged to syslog   ");
	sk_line_add(&out[n], SK_C_KEY, "any other key");
	sk_line_add(&out[n++], SK_C_DEFAULT, " cancel");
	return n;
}

void sk_destroy_queue(struct sk_ui *ui, struct sk_refresher *r)
{
	struct sk_ui_destroy *d = &ui->destroy;

	if (!r || !sk_refresher_destroy(r, d->set.rows.v, d->set.rows.n)) {
		sk_ui_status(ui, true, "Could not start the destroy (out of memory?).");
		return;
	}
	d->queued = true;
}

bool sk_destroy_poll(struct sk_ui *ui, struct sk_refresher *r)
{
	struct sk_ui_destroy *d = &ui->destroy;
	struct sk_destroy_result res;
	struct sk_error err;
	int rc;

	if (!d->queued || !r || !sk_refresher_destroyed(r, &rc, &res, &err))
		return false;
	d->queued = false;
	if (rc == -EOPNOTSUPP)
		d->unsupported = true;
	sk_audit_destroy("K", d->what, &d->set, &res, rc, err.msg);
	if (rc)
		sk_ui_status(ui, true, "Destroyed %u of %zu sockets (%u already gone): %s",
			     res.destroyed, d->set.rows.n, res.gone, err.msg);
	else
		sk_ui_status(ui, false, "Destroyed %u of %zu sockets (%u already gone); logged to syslog.",
			     res.destroyed, d->set.rows.n, res.gone);
	return true;
}

void sk_destroy_free(struct sk_ui *ui)
{
	sk_killset_free(&ui->destroy.set);
}
