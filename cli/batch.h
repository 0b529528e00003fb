/* Batch mode (-b, like top -b) and one-shot snapshot files (-w). */
#ifndef SKTOP_BATCH_H
#define SKTOP_BATCH_H

#include <stdio.h>

#include "engine.h"
#include "util/error.h"
#include "options.h"
#include "model/snapshot.h"

/* Runs -b: text or JSON per refresh on out. */
int sk_batch_run(const struct sk_options *o, FILE *out, struct sk_error *err);

/* Runs -r FILE -b: the saved snapshot as a text report (or JSON again). */
int sk_batch_replay(const struct sk_options *o, FILE *out, struct sk_error *err);

/* Runs -w FILE: one snapshot, written safely. */
int sk_batch_write(const struct sk_options *o, struct sk_error *err);

/* The text report of one snapshot (header, findings-free process table). */
void sk_batch_print_text(FILE *out, const struct sk_snapshot *s, const struct sk_options *o);

/* What the engine asks the kernel for in the non-interactive modes. */
struct sk_engine_config sk_batch_engine_config(const struct sk_options *o);

/* Sleeps between refreshes, through signals that do not end the program. */
void sk_batch_sleep(double sec);

/* One line on stderr when owners come from /proc although BPF was not
 * turned off (--no-bpf): why the iterator could not be used. */
struct sk_engine;
void sk_batch_owner_note(const struct sk_engine *e);
/* uid -> name as the text report shows it (the number when unknown or long). */
void sk_batch_user_name(uint32_t uid, char *buf, size_t size);

/* Whether a process passes -p/-u and has something to show. */
bool sk_batch_wants(const struct sk_options *o, const struct sk_process *p);

#endif
