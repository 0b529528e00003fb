/* The TUI suites' shared world (see tuiworld.h). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "snapbuild.h"
#include "tuiworld.h"

void tw_user(void *ctx, uint32_t uid, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, uid == 0 ? "root" : uid == 1000 ? "alice" : "u%u", uid);
}

static struct sk_socket *tcp(struct sk_snapshot *s, uint8_t state, uint64_t inode,
			     uint16_t lport, const char *peer, uint16_t pport)
{
	struct sk_socket *k = sb_sock(s, SK_PROTO_TCP, AF_INET, state, inode, "10.0.0.1", lport, NS_A);

	if (peer)
		sb_peer(k, peer, pport);
	k->flags |= SK_SOCK_HAS_MEM | SK_SOCK_HAS_UID;
	k->cookie = inode ? inode + 0x1000 : 0;
	return k;
}

void tw_build(struct sk_snapshot *s, uint32_t rmem_cache, bool with_leaker)
{
	struct sk_error err = {0};

	sk_snapshot_init(s);
	sb_netns(s, NS_A, ALL_INET);
	tcp(s, SK_TCP_LISTEN, 10, LISTEN_PORT, NULL, 0);
	for (int i = 0; i < 3; i++)
		tcp(s, SK_TCP_CLOSE_WAIT, 11 + (uint64_t)i, LISTEN_PORT, "10.0.3.7",
		    (uint16_t)(40000 + i))->recv_q = 0;
	tcp(s, SK_TCP_CLOSE_WAIT, 14, LISTEN_PORT, "10.0.3.8", 40100);
	tcp(s, SK_TCP_ESTABLISHED, 15, LISTEN_PORT, "10.0.3.9", 40200)->mem.rmem_alloc = 4096;
	tcp(s, SK_TCP_ESTABLISHED, 16, LISTEN_PORT, "10.0.3.9", 40201);
	for (int i = 0; i < 2; i++) {
		struct sk_socket *o = tcp(s, SK_TCP_FIN_WAIT1, 0, LISTEN_PORT, "10.0.4.1",
					  (uint16_t)(50000 + i));

		o->cookie = 0x9000 + (uint64_t)i;
		o->send_q = 1000;
		o->timer = SK_TIMER_PERSIST;
		o->timer_ms = 1500 + 1000 * (uint32_t)i;
		o->retrans = 3;
	}
	tcp(s, SK_TCP_LAST_ACK, 0, LISTEN_PORT, "10.0.4.2", 50100)->cookie = 0x9100;
	tcp(s, SK_TCP_TIME_WAIT, 0, 33000, "10.0.5.5", 80)->cookie = 0x9200;
	struct sk_socket *c = tcp(s, SK_TCP_ESTABLISHED, 20, 6379, "10.0.6.6", 41000);

	c->mem.rmem_alloc = rmem_cache;
	c->recv_q = rmem_cache / 2;
	tcp(s, SK_TCP_ESTABLISHED, 30, 45000, "10.0.7.7", 443);

	uint32_t p = sb_proc(s, PID_SERVER, NS_A);

	s->procs.v[p].uid = 1000;
	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "server");
	for (int i = 0; i < 7; i++)
		sb_fd(s, p, 3 + i, 10 + (uint64_t)i);
	sb_fd(s, p, 20, 11); /* a dup of a CLOSE_WAIT fd: still one socket */
	p = sb_proc(s, PID_CACHE, NS_A);
	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "cache");
	s->procs.v[p].rss_kb = 1024;
	sb_fd(s, p, 5, 20);
	if (with_leaker) {
		p = sb_proc(s, PID_LEAKER, NS_A);
		snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "leaker");
		for (int i = 0; i < 4; i++)
			sb_fd(s, p, 101 + i, 900 + (uint64_t)i);
		sb_fd(s, p, 7, 30);
	}
	sb_proc(s, PID_QUIET, NS_A);
	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
	s->root = true;
	s->seq = 1;
	snprintf(s->host, sizeof(s->host), "testhost");
}

void tw_view_new(struct sk_view *v)
{
	struct sk_view_config cfg = {.user_name = tw_user};

	sk_view_init(v, &cfg, SK_SORT_CLOSE_WAIT, false);
}

int tw_setup(void **state)
{
	struct tw_fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	tw_build(&f->s, 100, true);
	tw_view_new(&f->v);
	*state = f;
	return 0;
}

int tw_teardown(void **state)
{
	struct tw_fx *f = *state;

	sk_view_free(&f->v);
	sk_snapshot_free(&f->s);
	free(f);
	return 0;
}

int32_t tw_row_pid(const struct sk_view *v, const struct sk_snapshot *s, size_t row)
{
	return s->procs.v[v->procs.v[row]].pid;
}

int32_t tw_cursor_pid(struct sk_view *v, const struct sk_snapshot *s)
{
	return tw_row_pid(v, s, sk_view_top(v)->cursor);
}

void tw_ui_blank(struct sk_ui *ui, struct sk_options *o, const struct sk_snapshot *s,
		 int header_rows)
{
	memset(ui, 0, sizeof(*ui));
	memset(o, 0, sizeof(*o));
	ui->opts = o;
	ui->snap = s;
	ui->interval = 2;
	ui->rows = 24;
	ui->cols = 80;
	ui->body_height = 24 - header_rows - 3;
}

void tw_ui_new(struct sk_ui *ui, struct sk_options *o, const struct sk_snapshot *s)
{
	tw_ui_blank(ui, o, s, 7);
	o->snapshot_dir = ".";
	sk_thresholds_default(&o->thresholds);
	tw_view_new(&ui->view);
	sk_view_build(&ui->view, s);
}

void tw_set_sys(struct sk_snapshot *s)
{
	s->sys.sockstat[SK_SS_SOCKETS_USED] = 412;
	s->sys.sockstat[SK_SS_TCP_INUSE] = 120;
	s->sys.sockstat[SK_SS_TCP_ALLOC] = 130;
	s->sys.sockstat[SK_SS_TCP_ORPHAN] = 3;
	s->sys.sockstat[SK_SS_TCP_TW] = 12;
	s->sys.sockstat[SK_SS_TCP_MEM] = 1500;
	s->sys.limits.tcp_max_orphans = 65536;
	s->sys.limits.tcp_mem[0] = 1000;
	s->sys.limits.tcp_mem[1] = 1400;
	s->sys.limits.tcp_mem[2] = 2000;
	s->sys.limits.page_size = 4096;
	s->sys.limits.tcp_max_tw_buckets = 262144;
	s->sys.limits.file_nr[0] = 4032;
	s->sys.limits.file_max = 9223372036854775807LL;
}

bool tw_all_printable(const struct sk_line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if ((unsigned char)l->buf[i] < 0x20 || (unsigned char)l->buf[i] == 0x7f)
			return false;
	return true;
}
