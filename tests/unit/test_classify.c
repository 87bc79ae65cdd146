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
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "wgmond.h"
#include "collector.h"
#include "unit.h"

#define NOW	1765189500
#define C	180
#define D	240

static struct peer
peer_at(int64_t handshake)
{
	struct peer	p;

	memset(&p, 0, sizeof(p));
	p.handshake = handshake;
	p.flags = PEER_F_HANDSHAKE;
	return (p);
}

/* A cycle with these thresholds and no run yet. */
static void
cycle_init(struct cycle *c, uint32_t connected, uint32_t disconnected)
{
	memset(c, 0, sizeof(*c));
	c->connected = connected;
	c->disconnected = disconnected;
}

/* The status of a peer like p alone in a run at NOW, as the daemon gives it. */
static int
classify_one(const struct peer *p, uint32_t connected, uint32_t disconnected)
{
	struct cycle	 c;
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*q;
	int		 status;

	cycle_init(&c, connected, disconnected);
	assert_non_null(s = snapshot_new());
	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	assert_non_null(q = snapshot_peer_add(s, ifp, "A"));
	q->handshake = p->handshake;
	q->flags = p->flags;
	cycle_run(&c, s, NOW, unit_discard_out());
	status = q->status;
	snapshot_free(c.current);
	return (status);
}

static int
status_at_age(int64_t age)
{
	struct peer	p = peer_at(NOW - age);

	return (classify_one(&p, C, D));
}

static void
test_age_zero_is_connected(void **state)
{
	(void)state;
	assert_int_equal(status_at_age(0), STATUS_CONNECTED);
}

static void
test_age_c_is_connected(void **state)
{
	(void)state;
	assert_int_equal(status_at_age(C), STATUS_CONNECTED);
}

static void
test_age_c_plus_one_is_disconnected(void **state)
{
	(void)state;
	assert_int_equal(status_at_age(C + 1), STATUS_DISCONNECTED);
}

static void
test_age_d_is_disconnected(void **state)
{
	(void)state;
	assert_int_equal(status_at_age(D), STATUS_DISCONNECTED);
}

static void
test_age_d_plus_one_is_inactive(void **state)
{
	(void)state;
	assert_int_equal(status_at_age(D + 1), STATUS_INACTIVE);
}

static void
test_future_handshake_counts_as_age_zero(void **state)
{
	(void)state;
	assert_int_equal(status_at_age(-3600), STATUS_CONNECTED);
}

static void
test_handshake_zero_is_never_connected(void **state)
{
	struct peer	p = peer_at(0);

	(void)state;
	assert_int_equal(classify_one(&p, C, D), STATUS_NEVER);
}

static void
test_missing_handshake_is_never_connected(void **state)
{
	struct peer	p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.handshake = NOW;	/* not flagged as present: ignored */
	assert_int_equal(classify_one(&p, C, D), STATUS_NEVER);
}

static void
test_equal_thresholds_have_no_disconnected_band(void **state)
{
	struct peer	p = peer_at(NOW - C - 1);

	(void)state;
	assert_int_equal(classify_one(&p, C, C), STATUS_INACTIVE);
}

static void
test_snapshot_classified_with_its_time(void **state)
{
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*a, *b;

	(void)state;
	assert_non_null(s = snapshot_new());
	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	assert_non_null(a = snapshot_peer_add(s, ifp, "A"));
	assert_non_null(b = snapshot_peer_add(s, ifp, "B"));
	a->flags = b->flags = PEER_F_HANDSHAKE;
	a->handshake = NOW - 10;
	b->handshake = NOW - 200;
	classify_snapshot(s, NOW, C, D);
	assert_int_equal(s->time, NOW);
	assert_int_equal(a->status, STATUS_CONNECTED);
	assert_int_equal(b->status, STATUS_DISCONNECTED);
	snapshot_free(s);
}

/* One peer "A" on wg0 with that handshake, as a run at mono sees it. */
static struct snapshot *
run_at(int64_t handshake, int64_t start, int64_t mono)
{
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*p;

	assert_non_null(s = snapshot_new());
	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	assert_non_null(p = snapshot_peer_add(s, ifp, "A"));
	p->flags = PEER_F_HANDSHAKE;
	p->handshake = handshake;
	s->mono_start = start;
	s->mono = mono;
	return (s);
}

static struct peer *
peer_a(struct snapshot *s)
{
	return (snapshot_peer_find(snapshot_iface_find(s, "wg0"), "A"));
}

#define MONO	5000

/*
 * Classifies b's peer "A" of wg0 against a's (a NULL: no run before), as
 * cycle.c's walk does each pair: the clocks are the test's.
 */
static void
classify_after(struct snapshot *b, struct snapshot *a, int64_t now)
{
	struct classify	 cl;

	classify_begin(&cl, b, a, now, C, D);
	classify_pair(&cl, peer_a(b), a == NULL ? NULL : peer_a(a));
}

/* The wall clock steps an hour forward between two runs. */
static void
test_same_handshake_ages_by_monotonic_time(void **state)
{
	struct snapshot	*a, *b;

	(void)state;
	a = run_at(NOW - 20, MONO - 1, MONO);
	classify_after(a, NULL, NOW);
	assert_int_equal(peer_a(a)->status, STATUS_CONNECTED);
	b = run_at(NOW - 20, MONO + 9, MONO + 10);
	classify_after(b, a, NOW + 3600 + 10);
	assert_int_equal(peer_a(b)->status, STATUS_CONNECTED);
	assert_int_equal(b->mono - peer_a(b)->hs_mono, 20 + 10);
	snapshot_free(a);
	snapshot_free(b);
}

/* Stepped an hour back: a handshake that stops still ages out. */
static void
test_same_handshake_ages_out_after_step_back(void **state)
{
	struct snapshot	*a, *b;

	(void)state;
	a = run_at(NOW - 20, MONO - 1, MONO);
	classify_after(a, NULL, NOW);
	b = run_at(NOW - 20, MONO + C, MONO + C + 1);
	classify_after(b, a, NOW - 3600 + C + 1);
	assert_int_equal(b->mono - peer_a(b)->hs_mono, 20 + C + 1);
	assert_int_equal(peer_a(b)->status, STATUS_DISCONNECTED);
	snapshot_free(a);
	snapshot_free(b);
}

/* A new value restarts the age, from the wall clock that stamped it. */
static void
test_new_handshake_restarts_age(void **state)
{
	struct snapshot	*a, *b;

	(void)state;
	a = run_at(NOW - 200, MONO - 1, MONO);
	classify_after(a, NULL, NOW);
	assert_int_equal(peer_a(a)->status, STATUS_DISCONNECTED);
	b = run_at(NOW + 3600 + 25, MONO + 29, MONO + 30);
	classify_after(b, a, NOW + 3600 + 30);
	assert_int_equal(b->mono - peer_a(b)->hs_mono, 5);
	assert_int_equal(peer_a(b)->status, STATUS_CONNECTED);
	snapshot_free(a);
	snapshot_free(b);
}

/*
 * Made before a step forward and first read after it: not older than
 * the start of the run that had not seen it.
 */
static void
test_new_handshake_no_older_than_previous_run(void **state)
{
	struct snapshot	*a, *b;

	(void)state;
	a = run_at(NOW - 100, MONO - 1, MONO);
	classify_after(a, NULL, NOW);
	b = run_at(NOW + 5, MONO + 9, MONO + 10);
	classify_after(b, a, NOW + 3600 + 10);
	assert_int_equal(b->mono - peer_a(b)->hs_mono, 11);
	assert_int_equal(peer_a(b)->status, STATUS_CONNECTED);
	snapshot_free(a);
	snapshot_free(b);
}

/*
 * No step: a value that moved back (a script that reports ages, or a
 * fixture) is as old as the wall clock says, not capped.
 */
static void
test_new_older_handshake_without_step(void **state)
{
	struct snapshot	*a, *b;

	(void)state;
	a = run_at(NOW - 60, MONO - 1, MONO);
	classify_after(a, NULL, NOW);
	assert_int_equal(peer_a(a)->status, STATUS_CONNECTED);
	b = run_at(NOW + 1 - 200, MONO, MONO + 1);
	classify_after(b, a, NOW + 1);
	assert_int_equal(b->mono - peer_a(b)->hs_mono, 200);
	assert_int_equal(peer_a(b)->status, STATUS_DISCONNECTED);
	snapshot_free(a);
	snapshot_free(b);
}

/* A run of the cycle at now: "A" on each of ifaces, its handshake hs. */
static struct snapshot *
cycle_at(struct cycle *c, const char *const *ifaces, int64_t hs, int64_t now)
{
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*p;

	assert_non_null(s = snapshot_new());
	for (; *ifaces != NULL; ifaces++) {
		assert_non_null(ifp = snapshot_iface_add(s, *ifaces));
		assert_non_null(p = snapshot_peer_add(s, ifp, "A"));
		p->flags = PEER_F_HANDSHAKE;
		p->handshake = hs;
	}
	cycle_run(c, s, now, unit_discard_out());
	return (s);
}

/*
 * Across a step of the wall clock, through the daemon's walk: the same
 * key on the same interface carries its age; on another interface it is
 * another peer, aged by the wall clock.
 */
static void
test_age_carried_by_interface_and_key(void **state)
{
	static const char *const	 wg0[] = { "wg0", NULL };
	static const char *const	 both[] = { "wg0", "wg1", NULL };
	struct cycle			 c;
	struct snapshot			*b;
	struct peer			*p;
	int64_t				 mono;

	(void)state;
	cycle_init(&c, C, D);
	mono = cycle_at(&c, wg0, NOW - 20, NOW)->mono;
	b = cycle_at(&c, both, NOW - 20, NOW + 3600 + 10);
	p = peer_a(b);
	assert_int_equal(b->mono - p->hs_mono, 20 + (b->mono - mono));
	assert_int_equal(p->status, STATUS_CONNECTED);
	p = snapshot_peer_find(snapshot_iface_find(b, "wg1"), "A");
	assert_int_equal(p->status, STATUS_INACTIVE);
	snapshot_free(c.current);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age_zero_is_connected),
		cmocka_unit_test(test_age_c_is_connected),
		cmocka_unit_test(test_age_c_plus_one_is_disconnected),
		cmocka_unit_test(test_age_d_is_disconnected),
		cmocka_unit_test(test_age_d_plus_one_is_inactive),
		cmocka_unit_test(test_future_handshake_counts_as_age_zero),
		cmocka_unit_test(test_handshake_zero_is_never_connected),
		cmocka_unit_test(test_missing_handshake_is_never_connected),
		cmocka_unit_test(test_equal_thresholds_have_no_disconnected_band),
		cmocka_unit_test(test_snapshot_classified_with_its_time),
		cmocka_unit_test(test_same_handshake_ages_by_monotonic_time),
		cmocka_unit_test(test_same_handshake_ages_out_after_step_back),
		cmocka_unit_test(test_new_handshake_restarts_age),
		cmocka_unit_test(test_new_handshake_no_older_than_previous_run),
		cmocka_unit_test(test_new_older_handshake_without_step),
		cmocka_unit_test(test_age_carried_by_interface_and_key),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
