/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <yajl/yajl_tree.h>

#include "wgmond.h"
#include "collector.h"
#include "unit.h"

#define NOW	1765189500
#define C	180
#define D	240
#define KEY_A	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define KEY_B	"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB="

/*
 * What rsyslog takes whole by default (maxMessageSize; it cuts longer
 * datagrams there), and the longest header the frontend puts before an
 * event: "<30>Nov 29 18:30:00 wgmond[4194304]: ".
 */
#define SYSLOG_TAKES	8096
#define SYSLOG_HEADER	37

/* Two successive runs of the script and the events between them. */
struct table {
	struct snapshot		*old;
	struct snapshot		*new;
	struct wgm_event_list	 events;
	int			 runs;
	char			 line[64 * 1024];
};

static int
setup(void **state)
{
	struct table	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	TAILQ_INIT(&t->events);
	*state = t;
	return (0);
}

static int
teardown(void **state)
{
	struct table	*t = *state;

	events_clear(&t->events);
	snapshot_free(t->old);
	snapshot_free(t->new);
	free(t);
	return (0);
}

/* A peer in the run being built; handshake -1 means never. */
static struct peer *
table_set(struct table *t, const char *iface, const char *key,
    int64_t handshake)
{
	struct iface	*ifp;
	struct peer	*p;

	if (t->new == NULL)
		assert_non_null(t->new = snapshot_new());
	if ((ifp = snapshot_iface_find(t->new, iface)) == NULL)
		assert_non_null(ifp = snapshot_iface_add(t->new, iface));
	assert_non_null(p = snapshot_peer_add(t->new, ifp, key));
	if (handshake >= 0) {
		p->flags |= PEER_F_HANDSHAKE;
		p->handshake = handshake;
	}
	return (p);
}

/* Ends the run being built at now: classify, diff, keep as the last. */
static void
classify_run(struct table *t, int64_t now)
{
	if (t->new == NULL)
		assert_non_null(t->new = snapshot_new());
	classify_snapshot(t->new, now, C, D);
	events_clear(&t->events);
	assert_int_equal(events_diff(t->old, t->new, t->runs == 0,
	    &t->events), 0);
	snapshot_free(t->old);
	t->old = t->new;
	t->new = NULL;
	t->runs++;
}

static int
events_count(struct table *t)
{
	struct wgm_event	*ev;
	int			 n = 0;

	TAILQ_FOREACH(ev, &t->events, entry)
		n++;
	return (n);
}

static struct wgm_event *
events_get(struct table *t, int i)
{
	struct wgm_event	*ev;

	TAILQ_FOREACH(ev, &t->events, entry)
		if (i-- == 0)
			return (ev);
	fail_msg("no event %d", i);
	return (NULL);
}

/* The event as the operator reads it in syslog. */
static const char *
events_line(struct table *t, int i)
{
	struct evbuffer	*b;
	size_t		 len;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(events_format(b, events_get(t, i)), 0);
	len = evbuffer_get_length(b);
	assert_true(len < sizeof(t->line));
	evbuffer_remove(b, t->line, len);
	t->line[len] = '\0';
	evbuffer_free(b);
	return (t->line);
}

static void
test_first_run_logs_initial_status_per_shown_peer(void **state)
{
	struct table	*t = *state;
	struct peer	*p;

	p = table_set(t, "wg0", KEY_A, NOW - 10);
	assert_int_equal(snapshot_peer_set_endpoint(t->new, p,
	    "57.128.189.209:51823"), 0);
	p->flags |= PEER_F_ENDPOINT;
	snapshot_peer_add_aip(t->new, p, "10.150.94.2/32");
	table_set(t, "wg0", KEY_B, NOW - D - 100);
	classify_run(t, NOW);

	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"initial_status\",\"timestamp\":1765189500,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_A "\","
	    "\"status\":\"connected\",\"endpoint\":\"57.128.189.209:51823\","
	    "\"allowedIps\":[\"10.150.94.2/32\"]}");
}

static void
test_initial_status_without_endpoint_is_null(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, -1);
	classify_run(t, NOW);

	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"initial_status\",\"timestamp\":1765189500,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_A "\","
	    "\"status\":\"never_connected\",\"endpoint\":null,"
	    "\"allowedIps\":[]}");
}

static void
test_unchanged_run_logs_nothing(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW + 5);

	assert_int_equal(events_count(t), 0);
}

static void
test_connected_peer_aged_past_c_logs_disconnected(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW + C);

	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"status_change\",\"timestamp\":1765189680,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_A "\","
	    "\"new_status\":\"disconnected\",\"old_status\":\"connected\"}");
	assert_int_equal(events_priority(events_get(t, 0)), 5 /* NOTICE */);
}

static void
test_connected_peer_aged_past_d_logs_disconnected(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW + D + 20);

	assert_int_equal(events_count(t), 1);
	assert_int_equal(events_get(t, 0)->type, EVENT_CHANGE);
	assert_int_equal(events_get(t, 0)->status, STATUS_DISCONNECTED);
	assert_int_equal(events_get(t, 0)->old_status, STATUS_CONNECTED);
}

static void
test_disconnected_peer_becoming_inactive_logs_nothing(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - C - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - C - 10);
	classify_run(t, NOW + D);

	assert_int_equal(t->old->ifaces.rbh_root->peers.rbh_root->status,
	    STATUS_INACTIVE);
	assert_int_equal(events_count(t), 0);
}

static void
test_inactive_peer_reconnecting_logs_connected(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - D - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW + 2);
	classify_run(t, NOW + 5);

	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"status_change\",\"timestamp\":1765189505,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_A "\","
	    "\"new_status\":\"connected\",\"old_status\":\"disconnected\"}");
}

static void
test_never_connected_peer_handshaking_logs_connected(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, -1);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW);
	classify_run(t, NOW + 1);

	assert_int_equal(events_count(t), 1);
	assert_int_equal(events_get(t, 0)->status, STATUS_CONNECTED);
	assert_int_equal(events_get(t, 0)->old_status, STATUS_NEVER);
}

static void
test_peer_appearing_after_first_run_logs_new_peer(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - 10);
	table_set(t, "wg0", KEY_B, -1);
	classify_run(t, NOW + 1);

	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"new_peer\",\"timestamp\":1765189501,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_B "\","
	    "\"status\":\"never_connected\"}");
	assert_int_equal(events_priority(events_get(t, 0)), 6 /* INFO */);
}

static void
test_peer_gone_logs_peer_removed(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - 10);
	table_set(t, "wg0", KEY_B, NOW - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW + 1);

	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"peer_removed\",\"timestamp\":1765189501,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_B "\","
	    "\"old_status\":\"connected\"}");
}

static void
test_interface_vanishing_removes_each_peer(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - 10);
	table_set(t, "wg1", KEY_A, NOW - 10);
	table_set(t, "wg1", KEY_B, -1);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - 10);
	classify_run(t, NOW + 1);

	assert_int_equal(events_count(t), 2);
	assert_int_equal(events_get(t, 0)->type, EVENT_REMOVED);
	assert_string_equal(events_get(t, 0)->iface, "wg1");
	assert_string_equal(events_get(t, 0)->peer, KEY_A);
	assert_int_equal(events_get(t, 1)->type, EVENT_REMOVED);
	assert_string_equal(events_get(t, 1)->peer, KEY_B);
	assert_int_equal(events_get(t, 1)->old_status, STATUS_NEVER);
}

static void
test_same_key_on_two_interfaces_is_two_peers(void **state)
{
	struct table	*t = *state;

	table_set(t, "wg0", KEY_A, NOW - 10);
	table_set(t, "wg1", KEY_A, NOW - 10);
	classify_run(t, NOW);
	table_set(t, "wg0", KEY_A, NOW - 10);
	table_set(t, "wg1", KEY_A, NOW - C - 50);
	classify_run(t, NOW + 1);

	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_get(t, 0)->iface, "wg1");
	assert_int_equal(events_get(t, 0)->status, STATUS_DISCONNECTED);
}

static void
test_names_are_escaped_in_events(void **state)
{
	struct table	*t = *state;

	table_set(t, "w\"g\n", KEY_A, NOW);
	classify_run(t, NOW);

	assert_non_null(strstr(events_line(t, 0),
	    "\"interface\":\"w\\\"g\\u000a\""));
}

/* A named peer: set its name in the run being built. */
static void
table_name(struct table *t, const char *iface, const char *key,
    int64_t handshake, const char *name)
{
	struct peer	*p;

	p = table_set(t, iface, key, handshake);
	assert_int_equal(snapshot_peer_set_name(t->new, p, name), 0);
}

/*
 * Every event about a peer carries its name right after the key, escaped
 * (a name is data from a file); the removed peer's is the last it had.
 */
static void
test_peer_name_follows_key_in_every_event(void **state)
{
	struct table	*t = *state;

	table_name(t, "wg0", KEY_A, NOW - 10, "gw \"a\\\"");
	table_name(t, "wg0", KEY_B, NOW - 10, "<b>");
	classify_run(t, NOW);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"initial_status\",\"timestamp\":1765189500,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_A "\","
	    "\"name\":\"gw \\\"a\\\\\\\"\",\"status\":\"connected\","
	    "\"endpoint\":null,\"allowedIps\":[]}");

	table_name(t, "wg0", KEY_A, NOW - C - 50, "gw \"a\\\"");
	classify_run(t, NOW + 1);
	assert_int_equal(events_count(t), 2);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"status_change\",\"timestamp\":1765189501,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_A "\","
	    "\"name\":\"gw \\\"a\\\\\\\"\",\"new_status\":\"disconnected\","
	    "\"old_status\":\"connected\"}");
	assert_string_equal(events_line(t, 1),
	    "{\"event\":\"peer_removed\",\"timestamp\":1765189501,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_B "\","
	    "\"name\":\"<b>\",\"old_status\":\"connected\"}");

	table_name(t, "wg0", KEY_A, NOW - C - 50, "");
	table_name(t, "wg0", KEY_B, -1, "b");
	classify_run(t, NOW + 2);
	assert_int_equal(events_count(t), 1);
	assert_string_equal(events_line(t, 0),
	    "{\"event\":\"new_peer\",\"timestamp\":1765189502,"
	    "\"interface\":\"wg0\",\"peer\":\"" KEY_B "\","
	    "\"name\":\"b\",\"status\":\"never_connected\"}");
}

static void
test_collect_error_line(void **state)
{
	struct evbuffer	*b;
	char		 line[512];
	size_t		 len;

	(void)state;
	assert_non_null(b = evbuffer_new());
	assert_int_equal(events_format_error(b, NOW, ERR_TIMEOUT,
	    "no answer within 10 s"), 0);
	len = evbuffer_get_length(b);
	evbuffer_remove(b, line, len);
	line[len] = '\0';
	assert_string_equal(line, "{\"event\":\"collect_error\","
	    "\"timestamp\":1765189500,\"error\":\"timeout\","
	    "\"detail\":\"no answer within 10 s\"}");
	assert_int_equal(events_format_recovered(b, NOW), 0);
	len = evbuffer_get_length(b);
	evbuffer_remove(b, line, len);
	line[len] = '\0';
	assert_string_equal(line, "{\"event\":\"collect_recovered\","
	    "\"timestamp\":1765189500}");
	evbuffer_free(b);
}

/*
 * The event line as a log reader parses it: it must be valid JSON and,
 * with its header, a syslog message that rsyslog takes whole.
 */
static yajl_val
events_parse(struct table *t, int i)
{
	const char	*line = events_line(t, i);
	char		 err[256];
	yajl_val	 v;

	assert_true(strlen(line) <= WGM_EVENT_MAX);
	assert_true(strlen(line) + SYSLOG_HEADER <= SYSLOG_TAKES);
	if ((v = yajl_tree_parse(line, err, sizeof(err))) == NULL)
		fail_msg("not JSON: %s: %s", err, line);
	return (v);
}

static int
is_truncated(yajl_val v)
{
	const char	*path[] = { "allowedIpsTruncated", NULL };

	return (YAJL_IS_TRUE(yajl_tree_get(v, path, yajl_t_true)));
}

/* The entries of the event's list, each whole: p's first ones, in order. */
static size_t
aips_kept(yajl_val v, const struct peer *p)
{
	const char	*path[] = { "allowedIps", NULL };
	yajl_val	 a;
	size_t		 i, n;

	assert_non_null(a = yajl_tree_get(v, path, yajl_t_array));
	n = YAJL_GET_ARRAY(a)->len;
	assert_true(n <= p->naips);
	for (i = 0; i < n; i++)
		assert_string_equal(YAJL_GET_STRING(YAJL_GET_ARRAY(a)->values[i]),
		    unit_aip(p, i));
	return (n);
}

/* An escaped string's length in the line, quotes included. */
static size_t
json_len(const char *s)
{
	struct evbuffer	*b;
	size_t		 len;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(json_string(b, s), 0);
	len = evbuffer_get_length(b);
	evbuffer_free(b);
	return (len);
}

/*
 * A cut list is marked, and cut only where the next entry, with "],"
 * and the mark and "}", would not fit: never mid-entry, never early.
 */
static void
assert_cut_right(struct table *t, yajl_val v, const struct peer *p)
{
	size_t	n = aips_kept(v, p);

	if (n == p->naips) {
		assert_false(is_truncated(v));
		return;
	}
	assert_true(is_truncated(v));
	assert_true(strlen(t->line) + 1 + json_len(unit_aip(p, n)) >
	    WGM_EVENT_MAX);
}

static void
test_initial_status_with_huge_allowed_ips_stays_bounded(void **state)
{
	struct table	*t = *state;
	struct peer	*p;
	char		 aip[WGM_AIP_MAX];
	yajl_val	 v;
	int		 i;

	p = table_set(t, "wg0", KEY_A, NOW);
	for (i = 0; i < 5000; i++) {
		snprintf(aip, sizeof(aip), "fd00:%x::/64", i);
		assert_int_equal(snapshot_peer_add_aip(t->new, p, aip), 0);
	}
	classify_run(t, NOW);

	v = events_parse(t, 0);
	assert_true(is_truncated(v));
	assert_cut_right(t, v, p);
	yajl_tree_free(v);
}

/* Fills s, of size len + 1, with control characters, from 1 to 0x1f. */
static char *
unprintable(char *s, size_t len, unsigned char first)
{
	size_t	i;

	for (i = 0; i < len; i++)
		s[i] = (char)(1 + (first + i) % 0x1f);
	s[len] = '\0';
	return (s);
}

/*
 * Every name at its longest and made of control characters: six bytes
 * each once escaped.  The line still fits, whole and valid.
 */
static void
test_initial_status_with_unprintable_names_stays_bounded(void **state)
{
	struct table	*t = *state;
	struct peer	*p;
	char		 name[WGM_NAME_MAX], key[WGM_KEY_MAX];
	char		 aip[WGM_AIP_MAX], pname[WGM_PEERNAME_MAX];
	char		 ep[WGM_ENDPOINT_MAX];
	yajl_val	 v;
	int		 i;

	p = table_set(t, unprintable(name, sizeof(name) - 1, 0),
	    unprintable(key, sizeof(key) - 1, 7), NOW);
	assert_int_equal(snapshot_peer_set_name(t->new, p,
	    unprintable(pname, sizeof(pname) - 1, 3)), 0);
	p->flags |= PEER_F_ENDPOINT;
	assert_int_equal(snapshot_peer_set_endpoint(t->new, p,
	    unprintable(ep, sizeof(ep) - 1, 13)), 0);
	for (i = 0; i < 400; i++)
		assert_int_equal(snapshot_peer_add_aip(t->new, p,
		    unprintable(aip, sizeof(aip) - 1, i)), 0);
	classify_run(t, NOW);

	v = events_parse(t, 0);
	assert_true(is_truncated(v));
	assert_cut_right(t, v, p);
	yajl_tree_free(v);
}

/*
 * Lists around the limit: the last entry may take the room the mark
 * would need, and then the list is whole and not marked.
 */
static void
test_allowed_ips_cut_only_when_they_do_not_fit(void **state)
{
	struct table	*t = *state;
	struct peer	*p;
	char		 aip[WGM_AIP_MAX];
	yajl_val	 v;
	int		 n, whole = 0;

	for (n = 300; n < 700; n++) {
		p = table_set(t, "wg0", KEY_A, NOW);
		while (p->naips < (size_t)n) {
			snprintf(aip, sizeof(aip), "10.%d.%d.0/24",
			    (int)p->naips / 250, (int)p->naips % 250);
			assert_int_equal(snapshot_peer_add_aip(t->new, p,
			    aip), 0);
		}
		t->runs = 0;
		classify_run(t, NOW);
		v = events_parse(t, 0);
		assert_cut_right(t, v, p);
		if (!is_truncated(v) && strlen(t->line) + 27 > WGM_EVENT_MAX)
			whole++;
		yajl_tree_free(v);
	}
	/* The case the mark's room would have cut was met. */
	assert_true(whole > 0);
}

static void
test_collect_error_with_unprintable_detail_stays_bounded(void **state)
{
	struct evbuffer	*b;
	char		 detail[WGM_DETAIL_MAX], err[256];
	char		 line[16 * 1024];
	size_t		 len;
	yajl_val	 v;

	(void)state;
	assert_non_null(b = evbuffer_new());
	assert_int_equal(events_format_error(b, NOW, ERR_PARSE,
	    unprintable(detail, sizeof(detail) - 1, 1)), 0);
	len = evbuffer_get_length(b);
	assert_true(len <= WGM_EVENT_MAX);
	assert_true(len + SYSLOG_HEADER <= SYSLOG_TAKES);
	evbuffer_remove(b, line, len);
	line[len] = '\0';
	assert_non_null(v = yajl_tree_parse(line, err, sizeof(err)));
	yajl_tree_free(v);
	evbuffer_free(b);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_first_run_logs_initial_status_per_shown_peer),
		T(test_initial_status_without_endpoint_is_null),
		T(test_unchanged_run_logs_nothing),
		T(test_connected_peer_aged_past_c_logs_disconnected),
		T(test_connected_peer_aged_past_d_logs_disconnected),
		T(test_disconnected_peer_becoming_inactive_logs_nothing),
		T(test_inactive_peer_reconnecting_logs_connected),
		T(test_never_connected_peer_handshaking_logs_connected),
		T(test_peer_appearing_after_first_run_logs_new_peer),
		T(test_peer_gone_logs_peer_removed),
		T(test_interface_vanishing_removes_each_peer),
		T(test_same_key_on_two_interfaces_is_two_peers),
		T(test_names_are_escaped_in_events),
		T(test_peer_name_follows_key_in_every_event),
		cmocka_unit_test(test_collect_error_line),
		T(test_initial_status_with_huge_allowed_ips_stays_bounded),
		T(test_initial_status_with_unprintable_names_stays_bounded),
		T(test_allowed_ips_cut_only_when_they_do_not_fit),
		cmocka_unit_test(
		    test_collect_error_with_unprintable_detail_stays_bounded),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
