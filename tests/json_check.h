/* A strict RFC 8259 validator for tests: proves that what sktop writes is
 * JSON a consumer can load, whatever bytes went in. */
#ifndef SKTOP_TEST_JSON_CHECK_H
#define SKTOP_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Returns true when buf[0..len) is exactly one JSON value (plus whitespace). */
bool json_check(const char *buf, size_t len);

#endif
