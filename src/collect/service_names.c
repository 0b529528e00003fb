#include <config.h>

#include "collect/service_names.h"
#include "collect/service.h"
#include "store/json_read.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sk_names_free(struct sk_names *n)
{
	free(n->pod);
	free(n->ns);
	free(n->container);
	free(n->name);
	memset(n, 0, sizeof(*n));
}

void sk_name_index_free(struct sk_name_index *x)
{
	for (size_t i = 0; i < x->rows.n; i++)
		sk_names_free(&x->rows.v[i].names);
	free(x->rows.v);
	memset(x, 0, sizeof(*x));
}

/* A raw name, bounded: a longer one is cut here and escaped later. */
static char *dup_name(const char *s, size_t len)
{
	char *d;

	if (len > SK_SERVICE_NAME_MAX)
		len = SK_SERVICE_NAME_MAX;
	d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static int set_name(char **slot, const char *s, size_t len)
{
	free(*slot);
	*slot = dup_name(s, len);
	return *slot ? 0 : -ENOMEM;
}

int sk_read_whole(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;
	char *b;

	*buf = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shrank under us: what was read is all there is */
		got += (size_t)n;
	}
	close(fd);
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct sk_name_row *)a)->id, ((const struct sk_name_row *)b)->id);
}

static const struct sk_name_row *index_find(const struct sk_name_index *x, const char *id)
{
	struct sk_name_row key;

	memset(&key, 0, sizeof(key)); /* only id is compared; the rest is not left undefined */
	snprintf(key.id, sizeof(key.id), "%s", id);
	return sk_bsearch(&key, x->rows.v, x->rows.n, sizeof(key), cmp_row);
}

static int copy_names(const struct sk_names *from, struct sk_names *to)
{
	const char *const *f[] = {(const char *const *)&from->pod, (const char *const *)&from->ns,
				  (const char *const *)&from->container,
				  (const char *const *)&from->name};
	char **t[] = {&to->pod, &to->ns, &to->container, &to->name};

	for (size_t i = 0; i < 4; i++)
		if (*f[i] && set_name(t[i], *f[i], strlen(*f[i])))
			return -ENOMEM;
	return 0;
}

/* Whether the index must be (re)loaded: its source changed since. A
 * change in the same clock tick as the load leaves the mtime as it was,
 * so an index loaded within two seconds of its source's mtime may miss
 * an entry: it is loaded again on a lookup that missed, at most once a
 * second. */
static bool index_stale(struct sk_name_index *x, const char *path)
{
	struct timespec now;
	struct stat st;

	if (stat(path, &st) < 0) {
		if (x->loaded)
			sk_name_index_free(x);
		return false;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (x->loaded && st.st_mtim.tv_sec == x->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == x->mtime.tv_nsec &&
	    (x->loaded_at > st.st_mtim.tv_sec + 1 || now.tv_sec <= x->loaded_at))
		return false;
	sk_name_index_free(x);
	x->mtime = st.st_mtim;
	x->loaded_at = now.tv_sec;
	x->loaded = true;
	return true;
}

static int index_add(struct sk_name_index *x, const char *id, struct sk_name_row **out)
{
	struct sk_name_row *row = SK_VEC_PUSH(&x->rows);

	if (!row)
		return -ENOMEM;
	memcpy(row->id, id, 64);
	row->id[64] = '\0';
	*out = row;
	return 0;
}

static int load_k8s_logs(struct sk_name_index *x, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t seen = 0;
	int rc = 0;

	if (!d)
		return 0;
	while (rc == 0 && seen++ < SK_NAMES_DIR_MAX && (e = readdir(d))) {
		struct sk_k8s_logname ln;
		struct sk_name_row *row;

		if (sk_parse_k8s_logname(e->d_name, strlen(e->d_name), &ln))
			continue;
		rc = index_add(x, ln.id, &row);
		if (rc == 0)
			rc = set_name(&row->names.pod, ln.pod, ln.pod_len);
		if (rc == 0)
			rc = set_name(&row->names.ns, ln.ns, ln.ns_len);
		if (rc == 0)
			rc = set_name(&row->names.container, ln.container, ln.container_len);
	}
	closedir(d);
	sk_qsort(x->rows.v, x->rows.n, sizeof(*x->rows.v), cmp_row);
	return rc;
}

/* Names of `id` from the index built from path, rebuilt by load when the
 * file or folder changed since it was last read. */
static int indexed_names(struct sk_name_index *x, const char *path,
			 int (*load)(struct sk_name_index *, const char *), const char *id,
			 struct sk_names *out)
{
	const struct sk_name_row *row;

	if (index_stale(x, path)) {
		int rc = load(x, path);

		if (rc)
			return rc;
	}
	row = index_find(x, id);
	return row ? copy_names(&row->names, out) : -ENOENT;
}

int sk_names_k8s_logs(struct sk_name_index *x, const char *host_root, const char *id,
		      struct sk_names *out)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/var/log/containers", host_root);
	return indexed_names(x, dir, load_k8s_logs, id, out);
}

int sk_names_k8s_pod(const char *host_root, const char *uid, struct sk_names *out)
{
	char dir[PATH_MAX];
	size_t ulen = strlen(uid);
	struct dirent *e;
	DIR *d;
	int rc = -ENOENT;

	snprintf(dir, sizeof(dir), "%s/var/log/pods", host_root);
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	for (size_t seen = 0; seen < SK_NAMES_DIR_MAX && (e = readdir(d)); seen++) {
		size_t len = strlen(e->d_name);
		const char *u1, *u2;

		/* <namespace>_<pod>_<uid> */
		if (len < ulen + 4 || strcmp(e->d_name + len - ulen, uid) != 0 ||
		    e->d_name[len - ulen - 1] != '_')
			continue;
		u1 = memchr(e->d_name, '_', len);
		u2 = e->d_name + len - ulen - 1;
		if (!u1 || u1 >= u2 || u1 == e->d_name || u2 == u1 + 1)
			continue;
		rc = set_name(&out->ns, e->d_name, (size_t)(u1 - e->d_name));
		if (rc == 0)
			rc = set_name(&out->pod, u1 + 1, (size_t)(u2 - u1 - 1));
		break;
	}
	closedir(d);
	return rc;
}

static int json_string(const struct sk_json_doc *doc, const struct sk_json_node *obj,
		       const char *key, char **slot)
{
	const struct sk_json_node *v = sk_json_get(doc, obj, key);

	if (!v || v->type != SK_JSON_STRING || v->len == 0)
		return 0;
	return set_name(slot, v->v.str, strnlen(v->v.str, v->len));
}

int sk_names_docker(const char *host_root, const char *id, struct sk_names *out)
{
	char path[PATH_MAX], *buf;
	size_t len;
	struct sk_json_doc doc = {0};
	struct sk_json_error jerr;
	const struct sk_json_node *root, *cfg, *labels;
	int rc;

	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/config.v2.json", host_root,
		 id);
	rc = sk_read_whole(path, SK_NAMES_FILE_MAX, &buf, &len);
	if (rc)
		return rc;
	rc = sk_json_parse(buf, len, &doc, &jerr);
	root = rc ? NULL : sk_json_root(&doc);
	if (root && root->type == SK_JSON_OBJECT) {
		const struct sk_json_node *name = sk_json_get(&doc, root, "Name");

		/* Docker stores it with a leading '/'. */
		if (name && name->type == SK_JSON_STRING && name->len > 1)
			rc = name->v.str[0] == '/' ? set_name(&out->name, name->v.str + 1,
							      strnlen(name->v.str + 1, name->len - 1))
						   : set_name(&out->name, name->v.str,
							      strnlen(name->v.str, name->len));
		cfg = sk_json_get(&doc, root, "Config");
		labels = cfg ? sk_json_get(&doc, cfg, "Labels") : NULL;
		if (rc == 0 && labels)
			rc = json_string(&doc, labels, "io.kubernetes.pod.name", &out->pod);
		if (rc == 0 && labels)
			rc = json_string(&doc, labels, "io.kubernetes.pod.namespace", &out->ns);
		if (rc == 0 && labels)
			rc = json_string(&doc, labels, "io.kubernetes.container.name",
					 &out->container);
	} else if (rc == 0) {
		rc = -EINVAL;
	}
	sk_json_doc_free(&doc);
	free(buf);
	return rc == -ENOMEM ? rc : (rc ? -EINVAL : 0);
}

static int load_podman(struct sk_name_index *x, const char *path)
{
	struct sk_json_doc doc = {0};
	struct sk_json_error jerr;
	const struct sk_json_node *root, *c;
	char *buf = NULL;
	size_t len = 0;
	int rc = sk_read_whole(path, SK_NAMES_FILE_MAX, &buf, &len);

	if (rc)
		return rc == -ENOMEM ? rc : 0;
	rc = sk_json_parse(buf, len, &doc, &jerr);
	root = rc ? NULL : sk_json_root(&doc);
	if (root && root->type == SK_JSON_ARRAY && root->len) {
		c = sk_json_first(root);
		for (uint32_t i = 0; i < root->len && rc == 0; i++, c = sk_json_next(&doc, c)) {
			const struct sk_json_node *id = sk_json_get(&doc, c, "id");
			const struct sk_json_node *names = sk_json_get(&doc, c, "names");
			struct sk_name_row *row;

			if (!id || id->type != SK_JSON_STRING ||
			    !sk_is_container_id(id->v.str, id->len) || !names ||
			    names->type != SK_JSON_ARRAY || !names->len ||
			    sk_json_first(names)->type != SK_JSON_STRING)
				continue;
			rc = index_add(x, id->v.str, &row);
			if (rc == 0)
				rc = set_name(&row->names.name, sk_json_first(names)->v.str,
					      strnlen(sk_json_first(names)->v.str,
						      sk_json_first(names)->len));
		}
	}
	sk_json_doc_free(&doc);
	free(buf);
	sk_qsort(x->rows.v, x->rows.n, sizeof(*x->rows.v), cmp_row);
	return rc == -ENOMEM ? rc : 0;
}

int sk_names_podman(struct sk_name_index *x, const char *host_root, const char *id,
		    struct sk_names *out)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path),
		 "%s/var/lib/containers/storage/overlay-containers/containers.json", host_root);
	return indexed_names(x, path, load_podman, id, out);
}
