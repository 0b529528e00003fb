/* libFuzzer: the snapshot file reader (sktop -r), from bytes to a snapshot
 * and back to JSON. A refusal must be one line with an errno. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/json.h"
#include "store/json_read.h"
#include "store/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_replay r;
	struct sk_error err = {0};
	struct sk_json_doc d;
	struct sk_json_error je;

	if (sk_json_parse((const char *)data, size, &d, &je) == 0)
		sk_json_doc_free(&d);
	if (sk_replay_parse((const char *)data, size, "fuzz", &r, &err) == 0) {
		FILE *f = fopen("/dev/null", "w");

		if (f) {
			sk_json_write_snapshot(f, &r.snap);
			fclose(f);
		}
	} else if (strchr(err.msg, '\n') || err.code <= 0) {
		abort();
	}
	sk_replay_free(&r);
	return 0;
}
