/* Included right before a generated skeleton (*.skel.h). scan-build does
 * not see into libbpf, so the skeleton's error path looks like a leak:
 * under the analyzer, show it what the library frees. */
#ifndef SKTOP_SKEL_MODEL_H
#define SKTOP_SKEL_MODEL_H

#ifdef __clang_analyzer__
#include <stdlib.h>

static inline void sk_destroy_skeleton_model(struct bpf_object_skeleton *s)
{
	if (s) {
		free(s->maps);
		free(s->progs);
		free(s);
	}
}
#define bpf_object__destroy_skeleton sk_destroy_skeleton_model
#endif

#endif
