/* libFuzzer: the cgroup -> service parsers (collect/service.h). First byte
 * picks the parser. Every answer must point inside the input. */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "collect/service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *buf, size_t len, const char *p, size_t plen)
{
	if (p && (p < buf || p + plen > buf + len))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	struct sk_cgroup_shape sh;
	struct sk_k8s_logname ln;
	char line[512], point[64], root[64];
	const char *p;
	size_t plen;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		sk_cgroup_classify(buf, len, &sh);
		if (sh.kind >= SK_SERVICE_KIND_LAST)
			__builtin_trap();
		inside(buf, len, sh.id, sh.id_len);
		inside(buf, len, sh.pod_uid, sh.pod_uid_len);
		inside(buf, len, sh.unit, sh.unit_len);
		if (sh.id && !sk_is_container_id(sh.id, sh.id_len))
			__builtin_trap();
		break;
	case 1:
		if (sk_parse_proc_cgroup(buf, len, len + 1, &p, &plen) == 0)
			inside(buf, len, p, plen);
		if (sk_parse_proc_cgroup_v1(buf, len, &p, &plen) == 0)
			inside(buf, len, p, plen);
		break;
	case 2:
		/* mountinfo lines are NUL-terminated strings */
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, buf, len);
		line[len] = '\0';
		if (sk_parse_mountinfo_cgroup2(line, point, sizeof(point), root, sizeof(root)) &&
		    (strlen(point) >= sizeof(point) || strlen(root) >= sizeof(root)))
			__builtin_trap();
		break;
	case 3:
		if (sk_parse_k8s_logname(buf, len, &ln) == 0) {
			inside(buf, len, ln.pod, ln.pod_len);
			inside(buf, len, ln.ns, ln.ns_len);
			inside(buf, len, ln.container, ln.container_len);
			if (!sk_is_container_id(ln.id, ln.id_len))
				__builtin_trap();
		}
		break;
	}
	return 0;
}
