/* Untrusted names must come out printable, whatever bytes went in. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include "suite.h"
#include "util/escape.h"
#include "util/units.h"

struct escape_case {
	const char *in;
	size_t len;
	const char *out;
};

static const struct escape_case cases[] = {
	{"nginx", 5, "nginx"},
	{"a b", 3, "a b"},
	{"\x1b[31mred", 8, "\\x1b[31mred"},
	{"two\nlines\r", 10, "two\\x0alines\\x0d"},
	{"nul\0byte", 8, "nul\\x00byte"},
	{"back\\slash", 10, "back\\\\slash"},
	{"del\x7f", 4, "del\\x7f"},
	{"caf\xc3\xa9", 5, "caf\xc3\xa9"},                 /* valid UTF-8 passes */
	{"\xe4\xb8\xad\xe6\x96\x87", 6, "\xe4\xb8\xad\xe6\x96\x87"},
	{"bad\xff", 4, "bad\\xff"},                          /* invalid byte */
	{"over\xc0\xaf", 6, "over\\xc0\\xaf"},               /* overlong '/' */
	{"cut\xe4\xb8", 5, "cut\\xe4\\xb8"},                 /* truncated sequence */
	{"surr\xed\xa0\x80", 7, "surr\\xed\\xa0\\x80"},      /* UTF-16 surrogate */
	{"c1\xc2\x9b", 4, "c1\\xc2\\x9b"},                   /* C1 CSI */
	{"rtl\xe2\x80\xaex", 7, "rtl\\xe2\\x80\\xaex"},      /* bidi override */
};

static void test_escape_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[128];
		size_t n = sk_escape(cases[i].in, cases[i].len, out, sizeof(out));

		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
	}
}

static void test_escape_truncates_on_boundary(void **state)
{
	char out[8];

	(void)state;
	/* "ab" + "\x1b" escaped is 4 bytes: it must not be cut in half. */
	sk_escape("ab\x1b\x1b", 4, out, sizeof(out));
	assert_string_equal(out, "ab\\x1b");
	sk_escape("x", 1, out, 1);
	assert_string_equal(out, "");
}

static void test_escape_never_emits_controls(void **state)
{
	unsigned char in[256];
	char out[1200];

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	sk_escape((const char *)in, sizeof(in), out, sizeof(out));
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		assert_true(*p >= 0x20 && *p != 0x7f && *p < 0x80);
}

static void test_format_bytes(void **state)
{
	static const struct {
		uint64_t v;
		const char *s;
	} t[] = {
		{0, "0"}, {999, "999"}, {1000, "1.0K"}, {1024, "1.0K"}, {1536, "1.5K"},
		{10 * 1024, "10K"}, {212992, "208K"}, {6291456, "6.0M"},
		{16ULL << 30, "16G"}, {UINT64_MAX, "16E"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[16];

		assert_string_equal(sk_format_bytes(t[i].v, buf, sizeof(buf)), t[i].s);
		assert_true(strlen(buf) <= 5);
	}
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_escape_table),
	cmocka_unit_test(test_escape_truncates_on_boundary),
	cmocka_unit_test(test_escape_never_emits_controls),
	cmocka_unit_test(test_format_bytes))
