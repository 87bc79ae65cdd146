/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The snapshot on the wire (common/delta.c): runs composed as the
 * collector sends them, through a socketpair, applied by the frontend's
 * builder, which must then hold what the collector held; and the
 * builder's refusals of what a broken or hostile collector may send.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wgmond.h"
#include "unit.h"

/* The two ends of the socketpair between the processes. */
struct link {
	int			 sv[2];
	struct imsgbuf		 w;
	struct imsgbuf		 r;
	struct snapshot_builder	*b;
};

/* A SNAP_PEERS or SNAP_AIPS body, built by hand. */
struct body {
	unsigned char		 buf[SNAP_BODY_MAX + 64];
	size_t			 len;
};

static int
setup(void **state)
{
	struct link	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    unit_imsg_pair(l->sv, &l->w, &l->r) == -1 ||
	    (l->b = snapshot_builder_new(WGM_STATE_MEM_MAX)) == NULL)
		return (-1);
	*state = l;
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
	free(l);
	return (0);
}

static int
readable(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, 0) == 1);
}

/*
 * Delivers all that was queued to the builder, message by message, as
 * the frontend does.  Returns -1 at the first refusal, else the runs
 * completed; the last one's snapshot goes to *out.
 */
static int
deliver(struct link *l, struct snapshot **out)
{
	struct imsg	imsg;
	ssize_t		n;
	int		r, runs = 0;

	do {
		assert_int_not_equal(imsgbuf_write(&l->w), -1);
		assert_int_not_equal(imsgbuf_read(&l->r), -1);
		while ((n = imsg_get(&l->r, &imsg)) > 0) {
			r = snapshot_builder_imsg(l->b, &imsg, out);
			imsg_free(&imsg);
			if (r == -1)
				return (-1);
			runs += r;
		}
		assert_true(n == 0);
	} while (imsgbuf_queuelen(&l->w) > 0 || readable(l->sv[1]));
	return (runs);
}

static struct snapshot *
snap(uint32_t gen)
{
	struct snapshot	*s;

	assert_non_null(s = snapshot_new());
	s->generation = gen;
	s->time = 1765189500 + 10 * gen;
	s->mono = 86400 + 10 * gen;
	return (s);
}

static struct iface *
iface(struct snapshot *s, const char *name)
{
	struct iface	*ifp;

	assert_non_null(ifp = snapshot_iface_add(s, name));
	snprintf(ifp->pubkey, sizeof(ifp->pubkey), "PUB-%s", name);
	ifp->port = 51820;
	ifp->flags = IFACE_F_PUBKEY | IFACE_F_PORT;
	return (ifp);
}

/* A connected peer, its counters from rx, with naips allowed IPs. */
static struct peer *
peer(struct snapshot *s, struct iface *ifp, const char *key, uint64_t rx,
    int naips)
{
	struct peer	*p;
	char		 aip[WGM_AIP_MAX];
	int		 i;

	assert_non_null(p = snapshot_peer_add(s, ifp, key));
	assert_int_equal(snapshot_peer_set_endpoint(s, p,
	    "[fd00::1]:51820"), 0);
	p->handshake = 1765189400;
	p->hs_mono = 86300;
	p->rx = rx;
	p->tx = rx / 2;
	p->keepalive = 25;
	p->status = STATUS_CONNECTED;
	p->flags = PEER_F_ENDPOINT | PEER_F_HANDSHAKE | PEER_F_RX |
	    PEER_F_TX | PEER_F_KEEPALIVE;
	for (i = 0; i < naips; i++) {
		snprintf(aip, sizeof(aip), "10.%d.%d.%d/32", (int)(rx % 200),
		    i / 256, i % 256);
		assert_int_equal(snapshot_peer_add_aip(s, p, aip), 0);
	}
	return (p);
}

static void
assert_peer_equal(const struct peer *got, const struct peer *want)
{
	size_t	i;

	assert_string_equal(got->key, want->key);
	assert_string_equal(got->name, want->name);
	assert_string_equal(got->endpoint, want->endpoint);
	assert_true(got->handshake == want->handshake);
	assert_true(got->hs_mono == want->hs_mono);
	assert_true(got->rx == want->rx);
	assert_true(got->tx == want->tx);
	assert_int_equal(got->keepalive, want->keepalive);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->status, want->status);
	assert_int_equal(got->naips, want->naips);
	for (i = 0; i < want->naips; i++)
		assert_string_equal(unit_aip(got, i), unit_aip(want, i));
	assert_true(got->aips_hash == want->aips_hash);
}

static void
assert_iface_equal(const struct iface *got, const struct iface *want)
{
	struct peer	*p, *q;

	assert_string_equal(got->name, want->name);
	assert_string_equal(got->pubkey, want->pubkey);
	assert_int_equal(got->port, want->port);
	assert_int_equal(got->fwmark, want->fwmark);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->npeers, want->npeers);
	q = RB_MIN(peer_tree, (struct peer_tree *)&want->peers);
	RB_FOREACH(p, peer_tree, (struct peer_tree *)&got->peers) {
		assert_non_null(q);
		assert_peer_equal(p, q);
		q = RB_NEXT(peer_tree, NULL, q);
	}
	assert_null(q);
}

/* Field by field, the frontend's snapshot against the collector's. */
static void
assert_snapshot_equal(const struct snapshot *got, const struct snapshot *want)
{
	struct iface	*ifp, *w;

	assert_int_equal(got->generation, want->generation);
	assert_true(got->time == want->time);
	assert_true(got->mono == want->mono);
	assert_int_equal(got->nifaces, want->nifaces);
	assert_int_equal(got->npeers, want->npeers);
	w = RB_MIN(iface_tree, (struct iface_tree *)&want->ifaces);
	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&got->ifaces) {
		assert_non_null(w);
		assert_iface_equal(ifp, w);
		w = RB_NEXT(iface_tree, NULL, w);
	}
	assert_null(w);
}

/*
 * One run as the collector sends it: next against prev, which is then
 * done with; next is compared, then trimmed as cycle_run keeps it.
 */
static struct snapshot *
run(struct link *l, struct snapshot *prev, struct snapshot *next, int full)
{
	struct snapshot	*got = NULL;

	assert_true(snapshot_compose_delta(&l->w, prev, next, full) > 0);
	assert_int_equal(deliver(l, &got), 1);
	assert_non_null(got);
	assert_snapshot_equal(got, next);
	snapshot_free(prev);
	snapshot_trim(next);
	return (got);
}

/* Marks every peer rendered, as the render helper would. */
static void
render_all(struct snapshot *s)
{
	struct iface	*ifp;
	struct peer	*p;

	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			free(p->render);
			assert_non_null(p->render = strdup("rendered"));
		}
}

static struct peer *
find(struct snapshot *s, const char *ifname, const char *key)
{
	struct iface	*ifp;

	if ((ifp = snapshot_iface_find(s, ifname)) == NULL)
		return (NULL);
	return (snapshot_peer_find(ifp, key));
}

/* The first run: wg0 with A, B, C; wg1 with D; wg2 with E. */
static struct snapshot *
first(void)
{
	struct snapshot	*s = snap(1);
	struct iface	*ifp;

	ifp = iface(s, "wg0");
	peer(s, ifp, "A", 100, 1);
	assert_int_equal(snapshot_peer_set_name(s, peer(s, ifp, "B", 200, 2),
	    "Bob's \"phone\""), 0);
	peer(s, ifp, "C", 300, 3);
	peer(s, iface(s, "wg1"), "D", 400, 1);
	peer(s, iface(s, "wg2"), "E", 500, 1);
	return (s);
}

/*
 * The second: A's counters grew, B renamed and roamed, C's allowed IPs
 * changed, F came; wg1 is gone with D; E is as it was; wg3 came with G.
 */
static struct snapshot *
second(void)
{
	struct snapshot	*s = snap(2);
	struct iface	*ifp;
	struct peer	*p;

	ifp = iface(s, "wg0");
	peer(s, ifp, "A", 100, 1)->rx = 150;
	p = peer(s, ifp, "B", 200, 2);
	assert_int_equal(snapshot_peer_set_name(s, p, "Bob"), 0);
	assert_int_equal(snapshot_peer_set_endpoint(s, p, "192.0.2.1:4444"), 0);
	peer(s, ifp, "C", 301, 3)->rx = 300;
	peer(s, ifp, "F", 600, 0);
	peer(s, iface(s, "wg2"), "E", 500, 1);
	peer(s, iface(s, "wg3"), "G", 700, 1);
	return (s);
}

static void
test_deltas_keep_the_frontend_equal(void **state)
{
	struct link	*l = *state;
	struct snapshot	*s1 = first(), *s2 = second(), *s3, *got;
	struct peer	*p;

	got = run(l, NULL, s1, 1);
	render_all(got);
	got = run(l, s1, s2, 0);
	/* The contract with the render: only what changed is stale. */
	assert_non_null(p = find(got, "wg2", "E"));
	assert_non_null(p->render);
	assert_int_equal(p->gen, 1);
	assert_non_null(p = find(got, "wg0", "A"));
	assert_null(p->render);
	assert_int_equal(p->gen, 2);
	assert_null(find(got, "wg0", "C")->render);
	assert_int_equal(find(got, "wg0", "F")->gen, 2);
	assert_null(snapshot_iface_find(got, "wg1"));

	/* B goes, C loses its allowed IPs, A disconnects. */
	s3 = second();
	s3->generation = 3;
	p = find(s3, "wg0", "B");
	snapshot_peer_remove(s3, snapshot_iface_find(s3, "wg0"), p);
	p = find(s3, "wg0", "C");
	free(p->aips);
	p->aips = NULL;
	p->naips = 0;
	p->aips_hash = 0;
	p->flags &= ~PEER_F_AIPS;
	find(s3, "wg0", "A")->status = STATUS_DISCONNECTED;
	/* E's handshake moved on the monotonic clock alone (a clock step). */
	find(s3, "wg2", "E")->hs_mono = 86290;
	got = run(l, s2, s3, 0);
	assert_null(find(got, "wg2", "E")->render);
	assert_null(find(got, "wg0", "B"));
	snapshot_free(s3);
}

/*
 * Run gen of a churn: in each of wg0 and wg1 (the same keys in both), key
 * i is there unless (i + gen) % 7 is 0 or 1 for wg0, 2 for wg1; its
 * counter moves for every third key.
 */
static struct snapshot *
churn(uint32_t gen)
{
	struct snapshot	*s = snap(gen);
	struct iface	*w0 = iface(s, "wg0"), *w1 = iface(s, "wg1");
	char		 key[WGM_KEY_MAX];
	int		 i;

	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "K%05d=", i);
		if ((i + gen) % 7 > 1)
			peer(s, w0, key, i % 3 == 0 ? gen : 1, 0);
		if ((i + gen) % 7 != 2)
			peer(s, w1, key, i % 3 == 0 ? gen + 1 : 1, 0);
	}
	return (s);
}

/*
 * The receiver finds a record's peer in its interface's index, by a hash
 * of its key: runs that remove and add thousands of peers, the same keys
 * in two interfaces, keep it equal to the collector's (each run compares
 * all).
 */
static void
test_churn_of_thousands_keeps_the_frontend_equal(void **state)
{
	struct link	*l = *state;
	struct snapshot	*prev, *next;
	uint32_t	 gen;

	prev = churn(1);
	(void)run(l, NULL, prev, 1);
	for (gen = 2; gen <= 16; gen++) {
		next = churn(gen);
		(void)run(l, prev, next, 0);
		prev = next;
	}
	snapshot_free(prev);
}

static void
test_full_snapshot_after_deltas_replaces_the_state(void **state)
{
	struct link	*l = *state;
	struct snapshot	*s1 = first(), *s2 = second(), *s9, *s10, *got;

	run(l, NULL, s1, 1);
	run(l, s1, s2, 0);
	/* Runs 3 to 8 were skipped: the collector sends 9 whole. */
	s9 = first();
	s9->generation = 9;
	s9->time += 80;
	got = run(l, s2, s9, 1);
	assert_non_null(snapshot_iface_find(got, "wg1"));
	assert_null(snapshot_iface_find(got, "wg3"));
	assert_int_equal(find(got, "wg0", "A")->gen, 9);
	/* And deltas go on from there. */
	s10 = second();
	s10->generation = 10;
	run(l, s9, s10, 0);
	snapshot_free(s10);
}

/* As deliver, counting the SNAP_AIPS messages. */
static int
aips_messages(struct link *l, struct snapshot **out)
{
	struct imsg	imsg;
	int		n = 0;

	do {
		assert_int_not_equal(imsgbuf_write(&l->w), -1);
		assert_int_not_equal(imsgbuf_read(&l->r), -1);
		while (imsg_get(&l->r, &imsg) > 0) {
			n += imsg_get_type(&imsg) == IMSG_SNAP_AIPS;
			assert_int_not_equal(snapshot_builder_imsg(l->b, &imsg,
			    out), -1);
			imsg_free(&imsg);
		}
	} while (imsgbuf_queuelen(&l->w) > 0 || readable(l->sv[1]));
	return (n);
}

static void
test_many_allowed_ips_follow_in_aips_messages(void **state)
{
	struct link	*l = *state;
	struct snapshot	*s1 = first(), *s2 = second(), *got = NULL;
	struct peer	*p;
	int		 i;
	char		 aip[WGM_AIP_MAX];

	/* 5000 of about 15 bytes: some 5 messages. */
	p = find(s1, "wg0", "C");
	for (i = 0; i < 5000; i++) {
		snprintf(aip, sizeof(aip), "10.%d.%d.0/24", i / 256, i % 256);
		assert_int_equal(snapshot_peer_add_aip(s1, p, aip), 0);
	}
	assert_true(snapshot_compose_delta(&l->w, NULL, s1, 1) > 0);
	assert_true(aips_messages(l, &got) >= 3);
	assert_snapshot_equal(got, s1);
	assert_int_equal(find(got, "wg0", "C")->naips, 5003);
	/* Changed in a delta: the list is replaced whole. */
	p = find(s2, "wg0", "C");
	for (i = 0; i < 4000; i++) {
		snprintf(aip, sizeof(aip), "fd00::%x/128", i);
		assert_int_equal(snapshot_peer_add_aip(s2, p, aip), 0);
	}
	snapshot_trim(s1);
	assert_true(snapshot_compose_delta(&l->w, s1, s2, 0) > 0);
	got = NULL;
	assert_true(aips_messages(l, &got) >= 3);
	assert_non_null(got);
	assert_snapshot_equal(got, s2);
	snapshot_free(s1);
	snapshot_free(s2);
}

/* 1000 peers, one of which changed: a handful of messages, not 1000. */
static void
test_one_change_in_1000_peers_is_a_few_messages(void **state)
{
	struct link	*l = *state;
	struct snapshot	*s1 = snap(1), *s2 = snap(2), *got = NULL;
	struct iface	*i1 = iface(s1, "wg0"), *i2 = iface(s2, "wg0");
	char		 key[WGM_KEY_MAX];
	ssize_t		 full, bytes;
	int		 i;

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "%043d=", i);
		peer(s1, i1, key, i, 2);
		peer(s2, i2, key, i == 500 ? 5000 : i, 2);
	}
	/* Whole, in messages filled to the imsg maximum. */
	assert_true((full = snapshot_compose_delta(&l->w, NULL, s1, 1)) > 0);
	assert_in_range(imsgbuf_queuelen(&l->w), 4, 20);
	assert_int_equal(deliver(l, &got), 1);
	assert_snapshot_equal(got, s1);
	snapshot_trim(s1);
	/* BEGIN, IFACE, one SNAP_PEERS, END. */
	bytes = snapshot_compose_delta(&l->w, s1, s2, 0);
	assert_int_equal(imsgbuf_queuelen(&l->w), 4);
	assert_in_range(bytes, 1, full / 100);
	assert_int_equal(deliver(l, &got), 1);
	assert_snapshot_equal(got, s2);
	snapshot_free(s1);
	snapshot_free(s2);
}

static void
msg(struct link *l, uint32_t type, uint32_t gen, const void *data,
    size_t len)
{
	assert_int_equal(imsg_compose(&l->w, type, gen, 0, -1, data, len),
	    1);
}

static void
put(struct body *b, const void *v, size_t len)
{
	assert_true(b->len + len <= sizeof(b->buf));
	memcpy(b->buf + b->len, v, len);
	b->len += len;
}

static void
put_str(struct body *b, const char *s)
{
	put(b, s, strlen(s) + 1);
}

/* A record's mask and key. */
static void
put_rec(struct body *b, uint16_t mask, const char *key)
{
	put(b, &mask, sizeof(mask));
	put_str(b, key);
}

static void
begin(struct link *l, uint32_t gen, uint32_t flags, uint32_t nifaces,
    uint32_t npeers)
{
	struct snap_begin	sb;

	memset(&sb, 0, sizeof(sb));
	sb.nifaces = nifaces;
	sb.npeers = npeers;
	sb.flags = flags;
	msg(l, IMSG_SNAP_BEGIN, gen, &sb, sizeof(sb));
}

static void
iface_msg(struct link *l, uint32_t gen, const char *name, uint32_t npeers)
{
	struct snap_iface	si;

	memset(&si, 0, sizeof(si));
	strlcpy(si.name, name, sizeof(si.name));
	si.npeers = npeers;
	msg(l, IMSG_SNAP_IFACE, gen, &si, sizeof(si));
}

static void
end(struct link *l, uint32_t gen, uint32_t npeers)
{
	struct snap_end	se = { npeers };

	msg(l, IMSG_SNAP_END, gen, &se, sizeof(se));
}

/* The state the hostile tests start from: generation 1, wg0 with A, B. */
static void
base(struct link *l)
{
	struct snapshot	*s = snap(1);
	struct iface	*ifp = iface(s, "wg0");

	peer(s, ifp, "A", 1, 1);
	peer(s, ifp, "B", 2, 1);
	run(l, NULL, s, 1);
	snapshot_free(s);
}

/*
 * A delta of generation 2 for wg0 with one SNAP_PEERS body, its counts
 * those the records would give if they were right.
 */
static int
delta(struct link *l, const struct body *b, uint32_t npeers)
{
	begin(l, 2, 0, 1, npeers);
	iface_msg(l, 2, "wg0", npeers);
	msg(l, IMSG_SNAP_PEERS, 2, b->buf, b->len);
	end(l, 2, npeers);
	return (deliver(l, &(struct snapshot *){ NULL }));
}

static void
test_good_hand_built_delta_is_taken(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint64_t	 rx = 7;
	struct snapshot	*got = NULL;

	base(l);
	put_rec(&b, PEER_C_RX, "A");
	put(&b, &rx, sizeof(rx));
	put_rec(&b, PEER_C_DEL, "B");
	put_rec(&b, PEER_C_ADD, "C");
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 2);
	msg(l, IMSG_SNAP_PEERS, 2, b.buf, b.len);
	end(l, 2, 2);
	assert_int_equal(deliver(l, &got), 1);
	assert_true(find(got, "wg0", "A")->rx == 7);
	assert_null(find(got, "wg0", "B"));
	assert_int_equal(find(got, "wg0", "C")->status, STATUS_NEVER);
}

/* The collector sends keys in order; another order is taken all the same. */
static void
test_records_out_of_key_order_are_taken(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint64_t	 rx = 9;
	struct snapshot	*got = NULL;

	base(l);
	put_rec(&b, PEER_C_ADD, "C");
	put_rec(&b, PEER_C_RX, "B");
	put(&b, &rx, sizeof(rx));
	put_rec(&b, PEER_C_DEL, "A");
	put_rec(&b, PEER_C_ADD, "0");
	begin(l, 2, 0, 1, 3);
	iface_msg(l, 2, "wg0", 3);
	msg(l, IMSG_SNAP_PEERS, 2, b.buf, b.len);
	end(l, 2, 3);
	assert_int_equal(deliver(l, &got), 1);
	assert_true(find(got, "wg0", "B")->rx == 9);
	assert_null(find(got, "wg0", "A"));
	assert_non_null(find(got, "wg0", "0"));
	assert_non_null(find(got, "wg0", "C"));
}

static void
test_delta_before_any_full_snapshot_is_refused(void **state)
{
	struct link	*l = *state;

	begin(l, 1, 0, 0, 0);
	end(l, 1, 0);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_delta_out_of_order_is_refused(void **state)
{
	struct link	*l = *state;

	base(l);
	begin(l, 3, 0, 1, 2);
	iface_msg(l, 3, "wg0", 2);
	end(l, 3, 2);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_replayed_generation_is_refused(void **state)
{
	struct link	*l = *state;

	base(l);
	begin(l, 1, 0, 1, 2);
	iface_msg(l, 1, "wg0", 2);
	end(l, 1, 2);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_message_of_another_generation_is_refused(void **state)
{
	struct link	*l = *state;

	base(l);
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 3, "wg0", 2);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_change_of_unknown_peer_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint64_t	 rx = 7;

	base(l);
	put_rec(&b, PEER_C_RX, "X");
	put(&b, &rx, sizeof(rx));
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_removal_of_unknown_peer_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };

	base(l);
	put_rec(&b, PEER_C_DEL, "X");
	assert_int_equal(delta(l, &b, 1), -1);
}

static void
test_add_of_known_peer_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };

	base(l);
	put_rec(&b, PEER_C_ADD, "A");
	assert_int_equal(delta(l, &b, 3), -1);
}

/* A peer twice in a full snapshot is an add of a known one. */
static void
test_duplicate_in_full_snapshot_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };

	put_rec(&b, PEER_C_ADD, "A");
	put_rec(&b, PEER_C_ADD, "A");
	begin(l, 1, SNAP_FULL, 1, 2);
	iface_msg(l, 1, "wg0", 2);
	msg(l, IMSG_SNAP_PEERS, 1, b.buf, b.len);
	end(l, 1, 2);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_record_cut_short_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint32_t	 half = 7;

	base(l);
	put_rec(&b, PEER_C_RX, "A");
	put(&b, &half, sizeof(half));
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_mask_cut_short_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };

	base(l);
	put(&b, "\x20", 1);
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_empty_peers_message_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };

	base(l);
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_trailing_bytes_after_allowed_ips_are_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 }, a = { .len = 0 };
	uint32_t	 n = 2;

	base(l);
	/* Two allowed IPs announced, one in the record, two after it. */
	put_rec(&b, PEER_C_AIPS, "A");
	put(&b, &n, sizeof(n));
	put_str(&b, "10.0.0.1/32");
	put_str(&a, "10.0.0.2/32");
	put_str(&a, "10.0.0.3/32");
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 2);
	msg(l, IMSG_SNAP_PEERS, 2, b.buf, b.len);
	msg(l, IMSG_SNAP_AIPS, 2, a.buf, a.len);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

/* The record in the middle still waits for its allowed IPs. */
static void
test_record_after_unfinished_allowed_ips_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint32_t	 n = 2;

	base(l);
	put_rec(&b, PEER_C_AIPS, "A");
	put(&b, &n, sizeof(n));
	put_str(&b, "10.0.0.1/32");
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 2);
	msg(l, IMSG_SNAP_PEERS, 2, b.buf, b.len);
	end(l, 2, 2);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_allowed_ips_with_no_peer_are_refused(void **state)
{
	struct link	*l = *state;
	struct body	 a = { .len = 0 };

	base(l);
	put_str(&a, "10.0.0.2/32");
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 2);
	msg(l, IMSG_SNAP_AIPS, 2, a.buf, a.len);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_fixed_message_with_trailing_bytes_is_refused(void **state)
{
	struct link		*l = *state;
	struct {
		struct snap_begin	 sb;
		char			 more[8];
	}			 big;

	memset(&big, 0, sizeof(big));
	big.sb.flags = SNAP_FULL;
	msg(l, IMSG_SNAP_BEGIN, 1, &big, sizeof(big.sb) + 1);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

/* Each string at its bound, with no NUL in it. */
static void
test_unterminated_key_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint16_t	 mask = PEER_C_ADD;
	char		 key[WGM_KEY_MAX + 8];

	base(l);
	memset(key, 'K', sizeof(key));
	put(&b, &mask, sizeof(mask));
	put(&b, key, sizeof(key));
	assert_int_equal(delta(l, &b, 3), -1);
}

static void
test_unterminated_name_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	char		 name[WGM_PEERNAME_MAX + 1];

	base(l);
	memset(name, 'n', WGM_PEERNAME_MAX);
	name[WGM_PEERNAME_MAX] = '\0';
	put_rec(&b, PEER_C_NAME, "A");
	put_str(&b, name);
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_unterminated_endpoint_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	char		 ep[WGM_ENDPOINT_MAX + 1];

	base(l);
	memset(ep, '1', WGM_ENDPOINT_MAX);
	ep[WGM_ENDPOINT_MAX] = '\0';
	put_rec(&b, PEER_C_ENDPOINT, "A");
	put_str(&b, ep);
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_unterminated_allowed_ip_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	char		 aip[WGM_AIP_MAX + 1];
	uint32_t	 n = 1;

	base(l);
	memset(aip, '1', WGM_AIP_MAX);
	aip[WGM_AIP_MAX] = '\0';
	put_rec(&b, PEER_C_AIPS, "A");
	put(&b, &n, sizeof(n));
	put_str(&b, aip);
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_unterminated_interface_name_is_refused(void **state)
{
	struct link		*l = *state;
	struct snap_iface	 si;

	memset(&si, 'A', sizeof(si));
	si.npeers = 0;
	begin(l, 1, SNAP_FULL, 1, 0);
	msg(l, IMSG_SNAP_IFACE, 1, &si, sizeof(si));
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_status_out_of_range_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint8_t		 status = STATUS_INACTIVE + 1;

	base(l);
	put_rec(&b, PEER_C_STATUS, "A");
	put(&b, &status, sizeof(status));
	assert_int_equal(delta(l, &b, 2), -1);
}

/* A peer holds keepalive and flags in 16 and 8 bits: the most is taken. */
static void
test_keepalive_and_flags_at_their_most_are_taken(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint32_t	 keepalive = UINT16_MAX, flags = PEER_F_ALL;
	struct snapshot	*got = NULL;

	base(l);
	put_rec(&b, PEER_C_KEEPALIVE | PEER_C_FLAGS, "A");
	put(&b, &keepalive, sizeof(keepalive));
	put(&b, &flags, sizeof(flags));
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 2);
	msg(l, IMSG_SNAP_PEERS, 2, b.buf, b.len);
	end(l, 2, 2);
	assert_int_equal(deliver(l, &got), 1);
	assert_int_equal(find(got, "wg0", "A")->keepalive, UINT16_MAX);
	assert_int_equal(find(got, "wg0", "A")->flags, PEER_F_ALL);
}

/* More would be cut to fit: refused instead. */
static void
test_keepalive_out_of_range_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint32_t	 keepalive = UINT16_MAX + 1;

	base(l);
	put_rec(&b, PEER_C_KEEPALIVE, "A");
	put(&b, &keepalive, sizeof(keepalive));
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_unknown_flag_bit_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint32_t	 flags = PEER_F_ALL + 1;

	base(l);
	put_rec(&b, PEER_C_FLAGS, "A");
	put(&b, &flags, sizeof(flags));
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_unknown_mask_bit_is_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };

	base(l);
	put_rec(&b, PEER_C_RX | 0x8000, "A");
	put(&b, &(uint64_t){ 1 }, sizeof(uint64_t));
	assert_int_equal(delta(l, &b, 2), -1);
}

static void
test_masks_that_mean_nothing_are_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint16_t	 bad[] = { 0, PEER_C_ADD | PEER_C_DEL,
	    PEER_C_DEL | PEER_C_RX };
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		teardown(state);
		assert_int_equal(setup(state), 0);
		l = *state;
		base(l);
		b.len = 0;
		put_rec(&b, bad[i], "A");
		if (bad[i] & PEER_C_RX)
			put(&b, &(uint64_t){ 1 }, sizeof(uint64_t));
		assert_int_equal(delta(l, &b, 2), -1);
	}
}

static void
test_interface_count_is_checked(void **state)
{
	struct link	*l = *state;

	base(l);
	/* wg0 said to have 3 peers after applying, and has 2. */
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 3);
	end(l, 2, 2);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_end_count_is_checked(void **state)
{
	struct link	*l = *state;

	base(l);
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 2);
	end(l, 2, 5);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_begin_counts_are_checked(void **state)
{
	struct link	*l = *state;

	base(l);
	/* One interface announced, two listed. */
	begin(l, 2, 0, 1, 2);
	iface_msg(l, 2, "wg0", 2);
	iface_msg(l, 2, "wg1", 0);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
	teardown(state);
	assert_int_equal(setup(state), 0);
	l = *state;
	base(l);
	/* Peers announced that are not there after applying. */
	begin(l, 2, 0, 1, 3);
	iface_msg(l, 2, "wg0", 2);
	end(l, 2, 2);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

/* Interfaces come in name order: one twice would be listed twice. */
static void
test_interface_twice_is_refused(void **state)
{
	struct link	*l = *state;

	begin(l, 1, SNAP_FULL, 2, 0);
	iface_msg(l, 1, "wg0", 0);
	iface_msg(l, 1, "wg0", 0);
	end(l, 1, 0);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

/* Out of order, wg0 would be taken for gone, then for new. */
static void
test_interfaces_out_of_order_are_refused(void **state)
{
	struct link	*l = *state;

	base(l);
	begin(l, 2, 0, 2, 0);
	iface_msg(l, 2, "wg1", 0);
	iface_msg(l, 2, "wg0", 0);
	end(l, 2, 0);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

static void
test_unknown_begin_flag_is_refused(void **state)
{
	struct link	*l = *state;

	begin(l, 1, SNAP_FULL | 0x80, 0, 0);
	end(l, 1, 0);
	assert_int_equal(deliver(l, &(struct snapshot *){ NULL }), -1);
}

/*
 * A hostile sender claims what it likes: counts are never allocated
 * from, and what it sends costs at most the bound given, here 64 KiB.
 */
static void
test_peers_past_the_memory_bound_are_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b;
	char		 key[16];
	int		 i, r = 0;

	snapshot_builder_free(l->b);
	assert_non_null(l->b = snapshot_builder_new(64 * 1024));
	begin(l, 1, SNAP_FULL, UINT32_MAX, UINT32_MAX);
	iface_msg(l, 1, "wg0", UINT32_MAX);
	for (i = 0; i < 100 && r != -1; i++) {
		b.len = 0;
		while (b.len + 16 < SNAP_BODY_MAX) {
			snprintf(key, sizeof(key), "%d", (int)(i * 100000 +
			    b.len));
			put_rec(&b, PEER_C_ADD, key);
		}
		msg(l, IMSG_SNAP_PEERS, 1, b.buf, b.len);
		r = deliver(l, &(struct snapshot *){ NULL });
		assert_true(snapshot_builder_mem(l->b) <= 64 * 1024);
	}
	assert_int_equal(r, -1);
	assert_true(snapshot_builder_mem(l->b) > 32 * 1024);
}

/* An allowed IP of 2 bytes on the wire costs 96 here: still bounded. */
static void
test_allowed_ips_past_the_memory_bound_are_refused(void **state)
{
	struct link	*l = *state;
	struct body	 b = { .len = 0 };
	uint32_t	 n = UINT32_MAX;
	int		 i, r = 0;

	snapshot_builder_free(l->b);
	assert_non_null(l->b = snapshot_builder_new(1024 * 1024));
	begin(l, 1, SNAP_FULL, 1, 1);
	iface_msg(l, 1, "wg0", 1);
	put_rec(&b, PEER_C_ADD | PEER_C_AIPS, "A");
	put(&b, &n, sizeof(n));
	msg(l, IMSG_SNAP_PEERS, 1, b.buf, b.len);
	for (i = 0; i < 100 && r != -1; i++) {
		b.len = 0;
		while (b.len + 2 <= SNAP_BODY_MAX)
			put_str(&b, "1");
		msg(l, IMSG_SNAP_AIPS, 1, b.buf, b.len);
		r = deliver(l, &(struct snapshot *){ NULL });
		assert_true(snapshot_builder_mem(l->b) <= 1024 * 1024);
	}
	assert_int_equal(r, -1);
	assert_in_range(i, 2, 3);
}

/* The bound is the state's: peers removed give their share back. */
static void
test_memory_bound_counts_what_is_kept(void **state)
{
	struct link	*l = *state;
	struct snapshot	*s1 = first(), *s2 = second();
	size_t		 m1, m2;

	run(l, NULL, s1, 1);
	m1 = snapshot_builder_mem(l->b);
	assert_true(m1 >= 5 * sizeof(struct peer) + 3 * sizeof(struct iface));
	run(l, s1, s2, 0);
	m2 = snapshot_builder_mem(l->b);
	/* wg1 and D gone, wg3, F and G come, C's three IPs replaced. */
	assert_true(m2 > m1);
	assert_true(m2 - m1 < 2 * sizeof(struct peer) + sizeof(struct iface) +
	    128);
	snapshot_free(s2);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_deltas_keep_the_frontend_equal),
		T(test_churn_of_thousands_keeps_the_frontend_equal),
		T(test_full_snapshot_after_deltas_replaces_the_state),
		T(test_many_allowed_ips_follow_in_aips_messages),
		T(test_one_change_in_1000_peers_is_a_few_messages),
		T(test_good_hand_built_delta_is_taken),
		T(test_records_out_of_key_order_are_taken),
		T(test_delta_before_any_full_snapshot_is_refused),
		T(test_delta_out_of_order_is_refused),
		T(test_replayed_generation_is_refused),
		T(test_message_of_another_generation_is_refused),
		T(test_change_of_unknown_peer_is_refused),
		T(test_removal_of_unknown_peer_is_refused),
		T(test_add_of_known_peer_is_refused),
		T(test_duplicate_in_full_snapshot_is_refused),
		T(test_record_cut_short_is_refused),
		T(test_mask_cut_short_is_refused),
		T(test_empty_peers_message_is_refused),
		T(test_trailing_bytes_after_allowed_ips_are_refused),
		T(test_record_after_unfinished_allowed_ips_is_refused),
		T(test_allowed_ips_with_no_peer_are_refused),
		T(test_fixed_message_with_trailing_bytes_is_refused),
		T(test_unterminated_key_is_refused),
		T(test_unterminated_name_is_refused),
		T(test_unterminated_endpoint_is_refused),
		T(test_unterminated_allowed_ip_is_refused),
		T(test_unterminated_interface_name_is_refused),
		T(test_status_out_of_range_is_refused),
		T(test_keepalive_and_flags_at_their_most_are_taken),
		T(test_keepalive_out_of_range_is_refused),
		T(test_unknown_flag_bit_is_refused),
		T(test_unknown_mask_bit_is_refused),
		T(test_masks_that_mean_nothing_are_refused),
		T(test_interface_count_is_checked),
		T(test_end_count_is_checked),
		T(test_begin_counts_are_checked),
		T(test_interface_twice_is_refused),
		T(test_interfaces_out_of_order_are_refused),
		T(test_unknown_begin_flag_is_refused),
		T(test_peers_past_the_memory_bound_are_refused),
		T(test_allowed_ips_past_the_memory_bound_are_refused),
		T(test_memory_bound_counts_what_is_kept),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
