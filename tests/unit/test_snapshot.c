/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wgmond.h"

/* The model; the wire is test_delta.c's. */

static struct snapshot *
sample(int naips)
{
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*p;
	char		 aip[WGM_AIP_MAX];
	int		 i;

	assert_non_null(s = snapshot_new());
	s->generation = 7;
	s->time = 1765189500;
	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	strlcpy(ifp->pubkey, "PUB", sizeof(ifp->pubkey));
	ifp->port = 51820;
	ifp->flags = IFACE_F_PUBKEY | IFACE_F_PORT;
	assert_non_null(p = snapshot_peer_add(s, ifp, "PEER1"));
	assert_int_equal(snapshot_peer_set_name(s, p, "Alice's \"laptop\""), 0);
	assert_int_equal(snapshot_peer_set_endpoint(s, p,
	    "[fd00::1]:51820"), 0);
	p->handshake = 1765189400;
	p->rx = UINT64_MAX;
	p->tx = 2;
	p->status = STATUS_CONNECTED;
	p->flags = PEER_F_ENDPOINT | PEER_F_HANDSHAKE | PEER_F_RX |
	    PEER_F_TX | PEER_F_PSK;
	for (i = 0; i < naips; i++) {
		snprintf(aip, sizeof(aip), "10.%d.%d.0/24", i / 256, i % 256);
		assert_int_equal(snapshot_peer_add_aip(s, p, aip), 0);
	}
	assert_non_null(snapshot_peer_add(s, ifp, "PEER2"));
	assert_non_null(snapshot_iface_add(s, "wg1"));
	return (s);
}

static void
test_trim_keeps_what_the_next_diff_needs(void **state)
{
	struct snapshot	*s = sample(100);
	struct peer	*p;

	(void)state;
	snapshot_trim(s);
	p = snapshot_peer_find(snapshot_iface_find(s, "wg0"), "PEER1");
	assert_non_null(p);
	assert_int_equal(p->naips, 0);
	assert_null(p->aips);
	assert_int_equal(p->status, STATUS_CONNECTED);
	assert_int_equal(s->npeers, 2);
	assert_non_null(snapshot_peer_find(snapshot_iface_find(s, "wg0"),
	    "PEER2"));
	snapshot_free(s);
}

/* The collector's kind: n peers in an arena, each with what a run adds. */
static struct snapshot *
arena_sample(int n)
{
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*p;
	char		 key[WGM_KEY_MAX];
	int		 i;

	assert_non_null(s = snapshot_new_arena());
	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "PEER%06d", i);
		assert_non_null(p = snapshot_peer_add(s, ifp, key));
		assert_int_equal(snapshot_peer_set_endpoint(s, p,
		    "[2001:db8::1]:51820"), 0);
		assert_int_equal(snapshot_peer_add_aip(s, p, "10.0.0.1/32"), 0);
	}
	return (s);
}

/*
 * A run that shrinks gives back what it no longer needs: the chunks kept
 * for the next run are at most those of the snapshot freed last, whatever
 * an earlier, larger one took.
 */
static void
test_arena_spares_are_bounded_by_the_last_snapshot(void **state)
{
	(void)state;
	snapshot_free(arena_sample(5000));
	/* 1024 peers a chunk: five of them, and the lists' and strings'. */
	assert_true(snapshot_arena_spares() >= 7);
	snapshot_free(arena_sample(1));
	assert_int_equal(snapshot_arena_spares(), 3);
	snapshot_free(arena_sample(0));
	assert_int_equal(snapshot_arena_spares(), 0);
}

/*
 * A list made whole (the frontend's) is the list made an entry at a time:
 * the same bytes, count and hash, the hash by which the collector tells
 * a changed list; an arena's list is refused.
 */
static void
test_list_made_whole_is_the_list_added(void **state)
{
	struct snapshot	*s = sample(3), *a = arena_sample(1);
	struct peer	*p, *q;
	static const char list[] = "10.0.0.0/24\0" "10.0.1.0/24\0"
	    "10.0.2.0/24";

	(void)state;
	p = snapshot_peer_find(snapshot_iface_find(s, "wg0"), "PEER1");
	q = snapshot_peer_find(snapshot_iface_find(s, "wg0"), "PEER2");
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(snapshot_peer_set_aips(s, q, list, sizeof(list),
	    3), 0);
	assert_int_equal(q->naips, 3);
	assert_int_equal(q->aips_len, sizeof(list));
	assert_memory_equal(q->aips, p->aips, sizeof(list));
	assert_int_equal(q->aips_hash, p->aips_hash);
	/* Replaced, then emptied. */
	assert_int_equal(snapshot_peer_set_aips(s, q, list, 12, 1), 0);
	assert_string_equal(q->aips, "10.0.0.0/24");
	assert_int_not_equal(q->aips_hash, p->aips_hash);
	assert_int_equal(snapshot_peer_set_aips(s, q, NULL, 0, 0), 0);
	assert_null(q->aips);
	assert_int_equal(q->naips, 0);
	assert_int_equal(q->aips_hash, 0);
	p = snapshot_peer_find(snapshot_iface_find(a, "wg0"), "PEER000000");
	assert_non_null(p);
	assert_int_equal(snapshot_peer_set_aips(a, p, list, sizeof(list),
	    3), -1);
	snapshot_free(s);
	snapshot_free(a);
}

/*
 * The parser's entries are the bytes yajl has, with no NUL after them:
 * an entry is its len bytes, ended by the list, whatever follows them,
 * in an arena's list as in one of its own, and hashed as the same entry
 * ended by a NUL.
 */
static void
test_entry_of_len_bytes_ends_where_told(void **state)
{
	struct snapshot	*s = sample(0), *a = arena_sample(1);
	struct peer	*p, *q, *r;
	static const char buf[] = "10.0.0.0/24\"]10.0.1.0/24\"]";

	(void)state;
	p = snapshot_peer_find(snapshot_iface_find(s, "wg0"), "PEER1");
	q = snapshot_peer_find(snapshot_iface_find(s, "wg0"), "PEER2");
	r = snapshot_peer_find(snapshot_iface_find(a, "wg0"), "PEER000000");
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(r);
	assert_int_equal(snapshot_peer_add_aipn(s, p, buf, 11), 0);
	assert_int_equal(snapshot_peer_add_aipn(s, p, buf + 13, 11), 0);
	assert_int_equal(snapshot_peer_add_aip(s, q, "10.0.0.0/24"), 0);
	assert_int_equal(snapshot_peer_add_aip(s, q, "10.0.1.0/24"), 0);
	assert_int_equal(p->aips_len, 24);
	assert_memory_equal(p->aips, "10.0.0.0/24\0" "10.0.1.0/24", 24);
	assert_int_equal(p->aips_hash, q->aips_hash);
	assert_int_equal(snapshot_peer_add_aipn(a, r, buf + 13, 11), 0);
	assert_int_equal(r->naips, 2);
	assert_memory_equal(r->aips, "10.0.0.1/32\0" "10.0.1.0/24", 24);
	snapshot_free(s);
	snapshot_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trim_keeps_what_the_next_diff_needs),
		cmocka_unit_test(
		    test_arena_spares_are_bounded_by_the_last_snapshot),
		cmocka_unit_test(test_list_made_whole_is_the_list_added),
		cmocka_unit_test(test_entry_of_len_bytes_ends_where_told),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
