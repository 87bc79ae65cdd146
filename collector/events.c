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

static int
event_append(struct wgm_event_list *list, int type, int64_t ts,
    const struct iface *ifp, const struct peer *p, int status, int old)
{
	struct wgm_event	*ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return (-1);
	ev->type = type;
	ev->timestamp = ts;
	strlcpy(ev->iface, ifp->name, sizeof(ev->iface));
	strlcpy(ev->peer, p->key, sizeof(ev->peer));
	strlcpy(ev->name, p->name, sizeof(ev->name));
	ev->status = status;
	ev->old_status = old;
	ev->p = type == EVENT_REMOVED ? NULL : p;
	TAILQ_INSERT_TAIL(list, ev, entry);
	return (0);
}

static int
diff_initial(const struct snapshot *new, struct wgm_event_list *list)
{
	struct iface	*ifp;
	struct peer	*p;

	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&new->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			if (p->status == STATUS_INACTIVE)
				continue;
			if (event_append(list, EVENT_INITIAL, new->time, ifp, p,
			    p->status, p->status) == -1)
				return (-1);
		}
	return (0);
}

/* An interface that is gone is a tree with nothing in it. */
static struct peer *
first_peer(const struct iface *ifp)
{
	if (ifp == NULL)
		return (NULL);
	return (RB_MIN(peer_tree, (struct peer_tree *)&ifp->peers));
}

static int
diff_pair(int64_t ts, const struct iface *nifp, const struct peer *p,
    const struct iface *oifp, const struct peer *op,
    struct wgm_event_list *list)
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

/*
 * Both trees are in key order: one walk side by side, as in a merge,
 * instead of a lookup per peer.
 */
static int
diff_iface(int64_t ts, const struct iface *nifp, const struct iface *oifp,
    struct wgm_event_list *list)
{
	struct peer	*p = first_peer(nifp), *op = first_peer(oifp);
	int		 c;

	while (p != NULL || op != NULL) {
		c = p == NULL ? 1 : op == NULL ? -1 : strcmp(p->key, op->key);
		if (diff_pair(ts, nifp, c <= 0 ? p : NULL, oifp,
		    c >= 0 ? op : NULL, list) == -1)
			return (-1);
		if (c <= 0)
			p = RB_NEXT(peer_tree, NULL, p);
		if (c >= 0)
			op = RB_NEXT(peer_tree, NULL, op);
	}
	return (0);
}

/*
 * The events that lead from old to new, in the order of the trees.
 * With initial set, old is ignored and each peer shown in /status gets
 * its initial_status.
 */
int
events_diff(const struct snapshot *old, const struct snapshot *new,
    int initial, struct wgm_event_list *list)
{
	struct iface	*ifp, *oifp;
	int		 c;

	if (initial || old == NULL)
		return (diff_initial(new, list));
	ifp = RB_MIN(iface_tree, (struct iface_tree *)&new->ifaces);
	oifp = RB_MIN(iface_tree, (struct iface_tree *)&old->ifaces);
	while (ifp != NULL || oifp != NULL) {
		c = ifp == NULL ? 1 : oifp == NULL ? -1 :
		    strcmp(ifp->name, oifp->name);
		if (diff_iface(new->time, c <= 0 ? ifp : NULL,
		    c >= 0 ? oifp : NULL, list) == -1)
			return (-1);
		if (c <= 0)
			ifp = RB_NEXT(iface_tree, NULL, ifp);
		if (c >= 0)
			oifp = RB_NEXT(iface_tree, NULL, oifp);
	}
	return (0);
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
	size_t		 i;
	int		 rc = -1;

	if ((item = evbuffer_new()) == NULL ||
	    evbuffer_add_printf(b, ",\"allowedIps\":[") == -1)
		goto done;
	for (i = 0; i < p->naips; i++) {
		if (json_string(item, p->aips[i]) == -1)
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
 * One JSON object, keys in the order of DESIGN §5, no newline.  The
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
