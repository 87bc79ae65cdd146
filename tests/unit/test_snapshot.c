/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wgmond.h"

/* The two ends of the socketpair between the processes. */
struct link {
	int			 sv[2];
	struct imsgbuf		 w;
	struct imsgbuf		 r;
	struct snapshot_builder	*b;
};

static int
setup(void **state)
{
	static struct link	 l;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, l.sv) == -1 ||
	    imsgbuf_init(&l.w, l.sv[0]) == -1 ||
	    imsgbuf_init(&l.r, l.sv[1]) == -1 ||
	    (l.b = snapshot_builder_new()) == NULL)
		return (-1);
	*state = &l;
	return (0);
}

static int
teardown(void **state)
{
	struct link	*l = *state;

	imsgbuf_clear(&l->w);
	imsgbuf_clear(&l->r);
	close(l->sv[0]);
	close(l->sv[1]);
	snapshot_builder_free(l->b);
	return (0);
}

/*
 * Delivers what was queued, message by message, to the builder.
 * Returns the builder's last answer; a completed snapshot goes to *out.
 */
static int
deliver(struct link *l, struct snapshot **out)
{
	struct imsg	imsg;
	ssize_t		n;
	int		r = 0;

	/* Both ends are blocking: read only what a write has put there. */
	while (r == 0 && imsgbuf_queuelen(&l->w) > 0) {
		assert_int_equal(imsgbuf_write(&l->w), 0);
		do {
			assert_int_equal(imsgbuf_read(&l->r), 1);
			while ((n = imsg_get(&l->r, &imsg)) > 0) {
				r = snapshot_builder_imsg(l->b, &imsg, out);
				imsg_free(&imsg);
				if (r != 0)
					return (r);
			}
			assert_true(n == 0);
		} while (imsgbuf_queuelen(&l->w) == 0 && r == 0);
	}
	return (r);
}

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
	strlcpy(p->name, "Alice's \"laptop\"", sizeof(p->name));
	strlcpy(p->endpoint, "[fd00::1]:51820", sizeof(p->endpoint));
	p->handshake = 1765189400;
	p->rx = UINT64_MAX;
	p->tx = 2;
	p->status = STATUS_CONNECTED;
	p->flags = PEER_F_ENDPOINT | PEER_F_HANDSHAKE | PEER_F_RX |
	    PEER_F_TX | PEER_F_PSK;
	for (i = 0; i < naips; i++) {
		snprintf(aip, sizeof(aip), "10.%d.%d.0/24", i / 256, i % 256);
		assert_int_equal(snapshot_peer_add_aip(p, aip), 0);
	}
	assert_non_null(snapshot_peer_add(s, ifp, "PEER2"));
	assert_non_null(snapshot_iface_add(s, "wg1"));
	return (s);
}

static void
test_snapshot_survives_the_socketpair(void **state)
{
	struct link	*l = *state;
	struct snapshot	*s = sample(3), *got = NULL;
	struct iface	*ifp;
	struct peer	*p;

	assert_int_equal(snapshot_compose(&l->w, s), 0);
	assert_int_equal(deliver(l, &got), 1);
	assert_non_null(got);
	assert_int_equal(got->generation, 7);
	assert_int_equal(got->time, 1765189500);
	assert_int_equal(got->nifaces, 2);
	assert_int_equal(got->npeers, 2);
	assert_non_null(ifp = snapshot_iface_find(got, "wg0"));
	assert_string_equal(ifp->pubkey, "PUB");
	assert_int_equal(ifp->port, 51820);
	assert_non_null(p = snapshot_peer_find(ifp, "PEER1"));
	assert_string_equal(p->name, "Alice's \"laptop\"");
	assert_string_equal(p->endpoint, "[fd00::1]:51820");
	assert_string_equal(snapshot_peer_find(ifp, "PEER2")->name, "");
	assert_true(p->rx == UINT64_MAX);
	assert_int_equal(p->status, STATUS_CONNECTED);
	assert_int_equal(p->flags & PEER_F_PSK, PEER_F_PSK);
	assert_int_equal(p->naips, 3);
	assert_string_equal(p->aips[2], "10.0.2.0/24");
	assert_non_null(snapshot_iface_find(got, "wg1"));
	snapshot_free(s);
	snapshot_free(got);
}

static void
test_many_allowed_ips_follow_in_aips_messages(void **state)
{
	struct link	*l = *state;
	struct snapshot	*s = sample(1000), *got = NULL;
	struct peer	*p;

	assert_int_equal(snapshot_compose(&l->w, s), 0);
	assert_int_equal(deliver(l, &got), 1);
	p = snapshot_peer_find(snapshot_iface_find(got, "wg0"), "PEER1");
	assert_non_null(p);
	assert_int_equal(p->naips, 1000);
	assert_string_equal(p->aips[999], "10.3.231.0/24");
	snapshot_free(s);
	snapshot_free(got);
}

static void
test_peer_outside_a_snapshot_is_refused(void **state)
{
	struct link		*l = *state;
	struct snap_peer	 sp;
	struct snapshot		*got = NULL;

	memset(&sp, 0, sizeof(sp));
	strlcpy(sp.key, "X", sizeof(sp.key));
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_PEER, 1, 0, -1, &sp,
	    sizeof(sp)), 1);
	assert_int_equal(deliver(l, &got), -1);
}

static void
test_unterminated_string_is_refused(void **state)
{
	struct link		*l = *state;
	struct snap_begin	 sb = { 0, 1, 0 };
	struct snap_iface	 si;
	struct snapshot		*got = NULL;

	memset(&si, 'A', sizeof(si));
	si.npeers = 0;
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_BEGIN, 1, 0, -1, &sb,
	    sizeof(sb)), 1);
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_IFACE, 1, 0, -1, &si,
	    sizeof(si)), 1);
	assert_int_equal(deliver(l, &got), -1);
}

/* A peer's name is a string like the others: it must end in its field. */
static void
test_unterminated_peer_name_is_refused(void **state)
{
	struct link		*l = *state;
	struct snap_begin	 sb = { 0, 1, 1 };
	struct snap_end		 se = { 1 };
	struct snap_iface	 si;
	struct snap_peer	 sp;
	struct snapshot		*got = NULL;

	memset(&si, 0, sizeof(si));
	strlcpy(si.name, "wg0", sizeof(si.name));
	si.npeers = 1;
	memset(&sp, 0, sizeof(sp));
	strlcpy(sp.key, "PEER1", sizeof(sp.key));
	memset(sp.name, 'n', sizeof(sp.name));
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_BEGIN, 1, 0, -1, &sb,
	    sizeof(sb)), 1);
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_IFACE, 1, 0, -1, &si,
	    sizeof(si)), 1);
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_PEER, 1, 0, -1, &sp,
	    sizeof(sp)), 1);
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_END, 1, 0, -1, &se,
	    sizeof(se)), 1);
	assert_int_equal(deliver(l, &got), -1);
	snapshot_free(got);
}

static void
test_short_message_is_refused(void **state)
{
	struct link		*l = *state;
	struct snap_begin	 sb = { 0, 0, 0 };
	struct snapshot		*got = NULL;

	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_BEGIN, 1, 0, -1, &sb,
	    sizeof(sb) - 1), 1);
	assert_int_equal(deliver(l, &got), -1);
}

static void
test_end_with_wrong_count_is_refused(void **state)
{
	struct link		*l = *state;
	struct snap_begin	 sb = { 0, 0, 0 };
	struct snap_end		 se = { 5 };
	struct snapshot		*got = NULL;

	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_BEGIN, 1, 0, -1, &sb,
	    sizeof(sb)), 1);
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_END, 1, 0, -1, &se,
	    sizeof(se)), 1);
	assert_int_equal(deliver(l, &got), -1);
	assert_null(got);
}

static void
test_more_peers_than_announced_are_refused(void **state)
{
	struct link		*l = *state;
	struct snap_begin	 sb = { 0, 1, 1 };
	struct snap_iface	 si;
	struct snap_peer	 sp;
	struct snapshot		*got = NULL;

	memset(&si, 0, sizeof(si));
	strlcpy(si.name, "wg0", sizeof(si.name));
	si.npeers = 2;
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_BEGIN, 1, 0, -1, &sb,
	    sizeof(sb)), 1);
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_IFACE, 1, 0, -1, &si,
	    sizeof(si)), 1);
	strlcpy(sp.key, "A", sizeof(sp.key));
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_PEER, 1, 0, -1, &sp,
	    sizeof(sp)), 1);
	strlcpy(sp.key, "B", sizeof(sp.key));
	assert_int_equal(imsg_compose(&l->w, IMSG_SNAP_PEER, 1, 0, -1, &sp,
	    sizeof(sp)), 1);
	assert_int_equal(deliver(l, &got), -1);
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

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_snapshot_survives_the_socketpair),
		T(test_many_allowed_ips_follow_in_aips_messages),
		T(test_peer_outside_a_snapshot_is_refused),
		T(test_unterminated_string_is_refused),
		T(test_unterminated_peer_name_is_refused),
		T(test_short_message_is_refused),
		T(test_end_with_wrong_count_is_refused),
		T(test_more_peers_than_announced_are_refused),
		cmocka_unit_test(test_trim_keeps_what_the_next_diff_needs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
