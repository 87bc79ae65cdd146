/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wgmond.h"

struct snapshot_builder {
	struct snapshot		*next;
	struct iface		*iface;		/* receiving its peers */
	struct peer		*peer;		/* receiving SNAP_AIPS */
	size_t			 iface_left;	/* peers still due */
	size_t			 aips_left;	/* allowed IPs still due */
	uint32_t		 generation;
	struct snap_begin	 begin;
};

static int
compose_peer(struct imsgbuf *ibuf, uint32_t gen, const struct peer *p)
{
	struct snap_peer	 sp;
	struct snap_aips	 sa;
	size_t			 i, n;

	memset(&sp, 0, sizeof(sp));
	strlcpy(sp.key, p->key, sizeof(sp.key));
	strlcpy(sp.name, p->name, sizeof(sp.name));
	strlcpy(sp.endpoint, p->endpoint, sizeof(sp.endpoint));
	sp.handshake = p->handshake;
	sp.rx = p->rx;
	sp.tx = p->tx;
	sp.keepalive = p->keepalive;
	sp.flags = p->flags;
	sp.status = p->status;
	sp.naips = p->naips;
	for (i = 0; i < p->naips && i < WGM_PEER_AIPS; i++)
		strlcpy(sp.aips[i], p->aips[i], WGM_AIP_MAX);
	if (imsg_compose(ibuf, IMSG_SNAP_PEER, gen, 0, -1, &sp,
	    sizeof(sp)) == -1)
		return (-1);
	while (i < p->naips) {
		memset(&sa, 0, sizeof(sa));
		for (n = 0; n < WGM_AIPS_CHUNK && i < p->naips; n++, i++)
			strlcpy(sa.aips[n], p->aips[i], WGM_AIP_MAX);
		sa.naips = n;
		if (imsg_compose(ibuf, IMSG_SNAP_AIPS, gen, 0, -1, &sa,
		    sizeof(sa)) == -1)
			return (-1);
	}
	return (0);
}

static int
compose_iface(struct imsgbuf *ibuf, uint32_t gen, const struct iface *ifp)
{
	struct snap_iface	 si;
	struct peer		*p;

	memset(&si, 0, sizeof(si));
	strlcpy(si.name, ifp->name, sizeof(si.name));
	strlcpy(si.pubkey, ifp->pubkey, sizeof(si.pubkey));
	si.port = ifp->port;
	si.fwmark = ifp->fwmark;
	si.flags = ifp->flags;
	si.npeers = ifp->npeers;
	if (imsg_compose(ibuf, IMSG_SNAP_IFACE, gen, 0, -1, &si,
	    sizeof(si)) == -1)
		return (-1);
	RB_FOREACH(p, peer_tree, (struct peer_tree *)&ifp->peers)
		if (compose_peer(ibuf, gen, p) == -1)
			return (-1);
	return (0);
}

/* Queues the whole snapshot; the caller's event loop writes it out. */
int
snapshot_compose(struct imsgbuf *ibuf, const struct snapshot *s)
{
	struct snap_begin	 sb;
	struct snap_end		 se;
	struct iface		*ifp;

	memset(&sb, 0, sizeof(sb));
	sb.time = s->time;
	sb.nifaces = s->nifaces;
	sb.npeers = s->npeers;
	if (imsg_compose(ibuf, IMSG_SNAP_BEGIN, s->generation, 0, -1, &sb,
	    sizeof(sb)) == -1)
		return (-1);
	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces)
		if (compose_iface(ibuf, s->generation, ifp) == -1)
			return (-1);
	memset(&se, 0, sizeof(se));
	se.npeers = s->npeers;
	if (imsg_compose(ibuf, IMSG_SNAP_END, s->generation, 0, -1, &se,
	    sizeof(se)) == -1)
		return (-1);
	return (0);
}

struct snapshot_builder *
snapshot_builder_new(void)
{
	return (calloc(1, sizeof(struct snapshot_builder)));
}

void
snapshot_builder_free(struct snapshot_builder *b)
{
	if (b == NULL)
		return;
	snapshot_free(b->next);
	free(b);
}

/* A string from the other process must end inside its field. */
static int
nul_terminated(const char *s, size_t len)
{
	return (memchr(s, '\0', len) != NULL);
}

static int
builder_begin(struct snapshot_builder *b, struct imsg *imsg)
{
	if (b->next != NULL)
		return (-1);
	if (imsg_get_data(imsg, &b->begin, sizeof(b->begin)) == -1)
		return (-1);
	if ((b->next = snapshot_new()) == NULL)
		return (-1);
	b->generation = imsg_get_id(imsg);
	b->next->generation = b->generation;
	b->next->time = b->begin.time;
	b->iface = NULL;
	b->peer = NULL;
	b->iface_left = 0;
	b->aips_left = 0;
	return (0);
}

static int
builder_iface(struct snapshot_builder *b, struct imsg *imsg)
{
	struct snap_iface	 si;
	struct iface		*ifp;

	if (b->next == NULL || b->iface_left != 0 || b->aips_left != 0)
		return (-1);
	if (imsg_get_data(imsg, &si, sizeof(si)) == -1)
		return (-1);
	if (!nul_terminated(si.name, sizeof(si.name)) ||
	    !nul_terminated(si.pubkey, sizeof(si.pubkey)))
		return (-1);
	if (b->next->nifaces >= b->begin.nifaces)
		return (-1);
	if ((ifp = snapshot_iface_add(b->next, si.name)) == NULL)
		return (-1);
	strlcpy(ifp->pubkey, si.pubkey, sizeof(ifp->pubkey));
	ifp->port = si.port;
	ifp->fwmark = si.fwmark;
	ifp->flags = si.flags;
	b->iface = ifp;
	b->iface_left = si.npeers;
	return (0);
}

static int
builder_peer(struct snapshot_builder *b, struct imsg *imsg)
{
	struct snap_peer	 sp;
	struct peer		*p;
	size_t			 i;

	if (b->iface == NULL || b->iface_left == 0 || b->aips_left != 0)
		return (-1);
	if (imsg_get_data(imsg, &sp, sizeof(sp)) == -1)
		return (-1);
	if (!nul_terminated(sp.key, sizeof(sp.key)) ||
	    !nul_terminated(sp.name, sizeof(sp.name)) ||
	    !nul_terminated(sp.endpoint, sizeof(sp.endpoint)))
		return (-1);
	if (sp.status < STATUS_NEVER || sp.status > STATUS_INACTIVE)
		return (-1);
	if (b->next->npeers >= b->begin.npeers)
		return (-1);
	if ((p = snapshot_peer_add(b->next, b->iface, sp.key)) == NULL)
		return (-1);
	strlcpy(p->name, sp.name, sizeof(p->name));
	strlcpy(p->endpoint, sp.endpoint, sizeof(p->endpoint));
	p->handshake = sp.handshake;
	p->rx = sp.rx;
	p->tx = sp.tx;
	p->keepalive = sp.keepalive;
	p->status = sp.status;
	for (i = 0; i < sp.naips && i < WGM_PEER_AIPS; i++) {
		if (!nul_terminated(sp.aips[i], WGM_AIP_MAX) ||
		    snapshot_peer_add_aip(p, sp.aips[i]) == -1)
			return (-1);
	}
	p->flags = sp.flags;
	b->iface_left--;
	b->peer = p;
	b->aips_left = sp.naips - i;
	return (0);
}

static int
builder_aips(struct snapshot_builder *b, struct imsg *imsg)
{
	struct snap_aips	 sa;
	size_t			 i;

	if (b->peer == NULL || b->aips_left == 0)
		return (-1);
	if (imsg_get_data(imsg, &sa, sizeof(sa)) == -1)
		return (-1);
	if (sa.naips == 0 || sa.naips > WGM_AIPS_CHUNK ||
	    sa.naips > b->aips_left)
		return (-1);
	for (i = 0; i < sa.naips; i++) {
		if (!nul_terminated(sa.aips[i], WGM_AIP_MAX) ||
		    snapshot_peer_add_aip(b->peer, sa.aips[i]) == -1)
			return (-1);
	}
	b->aips_left -= sa.naips;
	return (0);
}

static int
builder_end(struct snapshot_builder *b, struct imsg *imsg,
    struct snapshot **done)
{
	struct snap_end	 se;

	if (b->next == NULL || b->iface_left != 0 || b->aips_left != 0)
		return (-1);
	if (imsg_get_data(imsg, &se, sizeof(se)) == -1)
		return (-1);
	if (imsg_get_id(imsg) != b->generation ||
	    se.npeers != b->next->npeers || se.npeers != b->begin.npeers ||
	    b->next->nifaces != b->begin.nifaces)
		return (-1);
	*done = b->next;
	b->next = NULL;
	b->iface = NULL;
	b->peer = NULL;
	return (1);
}

/*
 * Takes one SNAP_* message.  Returns 1 when it completed a snapshot, now
 * in *done and owned by the caller, 0 when more is due, and -1 when the
 * message is malformed or out of sequence: the sender is then broken or
 * compromised, and the caller ends the process.
 */
int
snapshot_builder_imsg(struct snapshot_builder *b, struct imsg *imsg,
    struct snapshot **done)
{
	uint32_t	type = imsg_get_type(imsg);

	if (type != IMSG_SNAP_BEGIN && b->next != NULL &&
	    imsg_get_id(imsg) != b->generation)
		return (-1);
	switch (type) {
	case IMSG_SNAP_BEGIN:
		return (builder_begin(b, imsg));
	case IMSG_SNAP_IFACE:
		return (builder_iface(b, imsg));
	case IMSG_SNAP_PEER:
		return (builder_peer(b, imsg));
	case IMSG_SNAP_AIPS:
		return (builder_aips(b, imsg));
	case IMSG_SNAP_END:
		return (builder_end(b, imsg, done));
	}
	return (-1);
}
