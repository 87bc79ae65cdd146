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

/*
 * docs/DESIGN.md §4.  A handshake in the future (clock stepped back, or a
 * script that reports another host's clock) counts as age 0, not as never.
 */
int
classify_peer(const struct peer *p, int64_t now, uint32_t connected,
    uint32_t disconnected)
{
	int64_t	age;

	if (!(p->flags & PEER_F_HANDSHAKE) || p->handshake == 0)
		return (STATUS_NEVER);
	age = now > p->handshake ? now - p->handshake : 0;
	if (age <= connected)
		return (STATUS_CONNECTED);
	if (age <= disconnected)
		return (STATUS_DISCONNECTED);
	return (STATUS_INACTIVE);
}

void
classify_snapshot(struct snapshot *s, int64_t now, uint32_t connected,
    uint32_t disconnected)
{
	struct iface	*ifp;
	struct peer	*p;

	s->time = now;
	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers)
			p->status = classify_peer(p, now, connected,
			    disconnected);
}
