/* libFuzzer: the sktoprc parser, and that whatever it accepts the writer
 * writes back to the same settings. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sorts[] = {"pid", "close_wait", "rmem"};
static const char *const panes[] = {"Processes", "Sockets", "Findings"};
static const char *const pcols[] = {"pid", "user", "close_wait", "command"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sk_settings_names names = {sorts, 3, panes, 3, pcols, 4};
	struct sk_settings a, b;
	struct sk_error err = {0};
	char text[4096];

	sk_settings_init(&a);
	if (sk_settings_parse((const char *)data, size, &names, &a, &err))
		return 0;
	if (sk_settings_format(&a, &names, text, sizeof(text)) >= sizeof(text))
		abort();
	sk_settings_init(&b);
	if (sk_settings_parse(text, strlen(text), &names, &b, &err))
		abort();
	/* delay goes through %g: compare the rest exactly. */
	a.delay = b.delay = 0;
	if (!sk_settings_equal(&a, &b))
		abort();
	return 0;
}
