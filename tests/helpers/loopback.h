/* A fresh network namespace's loopback is down, and 127.0.0.1 unusable
 * until it is up: bring it up without depending on ip(8). */
#ifndef SKTOP_TEST_LOOPBACK_H
#define SKTOP_TEST_LOOPBACK_H

#include <stdbool.h>
#include <stdint.h>

/* Returns 0, or -errno. */
int loopback_up(void);

/* A TCP socket of family (AF_INET, AF_INET6) listening on loopback
 * (127.0.0.1, ::1) at port (0: any free one), IPV6_V6ONLY with v6only.
 * Returns the fd, or -1 with errno set. */
int loopback_listen(int family, uint16_t port, bool v6only);

/* A TCP socket of family connected to loopback's port. Returns the fd, or
 * -1 with errno set. */
int loopback_connect(int family, uint16_t port);

#endif
