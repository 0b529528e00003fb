#include <config.h>

#include "collect/service.h"

#include <errno.h>
#include <string.h>

const char *const sk_service_kind_names[SK_SERVICE_KIND_LAST] = {
	"", "k8s", "docker", "podman", "systemd", "cgroup",
};

#define ID_LEN 64

bool sk_is_container_id(const char *s, size_t len)
{
	if (len != ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool has_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

static bool has_suffix(const char *s, size_t len, const char *x)
{
	size_t n = strlen(x);

	return len >= n && memcmp(s + len - n, x, n) == 0;
}

static bool equals(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(s, w, len) == 0;
}

/* "<runtime>-<id>[.scope]": the runtime prefix and the id, when the part
 * after the last '-' is a container id. */
static bool runtime_scope(const char *c, size_t len, const char **rt, size_t *rt_len,
			  const char **id)
{
	if (has_suffix(c, len, ".scope"))
		len -= 6;
	if (len < ID_LEN + 2 || c[len - ID_LEN - 1] != '-' ||
	    !sk_is_container_id(c + len - ID_LEN, ID_LEN))
		return false;
	*rt = c;
	*rt_len = len - ID_LEN - 1;
	*id = c + len - ID_LEN;
	return true;
}

/* The pod UID in "kubepods-<qos>-pod<UID>.slice" (systemd driver) or
 * "pod<UID>" (cgroupfs driver). */
static bool pod_component(const char *c, size_t len, const char **uid, size_t *uid_len)
{
	const char *p;

	if (has_prefix(c, len, "kubepods") && has_suffix(c, len, ".slice")) {
		p = NULL;
		for (size_t i = 0; i + 4 <= len - 6; i++)
			if (memcmp(c + i, "-pod", 4) == 0)
				p = c + i + 4;
		if (!p || p >= c + len - 6)
			return false;
		*uid = p;
		*uid_len = (size_t)(c + len - 6 - p);
		return true;
	}
	if (has_prefix(c, len, "pod") && len > 3 && len <= 3 + 36) {
		*uid = c + 3;
		*uid_len = len - 3;
		return true;
	}
	return false;
}

struct walk_state {
	bool k8s, docker_dir;
};

/* One path component: updates the shape with what it says about the
 * kind; the innermost container wins (docker in docker, kind in kind). */
static void classify_component(const char *c, size_t len, struct walk_state *w,
			       struct sk_cgroup_shape *out)
{
	const char *rt, *id, *uid;
	size_t rt_len, uid_len;

	if (equals(c, len, "kubepods") ||
	    (has_prefix(c, len, "kubepods") && has_suffix(c, len, ".slice") &&
	     !pod_component(c, len, &uid, &uid_len))) {
		w->k8s = true;
		return;
	}
	if (w->k8s && pod_component(c, len, &uid, &uid_len)) {
		out->kind = SK_SERVICE_K8S;
		out->pod_uid = uid;
		out->pod_uid_len = uid_len;
		out->id = NULL;
		out->id_len = 0;
		return;
	}
	if (w->docker_dir && sk_is_container_id(c, len)) {
		*out = (struct sk_cgroup_shape){.kind = SK_SERVICE_DOCKER, .id = c, .id_len = len};
		w->docker_dir = false;
		return;
	}
	w->docker_dir = equals(c, len, "docker");
	if (out->kind == SK_SERVICE_K8S && out->pod_uid && !out->id) {
		if (sk_is_container_id(c, len)) {
			id = c;
		} else if (!runtime_scope(c, len, &rt, &rt_len, &id)) {
			return;
		}
		out->id = id;
		out->id_len = ID_LEN;
		out->conmon = id != c && (equals(rt, rt_len, "crio-conmon") ||
					  equals(rt, rt_len, "libpod-conmon"));
		return;
	}
	if (!runtime_scope(c, len, &rt, &rt_len, &id))
		return;
	if (equals(rt, rt_len, "docker"))
		*out = (struct sk_cgroup_shape){.kind = SK_SERVICE_DOCKER};
	else if (equals(rt, rt_len, "libpod") || equals(rt, rt_len, "libpod-conmon"))
		*out = (struct sk_cgroup_shape){.kind = SK_SERVICE_PODMAN};
	else
		return;
	out->id = id;
	out->id_len = ID_LEN;
	out->conmon = equals(rt, rt_len, "libpod-conmon");
}

void sk_cgroup_classify(const char *path, size_t len, struct sk_cgroup_shape *out)
{
	struct walk_state w = {false, false};
	const char *unit = NULL;
	size_t unit_len = 0, i = 0;

	*out = (struct sk_cgroup_shape){.kind = SK_SERVICE_CGROUP};
	while (i < len) {
		size_t start, clen;

		while (i < len && path[i] == '/')
			i++;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		clen = i - start;
		if (!clen)
			break;
		classify_component(path + start, clen, &w, out);
		if (has_suffix(path + start, clen, ".service") ||
		    has_suffix(path + start, clen, ".scope")) {
			unit = path + start;
			unit_len = clen;
		}
	}
	if (out->kind == SK_SERVICE_K8S && !out->pod_uid)
		out->kind = SK_SERVICE_CGROUP;
	if (out->kind == SK_SERVICE_CGROUP && unit) {
		out->kind = SK_SERVICE_SYSTEMD;
	}
	/* A container's own scope is not a unit anyone starts by name; the
	 * unit is the one it runs under only for plain systemd services. */
	if (out->kind == SK_SERVICE_SYSTEMD) {
		out->unit = unit;
		out->unit_len = unit_len;
	}
}

int sk_parse_proc_cgroup(const char *buf, size_t len, size_t bufsize, const char **path,
			 size_t *plen)
{
	const char *p = NULL;

	if (len >= bufsize)
		return -EINVAL;
	if (len >= 3 && memcmp(buf, "0::", 3) == 0) {
		p = buf + 3;
	} else {
		for (size_t i = 0; i + 4 <= len; i++)
			if (memcmp(buf + i, "\n0::", 4) == 0) {
				p = buf + i + 4;
				break;
			}
	}
	if (!p)
		return -ENOENT;
	*plen = (size_t)(buf + len - p);
	if (*plen && p[*plen - 1] == '\n')
		(*plen)--;
	if (*plen == 0 || p[0] != '/')
		return -EINVAL;
	*path = p;
	return 0;
}

/* One "ID:CONTROLLERS:PATH" line of a v1 hierarchy (ID not 0). */
static bool v1_line(const char *line, size_t len, const char **ctl, size_t *ctl_len,
		    const char **path, size_t *plen)
{
	const char *c1 = memchr(line, ':', len), *c2;

	if (!c1 || c1 == line || (c1 - line == 1 && line[0] == '0'))
		return false;
	c2 = memchr(c1 + 1, ':', (size_t)(line + len - c1 - 1));
	if (!c2 || c2 + 1 >= line + len || c2[1] != '/')
		return false;
	*ctl = c1 + 1;
	*ctl_len = (size_t)(c2 - c1 - 1);
	*path = c2 + 1;
	*plen = (size_t)(line + len - c2 - 1);
	return true;
}

int sk_parse_proc_cgroup_v1(const char *buf, size_t len, const char **path, size_t *plen)
{
	const char *first = NULL;
	size_t first_len = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i), *ctl, *p;
		size_t end = nl ? (size_t)(nl - buf) : len, ctl_len, pl;

		if (v1_line(buf + i, end - i, &ctl, &ctl_len, &p, &pl) && pl > 1) {
			if (equals(ctl, ctl_len, "name=systemd")) {
				*path = p;
				*plen = pl;
				return 0;
			}
			if (!first) {
				first = p;
				first_len = pl;
			}
		}
		i = end + 1;
	}
	if (!first)
		return -ENOENT;
	*path = first;
	*plen = first_len;
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static bool unescape_field(const char *f, size_t len, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = f[i];

		if (c == '\\' && i + 3 < len &&
		    f[i + 1] >= '0' && f[i + 1] <= '3' && f[i + 2] >= '0' && f[i + 2] <= '7' &&
		    f[i + 3] >= '0' && f[i + 3] <= '7') {
			c = (char)((f[i + 1] - '0') * 64 + (f[i + 2] - '0') * 8 + (f[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= size)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

bool sk_parse_mountinfo_cgroup2(const char *line, char *point, size_t psize, char *root,
				size_t rsize)
{
	const char *f[5], *sep = strstr(line, " - ");
	size_t flen[5];
	const char *p = line;

	if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
		return false;
	/* id parent major:minor root mountpoint */
	for (int k = 0; k < 5; k++) {
		while (*p == ' ')
			p++;
		f[k] = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
		flen[k] = (size_t)(p - f[k]);
		if (!flen[k] || p > sep)
			return false;
	}
	return unescape_field(f[3], flen[3], root, rsize) &&
	       unescape_field(f[4], flen[4], point, psize);
}

int sk_parse_k8s_logname(const char *name, size_t len, struct sk_k8s_logname *out)
{
	const char *u1, *u2;

	if (!has_suffix(name, len, ".log"))
		return -EINVAL;
	len -= 4;
	if (len < ID_LEN + 6 || name[len - ID_LEN - 1] != '-' ||
	    !sk_is_container_id(name + len - ID_LEN, ID_LEN))
		return -EINVAL;
	out->id = name + len - ID_LEN;
	out->id_len = ID_LEN;
	len -= ID_LEN + 1;
	/* Pod, namespace and container names are DNS names: no '_'. */
	u1 = memchr(name, '_', len);
	if (!u1)
		return -EINVAL;
	u2 = memchr(u1 + 1, '_', (size_t)(name + len - u1 - 1));
	if (!u2 || memchr(u2 + 1, '_', (size_t)(name + len - u2 - 1)))
		return -EINVAL;
	out->pod = name;
	out->pod_len = (size_t)(u1 - name);
	out->ns = u1 + 1;
	out->ns_len = (size_t)(u2 - u1 - 1);
	out->container = u2 + 1;
	out->container_len = (size_t)(name + len - u2 - 1);
	if (!out->pod_len || !out->ns_len || !out->container_len)
		return -EINVAL;
	return 0;
}
