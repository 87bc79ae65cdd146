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

static int
status_at_age(int64_t age)
{
	struct peer	p = peer_at(NOW - age);

	return (classify_peer(&p, NOW, C, D));
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
	assert_int_equal(classify_peer(&p, NOW, C, D), STATUS_NEVER);
}

static void
test_missing_handshake_is_never_connected(void **state)
{
	struct peer	p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.handshake = NOW;	/* not flagged as present: ignored */
	assert_int_equal(classify_peer(&p, NOW, C, D), STATUS_NEVER);
}

static void
test_equal_thresholds_have_no_disconnected_band(void **state)
{
	struct peer	p = peer_at(NOW - C - 1);

	(void)state;
	assert_int_equal(classify_peer(&p, NOW, C, C), STATUS_INACTIVE);
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
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
