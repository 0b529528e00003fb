#include <config.h>

#include "users.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void sk_users_init(struct sk_users *u)
{
	u->n = 0;
}

/* A name from /etc/passwd or a directory service is untrusted too. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

void sk_users_name(void *ctx, uint32_t uid, char *buf, size_t size)
{
	struct sk_users *u = ctx;
	struct passwd pw, *res = NULL;
	char tmp[2048], name[SK_USER_NAME_MAX];

	for (size_t i = 0; i < u->n; i++)
		if (u->e[i].uid == uid) {
			snprintf(buf, size, "%s", u->e[i].name);
			return;
		}
	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) == 0 && res &&
	    strlen(res->pw_name) < SK_USER_NAME_MAX && printable(res->pw_name))
		snprintf(name, sizeof(name), "%s", res->pw_name);
	else
		snprintf(name, sizeof(name), "%u", uid);
	if (u->n == SK_USERS_CACHE)
		u->n = 0;
	u->e[u->n].uid = uid;
	memcpy(u->e[u->n].name, name, sizeof(name));
	u->n++;
	snprintf(buf, size, "%s", name);
}
