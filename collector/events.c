/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/buffer.h>

#include "wgmond.h"
#include "collector.h"

static const char *event_names[] = {
	"initial_status",
	"status_change",
	"new_peer",
	"peer_removed"
};


/*
 * An operator is told when a peer stops being connected, however far past
 * the thresholds it aged between two runs: so inactive is reported as
 * disconnected, and disconnected -> inactive is no change at all.
 */
static int
reported_status(int status)
{
	return (status == STATUS_INACTIVE ? STATUS_DISCONNECTED : status);
}

static void
event_fill(struct wgm_event *ev, int type, int64_t ts,
    const struct iface *ifp, const struct peer *p, int status, int old)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->timestamp = ts;
	strlcpy(ev->iface, ifp->name, sizeof(ev->iface));
	strlcpy(ev->peer, p->key, sizeof(ev->peer));
	strlcpy(ev->name, p->name, sizeof(ev->name));
	ev->status = status;
	ev->old_status = old;
	ev->p = type == EVENT_REMOVED ? NULL : p;
}

/* A copy of the event at the end of the list (a void *, for emit). */
static int
event_push(const struct wgm_event *src, void *list)
{
	struct wgm_event	*ev;

	if ((ev = malloc(sizeof(*ev))) == NULL)
		return (-1);
	*ev = *src;
	TAILQ_INSERT_TAIL((struct wgm_event_list *)list, ev, entry);
	return (0);
}

static int
event_append(struct wgm_event_list *list, int type, int64_t ts,
    const struct iface *ifp, const struct peer *p, int status, int old)
{
	struct wgm_event	ev;

	event_fill(&ev, type, ts, ifp, p, status, old);
	return (event_push(&ev, list));
}

/*
 * The first run's initial_status of each peer shown in /status, handed
 * to emit one at a time, in the order of the trees: at 100,000 peers a
 * list of them all would be the largest thing the run allocates.
 */
int
events_initial(const struct snapshot *new,
    int (*emit)(const struct wgm_event *, void *), void *arg)
{
	struct wgm_event	 ev;
	struct iface		*ifp;
	struct peer		*p;

	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&new->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			if (p->status == STATUS_INACTIVE)
				continue;
			event_fill(&ev, EVENT_INITIAL, new->time, ifp, p,
			    p->status, p->status);
			if (emit(&ev, arg) == -1)
				return (-1);
		}
	return (0);
}

/* A diff in progress: the interfaces whose peers are being walked. */
struct diff {
	int64_t			 ts;
	const struct iface	*nifp;
	const struct iface	*oifp;
	struct wgm_event_list	*list;
};

/* How to step through one kind of tree, and what to do with a pair. */
struct walk {
	const void	*(*next)(const void *);
	const char	*(*key)(const void *);
	int		 (*pair)(struct diff *, const void *, const void *);
};

/*
 * Both trees are in key order: one walk side by side, as in a merge,
 * instead of a lookup per element.  An element missing from one tree is
 * paired with NULL.
 */
static int
merge_walk(const struct walk *w, const void *n, const void *o,
    struct diff *d)
{
	int	c;

	while (n != NULL || o != NULL) {
		c = n == NULL ? 1 : o == NULL ? -1 :
		    strcmp(w->key(n), w->key(o));
		if (w->pair(d, c <= 0 ? n : NULL, c >= 0 ? o : NULL) == -1)
			return (-1);
		if (c <= 0)
			n = w->next(n);
		if (c >= 0)
			o = w->next(o);
	}
	return (0);
}

static const void *
peer_next(const void *p)
{
	return (RB_NEXT(peer_tree, NULL, (struct peer *)p));
}

static const char *
peer_key(const void *p)
{
	return (((const struct peer *)p)->key);
}

static const void *
iface_next(const void *ifp)
{
	return (RB_NEXT(iface_tree, NULL, (struct iface *)ifp));
}

static const char *
iface_key(const void *ifp)
{
	return (((const struct iface *)ifp)->name);
}

/*
 * The event, if any, of one key of an interface: p in the new run (of
 * nifp), op in the old (of oifp), either NULL where the key is not.
 */
int
events_pair(struct wgm_event_list *list, int64_t ts,
    const struct iface *nifp, const struct iface *oifp,
    const struct peer *p, const struct peer *op)
{
	if (op == NULL)
		return (event_append(list, EVENT_NEW_PEER, ts, nifp, p,
		    p->status, p->status));
	if (p == NULL)
		return (event_append(list, EVENT_REMOVED, ts, oifp, op,
		    op->status, op->status));
	if (reported_status(op->status) == reported_status(p->status))
		return (0);
	return (event_append(list, EVENT_CHANGE, ts, nifp, p,
	    reported_status(p->status), reported_status(op->status)));
}

static int
diff_peer(struct diff *d, const void *new, const void *old)
{
	return (events_pair(d->list, d->ts, d->nifp, d->oifp, new, old));
}

static const struct walk peer_walk = { peer_next, peer_key, diff_peer };

/* An interface that is gone is a tree with nothing in it. */
static const struct peer *
first_peer(const struct iface *ifp)
{
	if (ifp == NULL)
		return (NULL);
	return (RB_MIN(peer_tree, (struct peer_tree *)&ifp->peers));
}

static int
diff_iface(struct diff *d, const void *new, const void *old)
{
	d->nifp = new;
	d->oifp = old;
	return (merge_walk(&peer_walk, first_peer(d->nifp),
	    first_peer(d->oifp), d));
}

static const struct walk iface_walk = { iface_next, iface_key, diff_iface };

/*
 * The events that lead from old to new, in the order of the trees.
 * With initial set, old is ignored and each peer shown in /status gets
 * its initial_status.
 */
int
events_diff(const struct snapshot *old, const struct snapshot *new,
    int initial, struct wgm_event_list *list)
{
	struct diff	d = { new->time, NULL, NULL, list };

	if (initial || old == NULL)
		return (events_initial(new, event_push, list));
	return (merge_walk(&iface_walk,
	    RB_MIN(iface_tree, (struct iface_tree *)&new->ifaces),
	    RB_MIN(iface_tree, (struct iface_tree *)&old->ifaces), &d));
}

void
events_clear(struct wgm_event_list *list)
{
	struct wgm_event	*ev;

	while ((ev = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, ev, entry);
		free(ev);
	}
}

int
events_priority(const struct wgm_event *ev)
{
	return (ev->type == EVENT_CHANGE ? LOG_NOTICE : LOG_INFO);
}

static int
format_head(struct evbuffer *b, const char *name, int64_t ts)
{
	return (evbuffer_add_printf(b, "{\"event\":\"%s\",\"timestamp\":%"
	    PRId64, name, ts) == -1 ? -1 : 0);
}

#define AIPS_CUT	",\"allowedIpsTruncated\":true"

/*
 * Whether an entry of len bytes, its comma and what must follow it, "]",
 * the mark of a cut list unless it is the last entry, and "}", still fit
 * in one event line.
 */
static int
aip_fits(const struct evbuffer *b, size_t len, int first, int last)
{
	size_t	tail = 2 + (last ? 0 : sizeof(AIPS_CUT) - 1);

	return (evbuffer_get_length(b) + !first + len + tail <= WGM_EVENT_MAX);
}

/*
 * A peer may route thousands of prefixes: an event line stays within
 * what syslog takes whole (WGM_EVENT_MAX), so its list keeps the entries
 * that fit, each whole, and says when it is cut.  An entry is escaped
 * before it is measured: escaping may make it six times as long.
 */
static int
format_aips(struct evbuffer *b, const struct peer *p)
{
	struct evbuffer	*item;
	const char	*a = p->aips;
	size_t		 i;
	int		 rc = -1;

	if ((item = evbuffer_new()) == NULL ||
	    evbuffer_add_printf(b, ",\"allowedIps\":[") == -1)
		goto done;
	for (i = 0; i < p->naips; i++, a += strlen(a) + 1) {
		if (json_string(item, a) == -1)
			goto done;
		if (!aip_fits(b, evbuffer_get_length(item), i == 0,
		    i + 1 == p->naips))
			break;
		if ((i > 0 && evbuffer_add(b, ",", 1) == -1) ||
		    evbuffer_add_buffer(b, item) == -1)
			goto done;
	}
	if (evbuffer_add(b, "]", 1) == -1 || (i < p->naips &&
	    evbuffer_add(b, AIPS_CUT, sizeof(AIPS_CUT) - 1) == -1))
		goto done;
	rc = 0;
 done:
	if (item != NULL)
		evbuffer_free(item);
	return (rc);
}

static int
format_status(struct evbuffer *b, const char *name, int status)
{
	return (evbuffer_add_printf(b, ",\"%s\":\"%s\"", name,
	    snapshot_status_name(status)) == -1 ? -1 : 0);
}

/* The peer's name, right after its key, when it has one. */
static int
format_name(struct evbuffer *b, const struct wgm_event *ev)
{
	if (ev->name[0] == '\0')
		return (0);
	if (evbuffer_add_printf(b, ",\"name\":") == -1)
		return (-1);
	return (json_string(b, ev->name));
}

/*
 * One JSON object, keys in the order of docs/DESIGN.md §5, no newline.  The
 * interface, key, name and endpoint are bounded by their fixed sizes,
 * under 1,700 bytes escaped: the rest of WGM_EVENT_MAX is the allowed
 * IPs' room, and format_aips measures what the line already holds.
 */
int
events_format(struct evbuffer *b, const struct wgm_event *ev)
{
	if (format_head(b, event_names[ev->type], ev->timestamp) == -1 ||
	    evbuffer_add_printf(b, ",\"interface\":") == -1 ||
	    json_string(b, ev->iface) == -1 ||
	    evbuffer_add_printf(b, ",\"peer\":") == -1 ||
	    json_string(b, ev->peer) == -1 || format_name(b, ev) == -1)
		return (-1);
	switch (ev->type) {
	case EVENT_INITIAL:
		if (format_status(b, "status", ev->status) == -1 ||
		    evbuffer_add_printf(b, ",\"endpoint\":") == -1)
			return (-1);
		if (!(ev->p->flags & PEER_F_ENDPOINT)) {
			if (evbuffer_add_printf(b, "null") == -1)
				return (-1);
		} else if (json_string(b, ev->p->endpoint) == -1)
			return (-1);
		if (format_aips(b, ev->p) == -1)
			return (-1);
		break;
	case EVENT_CHANGE:
		if (format_status(b, "new_status", ev->status) == -1 ||
		    format_status(b, "old_status", ev->old_status) == -1)
			return (-1);
		break;
	case EVENT_NEW_PEER:
		if (format_status(b, "status", ev->status) == -1)
			return (-1);
		break;
	case EVENT_REMOVED:
		if (format_status(b, "old_status", ev->old_status) == -1)
			return (-1);
		break;
	}
	return (evbuffer_add(b, "}", 1));
}

int
events_format_error(struct evbuffer *b, int64_t ts, int error,
    const char *detail)
{
	if (format_head(b, "collect_error", ts) == -1 ||
	    evbuffer_add_printf(b, ",\"error\":\"%s\",\"detail\":",
	    snapshot_error_name(error)) == -1 ||
	    json_string(b, detail) == -1)
		return (-1);
	return (evbuffer_add(b, "}", 1));
}

int
events_format_recovered(struct evbuffer *b, int64_t ts)
{
	if (format_head(b, "collect_recovered", ts) == -1)
		return (-1);
	return (evbuffer_add(b, "}", 1));
}
