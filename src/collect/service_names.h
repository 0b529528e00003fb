/* Where the orchestrators write a container's names on the host, read
 * bounded and cached: the resolver's private helpers (service.c). */
#ifndef SKTOP_SERVICE_NAMES_H
#define SKTOP_SERVICE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/vec.h"

/* Raw (unescaped, NUL-terminated) names found for one container id. */
struct sk_names {
	char *pod, *ns, *container, *name;
};

void sk_names_free(struct sk_names *n);

struct sk_name_row {
	char id[65];
	struct sk_names names;
};

/* A directory or file listing every container once, reloaded only when
 * its mtime changes: /var/log/containers, containers.json. */
struct sk_name_index {
	SK_VEC(struct sk_name_row) rows; /* ascending id */
	struct timespec mtime;
	time_t loaded_at; /* CLOCK_REALTIME seconds, as mtimes are */
	bool loaded;
};

void sk_name_index_free(struct sk_name_index *x);

#define SK_NAMES_FILE_MAX (8u << 20)  /* containers.json, config.v2.json */
#define SK_NAMES_DIR_MAX 65536        /* entries read from one directory */

/* /var/log/containers/<pod>_<ns>_<container>-<id>.log under host_root. */
int sk_names_k8s_logs(struct sk_name_index *x, const char *host_root, const char *id,
		      struct sk_names *out);

/* /var/log/pods/<ns>_<pod>_<uid>/: pod and namespace. Not the container:
 * a cgroup with no log link of its own may be the pod's sandbox. */
int sk_names_k8s_pod(const char *host_root, const char *uid, struct sk_names *out);

/* Docker's config.v2.json: "Name", and the kubelet's labels when dockershim
 * started it. */
int sk_names_docker(const char *host_root, const char *id, struct sk_names *out);

/* containers/storage's containers.json: "names"[0] of the container. */
int sk_names_podman(struct sk_name_index *x, const char *host_root, const char *id,
		    struct sk_names *out);

/* Reads a whole file of at most max bytes into a malloc'd buffer
 * (NUL-terminated). -EFBIG when larger. */
int sk_read_whole(const char *path, size_t max, char **buf, size_t *len);

#endif
