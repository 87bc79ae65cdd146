/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The snapshot between the processes (wgmond.h, docs/DESIGN.md §7.6):
 * once whole, then each run as a delta against the one before, records
 * packed into messages of the imsg maximum.  The frontend keeps one
 * snapshot and applies each run to it.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wgmond.h"

/* What the frontend's snapshot costs, each allocation with malloc's own. */
#define STATE_ALLOC		16
#define INDEX_MIN		8	/* slots of an interface's index */
#define STATE_IFACE		(sizeof(struct iface) + STATE_ALLOC)
/*
 * A peer, its name and endpoint at their longest, and the slots of its
 * interface's index it may cost at most: eight, the least an index has,
 * for an interface's first peer; four once the index grew.
 */
#define STATE_PEER		(sizeof(struct peer) + STATE_ALLOC + \
				    WGM_PEERNAME_MAX + STATE_ALLOC + \
				    WGM_ENDPOINT_MAX + STATE_ALLOC + \
				    INDEX_MIN * sizeof(struct peer *))
/*
 * An allowed IP: twice the longest.  A list is kept in an allocation of
 * its size, and the room lists are made in (aips_read) is 256 bytes or
 * at most twice the longest list: the half of its count that list leaves
 * unused covers it.
 */
#define STATE_AIP		(2 * WGM_AIP_MAX)
#define LIST_KEEP		(64 * 1024)	/* room kept for lists */

/* A record as it came, its strings pointing into the message. */
struct record {
	uint16_t		 mask;
	const char		*key;
	const char		*name;
	const char		*endpoint;
	int64_t			 handshake;
	uint64_t		 rx;
	uint64_t		 tx;
	uint32_t		 keepalive;
	uint32_t		 flags;
	uint32_t		 naips;
	int64_t			 hs_mono;
	uint8_t			 status;
};

struct reader {
	const unsigned char	*p;
	size_t			 left;
};

struct snapshot_builder {
	struct snapshot		*state;		/* the last run applied */
	struct snapshot		*next;		/* a full one being built */
	struct snapshot		*run;		/* what this run changes */
	size_t			*run_mem;	/* and what that costs */
	struct iface		*iface;		/* receiving records */
	struct iface		*icur;		/* run's first not yet listed */
	struct peer		*peer;		/* receiving allowed IPs */
	size_t			 aips_left;
	char			*list;		/* its list, until whole */
	size_t			 list_len;
	size_t			 list_room;
	uint32_t		 list_n;
	int			 list_open;	/* the record has one */
	uint32_t		 flags;		/* the peer's, at its end */
	uint32_t		 iface_npeers;
	uint32_t		 generation;
	size_t			 nifaces;	/* listed in this run */
	size_t			 mem;		/* state's cost */
	size_t			 next_mem;
	size_t			 mem_max;
	struct snap_begin	 begin;
};

static int
pack_queue(struct snapshot_packer *pk, uint32_t type, const void *data,
    size_t len)
{
	if (imsg_compose(pk->ibuf, type, pk->gen, 0, -1, data, len) == -1)
		return (-1);
	pk->bytes += IMSG_HEADER_SIZE + len;
	return (0);
}

/* Queues the message being filled, if any; the next is a SNAP_PEERS. */
static int
pack_flush(struct snapshot_packer *pk)
{
	int	r = 0;

	if (pk->len > 0)
		r = pack_queue(pk, pk->type, pk->buf, pk->len);
	pk->len = 0;
	pk->type = IMSG_SNAP_PEERS;
	return (r);
}

static void
pack(struct snapshot_packer *pk, const void *v, size_t len)
{
	memcpy(pk->buf + pk->len, v, len);
	pk->len += len;
}

static void
pack_str(struct snapshot_packer *pk, const char *s)
{
	pack(pk, s, strlen(s) + 1);
}

/* A record's length, its allowed IPs apart: at most about 250 bytes. */
static size_t
record_len(const struct peer *p, uint16_t mask)
{
	size_t	n = sizeof(mask) + strlen(p->key) + 1;

	if (mask & PEER_C_NAME)
		n += strlen(p->name) + 1;
	if (mask & PEER_C_ENDPOINT)
		n += strlen(p->endpoint) + 1;
	if (mask & PEER_C_HANDSHAKE)
		n += sizeof(int64_t);
	if (mask & PEER_C_RX)
		n += sizeof(uint64_t);
	if (mask & PEER_C_TX)
		n += sizeof(uint64_t);
	if (mask & PEER_C_KEEPALIVE)
		n += sizeof(uint32_t);
	if (mask & PEER_C_FLAGS)
		n += sizeof(uint32_t);
	if (mask & PEER_C_STATUS)
		n += sizeof(uint8_t);
	if (mask & PEER_C_HSMONO)
		n += sizeof(int64_t);
	if (mask & PEER_C_AIPS)
		n += sizeof(uint32_t);
	return (n);
}

/* Those that do not fit go on in SNAP_AIPS messages, filled as well. */
static int
pack_aips(struct snapshot_packer *pk, const struct peer *p)
{
	const char	*a = p->aips;
	uint32_t	 n = p->naips;
	size_t		 i, len;

	pack(pk, &n, sizeof(n));
	for (i = 0; i < p->naips; i++, a += len) {
		len = strlen(a) + 1;
		if (pk->len + len > sizeof(pk->buf)) {
			if (pack_flush(pk) == -1)
				return (-1);
			pk->type = IMSG_SNAP_AIPS;
		}
		pack(pk, a, len);
	}
	return (pk->type == IMSG_SNAP_AIPS ? pack_flush(pk) : 0);
}

static int
pack_record(struct snapshot_packer *pk, const struct peer *p,
    uint16_t mask)
{
	uint32_t	keepalive = p->keepalive, flags = p->flags;
	uint8_t		status = p->status;

	if (pk->len + record_len(p, mask) > sizeof(pk->buf) &&
	    pack_flush(pk) == -1)
		return (-1);
	pack(pk, &mask, sizeof(mask));
	pack_str(pk, p->key);
	if (mask & PEER_C_NAME)
		pack_str(pk, p->name);
	if (mask & PEER_C_ENDPOINT)
		pack_str(pk, p->endpoint);
	if (mask & PEER_C_HANDSHAKE)
		pack(pk, &p->handshake, sizeof(p->handshake));
	if (mask & PEER_C_RX)
		pack(pk, &p->rx, sizeof(p->rx));
	if (mask & PEER_C_TX)
		pack(pk, &p->tx, sizeof(p->tx));
	if (mask & PEER_C_KEEPALIVE)
		pack(pk, &keepalive, sizeof(keepalive));
	if (mask & PEER_C_FLAGS)
		pack(pk, &flags, sizeof(flags));
	if (mask & PEER_C_STATUS)
		pack(pk, &status, sizeof(status));
	if (mask & PEER_C_HSMONO)
		pack(pk, &p->hs_mono, sizeof(p->hs_mono));
	return (mask & PEER_C_AIPS ? pack_aips(pk, p) : 0);
}

/* An added peer: the fields that are not zero, the receiver's default. */
static uint16_t
peer_fields(const struct peer *p)
{
	uint16_t	m = PEER_C_ADD;

	if (p->name[0] != '\0')
		m |= PEER_C_NAME;
	if (p->endpoint[0] != '\0')
		m |= PEER_C_ENDPOINT;
	if (p->handshake != 0)
		m |= PEER_C_HANDSHAKE;
	if (p->rx != 0)
		m |= PEER_C_RX;
	if (p->tx != 0)
		m |= PEER_C_TX;
	if (p->keepalive != 0)
		m |= PEER_C_KEEPALIVE;
	if (p->flags != 0)
		m |= PEER_C_FLAGS;
	if (p->status != STATUS_NEVER)
		m |= PEER_C_STATUS;
	if (p->hs_mono != 0)
		m |= PEER_C_HSMONO;
	if (p->naips != 0)
		m |= PEER_C_AIPS;
	return (m);
}

/* o is trimmed: its allowed IPs are gone, their hash is kept. */
static uint16_t
peer_changes(const struct peer *o, const struct peer *n)
{
	uint16_t	m = 0;

	/*
	 * Most peers have no name: the same "", not read.  An endpoint
	 * the parse in place found unchanged is the same string too.
	 */
	if (o->name != n->name && strcmp(o->name, n->name) != 0)
		m |= PEER_C_NAME;
	if (o->endpoint != n->endpoint && strcmp(o->endpoint, n->endpoint) != 0)
		m |= PEER_C_ENDPOINT;
	if (o->handshake != n->handshake)
		m |= PEER_C_HANDSHAKE;
	if (o->rx != n->rx)
		m |= PEER_C_RX;
	if (o->tx != n->tx)
		m |= PEER_C_TX;
	if (o->keepalive != n->keepalive)
		m |= PEER_C_KEEPALIVE;
	if (o->flags != n->flags)
		m |= PEER_C_FLAGS;
	if (o->status != n->status)
		m |= PEER_C_STATUS;
	if (o->hs_mono != n->hs_mono)
		m |= PEER_C_HSMONO;
	if (o->aips_hash != n->aips_hash)
		m |= PEER_C_AIPS;
	return (m);
}

/*
 * A walk down an interface's peers in key order: its order array when
 * the parse left one (snapshot_iface_order), else its tree.
 */
#define CURSOR_AHEAD	8	/* peers read ahead */

struct cursor {
	struct peer *const	*v;
	size_t			 i;
	size_t			 n;
	struct peer		*p;
};

static void
cursor_next(struct cursor *cu)
{
	const struct peer	*a;

	if (cu->v != NULL) {
		/*
		 * What peer_changes reads, on its way to the cache: the lines
		 * of a peer further ahead, the strings of one nearer, whose
		 * pointers those lines brought.
		 */
		if (cu->i + 2 * CURSOR_AHEAD < cu->n) {
			a = cu->v[cu->i + 2 * CURSOR_AHEAD];
			__builtin_prefetch(a->key);	/* and the handshake */
			__builtin_prefetch(&a->aips_hash);
		}
		if (cu->i + CURSOR_AHEAD < cu->n) {
			a = cu->v[cu->i + CURSOR_AHEAD];
			__builtin_prefetch(a->name);
			__builtin_prefetch(a->endpoint);
		}
		cu->p = cu->i < cu->n ? cu->v[cu->i++] : NULL;
	}
	else if (cu->p != NULL)
		cu->p = RB_NEXT(peer_tree, NULL, cu->p);
}

static void
cursor_init(struct cursor *cu, const struct iface *ifp)
{
	memset(cu, 0, sizeof(*cu));
	if (ifp == NULL)
		return;
	if ((cu->v = snapshot_iface_order(ifp)) == NULL)
		cu->p = RB_MIN(peer_tree, (struct peer_tree *)&ifp->peers);
	else {
		cu->n = ifp->npeers;
		cursor_next(cu);
	}
}

/*
 * A snapshot packed as it is walked, by cycle_run's walk or by
 * snapshot_compose_delta below: snapshot_pack_begin, each interface of
 * next in name order (snapshot_pack_iface) followed by its peers in key
 * order (snapshot_pack_pair), then snapshot_pack_end.  Each returns -1
 * when a message cannot be queued.  With full, every peer is sent as
 * added, and the peers of the last run are not looked at.
 */
int
snapshot_pack_begin(struct snapshot_packer *pk, struct imsgbuf *ibuf,
    const struct snapshot *next, int full)
{
	struct snap_begin	sb;

	pk->ibuf = ibuf;
	pk->gen = next->generation;
	pk->type = IMSG_SNAP_PEERS;
	pk->len = pk->bytes = 0;
	pk->full = full;
	pk->npeers = next->npeers;
	memset(&sb, 0, sizeof(sb));
	sb.time = next->time;
	sb.mono = next->mono;
	sb.nifaces = next->nifaces;
	sb.npeers = next->npeers;
	sb.flags = full ? SNAP_FULL : 0;
	return (pack_queue(pk, IMSG_SNAP_BEGIN, &sb, sizeof(sb)));
}

int
snapshot_pack_iface(struct snapshot_packer *pk, const struct iface *ifp)
{
	struct snap_iface	 si;

	if (pack_flush(pk) == -1)
		return (-1);
	memset(&si, 0, sizeof(si));
	strlcpy(si.name, ifp->name, sizeof(si.name));
	strlcpy(si.pubkey, ifp->pubkey, sizeof(si.pubkey));
	si.port = ifp->port;
	si.fwmark = ifp->fwmark;
	si.flags = ifp->flags;
	si.npeers = ifp->npeers;
	return (pack_queue(pk, IMSG_SNAP_IFACE, &si, sizeof(si)));
}

/*
 * A key of the interface last packed: o, its peer in the last run (o
 * trimmed), and n, in this one; either NULL where the key is not.
 */
int
snapshot_pack_pair(struct snapshot_packer *pk, const struct peer *o,
    const struct peer *n)
{
	uint16_t	m;

	if (n == NULL)
		return (pk->full ? 0 : pack_record(pk, o, PEER_C_DEL));
	if (o == NULL || pk->full)
		return (pack_record(pk, n, peer_fields(n)));
	if ((m = peer_changes(o, n)) == 0)
		return (0);
	return (pack_record(pk, n, m));
}

/* The bytes queued for the whole snapshot, or -1. */
ssize_t
snapshot_pack_end(struct snapshot_packer *pk)
{
	struct snap_end	se;

	if (pack_flush(pk) == -1)
		return (-1);
	memset(&se, 0, sizeof(se));
	se.npeers = pk->npeers;
	if (pack_queue(pk, IMSG_SNAP_END, &se, sizeof(se)) == -1)
		return (-1);
	return (pk->bytes);
}

/* One walk of both interfaces' peers, in key order: no lookup. */
static int
compose_peers(struct snapshot_packer *pk, const struct iface *oifp,
    const struct iface *nifp)
{
	struct cursor	 o, n;
	int		 c;

	cursor_init(&o, oifp);
	cursor_init(&n, nifp);
	while (o.p != NULL || n.p != NULL) {
		c = o.p == NULL ? 1 : n.p == NULL ? -1 :
		    strcmp(o.p->key, n.p->key);
		if (snapshot_pack_pair(pk, c <= 0 ? o.p : NULL,
		    c >= 0 ? n.p : NULL) == -1)
			return (-1);
		if (c <= 0)
			cursor_next(&o);
		if (c >= 0)
			cursor_next(&n);
	}
	return (0);
}

/*
 * Queues next, whole when full or with no prev, else what changed since
 * prev (the run before, trimmed).  Returns the bytes queued, or -1; the
 * caller's event loop writes them out.
 */
ssize_t
snapshot_compose_delta(struct imsgbuf *ibuf, const struct snapshot *prev,
    const struct snapshot *next, int full)
{
	struct snapshot_packer	 pk;
	struct iface		*oifp, *nifp, *match;

	if (prev == NULL)
		full = 1;
	if (snapshot_pack_begin(&pk, ibuf, next, full) == -1)
		return (-1);
	oifp = full ? NULL :
	    RB_MIN(iface_tree, (struct iface_tree *)&prev->ifaces);
	RB_FOREACH(nifp, iface_tree, (struct iface_tree *)&next->ifaces) {
		while (oifp != NULL && strcmp(oifp->name, nifp->name) < 0)
			oifp = RB_NEXT(iface_tree, NULL, oifp);
		match = oifp != NULL && strcmp(oifp->name, nifp->name) == 0 ?
		    oifp : NULL;
		if (snapshot_pack_iface(&pk, nifp) == -1 ||
		    compose_peers(&pk, match, nifp) == -1)
			return (-1);
	}
	return (snapshot_pack_end(&pk));
}

/*
 * The receiver.  mem_max bounds what the snapshot it keeps may cost
 * (WGM_STATE_MEM_MAX in the frontend); while a full one is built beside
 * it, each may cost that much.
 */
struct snapshot_builder *
snapshot_builder_new(size_t mem_max)
{
	struct snapshot_builder	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	b->mem_max = mem_max;
	return (b);
}

void
snapshot_builder_free(struct snapshot_builder *b)
{
	if (b == NULL)
		return;
	snapshot_free(b->next);
	snapshot_free(b->state);
	free(b->list);
	free(b);
}

/* What the snapshots held cost, by the bound's count. */
size_t
snapshot_builder_mem(const struct snapshot_builder *b)
{
	return (b->mem + b->next_mem);
}

/* Memory is charged before it is allocated, as the data comes. */
static int
charge(struct snapshot_builder *b, size_t n)
{
	if (n > b->mem_max - *b->run_mem)
		return (-1);
	*b->run_mem += n;
	return (0);
}

static void
uncharge(struct snapshot_builder *b, size_t n)
{
	*b->run_mem -= n;
}

/* A string from the other process must end inside its field. */
static int
nul_terminated(const char *s, size_t len)
{
	return (memchr(s, '\0', len) != NULL);
}

static int
rd_get(struct reader *rd, void *v, size_t len)
{
	if (rd->left < len)
		return (-1);
	memcpy(v, rd->p, len);
	rd->p += len;
	rd->left -= len;
	return (0);
}

/* A string whose NUL is within max bytes and within the message. */
static const char *
rd_str(struct reader *rd, size_t max)
{
	const char	*s = (const char *)rd->p, *e;

	if ((e = memchr(s, '\0', rd->left < max ? rd->left : max)) == NULL)
		return (NULL);
	rd->p += e - s + 1;
	rd->left -= e - s + 1;
	return (s);
}

static int
rd_body(struct imsg *imsg, struct reader *rd)
{
	struct ibuf	ib;

	if (imsg_get_ibuf(imsg, &ib) == -1)
		return (-1);
	rd->p = ibuf_data(&ib);
	rd->left = ibuf_size(&ib);
	return (rd->left == 0 ? -1 : 0);
}

/*
 * The receiver finds a record's peer in its interface's index
 * (struct peer_index): a probe or two away, where a walk of the tree
 * from the last record's touched every peer between the two (most of
 * the frontend's time per run).  An index per interface holds only the
 * peer: the interface is the one the records are for.
 */
static size_t
index_hash(const char *key)
{
	uint64_t	h = 14695981039346656037ULL;

	while (*key != '\0') {
		h ^= (unsigned char)*key++;
		h *= 1099511628211ULL;
	}
	return (h ^ (h >> 32));
}

/* The slot of key: its peer's, or the free one it would take. */
static struct peer **
index_slot(const struct peer_index *x, const char *key)
{
	struct peer	**sl;
	size_t		  i;

	for (i = index_hash(key) & (x->size - 1);;
	    i = (i + 1) & (x->size - 1)) {
		sl = &x->slot[i];
		if (*sl == NULL || strcmp((*sl)->key, key) == 0)
			return (sl);
	}
}

static struct peer *
index_find(const struct iface *ifp, const char *key)
{
	if (ifp->index.size == 0)
		return (NULL);
	return (*index_slot(&ifp->index, key));
}

static int
index_grow(struct peer_index *x)
{
	struct peer_index	nx;
	size_t			i;

	nx.size = x->size == 0 ? INDEX_MIN : x->size * 2;
	nx.n = x->n;
	if ((nx.slot = calloc(nx.size, sizeof(*nx.slot))) == NULL)
		return (-1);
	for (i = 0; i < x->size; i++)
		if (x->slot[i] != NULL)
			*index_slot(&nx, x->slot[i]->key) = x->slot[i];
	free(x->slot);
	*x = nx;
	return (0);
}

static int
index_add(struct iface *ifp, struct peer *p)
{
	struct peer_index	*x = &ifp->index;

	if ((x->n + 1) * 2 > x->size && index_grow(x) == -1)
		return (-1);
	*index_slot(x, p->key) = p;
	x->n++;
	return (0);
}

/* Whether home, a slot's first probe, lies after hole and up to j. */
static int
index_between(size_t hole, size_t home, size_t j)
{
	if (hole <= j)
		return (hole < home && home <= j);
	return (hole < home || home <= j);
}

/*
 * Frees p's slot, and moves back into the hole each entry after it that
 * would no longer be found past it: no tombstones to clear later.
 */
static void
index_del(struct iface *ifp, const struct peer *p)
{
	struct peer_index	*x = &ifp->index;
	size_t			 hole, j, home, mask = x->size - 1;

	if (x->size == 0)
		return;
	hole = index_slot(x, p->key) - x->slot;
	if (x->slot[hole] == NULL)
		return;
	x->n--;
	x->slot[hole] = NULL;
	for (j = (hole + 1) & mask; x->slot[j] != NULL; j = (j + 1) & mask) {
		home = index_hash(x->slot[j]->key) & mask;
		if (index_between(hole, home, j))
			continue;
		x->slot[hole] = x->slot[j];
		x->slot[j] = NULL;
		hole = j;
	}
}

static void
peer_remove(struct snapshot_builder *b, struct iface *ifp, struct peer *p)
{
	uncharge(b, STATE_PEER + p->naips * STATE_AIP);
	index_del(ifp, p);
	snapshot_peer_remove(b->run, ifp, p);
}

static void
iface_remove(struct snapshot_builder *b, struct iface *ifp)
{
	struct peer	*p, *np;

	RB_FOREACH_SAFE(p, peer_tree, &ifp->peers, np)
		peer_remove(b, ifp, p);
	snapshot_iface_unlink(b->run, ifp);
	snapshot_iface_free(b->run, ifp);
	uncharge(b, STATE_IFACE);
}

/* The run's interfaces before name are not listed: they are gone. */
static void
iface_skip(struct snapshot_builder *b, const char *name)
{
	struct iface	*ifp;

	while ((ifp = b->icur) != NULL &&
	    (name == NULL || strcmp(ifp->name, name) < 0)) {
		b->icur = RB_NEXT(iface_tree, NULL, ifp);
		iface_remove(b, ifp);
	}
}

static int
builder_begin(struct snapshot_builder *b, struct imsg *imsg)
{
	struct snap_begin	*sb = &b->begin;
	uint32_t		 gen = imsg_get_id(imsg);

	if (b->run != NULL || imsg_get_data(imsg, sb, sizeof(*sb)) == -1 ||
	    (sb->flags & ~SNAP_FULL) != 0 || sb->reserved != 0)
		return (-1);
	if (sb->flags & SNAP_FULL) {
		if ((b->next = snapshot_new()) == NULL)
			return (-1);
		b->next_mem = 0;
		b->run = b->next;
		b->run_mem = &b->next_mem;
	} else {
		/* A delta applies to the generation before it only. */
		if (b->state == NULL || gen != b->state->generation + 1)
			return (-1);
		b->run = b->state;
		b->run_mem = &b->mem;
	}
	b->generation = gen;
	b->iface = NULL;
	b->peer = NULL;
	b->aips_left = 0;
	b->list_open = 0;
	b->nifaces = 0;
	b->icur = RB_MIN(iface_tree, &b->run->ifaces);
	return (0);
}

/* The last interface has the peers its SNAP_IFACE said. */
static int
iface_done(struct snapshot_builder *b)
{
	if (b->run == NULL || b->aips_left != 0)
		return (-1);
	if (b->iface != NULL && b->iface->npeers != b->iface_npeers)
		return (-1);
	return (0);
}

/* In name order, as the sender walks its tree: unlisted ones are gone. */
static int
builder_iface(struct snapshot_builder *b, struct imsg *imsg)
{
	struct snap_iface	 si;
	struct iface		*ifp;

	if (iface_done(b) == -1 ||
	    imsg_get_data(imsg, &si, sizeof(si)) == -1 ||
	    !nul_terminated(si.name, sizeof(si.name)) ||
	    !nul_terminated(si.pubkey, sizeof(si.pubkey)))
		return (-1);
	if ((b->iface != NULL && strcmp(si.name, b->iface->name) <= 0) ||
	    ++b->nifaces > b->begin.nifaces)
		return (-1);
	iface_skip(b, si.name);
	if (b->icur != NULL && strcmp(b->icur->name, si.name) == 0) {
		ifp = b->icur;
		b->icur = RB_NEXT(iface_tree, NULL, ifp);
	} else if (charge(b, STATE_IFACE) == -1 ||
	    (ifp = snapshot_iface_add(b->run, si.name)) == NULL)
		return (-1);
	strlcpy(ifp->pubkey, si.pubkey, sizeof(ifp->pubkey));
	ifp->port = si.port;
	ifp->fwmark = si.fwmark;
	ifp->flags = si.flags;
	b->iface = ifp;
	b->iface_npeers = si.npeers;
	return (0);
}

static int
record_strings(struct reader *rd, struct record *r)
{
	if ((r->key = rd_str(rd, WGM_KEY_MAX)) == NULL)
		return (-1);
	if ((r->mask & PEER_C_NAME) &&
	    (r->name = rd_str(rd, WGM_PEERNAME_MAX)) == NULL)
		return (-1);
	if ((r->mask & PEER_C_ENDPOINT) &&
	    (r->endpoint = rd_str(rd, WGM_ENDPOINT_MAX)) == NULL)
		return (-1);
	return (0);
}

/* The fixed part of a record, checked for its bounds only. */
static int
record_read(struct reader *rd, struct record *r)
{
	memset(r, 0, sizeof(*r));
	if (rd_get(rd, &r->mask, sizeof(r->mask)) == -1 ||
	    (r->mask & ~(PEER_C_ADD | PEER_C_DEL | PEER_C_FIELDS)) != 0 ||
	    record_strings(rd, r) == -1)
		return (-1);
	if (((r->mask & PEER_C_HANDSHAKE) &&
	    rd_get(rd, &r->handshake, sizeof(r->handshake)) == -1) ||
	    ((r->mask & PEER_C_RX) &&
	    rd_get(rd, &r->rx, sizeof(r->rx)) == -1) ||
	    ((r->mask & PEER_C_TX) &&
	    rd_get(rd, &r->tx, sizeof(r->tx)) == -1) ||
	    ((r->mask & PEER_C_KEEPALIVE) &&
	    rd_get(rd, &r->keepalive, sizeof(r->keepalive)) == -1) ||
	    ((r->mask & PEER_C_FLAGS) &&
	    rd_get(rd, &r->flags, sizeof(r->flags)) == -1) ||
	    ((r->mask & PEER_C_STATUS) &&
	    rd_get(rd, &r->status, sizeof(r->status)) == -1) ||
	    ((r->mask & PEER_C_HSMONO) &&
	    rd_get(rd, &r->hs_mono, sizeof(r->hs_mono)) == -1) ||
	    ((r->mask & PEER_C_AIPS) &&
	    rd_get(rd, &r->naips, sizeof(r->naips)) == -1))
		return (-1);
	/* What struct peer holds of each, no more: nothing is cut. */
	if (r->status > STATUS_INACTIVE || r->keepalive > UINT16_MAX ||
	    (r->flags & ~PEER_F_ALL) != 0)
		return (-1);
	return (0);
}

/* The peer a record names: a new one for an add, a known one else. */
static int
record_peer(struct snapshot_builder *b, const struct record *r,
    struct peer **pp)
{
	struct peer	*p = index_find(b->iface, r->key);

	*pp = NULL;
	switch (r->mask & (PEER_C_ADD | PEER_C_DEL)) {
	case PEER_C_ADD:
		if (p != NULL || charge(b, STATE_PEER) == -1 ||
		    (*pp = snapshot_peer_add(b->run, b->iface, r->key)) == NULL)
			return (-1);
		if (index_add(b->iface, *pp) == -1)
			return (-1);
		return (0);
	case PEER_C_DEL:
		if (p == NULL || r->mask != PEER_C_DEL)
			return (-1);
		peer_remove(b, b->iface, p);
		return (0);
	case 0:
		if (p == NULL || (r->mask & PEER_C_FIELDS) == 0)
			return (-1);
		*pp = p;
		return (0);
	}
	return (-1);
}

static void
aips_clear(struct snapshot_builder *b, struct peer *p)
{
	uncharge(b, p->naips * STATE_AIP);
	free(p->aips);
	p->aips = NULL;
	p->naips = 0;
	p->aips_len = 0;
	p->aips_hash = 0;
}

/* The contract with the render: a peer changed is rendered again. */
static int
record_apply(struct snapshot_builder *b, struct peer *p,
    const struct record *r)
{
	if ((r->mask & PEER_C_NAME) &&
	    snapshot_peer_set_name(b->run, p, r->name) == -1)
		return (-1);
	if ((r->mask & PEER_C_ENDPOINT) &&
	    snapshot_peer_set_endpoint(b->run, p, r->endpoint) == -1)
		return (-1);
	if (r->mask & PEER_C_HANDSHAKE)
		p->handshake = r->handshake;
	if (r->mask & PEER_C_RX)
		p->rx = r->rx;
	if (r->mask & PEER_C_TX)
		p->tx = r->tx;
	if (r->mask & PEER_C_KEEPALIVE)
		p->keepalive = r->keepalive;
	if (r->mask & PEER_C_STATUS)
		p->status = r->status;
	if (r->mask & PEER_C_HSMONO)
		p->hs_mono = r->hs_mono;
	/* Set once the allowed IPs are in: adding them sets PEER_F_AIPS. */
	b->flags = r->mask & PEER_C_FLAGS ? r->flags : p->flags;
	if (r->mask & PEER_C_AIPS) {
		aips_clear(b, p);
		b->aips_left = r->naips;
		b->list_len = 0;
		b->list_n = 0;
		b->list_open = 1;
	}
	p->gen = b->generation;
	free(p->render);
	p->render = NULL;
	b->peer = p;
	return (0);
}

/* An entry of b->peer's list, after those before it: -1 without room. */
static int
list_add(struct snapshot_builder *b, const char *aip)
{
	size_t	 len = strlen(aip) + 1, room;
	char	*v;

	if (b->list_len + len > b->list_room) {
		room = b->list_room ? b->list_room : 256;
		while (room < b->list_len + len)
			room *= 2;
		if ((v = realloc(b->list, room)) == NULL)
			return (-1);
		b->list = v;
		b->list_room = room;
	}
	memcpy(b->list + b->list_len, aip, len);
	b->list_len += len;
	b->list_n++;
	return (0);
}

/*
 * Allowed IPs of b->peer, as many as the message holds: the list is its
 * peer's once whole, in an allocation of its size.  The room it was put
 * together in stays for the next unless a long list made it larger than
 * LIST_KEEP.
 */
static int
aips_read(struct snapshot_builder *b, struct reader *rd)
{
	const char	*aip;

	for (; b->aips_left > 0 && rd->left > 0; b->aips_left--)
		if ((aip = rd_str(rd, WGM_AIP_MAX)) == NULL ||
		    charge(b, STATE_AIP) == -1 || list_add(b, aip) == -1)
			return (-1);
	if (b->aips_left == 0) {
		if (b->list_open && snapshot_peer_set_aips(b->run, b->peer,
		    b->list, b->list_len, b->list_n) == -1)
			return (-1);
		b->list_open = 0;
		if (b->list_room > LIST_KEEP) {
			free(b->list);
			b->list = NULL;
			b->list_room = 0;
		}
		b->peer->flags = b->flags;
		b->peer = NULL;
	}
	return (0);
}

/* A record whose allowed IPs go on in SNAP_AIPS ends its message. */
static int
builder_peers(struct snapshot_builder *b, struct imsg *imsg)
{
	struct reader	 rd;
	struct record	 r;
	struct peer	*p;

	if (b->iface == NULL || b->aips_left != 0 || rd_body(imsg, &rd) == -1)
		return (-1);
	while (rd.left > 0) {
		if (b->aips_left != 0 || record_read(&rd, &r) == -1)
			return (-1);
		if (record_peer(b, &r, &p) == -1)
			return (-1);
		if (p == NULL)		/* removed */
			continue;
		if (record_apply(b, p, &r) == -1 || aips_read(b, &rd) == -1)
			return (-1);
	}
	return (0);
}

static int
builder_aips(struct snapshot_builder *b, struct imsg *imsg)
{
	struct reader	rd;

	if (b->peer == NULL || b->aips_left == 0 ||
	    rd_body(imsg, &rd) == -1 || aips_read(b, &rd) == -1)
		return (-1);
	return (rd.left == 0 ? 0 : -1);
}

static int
builder_end(struct snapshot_builder *b, struct imsg *imsg,
    struct snapshot **done)
{
	struct snap_end	 se;
	struct snapshot	*s = b->run;

	if (iface_done(b) == -1 || imsg_get_data(imsg, &se, sizeof(se)) == -1)
		return (-1);
	iface_skip(b, NULL);
	if (se.npeers != s->npeers || se.npeers != b->begin.npeers ||
	    s->nifaces != b->begin.nifaces)
		return (-1);
	s->generation = b->generation;
	s->time = b->begin.time;
	s->mono = b->begin.mono;
	/* A full snapshot is rare: the old one goes once the new is in. */
	if (s == b->next) {
		snapshot_free(b->state);
		b->state = s;
		b->mem = b->next_mem;
		b->next_mem = 0;
		b->next = NULL;
	}
	b->run = NULL;
	b->iface = NULL;
	*done = b->state;
	return (1);
}

/*
 * Takes one SNAP_* message.  Returns 1 when it completed a run: *done is
 * then the snapshot kept, all of it applied, the builder's still; 0 when
 * more is due; -1 when the message is malformed or out of sequence: the
 * sender is then broken or compromised, and the caller ends the process.
 */
int
snapshot_builder_imsg(struct snapshot_builder *b, struct imsg *imsg,
    struct snapshot **done)
{
	uint32_t	type = imsg_get_type(imsg);

	if (type != IMSG_SNAP_BEGIN && b->run != NULL &&
	    imsg_get_id(imsg) != b->generation)
		return (-1);
	switch (type) {
	case IMSG_SNAP_BEGIN:
		return (builder_begin(b, imsg));
	case IMSG_SNAP_IFACE:
		return (builder_iface(b, imsg));
	case IMSG_SNAP_PEERS:
		return (builder_peers(b, imsg));
	case IMSG_SNAP_AIPS:
		return (builder_aips(b, imsg));
	case IMSG_SNAP_END:
		return (builder_end(b, imsg, done));
	}
	return (-1);
}
