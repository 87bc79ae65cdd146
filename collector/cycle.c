/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>
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

/*
 * A successful run, once its output is parsed: the peers' names and
 * statuses, the events against the previous snapshot, the snapshot and
 * the event lines handed to out, and the new snapshot kept, trimmed, as
 * the next run's previous.  The daemon and bench/cycle both run this;
 * what out does with the snapshot and the lines (the imsg I/O) is theirs.
 */
void
cycle_run(struct cycle *c, struct snapshot *snap, int64_t now,
    const struct cycle_out *out)
{
	struct wgm_event_list	 list;
	struct wgm_event	*ev;
	struct evbuffer		*b;
	struct timespec		 mono;

	TAILQ_INIT(&list);
	names_apply(snap);
	/* Ages by the monotonic clock: a step of the wall clock moves none. */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	snap->mono = mono.tv_sec;
	if (snap->mono_start == 0)
		snap->mono_start = snap->mono;
	classify_carry(snap, c->current, now, c->connected, c->disconnected);
	snap->generation = ++c->generation;
	cycle_lap(out, CYCLE_CLASSIFY);
	if (events_diff(c->current, snap, c->current == NULL, &list) == -1 ||
	    (b = evbuffer_new()) == NULL)
		fatal("%s", __func__);
	cycle_lap(out, CYCLE_DIFF);
	out->snapshot(c->current, snap, out->arg);
	cycle_lap(out, CYCLE_ENCODE);
	if (c->failing) {
		if (events_format_recovered(b, now) == -1)
			fatal("%s", __func__);
		out->event(EVENT_RECOVERED, LOG_INFO, b, out->arg);
	}
	TAILQ_FOREACH(ev, &list, entry) {
		if (events_format(b, ev) == -1)
			fatal("%s", __func__);
		out->event(ev->type, events_priority(ev), b, out->arg);
	}
	cycle_lap(out, CYCLE_EVENTS);
	evbuffer_free(b);
	events_clear(&list);
	snapshot_free(c->current);
	snapshot_trim(snap);
	c->current = snap;
	c->failing = 0;
	cycle_lap(out, CYCLE_FREE);
}
