/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <stdint.h>

#include "wgmond.h"
#include "collector.h"

/* Seconds of drift between the clocks that count as a step, not a tick. */
#define CLOCK_STEP_MIN	2

static int
classify_age(int64_t age, uint32_t connected, uint32_t disconnected)
{
	if (age <= connected)
		return (STATUS_CONNECTED);
	if (age <= disconnected)
		return (STATUS_DISCONNECTED);
	return (STATUS_INACTIVE);
}

static int
has_handshake(const struct peer *p)
{
	return ((p->flags & PEER_F_HANDSHAKE) && p->handshake != 0);
}

/*
 * docs/DESIGN.md §4.  A handshake in the future (clock stepped back, or
 * a script that reports another host's clock) counts as age 0, not as
 * never.
 */
static int64_t
wall_age(const struct peer *p, int64_t now)
{
	return (now > p->handshake ? now - p->handshake : 0);
}

/*
 * The handshake's time on the monotonic clock.  Its wall-clock age is
 * taken once, when the value is first seen, and then kept, so that a
 * step of the wall clock changes no age already taken: the kernel
 * stamps handshakes with the wall clock, and one stamped before a step
 * and read after it would be off by the step.  Only across a step, a
 * value that the previous run did not see is taken as made after that
 * run started: without one, the wall clock is right, and a script that
 * reports ages rather than times (or a fixture) moves the value back
 * and forth.
 */
static int64_t
handshake_mono(const struct classify *cl, const struct peer *p,
    const struct peer *q)
{
	const struct snapshot	*s = cl->s;
	int64_t			 age;

	if (q != NULL && has_handshake(q) && q->handshake == p->handshake)
		return (q->hs_mono);
	age = wall_age(p, cl->now);
	if (cl->stepped && q != NULL && age > s->mono - cl->prev->mono_start)
		age = s->mono - cl->prev->mono_start;
	return (s->mono - age);
}

/*
 * Whether the wall clock was stepped since prev: its distance to the
 * monotonic clock moved by more than the seconds both are read in.
 */
static int
clock_stepped(const struct snapshot *s, const struct snapshot *prev,
    int64_t now)
{
	int64_t	moved;

	if (prev == NULL)
		return (0);
	moved = (now - s->mono) - (prev->time - prev->mono);
	return (moved > CLOCK_STEP_MIN || moved < -CLOCK_STEP_MIN);
}

/*
 * Readies cl to classify the peers of s by handshake ages carried from
 * prev (NULL: none), the run before it; s->mono and s->mono_start must
 * be set.  now is the wall clock, for handshakes seen for the first time.
 */
void
classify_begin(struct classify *cl, struct snapshot *s,
    const struct snapshot *prev, int64_t now, uint32_t connected,
    uint32_t disconnected)
{
	cl->s = s;
	cl->prev = prev;
	cl->now = now;
	cl->connected = connected;
	cl->disconnected = disconnected;
	cl->stepped = clock_stepped(s, prev, now);
	s->time = now;
}

/* Peer p of s, and q, the same key of the same interface in prev or NULL. */
void
classify_pair(const struct classify *cl, struct peer *p, const struct peer *q)
{
	int64_t	age;

	if (!has_handshake(p)) {
		/* A peer parsed in place may have had one. */
		p->hs_mono = 0;
		p->status = STATUS_NEVER;
		return;
	}
	p->hs_mono = handshake_mono(cl, p, q);
	age = cl->s->mono - p->hs_mono;
	p->status = classify_age(age > 0 ? age : 0, cl->connected,
	    cl->disconnected);
}

/*
 * A snapshot with no history, for what classifies outside a cycle (the
 * benchmark, the fuzz targets): the wall clock stands for both clocks.
 */
void
classify_snapshot(struct snapshot *s, int64_t now, uint32_t connected,
    uint32_t disconnected)
{
	struct classify	 cl;
	struct iface	*ifp;
	struct peer	*p;

	s->mono = s->mono_start = now;
	classify_begin(&cl, s, NULL, now, connected, disconnected);
	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers)
			classify_pair(&cl, p, NULL);
}
