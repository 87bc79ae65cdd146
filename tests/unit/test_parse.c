/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector.h"
#include "unit.h"

#define PUB_0	"yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define KEY_A	"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define KEY_B	"TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define KEY_C	"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
#define KEY_D	"gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA="

/* Names that would show wherever the parser kept a secret. */
#define SENTINEL	"SENTINEL"

/*
 * The shape of wg-json: two interfaces, a peer with every field and a
 * preshared key, one never handshaken, one with nothing, and the same
 * peer on both interfaces.  Escapes (\/, \u0037) and whitespace are
 * there so that splits land inside them.
 */
#define DOC								\
	"{\"wg0\": {\n"							\
	"  \"privateKey\": \"PRIVATEKEY_SENTINEL_1\",\n"		\
	"  \"publicKey\": \"" PUB_0 "\",\n"				\
	"  \"listenPort\": 51820,\n"					\
	"  \"fwmark\": 4294967295,\n"					\
	"  \"peers\": {\n"						\
	"    \"" KEY_A "\": {\n"					\
	"      \"presharedKey\": \"PRESHAREDKEY_SENTINEL_1\",\n"	\
	"      \"endpoint\": \"[fd00::1%eth0]:51820\",\n"		\
	"      \"latestHandshake\": 1765189500,\n"			\
	"      \"transferRx\": 18446744073709551615,\n"			\
	"      \"transferTx\": 2048,\n"					\
	"      \"persistentKeepalive\": 25,\n"				\
	"      \"allowedIps\": [\"10.0.0.2\\/32\", \"fd00::2/128\"]\n"	\
	"    },\n"							\
	"    \"" KEY_B "\": {\n"					\
	"      \"endpoint\": \"192.0.2.\\u0037:51821\",\n"		\
	"      \"allowedIps\": []\n"					\
	"    },\n"							\
	"    \"" KEY_C "\": {}\n"					\
	"  }\n"								\
	"},\n"								\
	"\"wg1\": {\n"							\
	"  \"privateKey\": \"PRIVATEKEY_SENTINEL_2\",\n"		\
	"  \"listenPort\": 51821,\n"					\
	"  \"peers\": {\n"						\
	"    \"" KEY_D "\": {\"latestHandshake\": 0,\n"		\
	"      \"transferTx\": 0,\n"					\
	"      \"allowedIps\": [\"0.0.0.0/0\", \"::/0\"]},\n"		\
	"    \"" KEY_A "\": {\"presharedKey\": \"PRESHAREDKEY_SENTINEL_2\"}\n" \
	"  }\n"								\
	"}}\n"

/* Wraps fields of one interface, or of one peer. */
#define IFACE(body)	"{\"wg0\": {" body "}}"
#define PEER_OPEN	"{\"wg0\": {\"peers\": {\"" KEY_A "\": {"
#define PEER(body)	PEER_OPEN body "}}}}"
#define PEER_PATH	"wg0.peers." KEY_A

struct run {
	struct snapshot	*snap;
	int		 rc;
	char		 err[WGM_DETAIL_MAX];
};

/*
 * Feeds the first `first` bytes of doc, then the rest in pieces of
 * `chunk` bytes, then finishes, as the script runner does.
 */
static void
run_pieces(struct run *r, const char *doc, size_t len, size_t first,
    size_t chunk)
{
	struct parser	*p;
	size_t		 off, n;

	assert_non_null(r->snap = snapshot_new_arena());
	assert_non_null(p = parse_new(r->snap));
	r->rc = 0;
	for (off = 0, n = first; off < len && r->rc == 0; off += n, n = chunk) {
		if (n > len - off)
			n = len - off;
		r->rc = parse_feed(p, (const unsigned char *)doc + off, n);
	}
	if (r->rc == 0)
		r->rc = parse_finish(p);
	r->err[0] = '\0';
	if (r->rc == -1)
		strlcpy(r->err, parse_error(p), sizeof(r->err));
	parse_free(p);
}

static void
run_whole(struct run *r, const char *doc)
{
	run_pieces(r, doc, strlen(doc), strlen(doc), 1);
}

static void
run_free(struct run *r)
{
	snapshot_free(r->snap);
	r->snap = NULL;
}

static void
appendf(char *buf, size_t size, const char *fmt, ...)
{
	va_list	ap;
	size_t	n = strlen(buf);
	int	rc;

	va_start(ap, fmt);
	rc = vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	assert_true(rc >= 0 && (size_t)rc < size - n);
}

/* Every field of a snapshot as text, to compare two of them. */
static void
dump(struct snapshot *s, char *buf, size_t size)
{
	struct iface	*ifp;
	struct peer	*p;
	size_t		 i;

	buf[0] = '\0';
	appendf(buf, size, "%zu %zu\n", s->nifaces, s->npeers);
	RB_FOREACH(ifp, iface_tree, &s->ifaces) {
		appendf(buf, size, "%s %s %u %u %x %zu\n", ifp->name,
		    ifp->pubkey, ifp->port, ifp->fwmark, ifp->flags,
		    ifp->npeers);
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			appendf(buf, size, " %s %s %lld %llu %llu %u %x %d",
			    p->key, p->endpoint, (long long)p->handshake,
			    (unsigned long long)p->rx,
			    (unsigned long long)p->tx, p->keepalive, p->flags,
			    p->status);
			for (i = 0; i < p->naips; i++)
				appendf(buf, size, " %s", unit_aip(p, i));
			appendf(buf, size, "\n");
		}
	}
}

static void
expect_error(const char *doc, const char *msg)
{
	struct run	 r;

	run_whole(&r, doc);
	if (r.rc != -1)
		fail_msg("accepted: %s", doc);
	assert_string_equal(r.err, msg);
	run_free(&r);

	/* Byte by byte, the same place is found. */
	run_pieces(&r, doc, strlen(doc), 0, 1);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err, msg);
	run_free(&r);
}

static struct peer *
find_peer(struct snapshot *s, const char *name, const char *key)
{
	struct iface	*ifp;
	struct peer	*p;

	assert_non_null(ifp = snapshot_iface_find(s, name));
	assert_non_null(p = snapshot_peer_find(ifp, key));
	return (p);
}

static int
contains(const void *mem, size_t len, const char *needle)
{
	const char	*m = mem;
	size_t		 n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(m + i, needle, n) == 0)
			return (1);
	return (0);
}

static void
test_full_document_fills_snapshot(void **state)
{
	struct run	 r;
	struct iface	*ifp;
	struct peer	*p;

	(void)state;
	run_whole(&r, DOC);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.snap->nifaces, 2);
	assert_int_equal(r.snap->npeers, 5);

	assert_non_null(ifp = snapshot_iface_find(r.snap, "wg0"));
	assert_string_equal(ifp->pubkey, PUB_0);
	assert_int_equal(ifp->port, 51820);
	assert_int_equal(ifp->fwmark, UINT32_MAX);
	assert_int_equal(ifp->flags,
	    IFACE_F_PUBKEY | IFACE_F_PORT | IFACE_F_FWMARK);
	assert_int_equal(ifp->npeers, 3);

	p = find_peer(r.snap, "wg0", KEY_A);
	assert_string_equal(p->endpoint, "[fd00::1%eth0]:51820");
	assert_int_equal(p->handshake, 1765189500);
	assert_true(p->rx == UINT64_MAX);
	assert_int_equal(p->tx, 2048);
	assert_int_equal(p->keepalive, 25);
	assert_int_equal(p->flags, PEER_F_PSK | PEER_F_ENDPOINT |
	    PEER_F_HANDSHAKE | PEER_F_RX | PEER_F_TX | PEER_F_KEEPALIVE |
	    PEER_F_AIPS);
	assert_int_equal(p->naips, 2);
	assert_string_equal(unit_aip(p, 0), "10.0.0.2/32");
	assert_string_equal(unit_aip(p, 1), "fd00::2/128");

	p = find_peer(r.snap, "wg0", KEY_B);
	assert_string_equal(p->endpoint, "192.0.2.7:51821");
	assert_int_equal(p->flags, PEER_F_ENDPOINT | PEER_F_AIPS);
	assert_int_equal(p->handshake, 0);
	assert_int_equal(p->naips, 0);

	p = find_peer(r.snap, "wg0", KEY_C);
	assert_int_equal(p->flags, 0);
	assert_string_equal(p->endpoint, "");

	assert_non_null(ifp = snapshot_iface_find(r.snap, "wg1"));
	assert_int_equal(ifp->flags, IFACE_F_PORT);
	assert_string_equal(ifp->pubkey, "");
	assert_int_equal(ifp->port, 51821);
	assert_int_equal(ifp->npeers, 2);

	p = find_peer(r.snap, "wg1", KEY_D);
	assert_int_equal(p->flags, PEER_F_HANDSHAKE | PEER_F_TX | PEER_F_AIPS);
	assert_int_equal(p->handshake, 0);
	assert_int_equal(p->naips, 2);
	assert_string_equal(unit_aip(p, 0), "0.0.0.0/0");
	assert_string_equal(unit_aip(p, 1), "::/0");

	p = find_peer(r.snap, "wg1", KEY_A);
	assert_int_equal(p->flags, PEER_F_PSK);
	run_free(&r);
}

static void
test_document_split_in_two_anywhere_parses_the_same(void **state)
{
	struct run	 r;
	char		 want[4096], got[4096];
	size_t		 len = strlen(DOC), cut;

	(void)state;
	run_whole(&r, DOC);
	assert_int_equal(r.rc, 0);
	dump(r.snap, want, sizeof(want));
	run_free(&r);

	for (cut = 0; cut <= len; cut++) {
		run_pieces(&r, DOC, len, cut, len);
		if (r.rc != 0)
			fail_msg("split at %zu: %s", cut, r.err);
		dump(r.snap, got, sizeof(got));
		assert_string_equal(got, want);
		run_free(&r);
	}
}

static void
test_document_fed_byte_by_byte_parses_the_same(void **state)
{
	struct run	 r;
	char		 want[4096], got[4096];

	(void)state;
	run_whole(&r, DOC);
	assert_int_equal(r.rc, 0);
	dump(r.snap, want, sizeof(want));
	run_free(&r);

	run_pieces(&r, DOC, strlen(DOC), 0, 1);
	assert_int_equal(r.rc, 0);
	dump(r.snap, got, sizeof(got));
	assert_string_equal(got, want);
	run_free(&r);
}

static void
test_unknown_keys_skipped_at_every_level(void **state)
{
	static const char	*plain =
	    "{\"wg0\": {\"listenPort\": 1, \"peers\": {\"" KEY_A "\":"
	    " {\"transferRx\": 5, \"allowedIps\": [\"10.0.0.1/32\"]}}}}";
	static const char	*extra =
	    "{\"wg0\": {"
	    "\"zz\": {\"peers\": {\"" KEY_B "\": {}}, \"a\": [1, {\"b\":"
	    " null}, [[[\"listenPort\"]]]], \"c\": \"d\"},"
	    "\"listenPort\": 1, \"ListenPort\": \"x\", \"t\": true,"
	    " \"f\": false, \"n\": null, \"num\": -1.5e3, \"s\": \"\","
	    " \"e\": {}, \"ea\": [],"
	    "\"peers\": {\"" KEY_A "\": {"
	    "\"transferRx\": 5, \"x\": [[], {}, {\"allowedIps\": 7}],"
	    " \"endpoint2\": {\"endpoint\": [\"1.2.3.4:5\"]},"
	    "\"allowedIps\": [\"10.0.0.1/32\"], \"z\": -0.0}},"
	    "\"tail\": [{\"privateKey\": [1, 2]}]}}";
	struct run		 r;
	char			 want[1024], got[1024];

	(void)state;
	run_whole(&r, plain);
	assert_int_equal(r.rc, 0);
	dump(r.snap, want, sizeof(want));
	run_free(&r);

	run_whole(&r, extra);
	if (r.rc != 0)
		fail_msg("%s", r.err);
	dump(r.snap, got, sizeof(got));
	assert_string_equal(got, want);
	run_free(&r);
}

static void
test_wrong_type_for_each_known_key_names_its_path(void **state)
{
	static const struct {
		const char	*doc;
		const char	*msg;
	} cases[] = {
		{ "[]", "(top level): expected an object" },
		{ "\"wg0\"", "(top level): expected an object" },
		{ "null", "(top level): expected an object" },
		{ "true", "(top level): expected an object" },
		{ "7", "(top level): expected an object" },
		{ "{\"wg0\": []}", "wg0: expected an object" },
		{ "{\"wg0\": \"x\"}", "wg0: expected an object" },
		{ "{\"wg0\": 1}", "wg0: expected an object" },
		{ "{\"wg0\": null}", "wg0: expected an object" },
		{ "{\"wg0\": false}", "wg0: expected an object" },
		{ IFACE("\"privateKey\": 1"),
		    "wg0.privateKey: expected a string" },
		{ IFACE("\"privateKey\": null"),
		    "wg0.privateKey: expected a string" },
		{ IFACE("\"privateKey\": {}"),
		    "wg0.privateKey: expected a string" },
		{ IFACE("\"publicKey\": []"),
		    "wg0.publicKey: expected a string" },
		{ IFACE("\"publicKey\": true"),
		    "wg0.publicKey: expected a string" },
		{ IFACE("\"publicKey\": 0"),
		    "wg0.publicKey: expected a string" },
		{ IFACE("\"listenPort\": \"51820\""),
		    "wg0.listenPort: expected an integer" },
		{ IFACE("\"listenPort\": null"),
		    "wg0.listenPort: expected an integer" },
		{ IFACE("\"listenPort\": [1]"),
		    "wg0.listenPort: expected an integer" },
		{ IFACE("\"fwmark\": {}"),
		    "wg0.fwmark: expected an integer" },
		{ IFACE("\"fwmark\": true"),
		    "wg0.fwmark: expected an integer" },
		{ IFACE("\"peers\": []"), "wg0.peers: expected an object" },
		{ IFACE("\"peers\": \"x\""), "wg0.peers: expected an object" },
		{ IFACE("\"peers\": 1"), "wg0.peers: expected an object" },
		{ IFACE("\"peers\": null"), "wg0.peers: expected an object" },
		{ IFACE("\"peers\": {\"" KEY_A "\": []}"),
		    PEER_PATH ": expected an object" },
		{ IFACE("\"peers\": {\"" KEY_A "\": \"x\"}"),
		    PEER_PATH ": expected an object" },
		{ IFACE("\"peers\": {\"" KEY_A "\": 2}"),
		    PEER_PATH ": expected an object" },
		{ IFACE("\"peers\": {\"" KEY_A "\": null}"),
		    PEER_PATH ": expected an object" },
		{ PEER("\"presharedKey\": 1"),
		    PEER_PATH ".presharedKey: expected a string" },
		{ PEER("\"presharedKey\": null"),
		    PEER_PATH ".presharedKey: expected a string" },
		{ PEER("\"presharedKey\": []"),
		    PEER_PATH ".presharedKey: expected a string" },
		{ PEER("\"endpoint\": 51820"),
		    PEER_PATH ".endpoint: expected a string" },
		{ PEER("\"endpoint\": {}"),
		    PEER_PATH ".endpoint: expected a string" },
		{ PEER("\"endpoint\": false"),
		    PEER_PATH ".endpoint: expected a string" },
		{ PEER("\"latestHandshake\": \"1765189500\""),
		    PEER_PATH ".latestHandshake: expected an integer" },
		{ PEER("\"latestHandshake\": null"),
		    PEER_PATH ".latestHandshake: expected an integer" },
		{ PEER("\"transferRx\": []"),
		    PEER_PATH ".transferRx: expected an integer" },
		{ PEER("\"transferRx\": true"),
		    PEER_PATH ".transferRx: expected an integer" },
		{ PEER("\"transferTx\": {}"),
		    PEER_PATH ".transferTx: expected an integer" },
		{ PEER("\"transferTx\": \"0\""),
		    PEER_PATH ".transferTx: expected an integer" },
		{ PEER("\"persistentKeepalive\": \"25\""),
		    PEER_PATH ".persistentKeepalive: expected an integer" },
		{ PEER("\"persistentKeepalive\": null"),
		    PEER_PATH ".persistentKeepalive: expected an integer" },
		{ PEER("\"allowedIps\": \"10.0.0.2/32\""),
		    PEER_PATH ".allowedIps: expected an array" },
		{ PEER("\"allowedIps\": {}"),
		    PEER_PATH ".allowedIps: expected an array" },
		{ PEER("\"allowedIps\": null"),
		    PEER_PATH ".allowedIps: expected an array" },
		{ PEER("\"allowedIps\": 1"),
		    PEER_PATH ".allowedIps: expected an array" },
		{ PEER("\"allowedIps\": [3]"),
		    PEER_PATH ".allowedIps[0]: expected a string" },
		{ PEER("\"allowedIps\": [\"a\", \"b\", 3]"),
		    PEER_PATH ".allowedIps[2]: expected a string" },
		{ PEER("\"allowedIps\": [\"a\", null]"),
		    PEER_PATH ".allowedIps[1]: expected a string" },
		{ PEER("\"allowedIps\": [[]]"),
		    PEER_PATH ".allowedIps[0]: expected a string" },
		{ PEER("\"allowedIps\": [\"a\", {}]"),
		    PEER_PATH ".allowedIps[1]: expected a string" }
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].doc, cases[i].msg);
}

static void
test_negative_integer_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"transferRx\": -1"),
	    PEER_PATH ".transferRx: expected an integer");
}

static void
test_fraction_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"transferRx\": 1.5"),
	    PEER_PATH ".transferRx: expected an integer");
}

static void
test_exponent_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"transferRx\": 1e3"),
	    PEER_PATH ".transferRx: expected an integer");
}

static void
test_uint64_max_accepted_for_transfer_rx(void **state)
{
	struct run	 r;

	(void)state;
	run_whole(&r, PEER("\"transferRx\": 18446744073709551615"));
	assert_int_equal(r.rc, 0);
	assert_true(find_peer(r.snap, "wg0", KEY_A)->rx == UINT64_MAX);
	run_free(&r);
}

static void
test_uint64_max_plus_one_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"transferRx\": 18446744073709551616"),
	    PEER_PATH ".transferRx: integer out of range");
}

static void
test_integer_beyond_64_bits_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"transferTx\": 99999999999999999999999"),
	    PEER_PATH ".transferTx: integer out of range");
}

static void
test_handshake_beyond_int64_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"latestHandshake\": 9223372036854775808"),
	    PEER_PATH ".latestHandshake: integer out of range");
}

/* Nineteen nines: the longest integer the parser checks in one pass. */
static void
test_nineteen_digits_checked_against_their_field(void **state)
{
	struct run	 r;

	(void)state;
	run_whole(&r, PEER("\"transferRx\": 9999999999999999999"));
	assert_int_equal(r.rc, 0);
	assert_true(find_peer(r.snap, "wg0", KEY_A)->rx ==
	    9999999999999999999ULL);
	run_free(&r);
	expect_error(PEER("\"latestHandshake\": 9999999999999999999"),
	    PEER_PATH ".latestHandshake: integer out of range");
}

/*
 * Every length up to twenty digits, each digit in every place: the value
 * read is the one written, and a fraction or an exponent starting at any
 * place is refused.
 */
static void
test_integers_of_every_length_read_exactly(void **state)
{
	static const char	 marks[] = ".eE";
	struct run		 r;
	char			 num[24], doc[256], msg[128];
	uint64_t		 want;
	size_t			 n, i, k;

	(void)state;
	for (n = 1; n <= 20; n++) {
		for (k = 0; k < 10; k++) {
			for (i = 0; i < n; i++)
				num[i] = '0' + (i * 7 + k * 3 + n) % 10;
			num[0] = '1' + (k + n) % 9;
			/* Below 2^64: 10 followed by eighteen digits. */
			if (n == 20) {
				num[0] = '1';
				num[1] = '0';
			}
			num[n] = '\0';
			want = strtoull(num, NULL, 10);
			snprintf(doc, sizeof(doc),
			    PEER("\"transferRx\": %s"), num);
			run_whole(&r, doc);
			if (r.rc != 0)
				fail_msg("%s: %s", num, r.err);
			assert_true(find_peer(r.snap, "wg0", KEY_A)->rx ==
			    want);
			run_free(&r);
		}
	}
	snprintf(msg, sizeof(msg), "%s", PEER_PATH
	    ".transferRx: expected an integer");
	for (i = 1; i < 16; i++) {
		for (k = 0; k < sizeof(marks) - 1; k++) {
			memset(num, '7', 17);
			num[i] = marks[k];
			num[17] = '\0';
			snprintf(doc, sizeof(doc),
			    PEER("\"transferRx\": %s"), num);
			expect_error(doc, msg);
		}
	}
}

static void
test_listen_port_65536_rejected(void **state)
{
	(void)state;
	expect_error(IFACE("\"listenPort\": 65536"),
	    "wg0.listenPort: integer out of range");
}

static void
test_keepalive_65536_and_fwmark_beyond_32_bits_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"persistentKeepalive\": 65536"),
	    PEER_PATH ".persistentKeepalive: integer out of range");
	expect_error(IFACE("\"fwmark\": 4294967296"),
	    "wg0.fwmark: integer out of range");
}

static void
test_largest_value_of_each_integer_accepted(void **state)
{
	struct run	 r;
	struct iface	*ifp;
	struct peer	*p;

	(void)state;
	run_whole(&r, IFACE("\"listenPort\": 65535, \"fwmark\": 4294967295,"
	    "\"peers\": {\"" KEY_A "\": {"
	    "\"latestHandshake\": 9223372036854775807,"
	    "\"transferTx\": 18446744073709551615,"
	    "\"persistentKeepalive\": 65535}}"));
	assert_int_equal(r.rc, 0);
	assert_non_null(ifp = snapshot_iface_find(r.snap, "wg0"));
	assert_int_equal(ifp->port, 65535);
	assert_int_equal(ifp->fwmark, UINT32_MAX);
	p = find_peer(r.snap, "wg0", KEY_A);
	assert_true(p->handshake == INT64_MAX);
	assert_true(p->tx == UINT64_MAX);
	assert_int_equal(p->keepalive, 65535);
	run_free(&r);
}

static void
test_truncated_document_fails_at_finish(void **state)
{
	struct snapshot	*s;
	struct parser	*p;
	size_t		 len = strlen(DOC), cut;

	(void)state;
	/* Every proper prefix is fine so far, and wrong once it ends. */
	for (cut = 1; cut < len - 1; cut++) {
		assert_non_null(s = snapshot_new_arena());
		assert_non_null(p = parse_new(s));
		assert_int_equal(parse_feed(p, (const unsigned char *)DOC,
		    cut), 0);
		assert_int_equal(parse_finish(p), -1);
		if (strncmp(parse_error(p), "invalid JSON: ", 14) != 0 ||
		    strchr(parse_error(p), '\n') != NULL)
			fail_msg("cut at %zu: %s", cut, parse_error(p));
		parse_free(p);
		snapshot_free(s);
	}
}

static void
test_invalid_json_rejected(void **state)
{
	(void)state;
	expect_error("{\"wg0\": {,}}",
	    "invalid JSON: parse error: invalid object key (must be a string)");
	expect_error("{\"wg0\": {\"listenPort\": 01}}",
	    "invalid JSON: parse error: after key and value, inside map, "
	    "I expect ',' or '}'");
	expect_error("{'wg0': {}}",
	    "invalid JSON: lexical error: invalid char in json text.");
	expect_error("{\"wg0\": {\"endpoint\": \"\xff\"}}",
	    "invalid JSON: lexical error: invalid bytes in UTF8 string.");
}

static void
test_trailing_garbage_rejected(void **state)
{
	(void)state;
	expect_error("{\"wg0\": {}} x",
	    "invalid JSON: parse error: trailing garbage");
	expect_error("{\"wg0\": {}} {}",
	    "invalid JSON: parse error: trailing garbage");
}

static void
test_empty_input_rejected(void **state)
{
	(void)state;
	expect_error("", "empty output");
}

/* A document with n arrays inside each other under an unknown key. */
static char *
nested(size_t n)
{
	static const char	 head[] = "{\"wg0\": {\"x\": ";
	char			*doc;
	size_t			 h = sizeof(head) - 1;

	assert_non_null(doc = malloc(h + 2 * n + 3));
	memcpy(doc, head, h);
	memset(doc + h, '[', n);
	memset(doc + h + n, ']', n);
	memcpy(doc + h + 2 * n, "}}", 3);
	return (doc);
}

static void
test_nesting_up_to_the_limit_accepted(void **state)
{
	struct run	 r;
	char		*doc;

	(void)state;
	/* The document and wg0 are two levels of the 32. */
	doc = nested(WGM_DEPTH_MAX - 2);
	run_whole(&r, doc);
	if (r.rc != 0)
		fail_msg("%s", r.err);
	run_free(&r);
	free(doc);
}

static void
test_nesting_one_past_the_limit_rejected(void **state)
{
	char	*doc;

	(void)state;
	doc = nested(WGM_DEPTH_MAX - 1);
	expect_error(doc, "nesting deeper than 32");
	free(doc);
}

static void
test_hundred_nested_arrays_under_unknown_key_rejected(void **state)
{
	char	*doc;

	(void)state;
	doc = nested(100);
	expect_error(doc, "nesting deeper than 32");
	free(doc);
}

static void
test_thousand_nested_arrays_rejected(void **state)
{
	char	*doc;

	(void)state;
	doc = nested(1000);
	expect_error(doc, "nesting deeper than 32");
	free(doc);
}

static void
test_duplicate_peer_rejected(void **state)
{
	(void)state;
	expect_error(IFACE("\"peers\": {\"" KEY_A "\": {}, \"" KEY_B "\": {},"
	    " \"" KEY_A "\": {}}"), PEER_PATH ": duplicate peer");
}

/* A peer read twice over two "peers" objects of its interface. */
static void
test_duplicate_peer_across_peers_objects_rejected(void **state)
{
	(void)state;
	expect_error(IFACE("\"peers\": {\"" KEY_A "\": {}, \"" KEY_B "\": {}},"
	    " \"peers\": {\"" KEY_C "\": {}, \"" KEY_A "\": {}}"),
	    PEER_PATH ": duplicate peer");
}

/*
 * A red-black tree as sys/tree.h keeps it: keys in order, parents
 * right, no red node with a red child, as many black nodes on every
 * path.  Returns the black height of the subtree of p.
 */
static int
check_subtree(struct peer *p, struct peer *parent, size_t *n)
{
	struct peer	*l, *r;
	int		 hl, hr;

	if (p == NULL)
		return (1);
	(*n)++;
	l = RB_LEFT(p, entry);
	r = RB_RIGHT(p, entry);
	assert_ptr_equal(RB_PARENT(p, entry), parent);
	if (RB_COLOR(p, entry) == RB_RED) {
		assert_true(l == NULL || RB_COLOR(l, entry) == RB_BLACK);
		assert_true(r == NULL || RB_COLOR(r, entry) == RB_BLACK);
	}
	assert_true(l == NULL || strcmp(l->key, p->key) < 0);
	assert_true(r == NULL || strcmp(p->key, r->key) < 0);
	hl = check_subtree(l, p, n);
	hr = check_subtree(r, p, n);
	assert_int_equal(hl, hr);
	return (hl + (RB_COLOR(p, entry) == RB_BLACK));
}

/* The tree's, and the order of its peers when it is known. */
static void
check_tree(struct iface *ifp)
{
	struct peer *const	*v = snapshot_iface_order(ifp);
	struct peer		*p, *last = NULL;
	size_t			 n = 0;

	p = RB_ROOT(&ifp->peers);
	assert_true(p == NULL || RB_COLOR(p, entry) == RB_BLACK);
	(void)check_subtree(p, NULL, &n);
	assert_int_equal(n, ifp->npeers);
	n = 0;
	RB_FOREACH(p, peer_tree, &ifp->peers) {
		assert_true(last == NULL || strcmp(last->key, p->key) < 0);
		if (v != NULL)
			assert_ptr_equal(v[n], p);
		last = p;
		n++;
	}
}

/* Keys in no order, some alike in their first bytes: n of them. */
static size_t
doc_of(char *doc, size_t size, size_t n, unsigned int seed)
{
	size_t	len, i;

	len = snprintf(doc, size, "{\"wg0\": {\"peers\": {");
	for (i = 0; i < n; i++)
		len += snprintf(doc + len, size - len, "%s\"%s%08u%zu=\": {}",
		    i ? ", " : "", i % 3 ? "" : "SamePrefix", rand_r(&seed),
		    i);
	len += snprintf(doc + len, size - len, "}}}");
	assert_true(len < size);
	return (len);
}

/*
 * The tree the parser builds at once is a valid red-black tree at every
 * size, and stays one as peers are added and removed.
 */
static void
test_peers_tree_valid_at_every_size(void **state)
{
	struct run	 r;
	struct iface	*ifp;
	struct peer	*p;
	char		*doc;
	size_t		 n, size = 1024 * 1024, i;

	(void)state;
	assert_non_null(doc = malloc(size));
	for (n = 0; n <= 1100; n += n < 70 ? 1 : 257) {
		doc_of(doc, size, n, n);
		run_whole(&r, doc);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.snap->npeers, n);
		assert_non_null(ifp = snapshot_iface_find(r.snap, "wg0"));
		assert_true(n == 0 || snapshot_iface_order(ifp) != NULL);
		check_tree(ifp);
		assert_non_null(snapshot_peer_add(r.snap, ifp, "+added="));
		/* A change to the tree forgets the order it was built in. */
		assert_null(snapshot_iface_order(ifp));
		assert_non_null(snapshot_peer_add(r.snap, ifp, "~added="));
		for (i = 0; i < n / 2; i++) {
			p = RB_ROOT(&ifp->peers);
			snapshot_peer_remove(r.snap, ifp, i % 2 ? p :
			    RB_MAX(peer_tree, &ifp->peers));
		}
		check_tree(ifp);
		assert_int_equal(r.snap->npeers, n - n / 2 + 2);
		run_free(&r);
	}
	free(doc);
}

/* Two "peers" objects of one interface: the peers of both, in one tree. */
static void
test_second_peers_object_adds_its_peers(void **state)
{
	struct run	 r;
	struct iface	*ifp;

	(void)state;
	run_whole(&r, IFACE("\"peers\": {\"" KEY_A "\": {}, \"" KEY_B "\": {}},"
	    " \"listenPort\": 1, \"peers\": {\"" KEY_C "\": {}}"));
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.snap->npeers, 3);
	assert_non_null(ifp = snapshot_iface_find(r.snap, "wg0"));
	check_tree(ifp);
	assert_non_null(snapshot_peer_find(ifp, KEY_A));
	assert_non_null(snapshot_peer_find(ifp, KEY_B));
	assert_non_null(snapshot_peer_find(ifp, KEY_C));
	run_free(&r);
}

/* The allowed IP i of a long list, as the test writes it. */
static void
long_aip(char *buf, size_t size, size_t list, size_t i)
{
	snprintf(buf, size, "10.%zu.%zu.%zu/32", list, i / 256, i % 256);
}

static void
append_aips(char **doc, size_t *len, size_t *size, size_t list, size_t n)
{
	char	aip[WGM_AIP_MAX];
	size_t	i;

	for (i = 0; i < n; i++) {
		long_aip(aip, sizeof(aip), list, i);
		if (*size - *len < sizeof(aip) + 4) {
			*size *= 2;
			assert_non_null(*doc = realloc(*doc, *size));
		}
		*len += snprintf(*doc + *len, *size - *len, "%s\"%s\"",
		    i > 0 ? ", " : "", aip);
	}
}

/*
 * Lists longer than a chunk of the collector's arena (128 KiB), one of
 * them split in two arrays: each is read whole, in its order.
 */
static void
test_long_allowed_ips_lists_kept_whole(void **state)
{
	static const size_t	 n[] = { 12000, 3, 2, 11000 };
	struct run		 r;
	struct peer		*p;
	const char		*a;
	char			*doc, aip[WGM_AIP_MAX];
	size_t			 len = 0, size = 4096, i;

	(void)state;
	assert_non_null(doc = malloc(size));
	len = snprintf(doc, size, "{\"wg0\": {\"peers\": {\"" KEY_A
	    "\": {\"allowedIps\": [");
	append_aips(&doc, &len, &size, 0, n[0]);
	len += snprintf(doc + len, size - len, "]}, \"" KEY_B
	    "\": {\"allowedIps\": [");
	append_aips(&doc, &len, &size, 1, n[1]);
	len += snprintf(doc + len, size - len, "]}, \"" KEY_C
	    "\": {\"allowedIps\": [");
	append_aips(&doc, &len, &size, 2, n[2]);
	len += snprintf(doc + len, size - len, "], \"endpoint\": \"1.2.3.4:5\","
	    " \"allowedIps\": [");
	append_aips(&doc, &len, &size, 3, n[3]);
	assert_true(size - len > 8);
	snprintf(doc + len, size - len, "]}}}}");
	run_whole(&r, doc);
	free(doc);
	assert_int_equal(r.rc, 0);
	p = find_peer(r.snap, "wg0", KEY_A);
	assert_int_equal(p->naips, n[0]);
	for (i = 0, a = p->aips; i < n[0]; i++, a += strlen(a) + 1) {
		long_aip(aip, sizeof(aip), 0, i);
		assert_string_equal(a, aip);
	}
	p = find_peer(r.snap, "wg0", KEY_B);
	assert_int_equal(p->naips, n[1]);
	long_aip(aip, sizeof(aip), 1, 2);
	assert_string_equal(unit_aip(p, 2), aip);
	p = find_peer(r.snap, "wg0", KEY_C);
	assert_int_equal(p->naips, n[2] + n[3]);
	for (i = 0, a = p->aips; i < n[2] + n[3]; i++, a += strlen(a) + 1) {
		if (i < n[2])
			long_aip(aip, sizeof(aip), 2, i);
		else
			long_aip(aip, sizeof(aip), 3, i - n[2]);
		assert_string_equal(a, aip);
	}
	run_free(&r);
}

static void
test_duplicate_interface_rejected(void **state)
{
	(void)state;
	expect_error("{\"wg0\": {}, \"wg1\": {}, \"wg0\": {}}",
	    "wg0: duplicate interface");
}

static void
test_string_with_nul_rejected(void **state)
{
	(void)state;
	expect_error(PEER("\"endpoint\": \"1.2.3.4\\u0000:51820\""),
	    PEER_PATH ".endpoint: string contains a NUL byte");
	expect_error(PEER("\"allowedIps\": [\"10.0.0.1/32\", \"\\u0000\"]"),
	    PEER_PATH ".allowedIps[1]: string contains a NUL byte");
	expect_error(IFACE("\"publicKey\": \"a\\u0000b\""),
	    "wg0.publicKey: string contains a NUL byte");
	expect_error("{\"wg\\u00000\": {}}",
	    "(top level): interface name contains a NUL byte");
	expect_error(IFACE("\"peers\": {\"\\u0000\": {}}"),
	    "wg0.peers: peer key contains a NUL byte");
}

static void
test_empty_interface_name_and_peer_key_rejected(void **state)
{
	(void)state;
	expect_error("{\"\": {}}", "(top level): empty interface name");
	expect_error(IFACE("\"peers\": {\"\": {}}"),
	    "wg0.peers: empty peer key");
}

/* A string of n 'x', quoted, between two pieces of a document. */
static char *
with_string(const char *before, size_t n, const char *after)
{
	char	*doc;
	size_t	 len = strlen(before) + n + strlen(after) + 1;

	assert_non_null(doc = malloc(len));
	strlcpy(doc, before, len);
	memset(doc + strlen(before), 'x', n);
	doc[strlen(before) + n] = '\0';
	strlcat(doc, after, len);
	return (doc);
}

static void
test_strings_too_long_for_their_field_rejected(void **state)
{
	static const struct {
		const char	*before;
		const char	*after;
		size_t		 size;
		const char	*msg;
	} cases[] = {
		{ "{\"", "\": {}}", WGM_NAME_MAX,
		    "(top level): interface name too long" },
		{ "{\"wg0\": {\"peers\": {\"", "\": {}}}}", WGM_KEY_MAX,
		    "wg0.peers: peer key too long" },
		{ "{\"wg0\": {\"publicKey\": \"", "\"}}", WGM_KEY_MAX,
		    "wg0.publicKey: string too long" },
		{ PEER_OPEN "\"endpoint\": \"", "\"}}}}", WGM_ENDPOINT_MAX,
		    PEER_PATH ".endpoint: string too long" },
		{ PEER_OPEN "\"allowedIps\": [\"a\", \"", "\"]}}}}",
		    WGM_AIP_MAX,
		    PEER_PATH ".allowedIps[1]: string too long" }
	};
	struct run	 r;
	char		*doc;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* One byte short of the size fits, with its NUL. */
		doc = with_string(cases[i].before, cases[i].size - 1,
		    cases[i].after);
		run_whole(&r, doc);
		if (r.rc != 0)
			fail_msg("%s: %s", doc, r.err);
		run_free(&r);
		free(doc);

		doc = with_string(cases[i].before, cases[i].size,
		    cases[i].after);
		expect_error(doc, cases[i].msg);
		free(doc);
	}
}

static void
test_longest_error_message_fits_whole(void **state)
{
	char	*doc, name[WGM_NAME_MAX], key[WGM_KEY_MAX], msg[256];

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_non_null(doc = malloc(1024));
	snprintf(doc, 1024, "{\"%s\": {\"peers\": {\"%s\": "
	    "{\"persistentKeepalive\": {}}}}}", name, key);
	snprintf(msg, sizeof(msg),
	    "%s.peers.%s.persistentKeepalive: expected an integer", name, key);
	assert_true(strlen(msg) < WGM_DETAIL_MAX - 1);
	expect_error(doc, msg);
	free(doc);
}

static void
test_feed_after_error_keeps_failing(void **state)
{
	static const char	*bad = IFACE("\"listenPort\": -1");
	struct snapshot		*s;
	struct parser		*p;

	(void)state;
	assert_non_null(s = snapshot_new_arena());
	assert_non_null(p = parse_new(s));
	assert_int_equal(parse_feed(p, (const unsigned char *)bad,
	    strlen(bad)), -1);
	assert_int_equal(parse_feed(p, (const unsigned char *)"{}", 2), -1);
	assert_int_equal(parse_finish(p), -1);
	assert_string_equal(parse_error(p),
	    "wg0.listenPort: expected an integer");
	parse_free(p);
	snapshot_free(s);
}

static void
test_private_and_preshared_keys_never_stored(void **state)
{
	struct run	 r;
	struct iface	*ifp;
	struct peer	*p;
	size_t		 seen = 0;

	(void)state;
	run_whole(&r, DOC);
	assert_int_equal(r.rc, 0);
	assert_false(contains(r.snap, sizeof(*r.snap), SENTINEL));
	RB_FOREACH(ifp, iface_tree, &r.snap->ifaces) {
		assert_false(contains(ifp, sizeof(*ifp), SENTINEL));
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			assert_false(contains(p, sizeof(*p), SENTINEL));
			if (p->naips > 0)
				assert_false(contains(p->aips,
				    p->naips * WGM_AIP_MAX, SENTINEL));
			seen++;
		}
	}
	assert_int_equal(seen, 5);
	assert_true(find_peer(r.snap, "wg0", KEY_A)->flags & PEER_F_PSK);
	assert_true(find_peer(r.snap, "wg1", KEY_A)->flags & PEER_F_PSK);
	assert_false(find_peer(r.snap, "wg0", KEY_B)->flags & PEER_F_PSK);
	run_free(&r);
}

/* A document with a value of n filler bytes, fed in 64 KiB reads. */
static void
run_long_value(struct run *r, const char *head, int fill, size_t n,
    const char *tail)
{
	char	*doc;
	size_t	 hl = strlen(head), tl = strlen(tail);

	assert_non_null(doc = malloc(hl + n + tl + 1));
	memcpy(doc, head, hl);
	memset(doc + hl, fill, n);
	memcpy(doc + hl + n, tail, tl + 1);
	run_pieces(r, doc, hl + n + tl, 65536, 65536);
	free(doc);
}

static void
test_megabytes_long_string_refused_early(void **state)
{
	struct run	r;

	(void)state;
	run_long_value(&r, "{\"wg0\":{\"x\":\"", 'a', 3 * 1024 * 1024,
	    "\"}}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err,
	    "a string or value longer than 1048576 bytes");
	run_free(&r);
}

/*
 * The longest token the guard lets through, and one byte more, whatever
 * the reads' sizes: a string with escapes (each counts its backslash),
 * and a number.
 */
static void
test_longest_token_at_every_read_size(void **state)
{
	static const size_t	 reads[] = { 4093, 65536, 3 * 1024 * 1024 };
	struct run		 r;
	char			*doc;
	size_t			 i, n, hl, len;
	int			 extra;

	(void)state;
	assert_non_null(doc = malloc(2 * 1024 * 1024));
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		for (extra = 0; extra <= 1; extra++) {
			/* "x": "\"\"...aaa", the string 1 MiB long, or more. */
			len = snprintf(doc, 64, "{\"wg0\":{\"x\":\"");
			hl = len;
			for (n = 0; n < 1024; n += 2) {
				doc[len++] = '\\';
				doc[len++] = n % 4 ? '"' : '\\';
			}
			n = 1024 * 1024 + extra - (len - hl);
			memset(doc + len, 'a', n);
			len += n;
			len += snprintf(doc + len, 64, "\", \"y\": 1}}");
			run_pieces(&r, doc, len, reads[i], reads[i]);
			assert_int_equal(r.rc, extra ? -1 : 0);
			run_free(&r);
			/* "x": 777...7, a number as long. */
			len = snprintf(doc, 64, "{\"wg0\":{\"x\":");
			memset(doc + len, '7', 1024 * 1024 + extra);
			len += 1024 * 1024 + extra;
			len += snprintf(doc + len, 64, "}}");
			run_pieces(&r, doc, len, reads[i] - 7, reads[i]);
			assert_int_equal(r.rc, extra ? -1 : 0);
			if (extra)
				assert_string_equal(r.err, "a string or value "
				    "longer than 1048576 bytes");
			run_free(&r);
		}
	}
	free(doc);
}

static void
test_megabytes_long_number_refused_early(void **state)
{
	struct run	r;

	(void)state;
	run_long_value(&r, "{\"wg0\":{\"x\":", '7', 3 * 1024 * 1024, "}}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err,
	    "a string or value longer than 1048576 bytes");
	run_free(&r);
}

static void
test_long_string_within_the_limit_is_skipped(void **state)
{
	struct run	r;

	(void)state;
	run_long_value(&r, "{\"wg0\":{\"x\":\"", 'a', 1000 * 1000,
	    "\"}}");
	assert_int_equal(r.rc, 0);
	run_free(&r);
}

/* Escaped quotes do not end a run, whichever read their backslash is in. */
static void
test_escaped_quotes_split_anywhere_are_not_delimiters(void **state)
{
	static const char	*doc = "{\"w\\\"g\\\\\":{\"peers\":{}}}";
	struct run		 r;
	size_t			 i, len = strlen(doc);

	(void)state;
	for (i = 1; i < len; i++) {
		run_pieces(&r, doc, len, i, 1);
		assert_int_equal(r.rc, 0);
		assert_non_null(snapshot_iface_find(r.snap, "w\"g\\"));
		run_free(&r);
	}
}

/* The guard counts tokens, not bytes between quotes (issue 8, item 9). */
static void
test_megabytes_of_short_numbers_accepted(void **state)
{
	struct run	 r;
	char		*doc;
	size_t		 i, n = 3 * 1024 * 1024 / 2;
	const char	*head = "{\"wg0\":{\"x\":[", *tail = "0]}}";

	(void)state;
	assert_non_null(doc = malloc(strlen(head) + 2 * n + strlen(tail) + 1));
	strcpy(doc, head);
	for (i = 0; i < n; i++)
		memcpy(doc + strlen(head) + 2 * i, "0,", 2);
	strcpy(doc + strlen(head) + 2 * n, tail);
	run_pieces(&r, doc, strlen(doc), 65536, 65536);
	free(doc);
	assert_int_equal(r.rc, 0);
	run_free(&r);
}

/*
 * yajl makes a lone high surrogate escape "?", but passes a lone low one
 * on as bytes that are not UTF-8.
 */
static void
test_lone_surrogates_rejected(void **state)
{
	(void)state;
	expect_error("{\"w\\udc00\": {}}",
	    "(top level): interface name is not valid UTF-8");
	expect_error("{\"wg0\": {\"peers\": {\"k\\udc00\": {}}}}",
	    "wg0.peers: peer key is not valid UTF-8");
	expect_error(PEER("\"endpoint\": \"\\udc00:1\""),
	    PEER_PATH ".endpoint: string is not valid UTF-8");
	expect_error(PEER("\"allowedIps\": [\"10.0.0.1/32\", \"\\ude00\"]"),
	    PEER_PATH ".allowedIps[1]: string is not valid UTF-8");
	expect_error(IFACE("\"publicKey\": \"\\udfff\\ud800\""),
	    "wg0.publicKey: string is not valid UTF-8");
}

/*
 * The same as bytes in the document, not escapes: whether yajl or the
 * parser's own check finds them, each string is refused, read whole or
 * a byte at a time; UTF-8 that is right is kept as it is.
 */
static void
test_raw_bytes_not_utf8_rejected(void **state)
{
	static const char *const bad[] = { "\x01", "\xff", "\xc0\x80",
	    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3" };
	static const char *const fmt[] = { "{\"w%s\": {}}",
	    "{\"wg0\": {\"peers\": {\"k%s\": {}}}}",
	    PEER("\"endpoint\": \"%s:1\""),
	    PEER("\"allowedIps\": [\"10.0.0.1/32\", \"%s\"]"),
	    IFACE("\"publicKey\": \"%s\"") };
	struct run	 r;
	char		 doc[256];
	size_t		 i, k;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (k = 0; k < sizeof(fmt) / sizeof(fmt[0]); k++) {
			snprintf(doc, sizeof(doc), fmt[k], bad[i]);
			run_whole(&r, doc);
			if (r.rc != -1)
				fail_msg("accepted: %s", doc);
			run_free(&r);
			run_pieces(&r, doc, strlen(doc), 0, 1);
			assert_int_equal(r.rc, -1);
			run_free(&r);
		}
	}
	run_whole(&r, "{\"w\xc3\xa9\": {}}");
	assert_int_equal(r.rc, 0);
	assert_non_null(snapshot_iface_find(r.snap, "w\xc3\xa9"));
	run_free(&r);
}

static void
test_surrogate_pair_accepted(void **state)
{
	struct run	r;

	(void)state;
	run_whole(&r, "{\"w\\ud83d\\ude00\": {}}");
	assert_int_equal(r.rc, 0);
	assert_non_null(snapshot_iface_find(r.snap, "w\xf0\x9f\x98\x80"));
	run_free(&r);
}

/* A name quoted in an error keeps no control character for the log. */
static void
test_control_characters_in_error_escaped(void **state)
{
	(void)state;
	expect_error("{\"w\\u0007g\\n\\\\\\u007f\\u0085\": "
	    "{\"listenPort\": \"x\"}}",
	    "w\\x07g\\x0a\\x5c\\x7f\\xc2\\x85.listenPort: expected an integer");
}

/*
 * Tiny peers cost the collector far more than their bytes: past the
 * budget the run is refused as too large, with the figure.
 */
static void
test_memory_budget_refuses_too_many_peers(void **state)
{
	struct snapshot	*snap;
	struct parser	*p;
	char		 buf[64];
	size_t		 i, n = PARSE_MEM_MAX / 1000;
	int		 rc = 0;

	(void)state;
	assert_non_null(snap = snapshot_new_arena());
	assert_non_null(p = parse_new(snap));
	rc = parse_feed(p, (const unsigned char *)"{\"wg0\":{\"peers\":{", 17);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(buf, sizeof(buf), "%s\"%zx\":{}", i ? "," : "", i);
		rc = parse_feed(p, (const unsigned char *)buf, strlen(buf));
	}
	assert_int_equal(rc, -1);
	assert_true(i < n);
	assert_int_equal(parse_error_code(p), ERR_TOO_LARGE);
	assert_string_equal(parse_error(p),
	    "the parsed output would take more than 256 MiB");
	parse_free(p);
	snapshot_free(snap);
}

/* Feeds "{" and n empty interfaces; returns parse_feed's last result. */
static int
feed_interfaces(struct parser *p, size_t n, size_t *fed)
{
	char	buf[64];
	int	rc;

	rc = parse_feed(p, (const unsigned char *)"{", 1);
	for (*fed = 0; *fed < n && rc == 0; (*fed)++) {
		snprintf(buf, sizeof(buf), "%s\"i%zu\":{}", *fed ? "," : "",
		    *fed);
		rc = parse_feed(p, (const unsigned char *)buf, strlen(buf));
	}
	return (rc);
}

/*
 * As many empty interfaces as the budget admits, each a message of its
 * own: the frontend holds the run whole (SNAP_HELD_MAX, counting each
 * message's body and SNAP_HELD_EXTRA), and does not exit on it.
 */
static void
test_interfaces_at_the_budget_fit_the_frontend(void **state)
{
	struct snapshot	*snap;
	struct parser	*p;
	struct imsgbuf	 a, b;
	ssize_t		 bytes;
	size_t		 most, fed;
	int		 fds[2];

	(void)state;
	assert_non_null(snap = snapshot_new_arena());
	assert_non_null(p = parse_new(snap));
	assert_int_equal(feed_interfaces(p, SIZE_MAX, &fed), -1);
	assert_int_equal(parse_error_code(p), ERR_TOO_LARGE);
	most = fed - 1;
	parse_free(p);
	snapshot_free(snap);

	assert_non_null(snap = snapshot_new_arena());
	assert_non_null(p = parse_new(snap));
	assert_int_equal(feed_interfaces(p, most, &fed), 0);
	assert_int_equal(parse_feed(p, (const unsigned char *)"}", 1), 0);
	assert_int_equal(parse_finish(p), 0);
	parse_free(p);
	assert_int_equal(snap->nifaces, most);
	assert_int_equal(unit_imsg_pair(fds, &a, &b), 0);
	assert_true((bytes = snapshot_compose_delta(&a, NULL, snap, 1)) > 0);
	if ((size_t)bytes + imsgbuf_queuelen(&a) * SNAP_HELD_EXTRA >
	    SNAP_HELD_MAX)
		fail_msg("%zu interfaces: %zd bytes in %u messages", most,
		    bytes, imsgbuf_queuelen(&a));
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(fds[0]);
	close(fds[1]);
	snapshot_free(snap);
}

static void
test_syntax_error_is_a_parse_error(void **state)
{
	struct snapshot	*snap;
	struct parser	*p;

	(void)state;
	assert_non_null(snap = snapshot_new_arena());
	assert_non_null(p = parse_new(snap));
	assert_int_equal(parse_feed(p, (const unsigned char *)"{x", 2), -1);
	assert_int_equal(parse_error_code(p), ERR_PARSE);
	assert_null(strchr(parse_error(p), '\n'));
	parse_free(p);
	snapshot_free(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_megabytes_of_short_numbers_accepted),
		cmocka_unit_test(test_lone_surrogates_rejected),
		cmocka_unit_test(test_raw_bytes_not_utf8_rejected),
		cmocka_unit_test(test_surrogate_pair_accepted),
		cmocka_unit_test(test_control_characters_in_error_escaped),
		cmocka_unit_test(test_memory_budget_refuses_too_many_peers),
		cmocka_unit_test(
		    test_interfaces_at_the_budget_fit_the_frontend),
		cmocka_unit_test(test_syntax_error_is_a_parse_error),
		cmocka_unit_test(test_full_document_fills_snapshot),
		cmocka_unit_test(test_megabytes_long_string_refused_early),
		cmocka_unit_test(test_megabytes_long_number_refused_early),
		cmocka_unit_test(test_long_string_within_the_limit_is_skipped),
		cmocka_unit_test(
		    test_escaped_quotes_split_anywhere_are_not_delimiters),
		cmocka_unit_test(
		    test_document_split_in_two_anywhere_parses_the_same),
		cmocka_unit_test(
		    test_document_fed_byte_by_byte_parses_the_same),
		cmocka_unit_test(test_unknown_keys_skipped_at_every_level),
		cmocka_unit_test(
		    test_wrong_type_for_each_known_key_names_its_path),
		cmocka_unit_test(test_negative_integer_rejected),
		cmocka_unit_test(test_fraction_rejected),
		cmocka_unit_test(test_exponent_rejected),
		cmocka_unit_test(test_uint64_max_accepted_for_transfer_rx),
		cmocka_unit_test(test_uint64_max_plus_one_rejected),
		cmocka_unit_test(test_integer_beyond_64_bits_rejected),
		cmocka_unit_test(test_handshake_beyond_int64_rejected),
		cmocka_unit_test(test_nineteen_digits_checked_against_their_field),
		cmocka_unit_test(test_integers_of_every_length_read_exactly),
		cmocka_unit_test(test_listen_port_65536_rejected),
		cmocka_unit_test(
		    test_keepalive_65536_and_fwmark_beyond_32_bits_rejected),
		cmocka_unit_test(test_largest_value_of_each_integer_accepted),
		cmocka_unit_test(test_truncated_document_fails_at_finish),
		cmocka_unit_test(test_invalid_json_rejected),
		cmocka_unit_test(test_trailing_garbage_rejected),
		cmocka_unit_test(test_empty_input_rejected),
		cmocka_unit_test(test_nesting_up_to_the_limit_accepted),
		cmocka_unit_test(test_nesting_one_past_the_limit_rejected),
		cmocka_unit_test(
		    test_hundred_nested_arrays_under_unknown_key_rejected),
		cmocka_unit_test(test_thousand_nested_arrays_rejected),
		cmocka_unit_test(test_duplicate_peer_rejected),
		cmocka_unit_test(test_duplicate_interface_rejected),
		cmocka_unit_test(
		    test_duplicate_peer_across_peers_objects_rejected),
		cmocka_unit_test(test_peers_tree_valid_at_every_size),
		cmocka_unit_test(test_longest_token_at_every_read_size),
		cmocka_unit_test(test_second_peers_object_adds_its_peers),
		cmocka_unit_test(test_long_allowed_ips_lists_kept_whole),
		cmocka_unit_test(test_string_with_nul_rejected),
		cmocka_unit_test(
		    test_empty_interface_name_and_peer_key_rejected),
		cmocka_unit_test(
		    test_strings_too_long_for_their_field_rejected),
		cmocka_unit_test(test_longest_error_message_fits_whole),
		cmocka_unit_test(test_feed_after_error_keeps_failing),
		cmocka_unit_test(test_private_and_preshared_keys_never_stored),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
