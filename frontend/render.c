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
#include <string.h>

#include <event2/buffer.h>

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
		    int64_t);

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
	size_t	i;
	int	first = 1;

	out_puts(o, "\"allowedIps\":[");
	for (i = 0; i < p->naips; i++) {
		out_sep(o, &first);
		out_string(o, p->aips[i]);
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

static void
raw_iface(struct out *o, const struct iface *ifp, int64_t now)
{
	struct peer	*p;
	int		 first = 1;

	(void)now;
	out_string(o, ifp->name);
	out_puts(o, ":{");
	if (ifp->flags & IFACE_F_PUBKEY)
		out_member(o, "publicKey", ifp->pubkey);
	if (ifp->flags & IFACE_F_PORT)
		out_printf(o, "\"listenPort\":%" PRIu32 ",", ifp->port);
	if (ifp->flags & IFACE_F_FWMARK)
		out_printf(o, "\"fwmark\":%" PRIu32 ",", ifp->fwmark);
	out_puts(o, "\"peers\":{");
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
handshake_age(int64_t handshake, int64_t now)
{
	if (handshake >= now)
		return (0);
	return ((uint64_t)now - (uint64_t)handshake);
}

static void
status_peer(struct out *o, const struct peer *p, int64_t now)
{
	out_string(o, p->key);
	out_puts(o, ":{");
	out_name(o, p);
	out_puts(o, "\"status\":");
	out_string(o, snapshot_status_name(p->status));
	if (has_handshake(p))
		out_printf(o, ",\"lastHandshakeSecondsAgo\":%" PRIu64,
		    handshake_age(p->handshake, now));
	out_puts(o, ",");
	if (p->flags & PEER_F_ENDPOINT)
		out_member(o, "endpoint", p->endpoint);
	else
		out_puts(o, "\"endpoint\":null,");
	out_aips(o, p);
	out_puts(o, "}");
}

/* An interface whose peers are all inactive still shows, as {}. */
static void
status_iface(struct out *o, const struct iface *ifp, int64_t now)
{
	struct peer	*p;
	int		 first = 1;

	out_string(o, ifp->name);
	out_puts(o, ":{");
	RB_FOREACH(p, peer_tree, (struct peer_tree *)&ifp->peers) {
		if (p->status == STATUS_INACTIVE)
			continue;
		out_sep(o, &first);
		status_peer(o, p, now);
	}
	out_puts(o, "}");
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

	o.b = b;
	o.len = 0;
	o.error = 0;
	out_puts(&o, "{");
	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces) {
		if (o.error)
			break;
		out_sep(&o, &first);
		fn(&o, ifp, s->time);
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
