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


static int	peer_cmp(struct peer *, struct peer *);
static int	iface_cmp(struct iface *, struct iface *);

RB_GENERATE(peer_tree, peer, entry, peer_cmp);
RB_GENERATE(iface_tree, iface, entry, iface_cmp);

static int
peer_cmp(struct peer *a, struct peer *b)
{
	return (strcmp(a->key, b->key));
}

static int
iface_cmp(struct iface *a, struct iface *b)
{
	return (strcmp(a->name, b->name));
}

struct snapshot *
snapshot_new(void)
{
	struct snapshot	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	RB_INIT(&s->ifaces);
	return (s);
}

/*
 * The whole tree goes: children before their parent, with no removal
 * and its rebalancing for each node.
 */
static void
peers_free(struct peer *p)
{
	if (p == NULL)
		return;
	peers_free(RB_LEFT(p, entry));
	peers_free(RB_RIGHT(p, entry));
	free(p->aips);
	free(p->render);
	free(p);
}

void
snapshot_free(struct snapshot *s)
{
	struct iface	*ifp, *nifp;

	if (s == NULL)
		return;
	RB_FOREACH_SAFE(ifp, iface_tree, &s->ifaces, nifp) {
		peers_free(RB_ROOT(&ifp->peers));
		RB_REMOVE(iface_tree, &s->ifaces, ifp);
		free(ifp);
	}
	free(s);
}

/* Returns NULL with errno EEXIST for a name already there. */
struct iface *
snapshot_iface_add(struct snapshot *s, const char *name)
{
	struct iface	*ifp;

	if (strlen(name) >= sizeof(ifp->name)) {
		errno = ENAMETOOLONG;
		return (NULL);
	}
	if ((ifp = calloc(1, sizeof(*ifp))) == NULL)
		return (NULL);
	strlcpy(ifp->name, name, sizeof(ifp->name));
	RB_INIT(&ifp->peers);
	if (RB_INSERT(iface_tree, &s->ifaces, ifp) != NULL) {
		free(ifp);
		errno = EEXIST;
		return (NULL);
	}
	s->nifaces++;
	return (ifp);
}

/*
 * Drops the allowed IPs: once sent, a snapshot is kept only to diff the
 * next one against, which needs keys and statuses.  At 100k peers that
 * is about half of what the collector holds between runs.
 */
void
snapshot_trim(struct snapshot *s)
{
	struct iface	*ifp;
	struct peer	*p;

	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			free(p->aips);
			p->aips = NULL;
			p->naips = 0;
		}
}

struct iface *
snapshot_iface_find(struct snapshot *s, const char *name)
{
	struct iface	 key;

	if (strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return (NULL);
	return (RB_FIND(iface_tree, &s->ifaces, &key));
}

/* Returns NULL with errno EEXIST for a key already there. */
struct peer *
snapshot_peer_add(struct snapshot *s, struct iface *ifp, const char *key)
{
	struct peer	*p;

	if (strlen(key) >= sizeof(p->key)) {
		errno = ENAMETOOLONG;
		return (NULL);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	strlcpy(p->key, key, sizeof(p->key));
	if (RB_INSERT(peer_tree, &ifp->peers, p) != NULL) {
		free(p);
		errno = EEXIST;
		return (NULL);
	}
	ifp->npeers++;
	s->npeers++;
	return (p);
}

struct peer *
snapshot_peer_find(struct iface *ifp, const char *key)
{
	struct peer	 k;

	if (strlcpy(k.key, key, sizeof(k.key)) >= sizeof(k.key))
		return (NULL);
	return (RB_FIND(peer_tree, &ifp->peers, &k));
}

void
snapshot_peer_remove(struct snapshot *s, struct iface *ifp, struct peer *p)
{
	RB_REMOVE(peer_tree, &ifp->peers, p);
	ifp->npeers--;
	s->npeers--;
	free(p->aips);
	free(p->render);
	free(p);
}

/*
 * FNV-1a over the list, each entry with its NUL: the collector tells a
 * changed list by it once the previous run's lists are trimmed.
 */
static uint64_t
aips_hash(uint64_t h, const char *aip)
{
	if (h == 0)
		h = 14695981039346656037ULL;
	do {
		h ^= (unsigned char)*aip;
		h *= 1099511628211ULL;
	} while (*aip++ != '\0');
	return (h);
}

int
snapshot_peer_add_aip(struct peer *p, const char *aip)
{
	char	(*n)[WGM_AIP_MAX];

	if (strlen(aip) >= WGM_AIP_MAX) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	/* Grow by doubling: a peer may route thousands of prefixes. */
	if ((p->naips & (p->naips - 1)) == 0) {
		n = reallocarray(p->aips, p->naips ? p->naips * 2 : 1,
		    WGM_AIP_MAX);
		if (n == NULL)
			return (-1);
		p->aips = n;
	}
	strlcpy(p->aips[p->naips++], aip, WGM_AIP_MAX);
	p->aips_hash = aips_hash(p->aips_hash, aip);
	p->flags |= PEER_F_AIPS;
	return (0);
}

const char *
snapshot_status_name(int status)
{
	switch (status) {
	case STATUS_NEVER:
		return ("never_connected");
	case STATUS_CONNECTED:
		return ("connected");
	case STATUS_DISCONNECTED:
		return ("disconnected");
	case STATUS_INACTIVE:
		return ("inactive");
	}
	return ("unknown");
}

const char *
snapshot_error_name(int error)
{
	static const char	*names[] = { "none", "timeout", "exit",
		"signal", "exec", "parse", "too_large", "unsafe" };

	if (error < ERR_NONE || error > ERR_UNSAFE)
		return ("unknown");
	return (names[error]);
}
