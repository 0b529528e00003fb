/* libFuzzer: /proc/net/sockstat, netstat/snmp and sysctl parsers. */
#include <config.h>

#include <stdint.h>

#include "collect/sysinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	struct sk_system sys;
	int64_t ints[4];

	if (size < 1)
		return 0;
	sk_system_init(&sys);
	switch (data[0] % 3) {
	case 0: sk_parse_sockstat(buf, len, sys.sockstat, data[0] & 0x80); break;
	case 1: sk_parse_netstat(buf, len, sys.counters); break;
	case 2: sk_parse_ints(buf, len, ints, 4); break;
	}
	return 0;
}
