/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"

#define OUT_BUFSZ	256	/* the longest run between strings is ~160 */
#define OUT_ROOM	64	/* more than any one formatted field */

/*
 * The punctuation and numbers between two strings are gathered on the
 * stack and handed to the evbuffer in one piece: at 100k peers, one
 * evbuffer_add per mark or number would dominate.  Strings go to
 * json_string, after a flush.  The first failure sticks, so the helpers
 * need no checks at every call and the renderer tests once at the end.
 */
struct out {
	struct evbuffer	*b;
	size_t		 len;
	int		 error;
	char		 buf[OUT_BUFSZ];
};

typedef void	 (*render_iface_fn)(struct out *, const struct iface *,
		    const struct snapshot *);

static void	 out_printf(struct out *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));

static int
out_flush(struct out *o)
{
	if (o->error)
		return (-1);
	if (o->len > 0 && evbuffer_add(o->b, o->buf, o->len) == -1)
		o->error = 1;
	o->len = 0;
	return (o->error ? -1 : 0);
}

/*
 * Makes room for n more bytes, flushing what the buffer holds.  No run
 * between two strings fills it today; this keeps a longer one correct.
 */
static int
out_room(struct out *o, size_t n)
{
	if (o->error)
		return (-1);
	if (sizeof(o->buf) - o->len >= n)
		return (0);
	if (out_flush(o) == -1)
		return (-1);
	if (sizeof(o->buf) < n) {
		o->error = 1;
		return (-1);
	}
	return (0);
}

/* Appends s verbatim: only for this file's own JSON punctuation. */
static void
out_puts(struct out *o, const char *s)
{
	size_t	n = strlen(s);

	if (out_room(o, n) == -1)
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	size_t	left;
	int	n;

	if (out_room(o, OUT_ROOM) == -1)
		return;
	left = sizeof(o->buf) - o->len;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= left) {
		o->error = 1;
		return;
	}
	o->len += n;
}

/* Every string, even a status name, is escaped by json_string. */
static void
out_string(struct out *o, const char *s)
{
	if (out_flush(o) == -1)
		return;
	if (json_string(o->b, s) == -1)
		o->error = 1;
}

/* A string member that another follows, so it ends with its comma. */
static void
out_member(struct out *o, const char *key, const char *s)
{
	out_printf(o, "\"%s\":", key);
	out_string(o, s);
	out_puts(o, ",");
}

/* The comma before every member of an object or array but the first. */
static void
out_sep(struct out *o, int *first)
{
	if (!*first)
		out_puts(o, ",");
	*first = 0;
}

static void
out_aips(struct out *o, const struct peer *p)
{
	const char	*a = p->aips;
	size_t		 i;
	int		 first = 1;

	out_puts(o, "\"allowedIps\":[");
	for (i = 0; i < p->naips; i++, a += strlen(a) + 1) {
		out_sep(o, &first);
		out_string(o, a);
	}
	out_puts(o, "]");
}

/*
 * A peer's name, from the operator's names files, right after its key as
 * in the events; each member after it starts without a comma, so it ends
 * with one.  A name is data from a file: json_string escapes it.
 */
static void
out_name(struct out *o, const struct peer *p)
{
	if (p->name[0] == '\0')
		return;
	out_member(o, "name", p->name);
}

/*
 * The keys wg-json printed, in its order; each optional one ends with its
 * comma, since allowedIps always follows.  The struct holds no private or
 * preshared key, so neither can leak here.
 */
static void
raw_peer(struct out *o, const struct peer *p)
{
	out_string(o, p->key);
	out_puts(o, ":{");
	out_name(o, p);
	if (p->flags & PEER_F_ENDPOINT)
		out_member(o, "endpoint", p->endpoint);
	if (p->flags & PEER_F_HANDSHAKE)
		out_printf(o, "\"latestHandshake\":%" PRId64 ",", p->handshake);
	if (p->flags & PEER_F_RX)
		out_printf(o, "\"transferRx\":%" PRIu64 ",", p->rx);
	if (p->flags & PEER_F_TX)
		out_printf(o, "\"transferTx\":%" PRIu64 ",", p->tx);
	if (p->flags & PEER_F_KEEPALIVE)
		out_printf(o, "\"persistentKeepalive\":%" PRIu32 ",",
		    p->keepalive);
	out_aips(o, p);
	out_puts(o, ",\"status\":");
	out_string(o, snapshot_status_name(p->status));
	out_puts(o, (p->flags & PEER_F_PSK) ?
	    ",\"hasPresharedKey\":true}" : ",\"hasPresharedKey\":false}");
}

/* An interface's members up to its peers, which "}}" closes. */
static void
raw_iface_head(struct out *o, const struct iface *ifp)
{
	out_string(o, ifp->name);
	out_puts(o, ":{");
	if (ifp->flags & IFACE_F_PUBKEY)
		out_member(o, "publicKey", ifp->pubkey);
	if (ifp->flags & IFACE_F_PORT)
		out_printf(o, "\"listenPort\":%" PRIu32 ",", ifp->port);
	if (ifp->flags & IFACE_F_FWMARK)
		out_printf(o, "\"fwmark\":%" PRIu32 ",", ifp->fwmark);
	out_puts(o, "\"peers\":{");
}

static void
raw_iface(struct out *o, const struct iface *ifp, const struct snapshot *s)
{
	struct peer	*p;
	int		 first = 1;

	(void)s;
	raw_iface_head(o, ifp);
	RB_FOREACH(p, peer_tree, (struct peer_tree *)&ifp->peers) {
		out_sep(o, &first);
		raw_peer(o, p);
	}
	out_puts(o, "}}");
}

/* wg-json omits latestHandshake, or prints 0, for a peer never seen. */
static int
has_handshake(const struct peer *p)
{
	return (p->status != STATUS_NEVER &&
	    (p->flags & PEER_F_HANDSHAKE) && p->handshake != 0);
}

/*
 * A handshake in the future (the clock stepped back) is age 0, as in
 * classification.  Computed unsigned: the difference of two int64
 * values always fits in a uint64, where signed it could overflow.
 */
static uint64_t
clock_age(int64_t then, int64_t now)
{
	if (then >= now)
		return (0);
	return ((uint64_t)now - (uint64_t)then);
}

/*
 * The age at the run's end by the monotonic clock, as the collector
 * classified it, so that a step of the wall clock moves no age; by the
 * wall clock only where the snapshot has no monotonic times (one not
 * made by a collector's cycle).
 */
static uint64_t
handshake_age(const struct peer *p, const struct snapshot *s)
{
	if (s->mono != 0 && p->hs_mono != 0)
		return (clock_age(p->hs_mono, s->mono));
	return (clock_age(p->handshake, s->time));
}

/* A peer of /status up to its status, where its handshake's age goes. */
static void
status_peer_head(struct out *o, const struct peer *p)
{
	out_string(o, p->key);
	out_puts(o, ":{");
	out_name(o, p);
	out_puts(o, "\"status\":");
	out_string(o, snapshot_status_name(p->status));
}

static void
status_peer_tail(struct out *o, const struct peer *p)
{
	out_puts(o, ",");
	if (p->flags & PEER_F_ENDPOINT)
		out_member(o, "endpoint", p->endpoint);
	else
		out_puts(o, "\"endpoint\":null,");
	out_aips(o, p);
	out_puts(o, "}");
}

static void
status_peer(struct out *o, const struct peer *p, const struct snapshot *s)
{
	status_peer_head(o, p);
	if (has_handshake(p))
		out_printf(o, ",\"lastHandshakeSecondsAgo\":%" PRIu64,
		    handshake_age(p, s));
	status_peer_tail(o, p);
}

/* An interface of /status up to its peers, which "}" closes. */
static void
status_iface_head(struct out *o, const struct iface *ifp)
{
	out_string(o, ifp->name);
	out_puts(o, ":{");
}

/* An interface whose peers are all inactive still shows, as {}. */
static void
status_iface(struct out *o, const struct iface *ifp,
    const struct snapshot *s)
{
	struct peer	*p;
	int		 first = 1;

	status_iface_head(o, ifp);
	RB_FOREACH(p, peer_tree, (struct peer_tree *)&ifp->peers) {
		if (p->status == STATUS_INACTIVE)
			continue;
		out_sep(o, &first);
		status_peer(o, p, s);
	}
	out_puts(o, "}");
}

static void
out_init(struct out *o, struct evbuffer *b)
{
	o->b = b;
	o->len = 0;
	o->error = 0;
}

/*
 * The outer object, one member per interface in name order.  On failure
 * the evbuffer holds a partial body, which the caller discards.
 */
static int
render_tree(struct evbuffer *b, const struct snapshot *s, render_iface_fn fn)
{
	struct out	 o;
	struct iface	*ifp;
	int		 first = 1;

	out_init(&o, b);
	out_puts(&o, "{");
	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces) {
		if (o.error)
			break;
		out_sep(&o, &first);
		fn(&o, ifp, s);
	}
	out_puts(&o, "}");
	return (out_flush(&o));
}

int
render_raw(struct evbuffer *b, const struct snapshot *s)
{
	return (render_tree(b, s, raw_iface));
}

int
render_status(struct evbuffer *b, const struct snapshot *s)
{
	return (render_tree(b, s, status_iface));
}

/*
 * A peer's parts, kept from one snapshot to the next (p->render), so that
 * a run renders only the peers that changed and the bodies are put
 * together by copying: the peer's member of /raw, of /status in two
 * pieces around its handshake's age (the one thing that moves with the
 * clock alone), and its lines of each per-peer family of /metrics.  They
 * are rendered by the same code as render_raw, render_status and
 * metrics_render_peers, so the bodies are those, byte for byte.
 */

#define HASH_MUL	0xff51afd7ed558ccdULL

/*
 * A content hash for ETags and for telling an unchanged body, a word at
 * a time: no secrecy is needed, and a byte at a time costs tens of
 * milliseconds at 100k peers.
 */
uint64_t
render_hash(const char *p, size_t n)
{
	uint64_t	h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= sizeof(w); p += sizeof(w), n -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		h = (h ^ w) * HASH_MUL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * HASH_MUL;
	return (h ^ (h >> 29));
}

/* A body's hash folds in those of its pieces, in order. */
void
sink_hash(struct sink *k, uint64_t h)
{
	k->hash = (k->hash ^ h) * HASH_MUL;
	k->hash ^= k->hash >> 32;
}

/* Measured, or copied where the body is being written. */
void
sink_put(struct sink *k, const char *p, size_t n)
{
	if (k->buf != NULL)
		memcpy(k->buf + k->len, p, n);
	k->len += n;
}

/* Text made for this run: what it says goes into the hash. */
void
sink_text(struct sink *k, const char *p, size_t n)
{
	sink_put(k, p, n);
	sink_hash(k, render_hash(p, n));
}

/* What the evbuffer holds, which it then no longer does. */
void
sink_evbuffer(struct sink *k, struct evbuffer *b)
{
	size_t		 n = evbuffer_get_length(b);
	const char	*p;

	if (n == 0)
		return;
	if ((p = (const char *)evbuffer_pullup(b, -1)) == NULL)
		fatalx("%s: evbuffer_pullup", __func__);
	sink_text(k, p, n);
	evbuffer_drain(b, n);
}

const char *
render_part(const struct peer *p, int part, size_t *len)
{
	const struct render_parts	*rp = (const struct render_parts *)
					    p->render;

	*len = rp->off[part + 1] - rp->off[part];
	return ((const char *)(rp + 1) + rp->off[part]);
}

static uint64_t
part_hash(const struct render_parts *rp, int from, int to)
{
	return (render_hash((const char *)(rp + 1) + rp->off[from],
	    rp->off[to] - rp->off[from]));
}

/* The parts of /status, both empty for an inactive peer. */
static void
status_parts(struct out *o, struct render_parts *h, struct peer *p)
{
	struct evbuffer	*b = o->b;

	h->off[RP_STATUS] = evbuffer_get_length(b);
	if (p->status != STATUS_INACTIVE)
		status_peer_head(o, p);
	out_flush(o);
	h->off[RP_STATUS_END] = evbuffer_get_length(b);
	if (p->status != STATUS_INACTIVE)
		status_peer_tail(o, p);
	if (out_flush(o) == -1)
		fatalx("%s: render", __func__);
}

/*
 * The parts of the bodies in kinds, rendered one after the other into b
 * (empty), then kept; the parts of the other bodies are empty.
 */
static void
peer_render(struct evbuffer *b, const struct iface *ifp, struct peer *p,
    uint32_t kinds)
{
	struct render_parts	 h, *rp;
	struct out		 o;
	size_t			 len;
	int			 i;

	memset(&h, 0, sizeof(h));
	h.kinds = kinds;
	out_init(&o, b);
	if (kinds & RK_RAW)
		raw_peer(&o, p);
	if (out_flush(&o) == -1)
		fatalx("%s: render", __func__);
	if (kinds & RK_STATUS)
		status_parts(&o, &h, p);
	else
		h.off[RP_STATUS] = h.off[RP_STATUS_END] =
		    evbuffer_get_length(b);
	for (i = RP_M_FIRST; i < RP_NPARTS; i++) {
		h.off[i] = evbuffer_get_length(b);
		if ((kinds & RK_METRICS) &&
		    metrics_peer_part(b, i - RP_M_FIRST, ifp, p) == -1)
			fatalx("%s: metrics_peer_part", __func__);
	}
	if ((len = evbuffer_get_length(b)) > UINT32_MAX)
		fatalx("%s: %zu bytes for one peer", __func__, len);
	h.off[RP_NPARTS] = len;
	if ((rp = malloc(sizeof(*rp) + len)) == NULL)
		fatal("%s", __func__);
	*rp = h;
	if (evbuffer_remove(b, rp + 1, len) != (int)len)
		fatalx("%s: evbuffer_remove", __func__);
	rp->hash[RH_RAW] = part_hash(rp, RP_RAW, RP_STATUS);
	rp->hash[RH_STATUS] = part_hash(rp, RP_STATUS, RP_M_FIRST);
	rp->hash[RH_METRICS] = part_hash(rp, RP_M_FIRST, RP_NPARTS);
	free(p->render);
	p->render = (char *)rp;
}

/*
 * Renders the parts of kinds for every peer that lacks one of them: a
 * peer the last run changed has none.  Returns how many it rendered.
 */
size_t
render_peer_parts(struct evbuffer *b, struct snapshot *s, uint32_t kinds)
{
	struct iface		*ifp;
	struct peer		*p;
	struct render_parts	*rp;
	size_t			 n = 0;

	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			rp = (struct render_parts *)p->render;
			if (rp != NULL && (rp->kinds & kinds) == kinds)
				continue;
			peer_render(b, ifp, p, kinds);
			n++;
		}
	return (n);
}

static void
sink_part(struct sink *k, const struct peer *p, int part)
{
	const char	*text;
	size_t		 len;

	text = render_part(p, part, &len);
	sink_put(k, text, len);
}

static void
sink_out(struct sink *k, struct out *o)
{
	if (out_flush(o) == -1)
		fatalx("%s: render", __func__);
	sink_evbuffer(k, o->b);
}

/* The comma before every interface but the first. */
static void
sink_sep(struct sink *k, int *first)
{
	if (!*first)
		sink_text(k, ",", 1);
	*first = 0;
}

/* The age, ",\"lastHandshakeSecondsAgo\":N", formatted as status_peer does. */
static void
sink_age(struct sink *k, const struct peer *p, const struct snapshot *s)
{
	static const char	 label[] = ",\"lastHandshakeSecondsAgo\":";
	char			 buf[sizeof(label) + 20], *q;
	uint64_t		 age;

	if (!has_handshake(p))
		return;
	age = handshake_age(p, s);
	q = buf + sizeof(buf);
	do {
		*--q = '0' + age % 10;
		age /= 10;
	} while (age != 0);
	q -= sizeof(label) - 1;
	memcpy(q, label, sizeof(label) - 1);
	sink_text(k, q, buf + sizeof(buf) - q);
}

/*
 * What a body from the parts puts around and between its peers' parts:
 * the rest is the one walk of body_walk.
 */
struct body_shape {
	void		(*head)(struct out *, const struct iface *);
	const char	 *tail;		/* closes an interface */
	int		  inactive;	/* inactive peers are shown */
	void		(*peer)(struct sink *, const struct peer *,
			    const struct snapshot *);
};

/*
 * A body from the parts, interfaces and peers in the reference
 * renderers' order; b, empty, for what is rendered per run.
 */
static void
body_walk(struct sink *k, struct evbuffer *b, const struct snapshot *s,
    const struct body_shape *bs)
{
	struct iface	*ifp;
	struct peer	*p;
	struct out	 o;
	int		 first, ifirst = 1;

	out_init(&o, b);
	sink_text(k, "{", 1);
	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces) {
		sink_sep(k, &ifirst);
		bs->head(&o, ifp);
		sink_out(k, &o);
		first = 1;
		RB_FOREACH(p, peer_tree, (struct peer_tree *)&ifp->peers) {
			if (!bs->inactive && p->status == STATUS_INACTIVE)
				continue;
			if (!first)
				sink_put(k, ",", 1);
			first = 0;
			bs->peer(k, p, s);
		}
		sink_text(k, bs->tail, strlen(bs->tail));
	}
	sink_text(k, "}", 1);
}

static uint64_t
parts_hash(const struct peer *p, int which)
{
	return (((const struct render_parts *)p->render)->hash[which]);
}

static void
raw_body_peer(struct sink *k, const struct peer *p,
    const struct snapshot *s)
{
	(void)s;
	sink_part(k, p, RP_RAW);
	sink_hash(k, parts_hash(p, RH_RAW));
}

/* The age goes between the two parts: it moves with the clock alone. */
static void
status_body_peer(struct sink *k, const struct peer *p,
    const struct snapshot *s)
{
	sink_part(k, p, RP_STATUS);
	sink_age(k, p, s);
	sink_part(k, p, RP_STATUS_END);
	sink_hash(k, parts_hash(p, RH_STATUS));
}

void
render_raw_body(struct sink *k, struct evbuffer *b, const struct snapshot *s)
{
	static const struct body_shape	raw = {
		raw_iface_head, "}}", 1, raw_body_peer
	};

	body_walk(k, b, s, &raw);
}

void
render_status_body(struct sink *k, struct evbuffer *b,
    const struct snapshot *s)
{
	static const struct body_shape	status = {
		status_iface_head, "}", 0, status_body_peer
	};

	body_walk(k, b, s, &status);
}
