#include <config.h>

#include "app.h"

#include <stdarg.h>
#include <stdio.h>

#define SK_STATUS_SHOW_MS 5000

void sk_ui_status(struct sk_ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof(ui->status), fmt, ap);
	va_end(ap);
	ui->status_err = error;
	/* Errors stay until the next key: they must not scroll by unseen. */
	ui->status_until_ms = error ? 0 : ui->now_ms + SK_STATUS_SHOW_MS;
}
