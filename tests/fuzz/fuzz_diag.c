/* libFuzzer: the sock_diag message parser. First byte picks the family of
 * dump (inet TCP, inet UDP, unix); the rest is what recv() would return. */
#include <config.h>

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sk_sockvec socks = {0};
	struct sk_strtab strs;
	struct sk_diag_stats stats = {0};
	struct sk_diag_sink sink = {&socks, &strs, 4026531840ULL, &stats};
	void *buf;

	if (size < 1)
		return 0;
	/* recv() hands the parser an aligned buffer; so do we. */
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	sk_strtab_init(&strs);
	sk_diag_parse_buffer(buf, size - 1, data[0] % 3 == 2 ? SK_DIAG_UNIX : SK_DIAG_INET,
			     data[0] % 3 == 1 ? IPPROTO_UDP : IPPROTO_TCP, &sink);
	for (size_t i = 0; i < socks.n; i++) /* every row's string must be readable */
		(void)strlen(sk_strtab_get(&strs, socks.v[i].path));
	free(socks.v);
	sk_strtab_free(&strs);
	free(buf);
	return 0;
}
