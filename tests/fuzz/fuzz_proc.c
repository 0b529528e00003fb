/* libFuzzer: every /proc/PID parser. First byte picks the parser. */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "collect/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	struct sk_proc_stat st;
	struct sk_proc_status status;
	uint64_t v;
	char out[SK_CMDLINE_MAX * 4 + 1];

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if (sk_parse_proc_stat(buf, len, &st) == 0 && strlen(st.comm) >= sizeof(st.comm))
			__builtin_trap();
		break;
	case 1: sk_parse_proc_status(buf, len, &status); break;
	case 2: sk_parse_proc_limits_nofile(buf, len, &v); break;
	case 3: sk_parse_socket_link(buf, len, &v); break;
	case 4:
		if (sk_format_cmdline(buf, len, out, sizeof(out)) >= sizeof(out))
			__builtin_trap();
		for (const unsigned char *p = (const unsigned char *)out; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				__builtin_trap(); /* a control byte got through */
		break;
	}
	return 0;
}
