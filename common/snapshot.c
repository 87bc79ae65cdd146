/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wgmond.h"

/*
 * Spare peers and allowed-IP arrays are poisoned for AddressSanitizer
 * while they wait in the pool (a peer but for its tree links): a use of
 * a freed peer is still caught.
 */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN		1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)	/* clang's way to say it */
#define POOL_ASAN		1
#endif
#endif
#ifndef POOL_ASAN
#define POOL_ASAN		0
#endif
#if POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(a, n)	ASAN_POISON_MEMORY_REGION((a), (n))
#define POOL_UNPOISON(a, n)	ASAN_UNPOISON_MEMORY_REGION((a), (n))
#else
#define POOL_POISON(a, n)	do { (void)(a); (void)(n); } while (0)
#define POOL_UNPOISON(a, n)	do { (void)(a); (void)(n); } while (0)
#endif

/*
 * Peers made one at a time (the frontend's, the tests'): those of a
 * snapshot freed become the next ones made, so that a run neither
 * allocates nor frees one.  The pool holds no more than the largest
 * snapshot seen, and gives back what a run that shrank a lot no longer
 * needs.  The collector's peers live in arenas instead (below).
 *
 * A freed snapshot's trees go to the pool whole, not walked: a stack of
 * the tops of spare trees, where a spare taken leaves its children, on
 * their way to the cache (one is the next taken).  What a peer holds is
 * freed then, as it is cleared for its next use.
 */
#define POOL_SHRINK	4		/* a run that small: give back */
#define PEER_DATA	offsetof(struct peer, entry)	/* before its links */
/* Peers read ahead in a walk down an interface's order. */
#define ORDER_AHEAD	8
/* Room a tree takes on the stack as it is taken apart: its height, +2. */
#define TREE_ROOM	130

static struct {
	struct peer		**tops;		/* of spare trees */
	size_t			  ntops;
	size_t			  room;
	size_t			  npeers;	/* in them, all */
	size_t			 max;		/* the largest snapshot seen */
} pool;

/*
 * An interface as snapshot_iface_add makes it: with its peers in key
 * order when they were put in at once (snapshot_iface_fill), so that a
 * walk over them goes down an array it can read ahead in, not a tree.
 * Any other change to the tree forgets the order.
 */
struct iface_order {
	struct iface	  ifp;		/* first: what the callers hold */
	struct peer	**order;	/* ifp.npeers of them, or NULL */
	size_t		  room;
	struct peer	**doc;		/* the collector's: as last read */
	size_t		  ndoc;
	size_t		  docroom;
};

/* Order arrays of interfaces gone, for the next run's. */
#define ORDER_SPARES	8

static struct {
	struct peer	**v;
	size_t		  room;
} order_spares[ORDER_SPARES];

static struct iface_order *
iface_order(const struct iface *ifp)
{
	return ((struct iface_order *)(uintptr_t)ifp);
}

/* An order array kept for another interface: the smallest goes. */
static void
order_put(struct peer **v, size_t room)
{
	size_t	i, small = 0;

	if (v == NULL)
		return;
	for (i = 1; i < ORDER_SPARES; i++)
		if (order_spares[i].room < order_spares[small].room)
			small = i;
	if (order_spares[small].room >= room) {
		free(v);
		return;
	}
	free(order_spares[small].v);
	order_spares[small].v = v;
	order_spares[small].room = room;
}

/* A kept array of room for n, the smallest such, or a new one. */
static struct peer **
order_get(size_t n, size_t *room)
{
	struct peer	**v;
	size_t		  i, best = ORDER_SPARES;

	for (i = 0; i < ORDER_SPARES; i++)
		if (order_spares[i].room >= n && (best == ORDER_SPARES ||
		    order_spares[i].room < order_spares[best].room))
			best = i;
	if (best == ORDER_SPARES) {
		*room = n;
		return (reallocarray(NULL, n, sizeof(*v)));
	}
	v = order_spares[best].v;
	*room = order_spares[best].room;
	order_spares[best].v = NULL;
	order_spares[best].room = 0;
	return (v);
}

static void
iface_forget(struct iface *ifp)
{
	struct iface_order	*io = iface_order(ifp);

	order_put(io->order, io->room);
	io->order = NULL;
	io->room = 0;
	order_put(io->doc, io->docroom);
	io->doc = NULL;
	io->ndoc = io->docroom = 0;
}

/* An interface unlinked, its peers gone: the rest of what it holds. */
static void
iface_free(struct iface *ifp)
{
	iface_forget(ifp);
	free(ifp->index.slot);
	free(iface_order(ifp));
}

/* The peers of ifp in key order, ifp->npeers of them, or NULL: unknown. */
struct peer *const *
snapshot_iface_order(const struct iface *ifp)
{
	return (iface_order(ifp)->order);
}

static void	arena_put(struct snap_arena *, struct peer *);
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

/* The room of a list of len bytes: it doubles, from 64 bytes. */
static size_t
aips_room(size_t len)
{
	size_t	room = 64;

	if (len == 0)
		return (0);
	while (room < len)
		room *= 2;
	return (room);
}

/* The empty string a peer's name or endpoint is when it has none. */
static const char	 peer_none[] = "";

/* A peer as calloc would give it, but for its strings: none. */
static void
peer_clear(struct peer *p)
{
	memset(p, 0, sizeof(*p));
	p->name = p->endpoint = peer_none;
}

static void
str_free(const char *s)
{
	if (s != NULL && s != peer_none)
		free((char *)s);
}

/* What a peer out of the arena holds, freed. */
static void
peer_release(struct peer *p)
{
	free(p->aips);
	free(p->render);
	str_free(p->name);
	str_free(p->endpoint);
	p->aips = NULL;
	p->render = NULL;
	p->name = p->endpoint = peer_none;
}

/* Room for n more tops; -1 without. */
static int
spare_room(size_t n)
{
	struct peer	**v;
	size_t		  room;

	if (pool.ntops + n <= pool.room)
		return (0);
	room = pool.room ? pool.room : 256;
	while (room < pool.ntops + n)
		room *= 2;
	if ((v = reallocarray(pool.tops, room, sizeof(*v))) == NULL)
		return (-1);
	pool.tops = v;
	pool.room = room;
	return (0);
}

/* A tree of n spare peers (its root p) on top of the pool; room made. */
static void
spare_push(struct peer *p, size_t n)
{
	pool.tops[pool.ntops++] = p;
	pool.npeers += n;
}

/*
 * Under AddressSanitizer only: each peer of a tree handed over, what it
 * held freed at once (the leak checker reads no poisoned memory), then
 * poisoned.
 */
static void
spare_poison(struct peer *p)
{
	if (p == NULL)
		return;
	spare_poison(RB_LEFT(p, entry));
	spare_poison(RB_RIGHT(p, entry));
	peer_release(p);
	POOL_POISON(p, PEER_DATA);
}

/* A spare tree there is no room for after all: freed. */
static void
spare_drop(struct peer *p)
{
	if (p == NULL)
		return;
	spare_drop(RB_LEFT(p, entry));
	spare_drop(RB_RIGHT(p, entry));
	POOL_UNPOISON(p, PEER_DATA);
	peer_release(p);
	free(p);
	if (pool.npeers > 0)
		pool.npeers--;
}

/* A child of a spare taken becomes a top, on its way to the cache. */
static void
spare_child(struct peer *c)
{
	if (c == NULL)
		return;
	if (spare_room(1) == -1) {
		spare_drop(c);
		return;
	}
	spare_push(c, 0);
	__builtin_prefetch(c, 1);
	__builtin_prefetch(&c->aips);
}

/* The top spare, its children tops in its place; what it held freed. */
static struct peer *
spare_pop(void)
{
	struct peer	*p;

	if (pool.ntops == 0)
		return (NULL);
	p = pool.tops[--pool.ntops];
	POOL_UNPOISON(p, PEER_DATA);
	if (pool.npeers > 0)
		pool.npeers--;
	/* Its tree's room (TREE_ROOM) holds them: one out, two in. */
	spare_child(RB_RIGHT(p, entry));
	spare_child(RB_LEFT(p, entry));
	peer_release(p);
	return (p);
}

static void
peer_put(struct snapshot *s, struct peer *p)
{
	/*
	 * Its memory goes with its arena's; until then it is the next peer
	 * the arena gives (a snapshot updated in place loses and gains a
	 * few a run).
	 */
	if (s->arena != NULL) {
		arena_put(s->arena, p);
		return;
	}
	peer_release(p);
	if (pool.npeers >= pool.max || spare_room(1) == -1) {
		free(p);
		return;
	}
	RB_LEFT(p, entry) = RB_RIGHT(p, entry) = NULL;
	POOL_POISON(p, PEER_DATA);
	spare_push(p, 1);
}

/* A spare, as calloc would give it, or a new one. */
static struct peer *
peer_get(void)
{
	struct peer	*p;

	if ((p = spare_pop()) == NULL && (p = malloc(sizeof(*p))) == NULL)
		return (NULL);
	peer_clear(p);
	return (p);
}

/*
 * The collector's snapshot (snapshot_new_arena), which each run's parse
 * updates in place: its peers, their allowed IPs and their strings are
 * laid down one after the other in chunks the snapshot owns, and go with
 * it at once.  A peer that leaves is the next one added; the allowed IPs,
 * read again every run, are dropped at a trim and their chunks are the
 * next run's; names and endpoints replaced are laid down again once they
 * outweigh the live ones (snapshot_compact).  The chunks of a snapshot
 * freed (a test's, a benchmark's) are the next one's; the spares are
 * bounded by the snapshot last freed.
 */
#define ARENA_PEERS	1024		/* peers in a chunk */
#define ARENA_AIPS	(128 * 1024)	/* bytes of allowed IPs in a chunk */
#define ARENA_AHEAD	8		/* peers written ahead of */
#define ARENA_STRS	(64 * 1024)	/* bytes of strings in a chunk */

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 used;		/* bytes of data */
	size_t			 size;
	size_t			 pad;		/* data aligned as malloc's */
};
#define CHUNK_DATA(c)	((char *)((c) + 1))

struct arena_list {
	struct arena_chunk	*head;		/* the chunk being filled */
	size_t			 n;
};

struct snap_arena {
	struct arena_list	 peers;
	struct arena_list	 aips;		/* the lists, gone at a trim */
	struct arena_list	 strs;		/* names and endpoints */
	struct peer		*free;		/* peers removed, for reuse */
	size_t			 dead;		/* bytes of strs replaced */
};

static struct {
	struct arena_list	 peers;
	struct arena_list	 aips;
	struct arena_list	 strs;
} arena_spare;

static struct arena_chunk *
chunk_pop(struct arena_list *l)
{
	struct arena_chunk	*c;

	if ((c = l->head) != NULL) {
		l->head = c->next;
		l->n--;
	}
	return (c);
}

static void
chunk_push(struct arena_list *l, struct arena_chunk *c)
{
	c->next = l->head;
	l->head = c;
	l->n++;
}

/* A chunk of size bytes, a spare if the first spare has room. */
static struct arena_chunk *
chunk_get(struct arena_list *spare, size_t size)
{
	struct arena_chunk	*c;

	if (spare->head != NULL && spare->head->size >= size) {
		c = chunk_pop(spare);
		POOL_UNPOISON(CHUNK_DATA(c), c->size);
	} else if ((c = malloc(sizeof(*c) + size)) != NULL)
		c->size = size;
	else
		return (NULL);
	c->used = 0;
	return (c);
}

/* n bytes at the end of l, in a new chunk of at least size if need be. */
static void *
arena_take(struct arena_list *l, struct arena_list *spare, size_t n,
    size_t size)
{
	struct arena_chunk	*c = l->head;
	char			*m;

	if (c == NULL || c->size - c->used < n) {
		if ((c = chunk_get(spare, n > size ? 2 * n : size)) == NULL)
			return (NULL);
		chunk_push(l, c);
	}
	m = CHUNK_DATA(c) + c->used;
	c->used += n;
	return (m);
}

/*
 * The chunks of l become spares, poisoned; spares past as many as l had
 * are freed.
 */
static void
arena_release(struct arena_list *l, struct arena_list *spare)
{
	struct arena_chunk	*c;
	size_t			 keep = l->n;

	while ((c = chunk_pop(l)) != NULL) {
		POOL_POISON(CHUNK_DATA(c), c->size);
		chunk_push(spare, c);
	}
	while (spare->n > keep)
		free(chunk_pop(spare));
}

/*
 * The lines of n bytes at m, about to be written (a prefetch past the
 * chunk is harmless): every line they touch, the last one too when m is
 * not at the start of its line.
 */
#define ARENA_LINE	64

static void
arena_ahead(const char *m, size_t n)
{
	uintptr_t	a = (uintptr_t)m & ~(uintptr_t)(ARENA_LINE - 1);

	for (; a < (uintptr_t)m + n; a += ARENA_LINE)
		__builtin_prefetch((const char *)a, 1);
}

static struct peer *
arena_peer(struct snap_arena *a)
{
	struct peer	*p;

	if ((p = a->free) != NULL) {
		POOL_UNPOISON(p, PEER_DATA);
		a->free = RB_LEFT(p, entry);
		peer_clear(p);
		return (p);
	}
	if ((p = arena_take(&a->peers, &arena_spare.peers, sizeof(*p),
	    ARENA_PEERS * sizeof(*p))) == NULL)
		return (NULL);
	/* The next peers' lines, on their way to the cache while this is read. */
	arena_ahead((char *)p + ARENA_AHEAD * sizeof(*p), sizeof(*p));
	peer_clear(p);
	return (p);
}

static void
arena_put(struct snap_arena *a, struct peer *p)
{
	RB_LEFT(p, entry) = a->free;
	a->free = p;
	POOL_POISON(p, PEER_DATA);
}

/*
 * An allowed IP of len bytes at the end of p's list: where it is, when
 * the list is the last thing laid down in its chunk, else with the list
 * moved to the end (a list is one run of bytes).
 */
static int
arena_aip(struct snap_arena *a, struct peer *p, const char *aip, size_t len)
{
	struct arena_list	*l = &a->aips;
	struct arena_chunk	*c = l->head;
	char			*n;

	if (p->aips_len > 0 && c != NULL && p->aips + p->aips_len ==
	    CHUNK_DATA(c) + c->used && c->size - c->used > len) {
		c->used += len + 1;
		n = p->aips;
	} else {
		if ((n = arena_take(l, &arena_spare.aips, p->aips_len + len + 1,
		    ARENA_AIPS)) == NULL)
			return (-1);
		if (p->aips_len > 0)
			memcpy(n, p->aips, p->aips_len);
	}
	memcpy(n + p->aips_len, aip, len);
	n[p->aips_len + len] = '\0';
	p->aips = n;
	return (0);
}

static void
arena_free(struct snap_arena *a)
{
	if (a == NULL)
		return;
	arena_release(&a->peers, &arena_spare.peers);
	arena_release(&a->aips, &arena_spare.aips);
	arena_release(&a->strs, &arena_spare.strs);
	free(a);
}

/* The chunks kept for the next run, of the three kinds: for the tests. */
size_t
snapshot_arena_spares(void)
{
	return (arena_spare.peers.n + arena_spare.aips.n + arena_spare.strs.n);
}

/* The bytes of the chunks of s's arena, all three kinds: for the tests. */
size_t
snapshot_arena_size(const struct snapshot *s)
{
	const struct arena_list	*l[3];
	struct arena_chunk	*c;
	size_t			 i, n = 0;

	if (s->arena == NULL)
		return (0);
	l[0] = &s->arena->peers;
	l[1] = &s->arena->aips;
	l[2] = &s->arena->strs;
	for (i = 0; i < 3; i++)
		for (c = l[i]->head; c != NULL; c = c->next)
			n += c->size;
	return (n);
}

/* A peer for s: from its arena, if it has one. */
static struct peer *
peer_take(struct snapshot *s)
{
	if (s->arena != NULL)
		return (arena_peer(s->arena));
	return (peer_get());
}

/* A snapshot whose peers live in its arena: the collector's, a run's. */
struct snapshot *
snapshot_new_arena(void)
{
	struct snapshot	*s;

	if ((s = snapshot_new()) == NULL)
		return (NULL);
	if ((s->arena = calloc(1, sizeof(*s->arena))) == NULL) {
		free(s);
		return (NULL);
	}
	return (s);
}

/*
 * A run of npeers: the largest seen bounds the pool, and a run much
 * smaller than that gives the rest back.
 */
static void
pool_bound(size_t npeers)
{
	if (npeers > pool.max)
		pool.max = npeers;
	if (npeers >= pool.max / POOL_SHRINK)
		return;
	pool.max = npeers;
	while (pool.npeers > pool.max && pool.ntops > 0)
		free(spare_pop());
}

/*
 * The whole tree goes: children before their parent, with no removal
 * and its rebalancing for each node.
 */
static void
peers_free(struct snapshot *s, struct peer *p)
{
	if (p == NULL)
		return;
	peers_free(s, RB_LEFT(p, entry));
	peers_free(s, RB_RIGHT(p, entry));
	peer_put(s, p);
}

/* A freed snapshot's tree: to the pool whole while it has room. */
static void
peers_spare(struct snapshot *s, struct iface *ifp)
{
	struct peer	*root = RB_ROOT(&ifp->peers);

	if (root == NULL)
		return;
	if (pool.npeers + ifp->npeers > pool.max ||
	    spare_room(TREE_ROOM) == -1) {
		peers_free(s, root);
		return;
	}
	if (POOL_ASAN)
		spare_poison(root);
	spare_push(root, ifp->npeers);
}

void
snapshot_free(struct snapshot *s)
{
	struct iface	*ifp, *nifp;

	if (s == NULL)
		return;
	if (s->arena == NULL && s->npeers > pool.max)
		pool.max = s->npeers;
	RB_FOREACH_SAFE(ifp, iface_tree, &s->ifaces, nifp) {
		if (s->arena == NULL)
			peers_spare(s, ifp);
		RB_REMOVE(iface_tree, &s->ifaces, ifp);
		iface_free(ifp);
	}
	arena_free(s->arena);
	free(s);
}

/* Returns NULL with errno EEXIST for a name already there. */
struct iface *
snapshot_iface_add(struct snapshot *s, const char *name)
{
	struct iface_order	*io;
	struct iface		*ifp;

	if (strlen(name) >= sizeof(ifp->name)) {
		errno = ENAMETOOLONG;
		return (NULL);
	}
	if ((io = calloc(1, sizeof(*io))) == NULL)
		return (NULL);
	ifp = &io->ifp;
	strlcpy(ifp->name, name, sizeof(ifp->name));
	RB_INIT(&ifp->peers);
	if (RB_INSERT(iface_tree, &s->ifaces, ifp) != NULL) {
		free(io);
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
static void
peer_trim(const struct snapshot *s, struct peer *p)
{
	if (s->arena == NULL)
		free(p->aips);
	p->aips = NULL;
	p->naips = 0;
	p->aips_len = 0;
}

void
snapshot_trim(struct snapshot *s)
{
	struct iface		*ifp;
	struct peer		*p;
	struct peer *const	*v;
	size_t			 i;

	if (s->arena == NULL)
		pool_bound(s->npeers);
	RB_FOREACH(ifp, iface_tree, &s->ifaces) {
		if ((v = snapshot_iface_order(ifp)) == NULL) {
			RB_FOREACH(p, peer_tree, &ifp->peers)
				peer_trim(s, p);
			continue;
		}
		for (i = 0; i < ifp->npeers; i++) {
			if (i + ORDER_AHEAD < ifp->npeers)
				__builtin_prefetch(&v[i + ORDER_AHEAD]->aips,
				    1);
			peer_trim(s, v[i]);
		}
	}
	snapshot_trim_lists(s);
}

/* No peer of s holds a list: their chunks are the next run's. */
void
snapshot_trim_lists(struct snapshot *s)
{
	if (s->arena != NULL)
		arena_release(&s->arena->aips, &arena_spare.aips);
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
	if ((p = peer_take(s)) == NULL)
		return (NULL);
	strlcpy(p->key, key, sizeof(p->key));
	if (RB_INSERT(peer_tree, &ifp->peers, p) != NULL) {
		peer_put(s, p);
		errno = EEXIST;
		return (NULL);
	}
	iface_forget(ifp);
	ifp->npeers++;
	s->npeers++;
	return (p);
}

/*
 * A peer of key for s, in no tree yet, for snapshot_iface_fill; one that
 * never gets there goes back with snapshot_peer_free.
 */
struct peer *
snapshot_peer_new(struct snapshot *s, const char *key)
{
	return (snapshot_peer_newn(s, key, strlen(key)));
}

/* The same, of a key of len bytes with no NUL, which need not follow. */
struct peer *
snapshot_peer_newn(struct snapshot *s, const char *key, size_t len)
{
	struct peer	*p;

	if (len >= sizeof(p->key)) {
		errno = ENAMETOOLONG;
		return (NULL);
	}
	if ((p = peer_take(s)) == NULL)
		return (NULL);
	memcpy(p->key, key, len);
	p->key[len] = '\0';
	return (p);
}

void
snapshot_peer_free(struct snapshot *s, struct peer *p)
{
	if (p != NULL)
		peer_put(s, p);
}

/*
 * The subtree of the n peers of v, split at the middle: the sizes of two
 * siblings differ by at most one, so every leaf is at one of two depths,
 * and the nodes at the deeper (red_depth) are red, the rest black.
 */
static struct peer *
tree_build(struct peer **v, size_t n, struct peer *parent, int depth,
    int red_depth)
{
	struct peer	*p;
	size_t		 mid = n / 2;

	if (n == 0)
		return (NULL);
	p = v[mid];
	/* Its children, on their way to the cache while it is linked. */
	if (mid > 0)
		__builtin_prefetch(v[mid / 2], 1);
	if (n - mid - 1 > 0)
		__builtin_prefetch(v[mid + 1 + (n - mid - 1) / 2], 1);
	RB_PARENT(p, entry) = parent;
	RB_COLOR(p, entry) = depth == red_depth ? RB_RED : RB_BLACK;
	RB_LEFT(p, entry) = tree_build(v, mid, p, depth + 1, red_depth);
	RB_RIGHT(p, entry) = tree_build(v + mid + 1, n - mid - 1, p,
	    depth + 1, red_depth);
	return (p);
}

/*
 * Makes the empty tree of ifp of the n peers of v (snapshot_peer_new's),
 * which the caller has sorted by key, none twice: a valid red-black tree
 * built at once, with no comparison and no rebalancing.
 */
int
snapshot_iface_fill(struct snapshot *s, struct iface *ifp, struct peer **v,
    size_t n)
{
	struct iface_order	*io = iface_order(ifp);
	int			 height = 0;

	if (!RB_EMPTY(&ifp->peers)) {
		errno = EEXIST;
		return (-1);
	}
	while (height < 64 && ((uint64_t)1 << height) - 1 < n)
		height++;
	/* A full tree is all black; else its deepest level is red. */
	RB_ROOT(&ifp->peers) = tree_build(v, n, NULL, 0,
	    ((uint64_t)1 << height) - 1 == n ? -1 : height - 1);
	ifp->npeers += n;
	s->npeers += n;
	/* Without room for the order, walks go down the tree. */
	iface_forget(ifp);
	if (n > 0 && (io->order = order_get(n, &io->room)) != NULL)
		memcpy(io->order, v, n * sizeof(*v));
	return (0);
}

/* A peer's string *f, copied to the end of arena a's list. */
static int
str_move(struct snap_arena *a, const char **f)
{
	size_t	 len;
	char	*m;

	if (*f == peer_none)
		return (0);
	len = strlen(*f);
	if ((m = arena_take(&a->strs, &arena_spare.strs, len + 1,
	    ARENA_STRS)) == NULL)
		return (-1);
	memcpy(m, *f, len + 1);
	*f = m;
	return (0);
}

/* ifp's order, made from its tree when it has none; NULL without room. */
struct peer *const *
snapshot_iface_ordered(struct iface *ifp)
{
	struct iface_order	*io = iface_order(ifp);
	struct peer		*p;
	size_t			 i = 0;

	if (io->order != NULL || ifp->npeers == 0)
		return (io->order);
	if ((io->order = order_get(ifp->npeers, &io->room)) == NULL)
		return (NULL);
	RB_FOREACH(p, peer_tree, &ifp->peers)
		io->order[i++] = p;
	return (io->order);
}

/* The first of v[lo..hi) whose key is not less than key. */
size_t
snapshot_order_lower(struct peer *const *v, size_t lo, size_t hi,
    const char *key)
{
	size_t	mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/*
 * ifp's peers after the collector's parse in place: the ngone of gone
 * (ifp's, in key order) leave, the nadds of adds (sorted, none a key of
 * ifp's) come in.  The new order is the old one's runs between their
 * places, found by search: no peer but those that come and go is read.
 * -1 without room, ifp as it was.
 */
int
snapshot_iface_update(struct snapshot *s, struct iface *ifp,
    struct peer **adds, size_t nadds, struct peer **gone, size_t ngone)
{
	struct iface_order	 *io = iface_order(ifp);
	struct peer *const	 *old = NULL;
	struct peer		**v;
	size_t			  n = ifp->npeers, room, i = 0, a = 0, g = 0;
	size_t			  o = 0, pa, pg;

	if (nadds == 0 && ngone == 0)
		return (0);
	if (n > 0 && (old = snapshot_iface_ordered(ifp)) == NULL)
		return (-1);
	if ((v = order_get(n - ngone + nadds + 1, &room)) == NULL)
		return (-1);
	while (a < nadds || g < ngone) {
		pa = a < nadds ? snapshot_order_lower(old, i, n,
		    adds[a]->key) : n + 1;
		pg = g < ngone ? snapshot_order_lower(old, i, n,
		    gone[g]->key) : n + 1;
		if (pa <= pg) {
			memcpy(v + o, old + i, (pa - i) * sizeof(*v));
			o += pa - i;
			i = pa;
			v[o++] = adds[a++];
		} else {
			memcpy(v + o, old + i, (pg - i) * sizeof(*v));
			o += pg - i;
			i = pg + 1;
			g++;
		}
	}
	if (i < n)
		memcpy(v + o, old + i, (n - i) * sizeof(*v));
	o += n - i;
	for (g = 0; g < ngone; g++)
		RB_REMOVE(peer_tree, &ifp->peers, gone[g]);
	for (a = 0; a < nadds; a++)
		RB_INSERT(peer_tree, &ifp->peers, adds[a]);
	order_put(io->order, io->room);
	io->order = v;
	io->room = room;
	ifp->npeers = o;
	s->npeers = s->npeers - n + o;
	return (0);
}

/* The collector's: ifp's peers as the last document listed them. */
struct peer **
snapshot_iface_doc(const struct iface *ifp, size_t *n)
{
	struct iface_order	*io = iface_order(ifp);

	*n = io->ndoc;
	return (io->doc);
}

/* The same, n of v, an array of room (order_get's kind) that ifp keeps. */
void
snapshot_iface_set_doc(struct iface *ifp, struct peer **v, size_t n,
    size_t room)
{
	struct iface_order	*io = iface_order(ifp);

	order_put(io->doc, io->docroom);
	io->doc = v;
	io->ndoc = n;
	io->docroom = room;
}

/* Room for n peers, for a document's order: a spare, or a new one. */
struct peer **
snapshot_order_get(size_t n, size_t *room)
{
	return (order_get(n, room));
}

void
snapshot_order_put(struct peer **v, size_t room)
{
	order_put(v, room);
}

/* An interface out of its snapshot's tree, its peers with it. */
void
snapshot_iface_unlink(struct snapshot *s, struct iface *ifp)
{
	RB_REMOVE(iface_tree, &s->ifaces, ifp);
	s->nifaces--;
	s->npeers -= ifp->npeers;
}

/* An interface unlinked from s, and its peers. */
void
snapshot_iface_free(struct snapshot *s, struct iface *ifp)
{
	peers_free(s, RB_ROOT(&ifp->peers));
	iface_free(ifp);
}

/*
 * The strings of an arena's snapshot updated in place (names and
 * endpoints replaced) are laid down again once the dead ones outweigh
 * the live: the arena holds at most twice what its peers use.
 */
void
snapshot_compact(struct snapshot *s)
{
	struct arena_list	 old;
	struct arena_chunk	*c;
	struct iface		*ifp;
	struct peer		*p;
	size_t			 used = 0;

	if (s->arena == NULL || s->arena->dead < ARENA_STRS)
		return;
	for (c = s->arena->strs.head; c != NULL; c = c->next)
		used += c->used;
	if (s->arena->dead < used / 2)
		return;
	old = s->arena->strs;
	memset(&s->arena->strs, 0, sizeof(s->arena->strs));
	s->arena->dead = 0;
	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers)
			if (str_move(s->arena, &p->name) == -1 ||
			    str_move(s->arena, &p->endpoint) == -1) {
				/* Where they are, then: both lists kept. */
				while ((c = chunk_pop(&old)) != NULL)
					chunk_push(&s->arena->strs, c);
				return;
			}
	arena_release(&old, &arena_spare.strs);
}

struct peer *
snapshot_peer_find(struct iface *ifp, const char *key)
{
	struct peer	 k;

	if (strlcpy(k.key, key, sizeof(k.key)) >= sizeof(k.key))
		return (NULL);
	return (RB_FIND(peer_tree, &ifp->peers, &k));
}

/*
 * A peer's string *f made the len bytes of v (no NUL among them, none
 * needed after), of at most max bytes with its NUL: in arena a, that of
 * the peer's snapshot, or its own allocation; "" takes none.
 */
static int
peer_set_str(struct snap_arena *a, const char **f, const char *v,
    size_t len, size_t max)
{
	char	*m;

	if (len >= max) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (strncmp(*f, v, len) == 0 && (*f)[len] == '\0')
		return (0);
	if (len == 0)
		m = (char *)peer_none;
	else if (a != NULL)
		m = arena_take(&a->strs, &arena_spare.strs, len + 1,
		    ARENA_STRS);
	else
		m = malloc(len + 1);
	if (m == NULL)
		return (-1);
	if (len > 0) {
		memcpy(m, v, len);
		m[len] = '\0';
	}
	if (a == NULL)
		str_free(*f);
	else if (*f != peer_none)
		a->dead += strlen(*f) + 1;
	*f = m;
	return (0);
}

int
snapshot_peer_set_name(struct snapshot *s, struct peer *p, const char *name)
{
	return (peer_set_str(s->arena, &p->name, name, strlen(name),
	    WGM_PEERNAME_MAX));
}

int
snapshot_peer_set_endpoint(struct snapshot *s, struct peer *p,
    const char *endpoint)
{
	return (snapshot_peer_set_endpointn(s, p, endpoint,
	    strlen(endpoint)));
}

/* The same, of len bytes with no NUL, which need not follow. */
int
snapshot_peer_set_endpointn(struct snapshot *s, struct peer *p,
    const char *endpoint, size_t len)
{
	return (peer_set_str(s->arena, &p->endpoint, endpoint, len,
	    WGM_ENDPOINT_MAX));
}

void
snapshot_peer_remove(struct snapshot *s, struct iface *ifp, struct peer *p)
{
	RB_REMOVE(peer_tree, &ifp->peers, p);
	iface_forget(ifp);
	ifp->npeers--;
	s->npeers--;
	peer_put(s, p);
}

static uint64_t
aips_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return (h ^ h >> 29);
}

/*
 * A hash of the list, eight bytes at a time, each entry with its NUL:
 * the collector tells a changed list by it once the previous run's
 * lists are trimmed.  A whole word is copied at a constant size, a load.
 * The last part of an entry of eight bytes or more is the word that
 * ends at its NUL, over bytes already taken; of a shorter one, byte by
 * byte, where a copy of a variable size would be a call to memcpy(3).
 */
static uint64_t
aips_hash(uint64_t h, const char *aip, size_t len)
{
	unsigned char	b[8] = { 0 };
	uint64_t	w;
	size_t		i, j;

	h = aips_mix(h, len + 1);	/* first its length: "" is an entry */
	for (i = 0; i + sizeof(w) <= len + 1; i += sizeof(w)) {
		memcpy(&w, aip + i, sizeof(w));
		h = aips_mix(h, w);
	}
	if (i > len)
		return (h);
	if (len + 1 >= sizeof(w))
		memcpy(&w, aip + len + 1 - sizeof(w), sizeof(w));
	else {
		for (j = 0; i + j <= len; j++)
			b[j] = aip[i + j];
		memcpy(&w, b, sizeof(w));
	}
	return (aips_mix(h, w));
}

/*
 * The list of p, not an arena's, replaced by n entries: len bytes, each
 * with its NUL, in an allocation of that size.  The receiver makes each
 * list whole so: one grown an entry at a time keeps room to grow into,
 * a third of it on average.  The flags are the caller's.
 */
int
snapshot_peer_set_aips(struct snapshot *s, struct peer *p, const char *list,
    size_t len, uint32_t n)
{
	char		*m = NULL;
	uint64_t	 h = 0;
	size_t		 i, l;

	if (s->arena != NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (len > UINT32_MAX) {
		errno = EOVERFLOW;
		return (-1);
	}
	if (len > 0 && (m = malloc(len)) == NULL)
		return (-1);
	for (i = 0; i < len; i += l + 1) {
		l = strnlen(list + i, len - i);
		h = aips_hash(h, list + i, l);
	}
	if (len > 0)
		memcpy(m, list, len);
	free(p->aips);
	p->aips = m;
	p->aips_len = len;
	p->naips = n;
	p->aips_hash = h;
	return (0);
}

int
snapshot_peer_add_aip(struct snapshot *s, struct peer *p, const char *aip)
{
	return (snapshot_peer_add_aipn(s, p, aip, strlen(aip)));
}

/*
 * The len bytes at aip, none a NUL, which need not be followed by one:
 * the parser's, in the buffer it reads, checked.  The hash is of the
 * copy, which has its NUL.
 */
int
snapshot_peer_add_aipn(struct snapshot *s, struct peer *p, const char *aip,
    size_t len)
{
	char	*n, *entry;
	size_t	 need;

	if (len >= WGM_AIP_MAX) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((need = p->aips_len + len + 1) > UINT32_MAX) {
		errno = EOVERFLOW;
		return (-1);
	}
	if (s->arena != NULL) {
		if (arena_aip(s->arena, p, aip, len) == -1)
			return (-1);
	} else {
		/* Grow by doubling: a peer may route thousands of prefixes. */
		if (need > aips_room(p->aips_len)) {
			if ((n = realloc(p->aips, aips_room(need))) == NULL)
				return (-1);
			p->aips = n;
		}
		memcpy(p->aips + p->aips_len, aip, len);
		p->aips[p->aips_len + len] = '\0';
	}
	entry = p->aips + p->aips_len;
	p->aips_len = need;
	p->naips++;
	p->aips_hash = aips_hash(p->aips_hash, entry, len);
	p->flags |= PEER_F_AIPS;
	return (0);
}

/*
 * p's allowed IPs, gone as a trim leaves them (their hash kept); their
 * room in an arena given back, when they are the last laid down.
 */
void
snapshot_peer_drop_aips(struct snapshot *s, struct peer *p)
{
	struct arena_chunk	*c;

	if (s->arena != NULL && p->aips_len > 0 &&
	    (c = s->arena->aips.head) != NULL &&
	    p->aips + p->aips_len == CHUNK_DATA(c) + c->used)
		c->used -= p->aips_len;
	peer_trim(s, p);
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
