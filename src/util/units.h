/* Human units for byte counts, shared by batch text and the TUI. */
#ifndef SKTOP_UNITS_H
#define SKTOP_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "0", "999", "1.5K", "12K", "3.2M", "104G": at most 5 characters, powers of
 * 1024 like ss and htop. Returns buf. */
char *sk_format_bytes(uint64_t bytes, char *buf, size_t size);

#endif
