/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/buffer.h>

#include "log.h"
#include "wgmond.h"
#include "collector.h"

/* bench/cycle times each step; the daemon passes no lap. */
static void
cycle_lap(const struct cycle_out *out, int step)
{
	if (out->lap != NULL)
		out->lap(step, out->arg);
}

#define WALK_AHEAD	8	/* peers read ahead in a walk down orders */
#define FLUSH_EVERY	512	/* peers walked, or events made, a flush */

/*
 * What a run queues can be written while the run goes on, for the
 * frontend to read on the other core: the first run's whole snapshot and
 * initial_status lines need not all be held at once.
 */
static void
cycle_flush(const struct cycle_out *out, size_t *count)
{
	if (out->flush != NULL && ++*count % FLUSH_EVERY == 0)
		out->flush(out->arg);
}

/*
 * One walk over a run's peers in key order, each beside its previous
 * self (the snapshot's before the parse in place, or the last run's
 * snapshot): each peer is named, classified, compared with it and
 * packed into the delta while it is in the cache, with no lookup.
 */
struct cycle_walk {
	struct snapshot		*snap;		/* the run's */
	struct classify		 cl;
	struct wgm_event_list	*list;
	struct snapshot_packer	*pk;		/* NULL: no snapshot sent */
	const struct cycle_out	*out;
	size_t			 pairs;		/* walked so far */
	int			 names;		/* carried over */
	int			 initial;	/* no events here */
};

/* A key of an interface: p in this run, q in the last, either NULL. */
static void
walk_pair(struct cycle_walk *w, const struct iface *nifp,
    const struct iface *oifp, struct peer *p, const struct peer *q)
{
	if (p != NULL) {
		names_peer(w->snap, p, q, w->names);
		classify_pair(&w->cl, p, q);
	}
	if (!w->initial && events_pair(w->list, w->cl.now, nifp, oifp, p,
	    q) == -1)
		fatal("%s", __func__);
	/* An interface gone is not listed: its peers go with it. */
	if (w->pk != NULL && nifp != NULL &&
	    snapshot_pack_pair(w->pk, q, p) == -1)
		fatal("%s: snapshot_pack_pair", __func__);
	cycle_flush(w->out, &w->pairs);
}

/*
 * Both interfaces' peers in key order, as the parse left them: the walk
 * goes down two arrays, reading a few peers ahead in each.
 */
static void
walk_orders(struct cycle_walk *w, struct iface *nifp, struct iface *oifp,
    struct peer *const *nv, struct peer *const *ov)
{
	size_t	i = 0, j = 0, n, o;
	int	c;

	n = nifp == NULL ? 0 : nifp->npeers;
	o = oifp == NULL ? 0 : oifp->npeers;
	while (i < n || j < o) {
		if (i + WALK_AHEAD < n)
			peer_prefetch(nv[i + WALK_AHEAD]);
		if (j + WALK_AHEAD < o)
			peer_prefetch(ov[j + WALK_AHEAD]);
		c = i == n ? 1 : j == o ? -1 : strcmp(nv[i]->key, ov[j]->key);
		walk_pair(w, nifp, oifp, c <= 0 ? nv[i] : NULL,
		    c >= 0 ? ov[j] : NULL);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
}

/* An interface in either run, or both; one that is gone has no peers. */
static void
walk_peers(struct cycle_walk *w, struct iface *nifp, struct iface *oifp)
{
	static struct peer *const	 none[1];
	struct peer *const		*nv = none, *const *ov = none;
	struct peer			*p, *q;
	int				 c;

	if (nifp != NULL)
		nv = snapshot_iface_order(nifp);
	if (oifp != NULL)
		ov = snapshot_iface_order(oifp);
	if (nv != NULL && ov != NULL) {
		walk_orders(w, nifp, oifp, nv, ov);
		return;
	}
	p = nifp == NULL ? NULL : RB_MIN(peer_tree, &nifp->peers);
	q = oifp == NULL ? NULL : RB_MIN(peer_tree, &oifp->peers);
	while (p != NULL || q != NULL) {
		c = p == NULL ? 1 : q == NULL ? -1 : strcmp(p->key, q->key);
		walk_pair(w, nifp, oifp, c <= 0 ? p : NULL, c >= 0 ? q : NULL);
		if (c <= 0)
			p = RB_NEXT(peer_tree, &nifp->peers, p);
		if (c >= 0)
			q = RB_NEXT(peer_tree, &oifp->peers, q);
	}
}

static void
walk_ifaces(struct cycle_walk *w, struct snapshot *s, struct snapshot *prev)
{
	struct iface	*n, *o;
	int		 c;

	n = RB_MIN(iface_tree, &s->ifaces);
	o = prev == NULL ? NULL : RB_MIN(iface_tree, &prev->ifaces);
	while (n != NULL || o != NULL) {
		c = n == NULL ? 1 : o == NULL ? -1 : strcmp(n->name, o->name);
		if (c <= 0 && w->pk != NULL &&
		    snapshot_pack_iface(w->pk, n) == -1)
			fatal("%s: snapshot_pack_iface", __func__);
		walk_peers(w, c <= 0 ? n : NULL, c >= 0 ? o : NULL);
		if (c <= 0)
			n = RB_NEXT(iface_tree, &s->ifaces, n);
		if (c >= 0)
			o = RB_NEXT(iface_tree, &prev->ifaces, o);
	}
}

/*
 * An interface of a snapshot parsed in place: each peer against its old
 * self (parse_was), the peers gone (g) merged in by key.  Where each gone
 * one goes is searched for: the few that leave a run cost a search each,
 * not every peer a comparison.
 */
static void
walk_kept(struct cycle_walk *w, struct iface *ifp, const struct iface_gone *g)
{
	struct peer *const	*v = NULL;
	struct peer		 o;
	size_t			 i = 0, j, end, n = ifp->npeers;
	size_t			 ng = g == NULL ? 0 : g->n;

	if (n > 0 && (v = snapshot_iface_ordered(ifp)) == NULL)
		fatal("%s", __func__);
	for (j = 0; j <= ng; j++) {
		end = j == ng ? n : snapshot_order_lower(v, i, n,
		    g->v[j]->key);
		for (; i < end; i++) {
			if (i + WALK_AHEAD < n)
				peer_prefetch(v[i + WALK_AHEAD]);
			if (i + WALK_AHEAD / 2 < n)
				parse_was_prefetch(v[i + WALK_AHEAD / 2]);
			walk_pair(w, ifp, ifp, v[i], parse_was(v[i], &o));
		}
		if (j < ng)
			walk_pair(w, ifp, ifp, NULL, g->v[j]);
	}
}

/*
 * The snapshot parsed in place, with what left it (parse_gone): by
 * interface name, as walk_ifaces goes over two snapshots.
 */
static void
walk_inplace(struct cycle_walk *w, struct snapshot *s)
{
	const struct iface_gone	*g;
	struct iface		*ifp;
	size_t			 ng, k = 0;

	ng = parse_gone(s, &g);
	ifp = RB_MIN(iface_tree, &s->ifaces);
	while (ifp != NULL || k < ng) {
		if (k < ng && g[k].unlinked && (ifp == NULL ||
		    strcmp(g[k].ifp->name, ifp->name) < 0)) {
			walk_peers(w, NULL, g[k++].ifp);
			continue;
		}
		if (w->pk != NULL && snapshot_pack_iface(w->pk, ifp) == -1)
			fatal("%s: snapshot_pack_iface", __func__);
		walk_kept(w, ifp, k < ng && g[k].ifp == ifp ? &g[k++] : NULL);
		ifp = RB_NEXT(iface_tree, &s->ifaces, ifp);
	}
}

/* Where a run's event lines go, one at a time. */
struct cycle_emit {
	const struct cycle_out	*out;
	struct evbuffer		*b;
	size_t			 n;
};

static int
cycle_emit(const struct wgm_event *ev, void *arg)
{
	struct cycle_emit	*e = arg;

	if (events_format(e->b, ev) == -1)
		return (-1);
	e->out->event(ev->type, events_priority(ev), e->b, e->out->arg);
	cycle_flush(e->out, &e->n);
	return (0);
}

/*
 * A successful run, once its output is parsed: the peers' names and
 * statuses, the events against the previous run, the snapshot and the
 * event lines handed to out, and the snapshot kept, trimmed, as the next
 * run's.  The daemon's snapshot is the last run's, parsed in place (snap
 * is c->current); a test may hand a new one per run instead.  The daemon
 * and bench/cycle both run this; what out does with the messages and the
 * lines (the imsg I/O) is theirs.
 */
void
cycle_run(struct cycle *c, struct snapshot *snap, int64_t now,
    const struct cycle_out *out)
{
	struct wgm_event_list	 list;
	struct wgm_event	*ev;
	struct cycle_emit	 e;
	struct timespec		 mono;
	struct cycle_walk	 w;
	struct snapshot_packer	 pk;
	struct imsgbuf		*ibuf;
	struct snapshot		 last;
	const struct snapshot	*prev = c->current;
	int			 full = 0, inplace = snap == c->current;

	TAILQ_INIT(&list);
	/* Parsed in place, the snapshot is the last run's: its clocks. */
	if (inplace) {
		memset(&last, 0, sizeof(last));
		RB_INIT(&last.ifaces);
		last.time = snap->time;
		last.mono = snap->mono;
		last.mono_start = c->mono_start;
		prev = &last;
	}
	/* Ages by the monotonic clock: a step of the wall clock moves none. */
	if (out->mono != NULL)
		snap->mono = out->mono(out->arg);
	else {
		clock_gettime(CLOCK_MONOTONIC, &mono);
		snap->mono = mono.tv_sec;
	}
	if (snap->mono_start == 0)
		snap->mono_start = snap->mono;
	classify_begin(&w.cl, snap, prev, now, c->connected,
	    c->disconnected);
	snap->generation = ++c->generation;
	w.snap = snap;
	w.list = &list;
	w.names = names_unchanged();
	w.initial = c->current == NULL;
	w.pk = NULL;
	w.out = out;
	w.pairs = 0;
	if ((ibuf = out->delta(&full, out->arg)) != NULL) {
		/* Whole, it carries every list: the parse kept them all. */
		if (full && parse_dropped(snap))
			fatalx("%s: a whole snapshot without its lists",
			    __func__);
		if (snapshot_pack_begin(&pk, ibuf, snap,
		    full || w.initial) == -1)
			fatal("%s: snapshot_pack_begin", __func__);
		w.pk = &pk;
	}
	if (inplace)
		walk_inplace(&w, snap);
	else
		walk_ifaces(&w, snap, c->current);
	cycle_lap(out, CYCLE_CLASSIFY);
	c->queued = -1;
	if (w.pk != NULL && (c->queued = snapshot_pack_end(w.pk)) == -1)
		fatal("%s: snapshot_pack_end", __func__);
	cycle_lap(out, CYCLE_ENCODE);
	e.out = out;
	e.n = 0;
	if ((e.b = evbuffer_new()) == NULL)
		fatal("%s", __func__);
	if (c->failing) {
		if (events_format_recovered(e.b, now) == -1)
			fatal("%s", __func__);
		out->event(EVENT_RECOVERED, LOG_INFO, e.b, out->arg);
	}
	/* The first run: initial_status for each peer shown. */
	if (w.initial && events_initial(snap, cycle_emit, &e) == -1)
		fatal("%s", __func__);
	cycle_lap(out, CYCLE_DIFF);
	TAILQ_FOREACH(ev, &list, entry)
		if (cycle_emit(ev, &e) == -1)
			fatal("%s", __func__);
	cycle_lap(out, CYCLE_EVENTS);
	evbuffer_free(e.b);
	events_clear(&list);
	if (!inplace)
		snapshot_free(c->current);
	if (parse_done(snap))
		snapshot_trim_lists(snap);
	else
		snapshot_trim(snap);
	snapshot_compact(snap);
	c->current = snap;
	c->mono_start = snap->mono_start;
	c->failing = 0;
	cycle_lap(out, CYCLE_FREE);
}
