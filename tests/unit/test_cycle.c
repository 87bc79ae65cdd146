/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The collector's cycle over parsed documents, as the daemon runs it:
 * parse, cycle_run, and the previous run's peers reused by the next
 * parse.  A reused peer must carry nothing of its last life, and a
 * failed run must change nothing the next one reports.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
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
#include <event2/buffer.h>

#include "wgmond.h"
#include "collector.h"
#include "unit.h"

#define NOW	1765189500
#define KEY_A	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define KEY_B	"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB="
#define KEY_C	"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC="
#define KEY_D	"DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD="

/* The runs so far: the cycle, and every event line, one per line. */
struct runs {
	struct cycle		 c;
	struct cycle_out	 out;
	char			 lines[64 * 1024];
	size_t			 len;
};

static struct imsgbuf *
runs_snapshot(int *full, void *arg)
{
	(void)full;
	(void)arg;
	return (NULL);
}

static void
runs_event(int type, int priority, struct evbuffer *line, void *arg)
{
	struct runs	*r = arg;
	size_t		 n = evbuffer_get_length(line);

	(void)type;
	(void)priority;
	assert_true(r->len + n + 1 < sizeof(r->lines));
	assert_int_equal(evbuffer_remove(line, r->lines + r->len, n), n);
	r->len += n;
	r->lines[r->len++] = '\n';
	r->lines[r->len] = '\0';
}

static void
runs_init(struct runs *r)
{
	memset(r, 0, sizeof(*r));
	r->c.connected = 180;
	r->c.disconnected = 240;
	r->out.delta = runs_snapshot;
	r->out.event = runs_event;
	r->out.arg = r;
}

static void
runs_free(struct runs *r)
{
	snapshot_free(r->c.current);
	r->c.current = NULL;
}

/* A document parsed into a new snapshot, or NULL once it fails. */
static struct snapshot *
parse_doc(const char *doc)
{
	struct snapshot	*s;
	struct parser	*p;
	int		 rc;

	assert_non_null(s = snapshot_new());
	assert_non_null(p = parse_new(s));
	rc = parse_feed(p, (const unsigned char *)doc, strlen(doc));
	if (rc == 0)
		rc = parse_finish(p);
	parse_free(p);
	if (rc == -1) {
		snapshot_free(s);
		return (NULL);
	}
	return (s);
}

/* One run of the daemon: a good document goes through cycle_run. */
static struct snapshot *
run_doc(struct runs *r, const char *doc, int64_t now)
{
	struct snapshot	*s;

	if ((s = parse_doc(doc)) == NULL) {
		r->c.failing = 1;
		return (NULL);
	}
	cycle_run(&r->c, s, now, &r->out);
	return (s);
}

static const struct peer *
find_peer(const struct snapshot *s, const char *iface, const char *key)
{
	struct iface	*ifp;

	assert_non_null(ifp = snapshot_iface_find((struct snapshot *)s,
	    iface));
	return (snapshot_peer_find(ifp, key));
}

#define FULL_PEER(key) "\"" key "\": {\"endpoint\": \"192.0.2.1:51820\", " \
	"\"latestHandshake\": 1765189400, \"transferRx\": 7, " \
	"\"transferTx\": 9, \"persistentKeepalive\": 25, " \
	"\"presharedKey\": \"x\", \"allowedIps\": [\"10.0.0.1/32\", " \
	"\"10.0.0.2/32\", \"10.0.0.3/32\"]}"

/* Two runs of full peers, so that the third parse reuses theirs. */
static void
runs_full(struct runs *r)
{
	assert_non_null(run_doc(r, "{\"wg0\": {\"peers\": {" FULL_PEER(KEY_A)
	    ", " FULL_PEER(KEY_B) "}}}", NOW));
	assert_non_null(run_doc(r, "{\"wg1\": {\"peers\": {" FULL_PEER(KEY_A)
	    ", " FULL_PEER(KEY_B) "}}}", NOW + 10));
}

static void
test_reused_peer_keeps_nothing_of_the_last(void **state)
{
	struct runs		 r;
	const struct snapshot	*s;
	const struct peer	*p;

	(void)state;
	runs_init(&r);
	runs_full(&r);
	assert_non_null(s = run_doc(&r, "{\"wg0\": {\"peers\": {\"" KEY_C
	    "\": {}, \"" KEY_A "\": {}}}}", NOW + 20));
	assert_non_null(p = find_peer(s, "wg0", KEY_C));
	assert_int_equal(p->flags, 0);
	assert_string_equal(p->endpoint, "");
	assert_string_equal(p->name, "");
	assert_int_equal(p->handshake, 0);
	assert_int_equal(p->hs_mono, 0);
	assert_int_equal(p->rx, 0);
	assert_int_equal(p->tx, 0);
	assert_int_equal(p->keepalive, 0);
	assert_int_equal(p->status, STATUS_NEVER);
	assert_int_equal(p->aips_hash, 0);
	assert_null(p->render);
	assert_non_null(p = find_peer(s, "wg0", KEY_A));
	assert_int_equal(p->flags, 0);
	assert_string_equal(p->endpoint, "");
	/* KEY_A of wg0 came back without a handshake: removed, then new. */
	assert_non_null(strstr(r.lines, "\"event\":\"new_peer\",\"timestamp\":"
	    "1765189520,\"interface\":\"wg0\",\"peer\":\"" KEY_A "\","
	    "\"status\":\"never_connected\""));
	runs_free(&r);
}

/* Arrays of allowed IPs trimmed from a run, reused as others grow. */
static void
test_reused_arrays_hold_only_this_runs_allowed_ips(void **state)
{
	struct runs		 r, fresh;
	const struct snapshot	*s, *f;
	const struct peer	*p, *q;
	const char		*doc = "{\"wg0\": {\"peers\": {\"" KEY_C "\": "
	    "{\"allowedIps\": [\"10.9.0.1/32\"]}, \"" KEY_A "\": "
	    "{\"allowedIps\": [\"10.8.0.1/32\", \"10.8.0.2/32\", "
	    "\"10.8.0.3/32\", \"10.8.0.4/32\", \"10.8.0.5/32\"]}}}}";

	(void)state;
	runs_init(&r);
	runs_full(&r);
	assert_non_null(s = parse_doc(doc));
	runs_init(&fresh);
	assert_non_null(f = run_doc(&fresh, doc, NOW));
	assert_non_null(p = find_peer(s, "wg0", KEY_C));
	assert_int_equal(p->naips, 1);
	assert_string_equal(unit_aip(p, 0), "10.9.0.1/32");
	assert_non_null(q = find_peer(f, "wg0", KEY_C));
	assert_int_equal(p->aips_hash, q->aips_hash);
	assert_non_null(p = find_peer(s, "wg0", KEY_A));
	assert_int_equal(p->naips, 5);
	assert_string_equal(unit_aip(p, 0), "10.8.0.1/32");
	assert_string_equal(unit_aip(p, 3), "10.8.0.4/32");
	assert_string_equal(unit_aip(p, 4), "10.8.0.5/32");
	assert_non_null(q = find_peer(f, "wg0", KEY_A));
	assert_int_equal(p->aips_hash, q->aips_hash);
	snapshot_free((struct snapshot *)s);
	runs_free(&fresh);
	runs_free(&r);
}

#define DOC_1 "{\"wg0\": {\"peers\": {" \
	"\"" KEY_A "\": {\"latestHandshake\": 1765189400}, " \
	"\"" KEY_B "\": {\"latestHandshake\": 1765189450}, " \
	"\"" KEY_C "\": {\"endpoint\": \"192.0.2.3:1\"}}}}"
#define DOC_2 "{\"wg0\": {\"peers\": {" \
	"\"" KEY_A "\": {\"latestHandshake\": 1765189400}, " \
	"\"" KEY_C "\": {\"latestHandshake\": 1765189505}, " \
	"\"" KEY_D "\": {}}}}"

/*
 * A run that fails half-way (its peers back in the pool) between two
 * good ones: the second is diffed against the first all the same.
 */
static void
test_failed_run_between_two_changes_no_event(void **state)
{
	struct runs	 plain, failed;
	const char	*bad = "{\"wg0\": {\"peers\": {\"" KEY_A "\": "
	    "{\"latestHandshake\": 1765189500, \"endpoint\": \"x\"}, \""
	    KEY_B "\": {\"latestHandshake\": \"soon\"}}}}";

	(void)state;
	runs_init(&plain);
	assert_non_null(run_doc(&plain, DOC_1, NOW));
	assert_non_null(run_doc(&plain, DOC_2, NOW + 10));
	runs_init(&failed);
	assert_non_null(run_doc(&failed, DOC_1, NOW));
	assert_null(run_doc(&failed, bad, NOW + 10));
	failed.c.failing = 0;	/* the recovery line is the daemon's */
	assert_non_null(run_doc(&failed, DOC_2, NOW + 10));
	assert_string_equal(failed.lines, plain.lines);
	/* And what it says: B gone, C connected, D new. */
	assert_non_null(strstr(plain.lines, "\"event\":\"peer_removed\","
	    "\"timestamp\":1765189510,\"interface\":\"wg0\",\"peer\":\""
	    KEY_B "\""));
	assert_non_null(strstr(plain.lines, "\"event\":\"status_change\","
	    "\"timestamp\":1765189510,\"interface\":\"wg0\",\"peer\":\""
	    KEY_C "\",\"new_status\":\"connected\","
	    "\"old_status\":\"never_connected\""));
	assert_non_null(strstr(plain.lines, "\"event\":\"new_peer\","
	    "\"timestamp\":1765189510,\"interface\":\"wg0\",\"peer\":\""
	    KEY_D "\""));
	runs_free(&plain);
	runs_free(&failed);
}

/* Many runs that grow and shrink: each peer is its own run's. */
static void
test_growing_and_shrinking_runs(void **state)
{
	struct runs		 r;
	const struct snapshot	*s;
	const struct peer	*p;
	char			*doc, key[45];
	size_t			 len, i, n, run;
	size_t			 sizes[] = { 50, 3, 200, 1, 0, 120, 120 };

	(void)state;
	runs_init(&r);
	assert_non_null(doc = malloc(64 * 1024));
	for (run = 0; run < sizeof(sizes) / sizeof(sizes[0]); run++) {
		n = sizes[run];
		len = snprintf(doc, 64 * 1024, "{\"wg0\": {\"peers\": {");
		for (i = 0; i < n; i++)
			len += snprintf(doc + len, 64 * 1024 - len,
			    "%s\"%042zu%c=\": {%s\"allowedIps\": "
			    "[\"10.0.%zu.%zu/32\"]}", i ? ", " : "", i,
			    'A' + (int)(run % 2), i % 2 ? "" :
			    "\"endpoint\": \"192.0.2.1:1\", ", run, i % 250);
		snprintf(doc + len, 64 * 1024 - len, "}}}");
		r.len = 0;		/* the lines of this run only */
		assert_non_null(s = run_doc(&r, doc, NOW + 10 * run));
		assert_int_equal(s->npeers, n);
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "%042zu%c=", i,
			    'A' + (int)(run % 2));
			assert_non_null(p = find_peer(s, "wg0", key));
			assert_int_equal(!!(p->flags & PEER_F_ENDPOINT),
			    i % 2 == 0);
			assert_string_equal(p->endpoint, i % 2 ? "" :
			    "192.0.2.1:1");
			/* Trimmed once its run is done. */
			assert_int_equal(p->naips, 0);
			assert_null(p->aips);
		}
	}
	free(doc);
	runs_free(&r);
}

/*
 * The events of cycle_run's one walk are events_diff's over the same
 * pair of runs, line for line, and the delta it packs as it goes is
 * snapshot_compose_delta's, byte for byte, whatever comes, goes, changes
 * status, or moves between interfaces, and whole interfaces come and go.
 * Every seventh run asks for the whole snapshot.
 */
struct check {
	struct runs		 r;
	struct snapshot		*snap;		/* the run's */
	int			 run;
	int			 walk_fds[2];	/* what the walk packed */
	struct imsgbuf		 walk, walk_in;
	int			 want_fds[2];	/* what compose packs */
	struct imsgbuf		 want_ibuf, want_in;
	char			 want[64 * 1024];
	size_t			 len;
};

static struct imsgbuf *
check_delta(int *full, void *arg)
{
	struct check	*ck = arg;

	*full = ck->run % 7 == 6;
	return (&ck->walk);
}

/* All that is queued on w, as the other end of its socketpair reads it. */
static size_t
check_sent(struct imsgbuf *w, int fd, char *buf, size_t size)
{
	size_t	len = 0;
	ssize_t	n;

	assert_int_equal(imsgbuf_flush(w), 0);
	while ((n = read(fd, buf + len, size - len)) > 0)
		len += n;
	assert_true(len < size);
	return (len);
}

static void
check_events(struct check *ck, const struct snapshot *prev)
{
	struct wgm_event_list	 list;
	struct wgm_event	*ev;
	struct evbuffer		*b;
	size_t			 n;

	TAILQ_INIT(&list);
	assert_int_equal(events_diff(prev, ck->snap, prev == NULL, &list), 0);
	assert_non_null(b = evbuffer_new());
	ck->len = 0;
	TAILQ_FOREACH(ev, &list, entry) {
		assert_int_equal(events_format(b, ev), 0);
		n = evbuffer_get_length(b);
		assert_true(ck->len + n + 1 < sizeof(ck->want));
		evbuffer_remove(b, ck->want + ck->len, n);
		ck->len += n;
		ck->want[ck->len++] = '\n';
	}
	ck->want[ck->len] = '\0';
	evbuffer_free(b);
	events_clear(&list);
}

/* Once the walk has packed the run, before the last run's peers go. */
static void
check_lap(int step, void *arg)
{
	static char		 got[256 * 1024], want[256 * 1024];
	struct check		*ck = arg;
	const struct snapshot	*prev = ck->r.c.current;
	size_t			 glen, wlen;

	if (step != CYCLE_ENCODE)
		return;
	check_events(ck, prev);
	assert_true(snapshot_compose_delta(&ck->want_ibuf, prev, ck->snap,
	    ck->run % 7 == 6) > 0);
	glen = check_sent(&ck->walk, ck->walk_fds[1], got, sizeof(got));
	wlen = check_sent(&ck->want_ibuf, ck->want_fds[1], want,
	    sizeof(want));
	assert_int_equal(ck->r.c.queued, wlen);
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
}

static void
check_init(struct check *ck)
{
	runs_init(&ck->r);
	ck->r.out.delta = check_delta;
	ck->r.out.lap = check_lap;
	ck->r.out.arg = ck;		/* its first member is the runs */
	assert_int_equal(unit_imsg_pair(ck->walk_fds, &ck->walk,
	    &ck->walk_in), 0);
	assert_int_equal(unit_imsg_pair(ck->want_fds, &ck->want_ibuf,
	    &ck->want_in), 0);
}

static void
check_free(struct check *ck)
{
	runs_free(&ck->r);
	imsgbuf_clear(&ck->walk);
	imsgbuf_clear(&ck->walk_in);
	imsgbuf_clear(&ck->want_ibuf);
	imsgbuf_clear(&ck->want_in);
	close(ck->walk_fds[0]);
	close(ck->walk_fds[1]);
	close(ck->want_fds[0]);
	close(ck->want_fds[1]);
}

/* A run of random peers, from a few dozen keys on three interfaces. */
static struct snapshot *
random_run(unsigned int *seed, int64_t now)
{
	static const char	*ifaces[] = { "wg0", "wg1", "wg2" };
	struct snapshot		*s;
	struct iface		*ifp;
	struct peer		*p;
	char			 key[45];
	size_t			 i, k;

	assert_non_null(s = snapshot_new());
	for (i = 0; i < 3; i++) {
		if (rand_r(seed) % 5 == 0)
			continue;
		assert_non_null(ifp = snapshot_iface_add(s, ifaces[i]));
		for (k = 0; k < 40; k++) {
			if (rand_r(seed) % 3 == 0)
				continue;
			snprintf(key, sizeof(key), "%042zuQ=", k);
			assert_non_null(p = snapshot_peer_add(s, ifp, key));
			if (rand_r(seed) % 4 == 0)
				continue;
			p->flags |= PEER_F_HANDSHAKE;
			p->handshake = now - rand_r(seed) % 400;
		}
	}
	return (s);
}

/* The same, as a document: so that the parse leaves its order. */
static char *
random_doc(unsigned int *seed, int64_t now)
{
	static const char	*ifaces[] = { "wg0", "wg1", "wg2" };
	char			*doc;
	size_t			 len = 0, size = 64 * 1024, i, k, n;

	assert_non_null(doc = malloc(size));
	len += snprintf(doc + len, size - len, "{");
	for (i = 0, n = 0; i < 3; i++) {
		if (rand_r(seed) % 5 == 0)
			continue;
		len += snprintf(doc + len, size - len, "%s\"%s\": {\"peers\": {",
		    n++ ? ", " : "", ifaces[i]);
		for (k = 0; k < 40; k++) {
			if (rand_r(seed) % 3 == 0)
				continue;
			len += snprintf(doc + len, size - len, "%s\"%042zuQ=\": {",
			    doc[len - 1] == '{' ? "" : ", ", (k * 7) % 40);
			if (rand_r(seed) % 4 != 0)
				len += snprintf(doc + len, size - len,
				    "\"latestHandshake\": %lld",
				    (long long)(now - rand_r(seed) % 400));
			len += snprintf(doc + len, size - len, "}");
		}
		len += snprintf(doc + len, size - len, "}}");
	}
	len += snprintf(doc + len, size - len, "}");
	assert_true(len < size);
	return (doc);
}

static void
test_walk_down_parsed_orders_gives_events_and_delta(void **state)
{
	struct check	 ck;
	struct snapshot	*s;
	unsigned int	 seed = 7;
	char		*doc;
	int		 run;

	(void)state;
	check_init(&ck);
	for (run = 0; run < 200; run++) {
		ck.r.len = 0;
		ck.r.lines[0] = '\0';
		doc = random_doc(&seed, NOW + 10 * run);
		assert_non_null(s = parse_doc(doc));
		free(doc);
		ck.snap = s;
		ck.run = run;
		cycle_run(&ck.r.c, s, NOW + 10 * run, &ck.r.out);
		assert_string_equal(ck.r.lines, ck.want);
	}
	check_free(&ck);
}

static void
test_one_walk_gives_the_events_and_delta_of_a_diff(void **state)
{
	struct check	 ck;
	unsigned int	 seed = 12;
	int		 run;

	(void)state;
	check_init(&ck);
	for (run = 0; run < 200; run++) {
		ck.r.len = 0;
		ck.r.lines[0] = '\0';
		ck.snap = random_run(&seed, NOW + 10 * run);
		ck.run = run;
		cycle_run(&ck.r.c, ck.snap, NOW + 10 * run, &ck.r.out);
		assert_string_equal(ck.r.lines, ck.want);
	}
	check_free(&ck);
}

/*
 * The collector parses the last run's snapshot in place.  Over runs of
 * documents where peers come and go, move between interfaces, change
 * every field or none, are listed in another order, and where a run now
 * and then fails half-way (its changes undone), it reports what a cycle
 * over a new snapshot per run reports: the same event lines, and the
 * same delta byte for byte, whole every seventh run.
 */
struct twin {
	struct runs		 r;
	int			 fds[2];
	struct imsgbuf		 ibuf, in;
	int			 run;
	int64_t			 mono;
	char			 sent[256 * 1024];
	size_t			 len;
};

static struct imsgbuf *
twin_delta(int *full, void *arg)
{
	struct twin	*t = arg;

	*full = t->run % 7 == 6;
	return (&t->ibuf);
}

static int64_t
twin_mono(void *arg)
{
	struct twin	*t = arg;

	return (t->mono);
}

static void
twin_init(struct twin *t)
{
	runs_init(&t->r);
	t->r.out.delta = twin_delta;
	t->r.out.mono = twin_mono;
	t->r.out.arg = t;		/* its first member is the runs */
	assert_int_equal(unit_imsg_pair(t->fds, &t->ibuf, &t->in), 0);
}

static void
twin_free(struct twin *t)
{
	runs_free(&t->r);
	imsgbuf_clear(&t->ibuf);
	imsgbuf_clear(&t->in);
	close(t->fds[0]);
	close(t->fds[1]);
}

/* A run that varies every field a peer has; NULL: no document. */
static char *
churn_doc(unsigned int *seed, int64_t now, int run)
{
	static const char	*ifaces[] = { "wg0", "wg1", "wg2" };
	char			*doc;
	size_t			 len = 0, size = 128 * 1024, i, k, j, n, a;
	int			 first;

	assert_non_null(doc = malloc(size));
	len += snprintf(doc + len, size - len, "{");
	for (i = 0, n = 0; i < 3; i++) {
		if (rand_r(seed) % 6 == 0)
			continue;
		len += snprintf(doc + len, size - len, "%s\"%s\": {"
		    "\"publicKey\": \"%c%042dQ=\", \"listenPort\": %d, "
		    "\"peers\": {", n++ ? ", " : "", ifaces[i],
		    'A' + (int)(rand_r(seed) % 2), 0, 51820 + rand_r(seed) % 2);
		first = 1;
		/* Mostly the last run's order, sometimes another. */
		j = run % 4 == 3 ? rand_r(seed) % 40 : 0;
		for (k = 0; k < 40; k++) {
			if (rand_r(seed) % 4 == 0)
				continue;
			len += snprintf(doc + len, size - len,
			    "%s\"%042zuQ=\": {", first ? "" : ", ",
			    (k * 7 + j) % 40);
			first = 0;
			len += snprintf(doc + len, size - len,
			    "\"transferRx\": %u, \"transferTx\": %u",
			    rand_r(seed) % 3, rand_r(seed) % 2);
			if (rand_r(seed) % 4 != 0)
				len += snprintf(doc + len, size - len,
				    ", \"latestHandshake\": %lld",
				    (long long)(now - rand_r(seed) % 400));
			if (rand_r(seed) % 2)
				len += snprintf(doc + len, size - len,
				    ", \"endpoint\": \"192.0.2.%u:51820\"",
				    rand_r(seed) % 3);
			if (rand_r(seed) % 3 == 0)
				len += snprintf(doc + len, size - len,
				    ", \"persistentKeepalive\": 25");
			if (rand_r(seed) % 3 != 0) {
				len += snprintf(doc + len, size - len,
				    ", \"allowedIps\": [");
				for (a = 0; a < (size_t)rand_r(seed) % 3; a++)
					len += snprintf(doc + len, size - len,
					    "%s\"10.%zu.0.%u/32\"", a ? ", " :
					    "", k, rand_r(seed) % 2);
				len += snprintf(doc + len, size - len, "]");
			}
			len += snprintf(doc + len, size - len, "}");
			/* Or lists a peer twice. */
			if (run % 11 == 9 && n == 1 && !first)
				len += snprintf(doc + len, size - len,
				    ", \"%042zuQ=\": {}", (k * 7 + j) % 40);
		}
		len += snprintf(doc + len, size - len, "}}");
	}
	len += snprintf(doc + len, size - len, "}");
	assert_true(len < size);
	/* Now and then a run fails half-way. */
	if (run % 11 == 5)
		doc[len / 2] = '\0';
	return (doc);
}

/*
 * A document parsed into the cycle's snapshot, in place, as the daemon
 * does: the lists read the same dropped unless the run goes whole; -1:
 * it failed.
 */
static int
parse_into(struct runs *r, const char *doc, int64_t now, int whole)
{
	struct snapshot	*s = r->c.current;
	struct parser	*p;
	int		 rc;

	if (s == NULL)
		assert_non_null(s = snapshot_new_arena());
	assert_non_null(p = parse_new(s));
	if (!whole)
		parse_drop_lists(p);
	rc = parse_feed(p, (const unsigned char *)doc, strlen(doc));
	if (rc == 0)
		rc = parse_finish(p);
	parse_free(p);
	if (rc == -1) {
		if (s != r->c.current)
			snapshot_free(s);
		r->c.failing = 1;
		return (-1);
	}
	cycle_run(&r->c, s, now, &r->out);
	return (0);
}

/* Every peer of a as b has it: what the frontend is told of each. */
static void
same_peers(struct snapshot *a, struct snapshot *b)
{
	struct iface		*ifp, *ifq;
	struct peer		*p, *q;

	assert_int_equal(a->nifaces, b->nifaces);
	assert_int_equal(a->npeers, b->npeers);
	RB_FOREACH(ifp, iface_tree, &a->ifaces) {
		assert_non_null(ifq = snapshot_iface_find(b, ifp->name));
		assert_string_equal(ifp->pubkey, ifq->pubkey);
		assert_int_equal(ifp->port, ifq->port);
		assert_int_equal(ifp->flags, ifq->flags);
		assert_int_equal(ifp->npeers, ifq->npeers);
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			assert_non_null(q = snapshot_peer_find(ifq, p->key));
			assert_string_equal(p->endpoint, q->endpoint);
			assert_string_equal(p->name, q->name);
			assert_int_equal(p->handshake, q->handshake);
			assert_int_equal(p->hs_mono, q->hs_mono);
			assert_int_equal(p->rx, q->rx);
			assert_int_equal(p->tx, q->tx);
			assert_int_equal(p->keepalive, q->keepalive);
			assert_int_equal(p->flags, q->flags);
			assert_int_equal(p->status, q->status);
			assert_int_equal(p->aips_hash, q->aips_hash);
		}
	}
}

/* Both twins at run: no lines yet, and that run's clock. */
static void
twins_at(struct twin *a, struct twin *b, int run)
{
	a->r.len = b->r.len = 0;
	a->r.lines[0] = b->r.lines[0] = '\0';
	a->run = b->run = run;
	a->mono = b->mono = 1000 + 10 * run;
}

/*
 * The twin that parsed in place reported what the one given s, a new
 * snapshot, did: the same lines, peers and messages, byte for byte.
 */
static void
twins_agree(struct twin *inplace, struct twin *fresh, struct snapshot *s)
{
	static char	got[256 * 1024], want[256 * 1024];
	size_t		glen, wlen;

	assert_string_equal(inplace->r.lines, fresh->r.lines);
	same_peers(inplace->r.c.current, s);
	glen = check_sent(&inplace->ibuf, inplace->fds[1], got, sizeof(got));
	wlen = check_sent(&fresh->ibuf, fresh->fds[1], want, sizeof(want));
	assert_int_equal(inplace->r.c.queued, fresh->r.c.queued);
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	assert_int_equal(inplace->r.c.current->npeers, s->npeers);
	assert_int_equal(inplace->r.c.current->nifaces, s->nifaces);
}

static void
test_parse_in_place_reports_what_a_new_snapshot_does(void **state)
{
	struct twin	 fresh, inplace;
	struct snapshot	*s;
	unsigned int	 seed = 29;
	char		*doc;
	int		 run, failed = 0;

	(void)state;
	twin_init(&fresh);
	twin_init(&inplace);
	for (run = 0; run < 300; run++) {
		twins_at(&inplace, &fresh, run);
		doc = churn_doc(&seed, NOW + 10 * run, run);
		s = run_doc(&fresh.r, doc, NOW + 10 * run);
		assert_int_equal(parse_into(&inplace.r, doc, NOW + 10 * run,
		    run % 7 == 6),
		    s == NULL ? -1 : 0);
		free(doc);
		if (s == NULL) {
			failed++;
			continue;
		}
		twins_agree(&inplace, &fresh, s);
	}
	/* Both kinds of failure came, and were undone. */
	assert_true(failed >= 40);
	twin_free(&fresh);
	twin_free(&inplace);
}

/* Peers first..first+n of one interface, all at an endpoint of port. */
static char *
roam_doc(int first, int n, int port)
{
	char	*doc;
	size_t	 len = 0, size = 256 * 1024;
	int	 k;

	assert_non_null(doc = malloc(size));
	len += snprintf(doc + len, size - len, "{\"wg0\": {\"peers\": {");
	for (k = first; k < first + n; k++)
		len += snprintf(doc + len, size - len, "%s\"%043d=\": "
		    "{\"endpoint\": \"198.51.100.%d:%d\"}", k > first ? ", " :
		    "", k, k % 256, port);
	len += snprintf(doc + len, size - len, "}}}");
	assert_true(len < size);
	return (doc);
}

/*
 * A gateway whose peers all roam, and ten of which come and go, run
 * after run: the collector's snapshot, parsed in place, stays the size
 * it was (the endpoints replaced are laid down again, the peers gone
 * are those added), where it would grow by about 20 KiB a run.
 */
static void
test_parse_in_place_stays_bounded(void **state)
{
	struct runs	 r;
	char		*doc;
	size_t		 at20 = 0, now;
	int		 run;

	(void)state;
	runs_init(&r);
	r.out.event = unit_discard_out()->event;
	for (run = 0; run < 300; run++) {
		doc = roam_doc(run * 10, 1000, 10000 + run);
		assert_int_equal(parse_into(&r, doc, NOW + 10 * run, 0), 0);
		free(doc);
		assert_int_equal(r.c.current->npeers, 1000);
		if (run == 20)
			at20 = snapshot_arena_size(r.c.current);
	}
	now = snapshot_arena_size(r.c.current);
	assert_true(at20 > 0);
	assert_true(now <= at20 + 128 * 1024);
	runs_free(&r);
}

/*
 * Runs whose log of old values outgrows the room a parse keeps between
 * runs (1300 peers roam each run, ten come and go): the room is given
 * back after each, and the next run, writing it anew, still reports
 * what a new snapshot does.
 */
static void
test_parse_in_place_after_its_log_is_given_back(void **state)
{
	struct twin	 fresh, inplace;
	struct snapshot	*s;
	char		*doc;
	int		 run;

	(void)state;
	twin_init(&fresh);
	twin_init(&inplace);
	for (run = 0; run < 6; run++) {
		twins_at(&inplace, &fresh, run);
		/* The first run's 1300 initial_status lines are not kept. */
		fresh.r.out.event = inplace.r.out.event = run == 0 ?
		    unit_discard_out()->event : runs_event;
		doc = roam_doc(run * 10, 1300, 10000 + run);
		assert_non_null(s = run_doc(&fresh.r, doc, NOW + 10 * run));
		assert_int_equal(parse_into(&inplace.r, doc, NOW + 10 * run,
		    0), 0);
		free(doc);
		twins_agree(&inplace, &fresh, s);
	}
	twin_free(&fresh);
	twin_free(&inplace);
}

/*
 * The first run's whole snapshot and initial_status lines, written as
 * they are made while a frontend reads the other end: what is queued at
 * any time is a few hundred messages, not the run's thousands, and all
 * of them arrive, the snapshot's before the lines.
 */
struct stream {
	struct runs	 r;
	struct imsgbuf	 out, in;
	int		 fds[2];
	size_t		 flushes, most;	/* messages queued at a flush */
	size_t		 snap, events, late;	/* messages read */
};

static struct imsgbuf *
stream_delta(int *full, void *arg)
{
	(void)full;
	return (&((struct stream *)arg)->out);
}

/* As the daemon's send_event_line: one IMSG_EVENT a line. */
static void
stream_event(int type, int priority, struct evbuffer *line, void *arg)
{
	struct stream		*st = arg;
	struct event_hdr	 hdr = { .priority = priority };
	struct ibuf		*wbuf;
	size_t			 n = evbuffer_get_length(line);

	(void)type;
	assert_non_null(wbuf = imsg_create(&st->out, IMSG_EVENT, 0, 0,
	    sizeof(hdr) + n + 1));
	assert_int_not_equal(imsg_add(wbuf, &hdr, sizeof(hdr)), -1);
	assert_int_not_equal(imsg_add(wbuf, evbuffer_pullup(line, -1), n),
	    -1);
	assert_int_not_equal(imsg_add(wbuf, "", 1), -1);
	imsg_close(&st->out, wbuf);
	evbuffer_drain(line, n);
}

/* The frontend's side: every message the socket holds, counted. */
static void
stream_read(struct stream *st)
{
	struct imsg	imsg;
	ssize_t		n;
	int		avail;

	do {
		assert_int_equal(imsgbuf_read(&st->in), 1);
		while ((n = imsg_get(&st->in, &imsg)) > 0) {
			if (imsg_get_type(&imsg) == IMSG_EVENT)
				st->events++;
			else if (st->events > 0)
				st->late++;
			else
				st->snap++;
			imsg_free(&imsg);
		}
		assert_int_not_equal(n, -1);
		assert_int_equal(ioctl(st->fds[1], FIONREAD, &avail), 0);
	} while (avail > 0);
}

/* A write takes what the socket does; the reader empties it. */
static void
stream_drain(struct stream *st)
{
	while (imsgbuf_queuelen(&st->out) > 0) {
		assert_int_equal(imsgbuf_write(&st->out), 0);
		stream_read(st);
	}
}

static void
stream_flush(void *arg)
{
	struct stream	*st = arg;
	size_t		 q = imsgbuf_queuelen(&st->out);

	st->flushes++;
	if (q > st->most)
		st->most = q;
	stream_drain(st);
}

static void
test_first_run_written_as_it_goes(void **state)
{
	struct stream	 st;
	struct snapshot	*s;
	char		*doc;
	size_t		 len = 0, size = 4 * 1024 * 1024;
	int		 k, n = 6000;

	(void)state;
	runs_init(&st.r);
	memset((char *)&st + sizeof(st.r), 0, sizeof(st) - sizeof(st.r));
	st.r.out.delta = stream_delta;
	st.r.out.event = stream_event;
	st.r.out.flush = stream_flush;
	st.r.out.arg = &st;		/* its first member is the runs */
	assert_int_equal(unit_imsg_pair(st.fds, &st.out, &st.in), 0);
	assert_non_null(doc = malloc(size));
	len += snprintf(doc + len, size - len, "{\"wg0\": {\"peers\": {");
	for (k = 0; k < n; k++)
		len += snprintf(doc + len, size - len, "%s\"%043d=\": "
		    "{\"endpoint\": \"192.0.2.1:%d\", \"latestHandshake\": "
		    "%d, \"allowedIps\": [\"10.%d.%d.0/24\"]}",
		    k > 0 ? ", " : "", k, k, NOW - 10, k / 256, k % 256);
	len += snprintf(doc + len, size - len, "}}}");
	assert_true(len < size);
	assert_non_null(s = run_doc(&st.r, doc, NOW));
	free(doc);
	assert_true(st.flushes >= (size_t)n / 512);
	assert_true(st.most <= 600);
	/* What the run left queued, once the loop writes it. */
	stream_drain(&st);
	assert_int_equal(st.events, n);
	assert_true(st.snap > 0);
	assert_int_equal(st.late, 0);
	runs_free(&st.r);
	imsgbuf_clear(&st.out);
	imsgbuf_clear(&st.in);
	close(st.fds[0]);
	close(st.fds[1]);
}

/* Peers 0..n-1 of wg0, each routing two prefixes; peer changed three. */
static char *
lists_doc(int n, int changed)
{
	char	*doc;
	size_t	 len = 0, size = 64 * 1024;
	int	 k;

	assert_non_null(doc = malloc(size));
	len += snprintf(doc + len, size - len, "{\"wg0\": {\"peers\": {");
	for (k = 0; k < n; k++)
		len += snprintf(doc + len, size - len, "%s\"%043d=\": "
		    "{\"allowedIps\": [\"10.0.%d.0/24\", \"fd00::%d/128\"%s]}",
		    k > 0 ? ", " : "", k, k, k, k == changed ?
		    ", \"192.0.2.0/24\"" : "");
	len += snprintf(doc + len, size - len, "}}}");
	assert_true(len < size);
	return (doc);
}

/*
 * A run that goes as a delta keeps of the lists it reads only those that
 * changed, and the new peers': the rest are dropped as soon as read,
 * their hash kept.  The parse says so, and the run's delta carries the
 * changed list.
 */
static void
test_parse_in_place_drops_lists_read_the_same(void **state)
{
	struct runs		 r;
	struct snapshot		*s;
	struct parser		*p;
	struct iface		*ifp;
	const struct peer	*q;
	uint64_t		 hash[41];
	char			*doc, key[64];
	int			 k;

	(void)state;
	runs_init(&r);
	r.out.event = unit_discard_out()->event;
	doc = lists_doc(40, -1);
	assert_int_equal(parse_into(&r, doc, NOW, 0), 0);
	free(doc);
	s = r.c.current;
	assert_false(parse_dropped(s));
	assert_non_null(ifp = snapshot_iface_find(s, "wg0"));
	for (k = 0; k < 40; k++) {
		snprintf(key, sizeof(key), "%043d=", k);
		assert_non_null(q = snapshot_peer_find(ifp, key));
		hash[k] = q->aips_hash;
	}
	doc = lists_doc(41, 7);
	assert_non_null(p = parse_new(s));
	parse_drop_lists(p);
	assert_int_equal(parse_feed(p, (const unsigned char *)doc,
	    strlen(doc)), 0);
	assert_int_equal(parse_finish(p), 0);
	parse_free(p);
	free(doc);
	assert_true(parse_dropped(s));
	for (k = 0; k < 41; k++) {
		snprintf(key, sizeof(key), "%043d=", k);
		assert_non_null(q = snapshot_peer_find(ifp, key));
		assert_true(q->flags & PEER_F_AIPS);
		if (k == 7 || k == 40) {
			assert_int_equal(q->naips, k == 7 ? 3 : 2);
			assert_non_null(q->aips);
			assert_int_not_equal(q->aips_hash,
			    k == 7 ? hash[k] : 0);
			continue;
		}
		assert_int_equal(q->naips, 0);
		assert_null(q->aips);
		assert_int_equal(q->aips_hash, hash[k]);
	}
	snprintf(key, sizeof(key), "%043d=", 7);
	q = snapshot_peer_find(ifp, key);
	assert_string_equal(q->aips, "10.0.7.0/24");
	assert_string_equal(q->aips + strlen(q->aips) + 1, "fd00::7/128");
	cycle_run(&r.c, s, NOW + 10, &r.out);
	assert_false(parse_dropped(s));
	/* Sent, the lists that changed or came are trimmed too. */
	for (k = 0; k < 41; k++) {
		snprintf(key, sizeof(key), "%043d=", k);
		assert_non_null(q = snapshot_peer_find(ifp, key));
		assert_int_equal(q->naips, 0);
		assert_null(q->aips);
		assert_int_not_equal(q->aips_hash, 0);
	}
	runs_free(&r);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_reused_peer_keeps_nothing_of_the_last),
		cmocka_unit_test(
		    test_reused_arrays_hold_only_this_runs_allowed_ips),
		cmocka_unit_test(test_failed_run_between_two_changes_no_event),
		cmocka_unit_test(test_growing_and_shrinking_runs),
		cmocka_unit_test(test_one_walk_gives_the_events_and_delta_of_a_diff),
		cmocka_unit_test(
		    test_walk_down_parsed_orders_gives_events_and_delta),
		cmocka_unit_test(
		    test_parse_in_place_reports_what_a_new_snapshot_does),
		cmocka_unit_test(test_parse_in_place_stays_bounded),
		cmocka_unit_test(test_first_run_written_as_it_goes),
		cmocka_unit_test(test_parse_in_place_drops_lists_read_the_same),
		cmocka_unit_test(
		    test_parse_in_place_after_its_log_is_given_back),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
