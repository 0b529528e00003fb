/* Refreshes off the key loop. A million sockets take seconds to dump and
 * join; the keys must not wait for that. One worker thread runs
 * sk_engine_refresh when the loop asks, one refresh at a time, and the loop
 * takes each result before it asks for the next. That order is what makes
 * the engine's double buffer safe without a lock around the snapshot: the
 * worker only ever writes the buffer the loop has stopped showing. */
#ifndef SKTOP_TUI_REFRESHER_H
#define SKTOP_TUI_REFRESHER_H

#include <stdbool.h>

#include "engine.h"
#include "util/error.h"

struct sk_refresher;

/* Starts the worker for an engine made with double_buffer. The engine must
 * outlive the refresher. Returns 0 or -errno. */
int sk_refresher_start(struct sk_engine *e, struct sk_refresher **out, struct sk_error *err);

/* Work that belongs with each refresh: after one that succeeded, and
 * before its result is handed over, fn(ctx) runs on the worker. It may
 * read the new snapshot (sk_engine_snapshot) and write what the loop
 * reads only after sk_refresher_collect and leaves alone until the next
 * request. Set before the first request; NULL: nothing. */
typedef void (*sk_refresher_then_fn)(void *ctx);
void sk_refresher_then(struct sk_refresher *r, sk_refresher_then_fn fn, void *ctx);

/* Asks for one refresh. False (and nothing happens) while the last one is
 * still running or its result has not been collected. */
bool sk_refresher_request(struct sk_refresher *r);

/* Running, or finished and not collected yet. */
bool sk_refresher_busy(struct sk_refresher *r);

/* Takes the result of a finished refresh: true with *rc (0 or -errno) and
 * err filled; false when none is waiting. After a true with *rc == 0, and
 * before the next request, sk_engine_snapshot returns the new snapshot. */
bool sk_refresher_collect(struct sk_refresher *r, int *rc, struct sk_error *err);

/* Blocks until a refresh asked for has finished (true) or timeout_ms
 * passed, or nothing was asked (false). For callers with nothing else to
 * do meanwhile; the key loop never waits. */
bool sk_refresher_wait(struct sk_refresher *r, unsigned timeout_ms);

/* Queues a destroy of n rows (copied; sk_engine_destroy) for the worker,
 * which runs it before its next refresh and never during one: the engine's
 * connections are the worker's. False while the last one is waiting, running
 * or not collected, or without memory. */
bool sk_refresher_destroy(struct sk_refresher *r, const struct sk_socket *rows, size_t n);

/* Takes the result of a finished destroy: true with *rc, *res and err
 * filled; false when none is waiting. */
bool sk_refresher_destroyed(struct sk_refresher *r, int *rc, struct sk_destroy_result *res,
			    struct sk_error *err);

/* Cancels a refresh under way (it stops at its next netlink datagram),
 * waits for the worker and frees it. NULL is fine. */
void sk_refresher_stop(struct sk_refresher *r);

#endif
