/* uid -> user name, cached: getpwuid can go to LDAP/NSS, and the process
 * pane asks for every row on every redraw. The cache is bounded; when it
 * fills up it starts over. */
#ifndef SKTOP_TUI_USERS_H
#define SKTOP_TUI_USERS_H

#include <stddef.h>
#include <stdint.h>

#define SK_USERS_CACHE 256
#define SK_USER_NAME_MAX 33

struct sk_users {
	struct {
		uint32_t uid;
		char name[SK_USER_NAME_MAX];
	} e[SK_USERS_CACHE];
	size_t n;
};

void sk_users_init(struct sk_users *u);

/* sk_user_fn for struct sk_view_config: ctx is a struct sk_users. Names
 * that are long or not plain printable are shown as the number. */
void sk_users_name(void *ctx, uint32_t uid, char *buf, size_t size);

#endif
