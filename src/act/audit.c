/* The destroy's line in the system log (audit.h). */
#include <config.h>

#include "act/audit.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "util/escape.h"

static void user_of(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		sk_escape(res->pw_name, strnlen(res->pw_name, 64), buf, size);
	else
		snprintf(buf, size, "?");
}

/* "uid 0 (root), login uid 1000 (alice)": the login uid survives sudo and su. */
static void who(char *buf, size_t size)
{
	char name[64], login[64], text[32] = "";
	unsigned long luid = (unsigned long)-1;
	FILE *f = fopen("/proc/self/loginuid", "re");
	size_t n;

	user_of(getuid(), name, sizeof(name));
	if (f) {
		if (fgets(text, sizeof(text), f) && sscanf(text, "%lu", &luid) != 1)
			luid = (unsigned long)-1;
		fclose(f);
	}
	n = (size_t)snprintf(buf, size, "uid %u (%s)", (unsigned)getuid(), name);
	if (luid != (unsigned long)(uint32_t)-1 && luid != (unsigned long)-1 && n < size) {
		user_of((uid_t)luid, login, sizeof(login));
		snprintf(buf + n, size - n, ", login uid %lu (%s)", luid, login);
	}
}

void sk_audit_format(const char *face, const char *what, const struct sk_killset *ks,
		     const struct sk_destroy_result *r, int rc, const char *error, char *buf,
		     size_t size)
{
	char safe[256], states[256], by[192];

	sk_escape(what, strnlen(what, 1024), safe, sizeof(safe));
	sk_killset_states(ks, states, sizeof(states));
	who(by, sizeof(by));
	snprintf(buf, size,
		 "%s: destroyed %u of %zu sockets (%s) chosen by \"%s\"; %u already gone, "
		 "%u refused%s%s; by %s",
		 face, r->destroyed, ks->rows.n, states[0] ? states : "none", safe, r->gone,
		 r->refused, rc ? ": " : "", rc ? error : "", by);
}

void sk_audit_destroy(const char *face, const char *what, const struct sk_killset *ks,
		      const struct sk_destroy_result *r, int rc, const char *error)
{
	char line[1024];

	sk_audit_format(face, what, ks, r, rc, error, line, sizeof(line));
	openlog("sktop", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", line);
	closelog();
}
