/* One table per record: every field a face shows, writes or reads is
 * declared once here (htop's Process_fields), with each spelling that is
 * a contract: the JSON key, the -s sort key, the column header. The JSON
 * writer and reader, batch text, the sort keys, history's metrics and the
 * detail view iterate these rows; adding a field is adding a row (and the
 * struct member it points at). */
#ifndef SKTOP_FIELDS_H
#define SKTOP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/proc.h"
#include "collect/sysinfo.h"
#include "model/sock.h"

/* How a value reads to a person; one formatter per unit in each face. */
enum sk_unit {
	SK_UNIT_COUNT,
	SK_UNIT_BYTES,
	SK_UNIT_KB,      /* kibibytes (rss_kb) */
	SK_UNIT_PAGES,
	SK_UNIT_MS,
	SK_UNIT_US,
	SK_UNIT_SECONDS,
	SK_UNIT_ID,      /* a number that names something: a pid, a port, a state */
	SK_UNIT_LAST
};

enum sk_field_type {
	SK_FT_UINT, /* unsigned integer of `width` bytes */
	SK_FT_FIG,  /* int64_t system figure: SK_UNKNOWN reads and writes as null */
	SK_FT_BOOL, /* bool: true or false */
};

enum sk_field_flag {
	SK_FIELD_SORTABLE = 1u << 0,   /* a -s key and a sortable column */
	SK_FIELD_TRENDED = 1u << 1,    /* history keeps a series of it */
	SK_FIELD_BATCH = 1u << 2,      /* a column of the batch text report */
	SK_FIELD_SUM = 1u << 3,        /* the value is the sum of the `count` elements */
	SK_FIELD_OPTIONAL = 1u << 4,   /* 0 when the kernel predates it: a group of only
	                                * such rows, all 0, is not shown */
	SK_FIELD_ZERO_NOTE = 1u << 5,  /* at 0 it means trouble: the description says which */
	SK_FIELD_LATER = 1u << 6,      /* added later: files from before lack it (read as 0) */
};

/* The sock_diag extension a field is filled from: the engine asks the
 * kernel only for what the faces in use need. */
enum sk_field_need {
	SK_NEED_NONE = 0,
	SK_NEED_INFO = 1u << 0,    /* INET_DIAG_INFO: struct tcp_info */
	SK_NEED_MEMINFO = 1u << 1, /* INET_DIAG_SKMEMINFO / UNIX_DIAG_MEMINFO */
};

struct sk_field {
	const char *key;         /* JSON key: a contract, never renamed */
	const char *title;       /* column header: "RECV-Q" */
	const char *label;       /* in prose and the detail view: "Recv-Q", "cwnd" */
	const char *group;       /* detail view: the line it shares ("window") */
	const char *description; /* one line for --help and menus */
	const char *name;        /* -s value (process metrics only): "recvq" */
	uint32_t offset;         /* offsetof in the record's struct */
	uint8_t type;            /* enum sk_field_type */
	uint8_t width;           /* bytes of one element: 1, 2, 4, 8 */
	uint8_t count;           /* elements: 1, or an array (tcp_mem[3]) */
	uint8_t unit;            /* enum sk_unit */
	uint8_t colwidth;        /* column width in batch text and the TUI */
	uint8_t flags;           /* enum sk_field_flag */
	bool descending;         /* sorts biggest first by default */
	uint32_t present;        /* SK_SOCK_HAS_* the row must carry, 0: always there */
	uint32_t needs;          /* enum sk_field_need */
};

/* A record: its rows in the writer's order (the JSON's order). */
struct sk_record {
	const char *key;         /* JSON object holding it: "tcp_info", "skmem", "limits" */
	const struct sk_field *fields;
	size_t n;
	uint32_t present;        /* SK_SOCK_HAS_* of the whole record */
	uint32_t needs;
};

extern const struct sk_record sk_rec_tcpinfo; /* struct sk_tcpinfo */
extern const struct sk_record sk_rec_skmem;   /* struct sk_meminfo */
extern const struct sk_record sk_rec_limits;  /* struct sk_limits */

/* How the refresh went (struct sk_snapshot): "diag" and "procfs". */
extern const struct sk_record sk_rec_diag;
extern const struct sk_record sk_rec_procfs;

/* Process metrics, indexed by enum sk_sort_key (model/procsort.h): the
 * sortable, trended and batch-text columns of struct sk_process. */
extern const struct sk_field sk_proc_fields[];
extern const struct sk_record sk_rec_proc;

/* Element i of field f of the record at rec: unsigned fields widened,
 * figures as stored (SK_UNKNOWN included). */
uint64_t sk_field_get(const struct sk_field *f, const void *rec, unsigned i);
void sk_field_set(const struct sk_field *f, void *rec, unsigned i, uint64_t v);

/* The field's value as one number: element 0, or the sum (SK_FIELD_SUM). */
uint64_t sk_field_value(const struct sk_field *f, const void *rec);


/* The extensions the rows of r with all of `flags` need (flags 0: every row). */
uint32_t sk_record_needs(const struct sk_record *r, unsigned flags);

/* The largest value an element of f can hold (its width's maximum). */
uint64_t sk_field_max(const struct sk_field *f);

#endif
