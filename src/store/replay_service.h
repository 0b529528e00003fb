/* The "service" objects of a snapshot file (issue #13) back into the
 * snapshot's services table: one row per distinct object, however many
 * processes and sockets repeat it, so a replay groups and filters as the
 * live refresh did. */
#ifndef SKTOP_REPLAY_SERVICE_H
#define SKTOP_REPLAY_SERVICE_H

#include <stdint.h>

#include "store/replay_get.h"

/* The object at o (a process's or socket's "service") as a row; *index is
 * its index + 1, as sk_process.service holds it. */
int rd_get_service(struct rctx *c, const jnode *o, uint32_t *index);

/* Socket k's service (sock_service), the table grown to hold it. */
int rd_set_sock_service(struct rctx *c, size_t k, uint32_t index);

/* After the processes and sockets: every socket a sock_service slot, each
 * row its counts, the dedup table freed. 0 or -ENOMEM. */
int rd_services_finish(struct rctx *c);

#endif
