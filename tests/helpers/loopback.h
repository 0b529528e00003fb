/* A fresh network namespace's loopback is down, and 127.0.0.1 unusable
 * until it is up: bring it up without depending on ip(8). */
#ifndef SKTOP_TEST_LOOPBACK_H
#define SKTOP_TEST_LOOPBACK_H

/* Returns 0, or -errno. */
int loopback_up(void);

#endif
