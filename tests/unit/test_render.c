/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <yajl/yajl_tree.h>

#include "wgmond.h"
#include "frontend.h"
#include "unit.h"

#define NOW		1765189500
#define KEY_A		"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define KEY_B		"TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define PUBKEY		"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

#define BIG_IFACES	3
#define BIG_PEERS	200


static void
assert_renders(unit_render_fn fn, const struct snapshot *s, const char *want)
{
	char	*got;

	got = unit_render(fn, s);
	assert_string_equal(got, want);
	free(got);
}

static struct iface *
add_iface(struct snapshot *s, const char *name)
{
	struct iface	*ifp;

	assert_non_null(ifp = snapshot_iface_add(s, name));
	return (ifp);
}

static struct peer *
add_peer(struct snapshot *s, struct iface *ifp, const char *key, int status)
{
	struct peer	*p;

	assert_non_null(p = snapshot_peer_add(s, ifp, key));
	p->status = status;
	return (p);
}

/* A peer that handshook ago seconds before NOW. */
static struct peer *
add_seen_peer(struct snapshot *s, struct iface *ifp, const char *key,
    int status, int64_t ago)
{
	struct peer	*p;

	p = add_peer(s, ifp, key, status);
	p->handshake = NOW - ago;
	p->flags |= PEER_F_HANDSHAKE;
	return (p);
}

static int
setup(void **state)
{
	struct snapshot	*s;

	if (unit_snapshot_setup(state) == -1)
		return (-1);
	s = *state;
	s->time = NOW;
	return (0);
}

static void
test_empty_snapshot_renders_empty_object(void **state)
{
	struct snapshot	*s = *state;

	assert_renders(render_raw, s, "{}");
	assert_renders(render_status, s, "{}");
}

static void
test_render_appends_to_what_the_buffer_holds(void **state)
{
	struct snapshot	*s = *state;
	struct evbuffer	*b;
	char		 got[16];
	size_t		 len;

	add_iface(s, "wg0");
	assert_non_null(b = evbuffer_new());
	assert_int_equal(evbuffer_add(b, "x", 1), 0);
	assert_int_equal(render_status(b, s), 0);
	len = evbuffer_get_length(b);
	assert_true(len < sizeof(got));
	assert_int_equal(evbuffer_remove(b, got, len), len);
	got[len] = '\0';
	assert_string_equal(got, "x{\"wg0\":{}}");
	evbuffer_free(b);
}

static void
test_interface_without_peers_has_empty_peers(void **state)
{
	struct snapshot	*s = *state;

	add_iface(s, "wg0");
	assert_renders(render_raw, s, "{\"wg0\":{\"peers\":{}}}");
	assert_renders(render_status, s, "{\"wg0\":{}}");
}

static void
test_full_peer_renders_every_field(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	ifp = add_iface(s, "wg0");
	strlcpy(ifp->pubkey, PUBKEY, sizeof(ifp->pubkey));
	ifp->port = 51820;
	ifp->fwmark = 0;
	ifp->flags = IFACE_F_PUBKEY | IFACE_F_PORT | IFACE_F_FWMARK;
	p = add_seen_peer(s, ifp, KEY_A, STATUS_CONNECTED, 42);
	assert_int_equal(snapshot_peer_set_endpoint(s, p, "1.2.3.4:51820"), 0);
	p->rx = 1024;
	p->tx = 2048;
	p->keepalive = 25;
	p->flags |= PEER_F_ENDPOINT | PEER_F_RX | PEER_F_TX |
	    PEER_F_KEEPALIVE | PEER_F_PSK;
	assert_int_equal(snapshot_peer_add_aip(s, p, "10.0.0.2/32"), 0);
	assert_int_equal(snapshot_peer_add_aip(s, p, "fd00::2/128"), 0);

	assert_renders(render_raw, s,
	    "{\"wg0\":{\"publicKey\":\"" PUBKEY "\",\"listenPort\":51820,"
	    "\"fwmark\":0,\"peers\":{\"" KEY_A "\":{"
	    "\"endpoint\":\"1.2.3.4:51820\",\"latestHandshake\":1765189458,"
	    "\"transferRx\":1024,\"transferTx\":2048,"
	    "\"persistentKeepalive\":25,"
	    "\"allowedIps\":[\"10.0.0.2/32\",\"fd00::2/128\"],"
	    "\"status\":\"connected\",\"hasPresharedKey\":true}}}}");
	assert_renders(render_status, s,
	    "{\"wg0\":{\"" KEY_A "\":{\"status\":\"connected\","
	    "\"lastHandshakeSecondsAgo\":42,\"endpoint\":\"1.2.3.4:51820\","
	    "\"allowedIps\":[\"10.0.0.2/32\",\"fd00::2/128\"]}}}");
}

/* The flags say what the script printed; stale values must not show. */
static void
test_fields_without_their_flag_are_omitted(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	ifp = add_iface(s, "wg0");
	strlcpy(ifp->pubkey, PUBKEY, sizeof(ifp->pubkey));
	ifp->port = 51820;
	ifp->fwmark = 7;
	p = add_peer(s, ifp, KEY_A, STATUS_NEVER);
	assert_int_equal(snapshot_peer_set_endpoint(s, p, "1.2.3.4:51820"), 0);
	p->handshake = NOW - 5;
	p->rx = 1;
	p->tx = 2;
	p->keepalive = 25;

	assert_renders(render_raw, s,
	    "{\"wg0\":{\"peers\":{\"" KEY_A "\":{\"allowedIps\":[],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":false}}}}");
	assert_renders(render_status, s,
	    "{\"wg0\":{\"" KEY_A "\":{\"status\":\"never_connected\","
	    "\"endpoint\":null,\"allowedIps\":[]}}}");
}

static void
test_has_preshared_key_follows_psk_flag(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	ifp = add_iface(s, "wg0");
	p = add_peer(s, ifp, KEY_A, STATUS_NEVER);
	p->flags |= PEER_F_PSK;
	add_peer(s, ifp, KEY_B, STATUS_NEVER);

	assert_renders(render_raw, s,
	    "{\"wg0\":{\"peers\":{"
	    "\"" KEY_B "\":{\"allowedIps\":[],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":false},"
	    "\"" KEY_A "\":{\"allowedIps\":[],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":true}}}}");
}

static void
test_inactive_peer_in_raw_but_not_in_status(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*wg0, *wg1;

	wg0 = add_iface(s, "wg0");
	wg1 = add_iface(s, "wg1");
	/* Inactive first, between and last, so no comma is left over. */
	add_seen_peer(s, wg0, "A", STATUS_INACTIVE, 1000);
	add_seen_peer(s, wg0, "B", STATUS_CONNECTED, 10);
	add_seen_peer(s, wg0, "C", STATUS_INACTIVE, 1000);
	add_seen_peer(s, wg0, "D", STATUS_DISCONNECTED, 200);
	add_seen_peer(s, wg0, "E", STATUS_INACTIVE, 1000);
	add_seen_peer(s, wg1, "F", STATUS_INACTIVE, 1000);

	assert_renders(render_raw, s,
	    "{\"wg0\":{\"peers\":{"
	    "\"A\":{\"latestHandshake\":1765188500,\"allowedIps\":[],"
	    "\"status\":\"inactive\",\"hasPresharedKey\":false},"
	    "\"B\":{\"latestHandshake\":1765189490,\"allowedIps\":[],"
	    "\"status\":\"connected\",\"hasPresharedKey\":false},"
	    "\"C\":{\"latestHandshake\":1765188500,\"allowedIps\":[],"
	    "\"status\":\"inactive\",\"hasPresharedKey\":false},"
	    "\"D\":{\"latestHandshake\":1765189300,\"allowedIps\":[],"
	    "\"status\":\"disconnected\",\"hasPresharedKey\":false},"
	    "\"E\":{\"latestHandshake\":1765188500,\"allowedIps\":[],"
	    "\"status\":\"inactive\",\"hasPresharedKey\":false}}},"
	    "\"wg1\":{\"peers\":{"
	    "\"F\":{\"latestHandshake\":1765188500,\"allowedIps\":[],"
	    "\"status\":\"inactive\",\"hasPresharedKey\":false}}}}");
	assert_renders(render_status, s,
	    "{\"wg0\":{"
	    "\"B\":{\"status\":\"connected\",\"lastHandshakeSecondsAgo\":10,"
	    "\"endpoint\":null,\"allowedIps\":[]},"
	    "\"D\":{\"status\":\"disconnected\","
	    "\"lastHandshakeSecondsAgo\":200,"
	    "\"endpoint\":null,\"allowedIps\":[]}},"
	    "\"wg1\":{}}");
}

static void
test_never_connected_peer_has_no_handshake_age(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	ifp = add_iface(s, "wg0");
	/* Never, by status even with a handshake, by 0, and by absence. */
	add_seen_peer(s, ifp, "A", STATUS_NEVER, 5);
	p = add_peer(s, ifp, "B", STATUS_NEVER);
	p->handshake = 0;
	p->flags |= PEER_F_HANDSHAKE;
	p = add_peer(s, ifp, "C", STATUS_CONNECTED);
	p->handshake = NOW - 5;

	assert_renders(render_status, s,
	    "{\"wg0\":{"
	    "\"A\":{\"status\":\"never_connected\","
	    "\"endpoint\":null,\"allowedIps\":[]},"
	    "\"B\":{\"status\":\"never_connected\","
	    "\"endpoint\":null,\"allowedIps\":[]},"
	    "\"C\":{\"status\":\"connected\","
	    "\"endpoint\":null,\"allowedIps\":[]}}}");
}

static void
test_future_handshake_is_zero_seconds_ago(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;

	ifp = add_iface(s, "wg0");
	add_seen_peer(s, ifp, "A", STATUS_CONNECTED, -100);
	add_seen_peer(s, ifp, "B", STATUS_CONNECTED, 0);

	assert_renders(render_status, s,
	    "{\"wg0\":{"
	    "\"A\":{\"status\":\"connected\",\"lastHandshakeSecondsAgo\":0,"
	    "\"endpoint\":null,\"allowedIps\":[]},"
	    "\"B\":{\"status\":\"connected\",\"lastHandshakeSecondsAgo\":0,"
	    "\"endpoint\":null,\"allowedIps\":[]}}}");
}

/* A signed now - handshake would overflow; the sanitizer would say so. */
static void
test_handshake_age_across_int64_range_is_exact(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	s->time = INT64_MAX;
	ifp = add_iface(s, "wg0");
	p = add_peer(s, ifp, "A", STATUS_DISCONNECTED);
	p->handshake = INT64_MIN;
	p->flags |= PEER_F_HANDSHAKE;

	assert_renders(render_status, s,
	    "{\"wg0\":{\"A\":{\"status\":\"disconnected\","
	    "\"lastHandshakeSecondsAgo\":18446744073709551615,"
	    "\"endpoint\":null,\"allowedIps\":[]}}}");
}

static void
test_names_with_quote_and_control_char_are_escaped(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	ifp = add_iface(s, "w\"g\x01");
	strlcpy(ifp->pubkey, "k\\", sizeof(ifp->pubkey));
	ifp->flags |= IFACE_F_PUBKEY;
	p = add_peer(s, ifp, "a\\b\n", STATUS_NEVER);
	assert_int_equal(snapshot_peer_set_endpoint(s, p,
	    "[fe80::1%\x1f]:1"), 0);
	p->flags |= PEER_F_ENDPOINT;
	assert_int_equal(snapshot_peer_add_aip(s, p, "10.0.0.1/32\""), 0);

	assert_renders(render_raw, s,
	    "{\"w\\\"g\\u0001\":{\"publicKey\":\"k\\\\\",\"peers\":{"
	    "\"a\\\\b\\u000a\":{\"endpoint\":\"[fe80::1%\\u001f]:1\","
	    "\"allowedIps\":[\"10.0.0.1/32\\\"\"],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":false}}}}");
	assert_renders(render_status, s,
	    "{\"w\\\"g\\u0001\":{"
	    "\"a\\\\b\\u000a\":{\"status\":\"never_connected\","
	    "\"endpoint\":\"[fe80::1%\\u001f]:1\","
	    "\"allowedIps\":[\"10.0.0.1/32\\\"\"]}}}");
}

/*
 * A name is data from the operator's file: right after the key, escaped,
 * absent when the peer has none.
 */
static void
test_peer_name_follows_key_escaped(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	ifp = add_iface(s, "wg0");
	p = add_peer(s, ifp, "A", STATUS_NEVER);
	assert_int_equal(snapshot_peer_set_name(s, p, "\"</script>\\"), 0);
	add_peer(s, ifp, "B", STATUS_NEVER);

	assert_renders(render_raw, s,
	    "{\"wg0\":{\"peers\":{"
	    "\"A\":{\"name\":\"\\\"</script>\\\\\",\"allowedIps\":[],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":false},"
	    "\"B\":{\"allowedIps\":[],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":false}}}}");
	assert_renders(render_status, s,
	    "{\"wg0\":{"
	    "\"A\":{\"name\":\"\\\"</script>\\\\\",\"status\":\"never_connected\","
	    "\"endpoint\":null,\"allowedIps\":[]},"
	    "\"B\":{\"status\":\"never_connected\","
	    "\"endpoint\":null,\"allowedIps\":[]}}}");
}

static void
test_largest_counters_render_exactly(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;

	ifp = add_iface(s, "wg0");
	ifp->port = UINT32_MAX;
	ifp->fwmark = UINT32_MAX;
	ifp->flags |= IFACE_F_PORT | IFACE_F_FWMARK;
	p = add_peer(s, ifp, "A", STATUS_CONNECTED);
	p->handshake = INT64_MIN;
	p->rx = UINT64_MAX;
	p->tx = UINT64_MAX - 1;
	p->keepalive = UINT16_MAX;	/* the most the parse lets through */
	p->flags |= PEER_F_HANDSHAKE | PEER_F_RX | PEER_F_TX |
	    PEER_F_KEEPALIVE;

	assert_renders(render_raw, s,
	    "{\"wg0\":{\"listenPort\":4294967295,\"fwmark\":4294967295,"
	    "\"peers\":{\"A\":{\"latestHandshake\":-9223372036854775808,"
	    "\"transferRx\":18446744073709551615,"
	    "\"transferTx\":18446744073709551614,"
	    "\"persistentKeepalive\":65535,\"allowedIps\":[],"
	    "\"status\":\"connected\",\"hasPresharedKey\":false}}}}");
}

static void
test_interfaces_and_peers_render_sorted(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*wg1;

	wg1 = add_iface(s, "wg1");
	add_iface(s, "wg0");
	add_peer(s, wg1, "B", STATUS_NEVER);
	add_peer(s, wg1, "A", STATUS_NEVER);

	assert_renders(render_raw, s,
	    "{\"wg0\":{\"peers\":{}},\"wg1\":{\"peers\":{"
	    "\"A\":{\"allowedIps\":[],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":false},"
	    "\"B\":{\"allowedIps\":[],"
	    "\"status\":\"never_connected\",\"hasPresharedKey\":false}}}}");
	assert_renders(render_status, s,
	    "{\"wg0\":{},\"wg1\":{"
	    "\"A\":{\"status\":\"never_connected\","
	    "\"endpoint\":null,\"allowedIps\":[]},"
	    "\"B\":{\"status\":\"never_connected\","
	    "\"endpoint\":null,\"allowedIps\":[]}}}");
}

/* Peer i of every interface has 2 + i % 4 allowed IPs and status i % 4. */
static void
build_big(struct snapshot *s)
{
	struct iface	*ifp;
	struct peer	*p;
	char		 name[WGM_NAME_MAX], key[WGM_KEY_MAX];
	char		 aip[WGM_AIP_MAX], ep[WGM_ENDPOINT_MAX];
	int		 i, j, k;

	for (i = 0; i < BIG_IFACES; i++) {
		snprintf(name, sizeof(name), "wg\"%d\t", i);
		ifp = add_iface(s, name);
		strlcpy(ifp->pubkey, PUBKEY, sizeof(ifp->pubkey));
		ifp->port = 51820 + i;
		ifp->flags = IFACE_F_PUBKEY | IFACE_F_PORT;
		for (j = 0; j < BIG_PEERS; j++) {
			snprintf(key, sizeof(key), "%040d+\\/=", j);
			p = add_seen_peer(s, ifp, key, j % 4, j * 7);
			snprintf(ep, sizeof(ep), "[fd00::%x]:%d", j,
			    1024 + j);
			assert_int_equal(snapshot_peer_set_endpoint(s, p,
			    ep), 0);
			p->rx = (uint64_t)j << 40;
			p->tx = UINT64_MAX - j;
			p->flags |= PEER_F_ENDPOINT | PEER_F_RX | PEER_F_TX;
			if (j % 2)
				p->flags |= PEER_F_PSK;
			for (k = 0; k < 2 + j % 4; k++) {
				snprintf(aip, sizeof(aip), "10.%d.%d.%d/32",
				    i, j, k);
				assert_int_equal(snapshot_peer_add_aip(s, p,
				    aip), 0);
			}
		}
	}
}

static yajl_val
parse(const char *json)
{
	yajl_val	 v;
	char		 err[256];

	v = yajl_tree_parse(json, err, sizeof(err));
	if (v == NULL)
		fail_msg("not valid JSON: %s", err);
	assert_true(YAJL_IS_OBJECT(v));
	return (v);
}

static void
test_large_raw_is_valid_json_with_every_peer(void **state)
{
	struct snapshot	*s = *state;
	const char	*peers_path[] = { "peers", NULL };
	const char	*aips_path[] = { "allowedIps", NULL };
	const char	*status_path[] = { "status", NULL };
	yajl_val	 root, ifv, peers, pv, aips, st;
	char		*json;
	size_t		 i, j;

	build_big(s);
	json = unit_render(render_raw, s);
	assert_true(strlen(json) > 16 * 4096);
	root = parse(json);
	assert_int_equal(root->u.object.len, BIG_IFACES);
	assert_string_equal(root->u.object.keys[0], "wg\"0\t");
	for (i = 0; i < BIG_IFACES; i++) {
		ifv = root->u.object.values[i];
		peers = yajl_tree_get(ifv, peers_path, yajl_t_object);
		assert_non_null(peers);
		assert_int_equal(peers->u.object.len, BIG_PEERS);
		for (j = 0; j < BIG_PEERS; j++) {
			pv = peers->u.object.values[j];
			aips = yajl_tree_get(pv, aips_path, yajl_t_array);
			assert_non_null(aips);
			assert_int_equal(aips->u.array.len, 2 + j % 4);
			st = yajl_tree_get(pv, status_path, yajl_t_string);
			assert_non_null(st);
			assert_string_equal(YAJL_GET_STRING(st),
			    snapshot_status_name(j % 4));
		}
	}
	yajl_tree_free(root);
	free(json);
}

static void
test_large_status_is_valid_json_without_inactive(void **state)
{
	struct snapshot	*s = *state;
	const char	*age_path[] = { "lastHandshakeSecondsAgo", NULL };
	yajl_val	 root, ifv, age;
	char		*json;
	size_t		 i, j;

	build_big(s);
	json = unit_render(render_status, s);
	root = parse(json);
	assert_int_equal(root->u.object.len, BIG_IFACES);
	for (i = 0; i < BIG_IFACES; i++) {
		ifv = root->u.object.values[i];
		assert_true(YAJL_IS_OBJECT(ifv));
		assert_int_equal(ifv->u.object.len, BIG_PEERS / 4 * 3);
		for (j = 0; j < ifv->u.object.len; j++) {
			age = yajl_tree_get(ifv->u.object.values[j], age_path,
			    yajl_t_number);
			/* Status 0 is never_connected: no age. */
			if (j % 3 == 0)
				assert_null(age);
			else
				assert_non_null(age);
		}
	}
	yajl_tree_free(root);
	free(json);
}

/* A body put together from the peers' parts, as the frontend serves it. */
static char *
assemble(render_body_fn fn, const struct snapshot *s)
{
	struct evbuffer	*b;
	struct sink	 k;
	char		*str;

	assert_non_null(b = evbuffer_new());
	memset(&k, 0, sizeof(k));
	fn(&k, b, s);
	assert_non_null(str = malloc(k.len + 1));
	k.buf = str;
	k.len = 0;
	fn(&k, b, s);
	assert_int_equal(evbuffer_get_length(b), 0);
	str[k.len] = '\0';
	evbuffer_free(b);
	return (str);
}

#define RK_ALL	(RK_RAW | RK_STATUS | RK_METRICS)

static void
assert_same_body(unit_render_fn ref, render_body_fn fn,
    const struct snapshot *parts, const struct snapshot *fresh)
{
	char	*want, *got;

	want = unit_render(ref, fresh);
	got = assemble(fn, parts);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

/* The three bodies of parts, byte for byte those of the renderers. */
static void
assert_bodies(const struct snapshot *parts, const struct snapshot *fresh)
{
	assert_same_body(render_raw, render_raw_body, parts, fresh);
	assert_same_body(render_status, render_status_body, parts, fresh);
	assert_same_body(metrics_render_peers, metrics_peers_body, parts,
	    fresh);
}

static void
test_parts_give_the_renderers_bodies(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;
	struct evbuffer	*b;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(render_peer_parts(b, s, RK_ALL), 0);
	assert_bodies(s, s);
	add_iface(s, "empty");
	build_big(s);
	ifp = add_iface(s, "w\"g\x01");
	p = add_seen_peer(s, ifp, "a\\b\n", STATUS_CONNECTED, 3);
	assert_int_equal(snapshot_peer_set_name(s, p, "\"</script>\\"), 0);
	assert_int_equal(snapshot_peer_set_endpoint(s, p,
	    "[fe80::1%\x1f]:1"), 0);
	p->flags |= PEER_F_ENDPOINT | PEER_F_KEEPALIVE;
	assert_int_equal(snapshot_peer_add_aip(s, p, "10.0.0.1/32\""), 0);
	assert_int_equal(render_peer_parts(b, s, RK_ALL),
	    BIG_IFACES * BIG_PEERS + 1);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_bodies(s, s);
	/* A later run with nothing changed renders nothing. */
	s->time += 10;
	assert_int_equal(render_peer_parts(b, s, RK_ALL), 0);
	assert_bodies(s, s);
	evbuffer_free(b);
}

/* The ages formatted at assembly, at both ends of their range. */
static void
test_parts_ages_as_the_renderer(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;
	struct evbuffer	*b;

	assert_non_null(b = evbuffer_new());
	ifp = add_iface(s, "wg0");
	p = add_peer(s, ifp, "A", STATUS_DISCONNECTED);
	p->handshake = INT64_MIN;
	p->flags |= PEER_F_HANDSHAKE;
	add_seen_peer(s, ifp, "B", STATUS_CONNECTED, -100);
	add_seen_peer(s, ifp, "C", STATUS_CONNECTED, 0);
	add_seen_peer(s, ifp, "D", STATUS_CONNECTED, 9);
	add_seen_peer(s, ifp, "E", STATUS_CONNECTED, 10);
	render_peer_parts(b, s, RK_ALL);
	assert_bodies(s, s);
	s->time = INT64_MAX;
	assert_int_equal(render_peer_parts(b, s, RK_ALL), 0);
	assert_bodies(s, s);
	evbuffer_free(b);
}

static void
forget_render(struct peer *p)
{
	free(p->render);
	p->render = NULL;
}

/*
 * What changes between two runs, applied to s, as the frontend's delta
 * code would (a changed peer loses its parts); key of peer j of wg"0.
 */
static void
change(struct snapshot *s)
{
	struct iface	*ifp;
	struct peer	*p;
	char		 key[WGM_KEY_MAX];

	s->time += 10;
	assert_non_null(ifp = snapshot_iface_find(s, "wg\"0\t"));
	snprintf(key, sizeof(key), "%040d+\\/=", 5);
	assert_non_null(p = snapshot_peer_find(ifp, key));
	forget_render(p);
	p->rx += 1000;
	p->handshake = s->time - 1;
	p->status = STATUS_INACTIVE;
	assert_int_equal(snapshot_peer_set_endpoint(s, p, "192.0.2.1:9"), 0);
	assert_int_equal(snapshot_peer_add_aip(s, p, "fd00::5/128"), 0);
	snprintf(key, sizeof(key), "%040d+\\/=", 6);
	assert_non_null(p = snapshot_peer_find(ifp, key));
	snapshot_peer_remove(s, ifp, p);
	p = add_seen_peer(s, ifp, "new", STATUS_CONNECTED, -5);
	p->handshake = s->time - 2;
}

static void
test_changed_peer_rendered_again_others_kept(void **state)
{
	struct snapshot	*s = *state, *fresh;
	struct iface	*ifp;
	struct peer	*p, *kept;
	struct evbuffer	*b;
	const char	*before;
	char		 key[WGM_KEY_MAX];

	assert_non_null(b = evbuffer_new());
	build_big(s);
	render_peer_parts(b, s, RK_ALL);
	assert_non_null(ifp = snapshot_iface_find(s, "wg\"0\t"));
	snprintf(key, sizeof(key), "%040d+\\/=", 7);
	assert_non_null(kept = snapshot_peer_find(ifp, key));
	before = kept->render;

	change(s);
	assert_int_equal(render_peer_parts(b, s, RK_ALL), 2);
	assert_ptr_equal(kept->render, before);
	RB_FOREACH(p, peer_tree, &ifp->peers)
		assert_non_null(p->render);

	/* The same state built afresh, never rendered in parts. */
	assert_non_null(fresh = snapshot_new());
	fresh->time = NOW;
	build_big(fresh);
	change(fresh);
	assert_int_equal(fresh->time, s->time);
	assert_bodies(s, fresh);
	snapshot_free(fresh);
	evbuffer_free(b);
}

/* The length of the parts of peer p that belong to kinds. */
static size_t
parts_len(const struct peer *p, uint32_t kinds)
{
	size_t	len, n = 0;
	int	i;

	for (i = 0; i < RP_NPARTS; i++) {
		render_part(p, i, &len);
		if (((kinds & RK_RAW) && i == RP_RAW) ||
		    ((kinds & RK_STATUS) && (i == RP_STATUS ||
		    i == RP_STATUS_END)) ||
		    ((kinds & RK_METRICS) && i >= RP_M_FIRST))
			n += len;
	}
	return (n);
}

/*
 * A peer holds the parts of the bodies asked for, no more; a body asked
 * for later has every peer rendered again, with its parts added.
 */
static void
test_parts_only_of_bodies_asked_for(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;
	struct evbuffer	*b;

	assert_non_null(b = evbuffer_new());
	build_big(s);
	assert_int_equal(render_peer_parts(b, s, RK_RAW),
	    BIG_IFACES * BIG_PEERS);
	assert_same_body(render_raw, render_raw_body, s, s);
	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			assert_true(parts_len(p, RK_RAW) > 0);
			assert_int_equal(parts_len(p, RK_STATUS | RK_METRICS),
			    0);
		}
	assert_int_equal(render_peer_parts(b, s, RK_RAW), 0);
	assert_int_equal(render_peer_parts(b, s, RK_RAW | RK_METRICS),
	    BIG_IFACES * BIG_PEERS);
	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers)
			assert_true(parts_len(p, RK_METRICS) > 0);
	assert_same_body(render_raw, render_raw_body, s, s);
	assert_same_body(metrics_render_peers, metrics_peers_body, s, s);
	assert_int_equal(render_peer_parts(b, s, RK_METRICS), 0);
	assert_int_equal(render_peer_parts(b, s, RK_ALL),
	    BIG_IFACES * BIG_PEERS);
	assert_bodies(s, s);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_empty_snapshot_renders_empty_object,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_parts_only_of_bodies_asked_for,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_render_appends_to_what_the_buffer_holds,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_interface_without_peers_has_empty_peers,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_full_peer_renders_every_field,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_fields_without_their_flag_are_omitted,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_has_preshared_key_follows_psk_flag,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_inactive_peer_in_raw_but_not_in_status,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_never_connected_peer_has_no_handshake_age,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_future_handshake_is_zero_seconds_ago,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_handshake_age_across_int64_range_is_exact,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_names_with_quote_and_control_char_are_escaped,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_peer_name_follows_key_escaped,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_largest_counters_render_exactly,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_interfaces_and_peers_render_sorted,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_large_raw_is_valid_json_with_every_peer,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_large_status_is_valid_json_without_inactive,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_parts_give_the_renderers_bodies,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_parts_ages_as_the_renderer,
		    setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_changed_peer_rendered_again_others_kept,
		    setup, unit_snapshot_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
