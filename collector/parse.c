/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The streaming parser of the status script's output (docs/DESIGN.md §3).
 * yajl calls back token by token as the pipe delivers bytes, so a chunk
 * may end anywhere.  The state kept here is where in the fixed schema
 * the next value belongs and how many containers of an unknown key are
 * still open: nothing of the document is kept but what goes into the
 * snapshot, and the private and preshared keys not even that.  The
 * collector's snapshot, an arena's, is parsed in place (docs/DESIGN.md
 * §1, item 2); any other is filled anew.
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "log.h"
#include "collector.h"

/* Where a value is in the schema: a key, or an object or array itself. */
enum pfield {
	PF_NONE,	/* in an object, before its next key */
	PF_SKIP,	/* the value of an unknown key */
	PF_TOP,		/* the document */
	PF_IFACE,	/* an interface, under its name */
	PF_PRIVKEY,
	PF_PUBKEY,
	PF_PORT,
	PF_FWMARK,
	PF_PEERS,
	PF_PEER,	/* a peer, under its key */
	PF_PSK,
	PF_ENDPOINT,
	PF_HANDSHAKE,
	PF_RX,
	PF_TX,
	PF_KEEPALIVE,
	PF_AIPS,
	PF_AIP		/* an element of allowedIps */
};

enum ptype {
	PT_OBJECT,
	PT_ARRAY,
	PT_STRING,
	PT_INTEGER
};

struct pfield_info {
	const char	*name;		/* its key in its object */
	size_t		 namelen;
	enum pfield	 parent;	/* the container it is in */
	enum ptype	 type;
	uint64_t	 max;		/* of an integer */
	uint64_t	 max10;		/* max / 10, and what is left */
	uint64_t	 max10rem;
	uint32_t	 flag;		/* set in its interface or peer */
};

/* A known key: its name and its length; an integer's bound, divided. */
#define PKEY(s)	s, sizeof(s) - 1
#define PMAX(m)	(m), (m) / 10, (m) % 10

static const struct pfield_info pfields[] = {
	[PF_TOP] =	{ NULL, 0, PF_NONE, PT_OBJECT, PMAX(0), 0 },
	[PF_IFACE] =	{ NULL, 0, PF_TOP, PT_OBJECT, PMAX(0), 0 },
	[PF_PRIVKEY] =	{ PKEY("privateKey"), PF_IFACE, PT_STRING, PMAX(0),
			    0 },
	[PF_PUBKEY] =	{ PKEY("publicKey"), PF_IFACE, PT_STRING, PMAX(0),
			    IFACE_F_PUBKEY },
	[PF_PORT] =	{ PKEY("listenPort"), PF_IFACE, PT_INTEGER,
			    PMAX(UINT16_MAX), IFACE_F_PORT },
	[PF_FWMARK] =	{ PKEY("fwmark"), PF_IFACE, PT_INTEGER,
			    PMAX(UINT32_MAX), IFACE_F_FWMARK },
	[PF_PEERS] =	{ PKEY("peers"), PF_IFACE, PT_OBJECT, PMAX(0), 0 },
	[PF_PEER] =	{ NULL, 0, PF_PEERS, PT_OBJECT, PMAX(0), 0 },
	[PF_PSK] =	{ PKEY("presharedKey"), PF_PEER, PT_STRING, PMAX(0),
			    PEER_F_PSK },
	[PF_ENDPOINT] =	{ PKEY("endpoint"), PF_PEER, PT_STRING, PMAX(0),
			    PEER_F_ENDPOINT },
	[PF_HANDSHAKE] = { PKEY("latestHandshake"), PF_PEER, PT_INTEGER,
			    PMAX(INT64_MAX), PEER_F_HANDSHAKE },
	[PF_RX] =	{ PKEY("transferRx"), PF_PEER, PT_INTEGER,
			    PMAX(UINT64_MAX), PEER_F_RX },
	[PF_TX] =	{ PKEY("transferTx"), PF_PEER, PT_INTEGER,
			    PMAX(UINT64_MAX), PEER_F_TX },
	[PF_KEEPALIVE] = { PKEY("persistentKeepalive"), PF_PEER, PT_INTEGER,
			    PMAX(UINT16_MAX), PEER_F_KEEPALIVE },
	[PF_AIPS] =	{ PKEY("allowedIps"), PF_PEER, PT_ARRAY, PMAX(0),
			    PEER_F_AIPS },
	[PF_AIP] =	{ NULL, 0, PF_AIPS, PT_STRING, PMAX(0), 0 }
};

static const char *const expected[] = {
	[PT_OBJECT] =	"expected an object",
	[PT_ARRAY] =	"expected an array",
	[PT_STRING] =	"expected a string",
	[PT_INTEGER] =	"expected an integer"
};

#define PARSE_RUN_MAX	(1024 * 1024)
#define PARSE_AHEAD	4	/* peers of the last document read ahead */
#define PARSE_DIGITS_FIT 19	/* 10^19 - 1 < 2^64 */

/*
 * What an element of the document costs the collector until the run's
 * snapshot is sent (docs/DESIGN.md §3): its struct, its copy in an imsg queued
 * for the frontend, its event and that event's line and imsg, each with
 * an allocator's overhead.  An allowed IP costs three times the longest
 * (its list in the arena, which a move may leave twice as long, its copy
 * and its text in the peer's first event); past the first WGM_PEER_AIPS,
 * a SNAP_AIPS message for each WGM_AIPS_CHUNK.
 * A name from the names files comes after parsing: its room in the event
 * line, escaped at its longest, is charged to every peer.
 */
#define PARSE_MEM_ALLOC	16	/* malloc's own */
#define PARSE_MEM_IMSG	96	/* ibuf, header, two allocations */
#define PARSE_MEM_NAME	(sizeof(",\"name\":\"\"") + \
			    2 * (WGM_PEERNAME_MAX - 1))
/* The frontend holds a run's messages: an interface's, scaled (wgmond.h). */
#define PARSE_HELD_SCALE ((PARSE_MEM_MAX + SNAP_HELD_MAX - 1) / SNAP_HELD_MAX)
#define PARSE_MEM_IFACE	(sizeof(struct iface) + PARSE_MEM_ALLOC + \
			    sizeof(struct snap_iface) + PARSE_MEM_IMSG + \
			    PARSE_HELD_SCALE * (sizeof(struct snap_iface) + \
			    SNAP_HELD_EXTRA))
#define PARSE_MEM_PEER	(sizeof(struct peer) + PARSE_MEM_ALLOC + \
			    sizeof(struct snap_peer) + PARSE_MEM_IMSG + \
			    sizeof(struct wgm_event) + PARSE_MEM_ALLOC + \
			    128 + PARSE_MEM_NAME + PARSE_MEM_IMSG)
#define PARSE_MEM_AIP	(3 * WGM_AIP_MAX + 3)
#define PARSE_MEM_CHUNK	(sizeof(struct snap_aips) + PARSE_MEM_IMSG)

/*
 * A peer read, not yet in its interface's tree: with the first eight
 * bytes of its key, big-endian, which sort as the keys do.
 */
struct parsed {
	uint64_t	 pre;
	struct peer	*peer;
};

/*
 * An interface read in place: its values wait here for the document to
 * be whole; its peers that the snapshot has are found in its order and
 * marked, the others wait, sorted, to be put in.
 */
struct pent {
	struct iface		  vals;		/* name and values as read */
	struct iface		 *ifp;		/* the snapshot's */
	int			  added;	/* by this parse: read in */
	struct peer *const	 *order;	/* ifp's, by key */
	size_t			  norder;
	struct peer		**doc;		/* ifp's, as last read */
	size_t			  n;
	uint64_t		 *seen;		/* a bit per peer of doc */
	size_t			  nseen;
	size_t			  cursor;	/* in doc, past the last */
	struct peer		**ndoc;		/* as this document reads */
	size_t			  nndoc;
	size_t			  ndocroom;
	struct peer		**adds;		/* sorted */
	size_t			  nadds;
};

struct parser {
	yajl_handle	 yajl;
	struct snapshot	*snap;
	struct iface	*iface;		/* the one being read */
	struct peer	*peer;		/* the one being read */
	struct pent	*ents;		/* in place: the interfaces read */
	size_t		 nents;
	size_t		 entroom;
	struct pent	*ent;		/* in place: the one being read */
	uint32_t	 stamp;		/* in place: this parse's */
	int64_t		 mono_start;	/* in place: the snapshot's, before */
	int		 inplace;
	int		 droplists;	/* in place: lists read the same go */
	int		 kept;		/* the peer read is the snapshot's */
	int		 applied;
	enum pfield	 in;		/* the container open */
	enum pfield	 field;		/* what the next value is */
	size_t		 depth;		/* containers open, all */
	size_t		 skip;		/* those in an unknown value */
	size_t		 naip;		/* index in allowedIps */
	size_t		 iface_text;	/* parse_text_cost of its name */
	struct parsed	*peers;		/* of the "peers" object open */
	struct parsed	*sorted;	/* room for sorting them */
	size_t		 npeers;
	size_t		 room;
	size_t		 most;		/* npeers at most */
	size_t		 fed;		/* bytes */
	const unsigned char *buf;	/* the chunk yajl reads */
	size_t		 len;
	size_t		 mark;		/* in it, past the last token */
	size_t		 run;		/* bytes of the token read */
	int		 instr;		/* the token is a string */
	int		 esc;		/* after its backslash */
	size_t		 mem;		/* its cost, PARSE_MEM_* */
	int		 failed;
	int		 code;		/* ERR_PARSE, ERR_TOO_LARGE */
	char		 err[WGM_DETAIL_MAX];
};

/*
 * Eight bytes at a time: a word whose bytes are none of those sought is
 * passed over whole (each test may mark more bytes past a true one, but
 * never a word without one).
 */
#define SWAR_ONES	0x0101010101010101ULL
#define SWAR_HIGHS	0x8080808080808080ULL

/* Bytes of w less than n (at most 0x80), as their high bits. */
static inline uint64_t
swar_less(uint64_t w, unsigned int n)
{
	return ((w - SWAR_ONES * n) & ~w & SWAR_HIGHS);
}

/* Bytes of w equal to c, as their high bits. */
static inline uint64_t
swar_eq(uint64_t w, unsigned int c)
{
	return (swar_less(w ^ (SWAR_ONES * c), 1));
}

static int	parse_mark(struct parser *);
static int	parse_mark_scalar(struct parser *, size_t);
static void	pent_peer_end(struct parser *);
static int	pent_end(struct parser *);
static int	parse_pending(const struct snapshot *);
static int	parse_null(void *);
static int	parse_boolean(void *, int);
static int	parse_number(void *, const char *, size_t);
static int	parse_string(void *, const unsigned char *, size_t);
static int	parse_start_map(void *);
static int	parse_map_key(void *, const unsigned char *, size_t);
static int	parse_end_map(void *);
static int	parse_start_array(void *);
static int	parse_end_array(void *);
static int	parse_failx(struct parser *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	parse_fail(struct parser *, enum pfield, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

/* With yajl_number set, integers and doubles arrive as text. */
static const yajl_callbacks parse_callbacks = {
	parse_null,
	parse_boolean,
	NULL,
	NULL,
	parse_number,
	parse_string,
	parse_start_map,
	parse_map_key,
	parse_end_map,
	parse_start_array,
	parse_end_array
};

/*
 * Names where a value of field f is, from the interface and peer being
 * read: only what passed the checks into the snapshot is ever quoted.
 */
static void
parse_path(struct parser *p, enum pfield f, char *buf, size_t len)
{
	const struct pfield_info	*fi = &pfields[f];

	if (f == PF_TOP)
		(void)strlcpy(buf, "(top level)", len);
	else if (f == PF_IFACE)
		(void)strlcpy(buf, p->iface->name, len);
	else if (fi->parent == PF_IFACE)
		(void)snprintf(buf, len, "%s.%s", p->iface->name, fi->name);
	else if (f == PF_PEER)
		(void)snprintf(buf, len, "%s.peers.%s", p->iface->name,
		    p->peer->key);
	else if (fi->parent == PF_PEER)
		(void)snprintf(buf, len, "%s.peers.%s.%s", p->iface->name,
		    p->peer->key, fi->name);
	else
		(void)snprintf(buf, len, "%s.peers.%s.allowedIps[%zu]",
		    p->iface->name, p->peer->key, p->naip);
}

/*
 * The helpers below return 0 or -1, and -1 once the parser has failed;
 * only the yajl callbacks (parse_null to parse_map_key) answer yajl's
 * way, 1 to go on and 0 to stop.
 *
 * Names and keys in a message may hold any character but NUL: the
 * message becomes text fit for a log line.
 */
static int
parse_failed(struct parser *p, const char *msg)
{
	json_clean_text(p->err, sizeof(p->err), msg);
	p->failed = 1;
	return (-1);
}

static int
parse_failx(struct parser *p, const char *fmt, ...)
{
	char	msg[WGM_DETAIL_MAX];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return (parse_failed(p, msg));
}

static int
parse_fail(struct parser *p, enum pfield f, const char *fmt, ...)
{
	char	msg[WGM_DETAIL_MAX];
	va_list	ap;
	size_t	n;

	parse_path(p, f, msg, sizeof(msg));
	(void)strlcat(msg, ": ", sizeof(msg));
	n = strlen(msg);
	va_start(ap, fmt);
	(void)vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	return (parse_failed(p, msg));
}

/* Past the budget a run is refused as too large, not as unparsable. */
static int
parse_cost(struct parser *p, size_t n)
{
	p->mem += n;
	if (p->mem <= PARSE_MEM_MAX)
		return (0);
	p->code = ERR_TOO_LARGE;
	return (parse_failx(p, "the parsed output would take more than "
	    "%d MiB", PARSE_MEM_MAX / (1024 * 1024)));
}

/* The length of s in a JSON string: what an event line holds of it. */
static size_t
parse_text_cost(const unsigned char *s, size_t len)
{
	size_t	n = 2, i;

	for (i = 0; i < len; i++) {
		if (s[i] < 0x20)
			n += 6;
		else
			n += 1 + (s[i] == '"' || s[i] == '\\');
	}
	return (n);
}

static int
parse_expected(struct parser *p)
{
	return (parse_fail(p, p->field, "%s",
	    expected[pfields[p->field].type]));
}

/* Marks a field present in the interface or peer it belongs to. */
static void
parse_flag(struct parser *p, enum pfield f)
{
	if (pfields[f].parent == PF_IFACE)
		p->iface->flags |= pfields[f].flag;
	else if (pfields[f].parent == PF_PEER)
		p->peer->flags |= pfields[f].flag;
}

/* A value is complete: an object waits for a key, allowedIps for more. */
static void
parse_next(struct parser *p)
{
	if (p->in == PF_AIPS) {
		p->field = PF_AIP;
		p->naip++;
	} else
		p->field = PF_NONE;
}

/*
 * Whether a scalar belongs to an unknown key, at whatever depth under
 * it: such a value is passed over unread.
 */
static int
parse_skipped(struct parser *p)
{
	if (p->skip > 0)
		return (1);
	if (p->field == PF_SKIP) {
		parse_next(p);
		return (1);
	}
	return (0);
}

/* No known field takes a null or a boolean. */
static int
parse_null(void *ctx)
{
	struct parser	*p = ctx;

	if (parse_skipped(p))
		return (1);
	return (parse_expected(p) == 0);
}

static int
parse_boolean(void *ctx, int v)
{
	(void)v;
	return (parse_null(ctx));
}

/*
 * Eight ASCII digits, the first the most significant, as their value,
 * or -1 if a byte is not one: a byte is a digit where its high nibble
 * is 3, and stays 3 with 6 added.  Then pairs, fours and the eight are
 * put together with a multiplication each, where a loop would take a
 * dependent multiplication per digit: a peer's counters and handshake
 * are ten to fourteen digits, three numbers a peer on every run.
 */
static int
parse_digits8(const char *s, uint64_t *vp)
{
	uint64_t	w;

	memcpy(&w, s, sizeof(w));
	w = le64toh(w);
	if ((w & 0xf0f0f0f0f0f0f0f0ULL) != 0x3030303030303030ULL ||
	    ((w + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) !=
	    0x3030303030303030ULL)
		return (-1);
	w -= 0x3030303030303030ULL;
	w = w * 10 + (w >> 8);
	w = ((w & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32)) +
	    ((w >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32))) >>
	    32;
	*vp = w;
	return (0);
}

/*
 * Only a plain non-negative integer is one: no sign, fraction or
 * exponent.  Nineteen digits cannot wrap 64 bits: up to there the bound
 * is checked once, at the end; past them before each step, as v could.
 * Returns -1 with why in *why.
 */
static int
parse_integer(const char *s, size_t len, const struct pfield_info *fi,
    uint64_t *vp, const char **why)
{
	uint64_t	v = 0, d, lim = fi->max10, rem = fi->max10rem;
	size_t		i;
	int		big = 0;

	/* Sixteen digits cannot wrap; a byte not a digit is found below. */
	for (i = 0; i + 8 <= len && i + 8 <= PARSE_DIGITS_FIT; i += 8) {
		if (parse_digits8(s + i, &d) == -1)
			break;
		v = v * 100000000 + d;
	}
	for (; i < len; i++) {
		d = (unsigned char)s[i] - '0';
		if (d > 9) {
			*why = "expected an integer";
			return (-1);
		}
		if (i >= PARSE_DIGITS_FIT &&
		    (v > lim || (v == lim && d > rem)))
			big = 1;
		v = v * 10 + d;
	}
	if (v > fi->max)
		big = 1;
	*why = big ? "integer out of range" : NULL;
	*vp = v;
	return (big ? -1 : 0);
}

static int
parse_number(void *ctx, const char *s, size_t len)
{
	struct parser	*p = ctx;
	const char	*why;
	uint64_t	 v;

	if (parse_mark_scalar(p, len) == -1)
		return (0);
	if (parse_skipped(p))
		return (1);
	if (pfields[p->field].type != PT_INTEGER)
		return (parse_expected(p) == 0);
	if (parse_integer(s, len, &pfields[p->field], &v, &why) == -1)
		return (parse_fail(p, p->field, "%s", why) == 0);
	switch (p->field) {
	case PF_PORT:
		p->iface->port = v;
		break;
	case PF_FWMARK:
		p->iface->fwmark = v;
		break;
	case PF_HANDSHAKE:
		p->peer->handshake = v;
		break;
	case PF_RX:
		p->peer->rx = v;
		break;
	case PF_TX:
		p->peer->tx = v;
		break;
	case PF_KEEPALIVE:
		p->peer->keepalive = v;
		break;
	default:
		break;
	}
	parse_flag(p, p->field);
	parse_next(p);
	return (1);
}

/*
 * Whether s is printable ASCII that a JSON string holds as it is: what
 * keys, endpoints and allowed IPs are, so that the checks of UTF-8 and
 * escapes are passed over for nearly every string.
 */
static int
parse_plain(const unsigned char *s, size_t len)
{
	uint64_t	w;
	size_t		i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if (swar_less(w, 0x20) | (w & SWAR_HIGHS) | swar_eq(w, 0x7f) |
		    swar_eq(w, '"') | swar_eq(w, '\\'))
			return (0);
	}
	for (; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' ||
		    s[i] == '\\')
			return (0);
	return (1);
}

/*
 * Whether the string is ASCII as yajl passed it from the chunk it reads,
 * not decoded into a buffer of its own: it then had no escape, and yajl
 * has refused any control byte in it, so that it is as parse_plain's (a
 * DEL aside, which costs and checks the same) for a scan of its high
 * bits alone.  yajl's check of UTF-8 lets
 * overlong forms and surrogates through: a byte past ASCII is checked
 * here.  A string that spans two reads is yajl's copy, checked whole.
 */
static int
parse_as_read(const struct parser *p, const unsigned char *s, size_t len)
{
	uintptr_t	a = (uintptr_t)s, b = (uintptr_t)p->buf;
	uint64_t	w, highs = 0;
	size_t		i;

	if (a < b || a - b > p->len || len > p->len - (a - b))
		return (0);
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		highs |= w;
	}
	for (; i < len; i++)
		highs |= s[i];
	return ((highs & SWAR_HIGHS) == 0);
}

/*
 * Whether a JSON string is fit to keep as a C string that must fit in
 * size with its NUL; *cost, unless NULL, is its parse_text_cost.
 */
static int
parse_check(struct parser *p, enum pfield f, const char *what,
    const unsigned char *s, size_t len, size_t size, size_t *cost)
{
	size_t	i, n;
	int	plain = parse_as_read(p, s, len) || parse_plain(s, len);

	if (!plain && memchr(s, '\0', len) != NULL)
		return (parse_fail(p, f, "%s contains a NUL byte", what));
	if (len >= size)
		return (parse_fail(p, f, "%s too long", what));
	/* yajl checks the bytes, not what \u escapes make: \udc00 alone. */
	for (i = 0; !plain && i < len; i += n)
		if ((n = json_utf8_len(s + i, len - i)) == 0)
			return (parse_fail(p, f, "%s is not valid UTF-8",
			    what));
	if (cost != NULL)
		*cost = plain ? len + 2 : parse_text_cost(s, len);
	return (0);
}

/* Makes a C string of a JSON one, checked by parse_check. */
static int
parse_copy(struct parser *p, enum pfield f, const char *what,
    const unsigned char *s, size_t len, char *buf, size_t size, size_t *cost)
{
	if (parse_check(p, f, what, s, len, size, cost) == -1)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return (0);
}

/* Each is laid down in the peer's list from where yajl has it. */
static int
parse_aip(struct parser *p, const unsigned char *s, size_t len)
{
	size_t	cost = PARSE_MEM_AIP, text;

	if (parse_check(p, PF_AIP, "string", s, len, WGM_AIP_MAX,
	    &text) == -1)
		return (-1);
	if (p->naip >= WGM_PEER_AIPS &&
	    (p->naip - WGM_PEER_AIPS) % WGM_AIPS_CHUNK == 0)
		cost += PARSE_MEM_CHUNK;
	if (parse_cost(p, cost + text) == -1)
		return (-1);
	if (snapshot_peer_add_aipn(p->snap, p->peer, (const char *)s,
	    len) == -1)
		return (parse_fail(p, PF_AIP, "%s", strerror(errno)));
	return (0);
}

static int
parse_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parser	*p = ctx;
	size_t		 text;
	int		 r = 0;

	if (parse_mark_scalar(p, len) == -1)
		return (0);
	if (parse_skipped(p))
		return (1);
	if (pfields[p->field].type != PT_STRING)
		return (parse_expected(p) == 0);
	/* The private and preshared keys end here, neither read nor kept. */
	switch (p->field) {
	case PF_PUBKEY:
		r = parse_copy(p, p->field, "string", s, len,
		    p->iface->pubkey, sizeof(p->iface->pubkey), NULL);
		break;
	case PF_ENDPOINT:
		if (parse_check(p, p->field, "string", s, len,
		    WGM_ENDPOINT_MAX, &text) == -1 ||
		    parse_cost(p, text) == -1)
			r = -1;
		else if (snapshot_peer_set_endpointn(p->snap, p->peer,
		    (const char *)s, len) == -1)
			r = parse_fail(p, p->field, "%s", strerror(errno));
		break;
	case PF_AIP:
		r = parse_aip(p, s, len);
		break;
	default:
		break;
	}
	if (r == -1)
		return (0);
	parse_flag(p, p->field);
	parse_next(p);
	return (1);
}

/* Every level counts toward the limit, those of unknown keys too. */
static int
parse_start(struct parser *p, enum ptype type)
{
	if (++p->depth > WGM_DEPTH_MAX)
		return (parse_failx(p, "nesting deeper than %d",
		    WGM_DEPTH_MAX));
	if (p->skip > 0 || p->field == PF_SKIP) {
		p->skip++;
		return (0);
	}
	if (pfields[p->field].type != type)
		return (parse_expected(p));
	parse_flag(p, p->field);
	p->in = p->field;
	/* allowedIps is the only array known. */
	if (type == PT_ARRAY) {
		p->field = PF_AIP;
		p->naip = 0;
	} else
		p->field = PF_NONE;
	return (0);
}

/* Room for need peers read, and as much to sort them in. */
static int
parse_room(struct parser *p, size_t need)
{
	struct parsed	*v;
	size_t		 room;

	if (need <= p->room)
		return (0);
	room = p->room ? p->room : 64;
	while (room < need)
		room *= 2;
	if ((v = reallocarray(p->peers, room, sizeof(*v))) == NULL)
		return (-1);
	p->peers = v;
	if ((v = reallocarray(p->sorted, room, sizeof(*v))) == NULL)
		return (-1);
	p->sorted = v;
	p->room = room;
	return (0);
}

/* The first eight bytes of a key, as a number that sorts as it does. */
static uint64_t
parse_prefix(const char *key)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++) {
		v = v << 8 | (unsigned char)*key;
		if (*key != '\0')
			key++;
	}
	return (v);
}

/* The peers read by their prefixes, a byte at a time (a radix sort). */
static void
parse_sort(struct parser *p)
{
	struct parsed	*a = p->peers, *b = p->sorted, *t;
	size_t		 count[256], i, sum, n;
	int		 shift;

	for (shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < p->npeers; i++)
			count[(a[i].pre >> shift) & 0xff]++;
		for (i = 0, sum = 0; i < 256; i++) {
			n = count[i];
			count[i] = sum;
			sum += n;
		}
		for (i = 0; i < p->npeers; i++)
			b[count[(a[i].pre >> shift) & 0xff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	/* Eight passes: the sorted ones are back where they started. */
}

/*
 * Peers of the same prefix, in key order by insertion: -1 with the
 * second of a key read twice in *dup.
 */
static int
parse_sort_ties(struct parser *p, struct peer **dup)
{
	struct parsed	*v = p->peers, t;
	size_t		 i, j;
	int		 c;

	for (i = 1; i < p->npeers; i++) {
		for (j = i; j > 0 && v[j - 1].pre == v[j].pre; j--) {
			if ((c = strcmp(v[j - 1].peer->key,
			    v[j].peer->key)) < 0)
				break;
			if (c == 0) {
				*dup = v[j].peer;
				return (-1);
			}
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	return (0);
}

/*
 * A second "peers" object of an interface: the peers of the first leave
 * its tree, to be sorted again with the new ones.
 */
static int
parse_peers_again(struct parser *p)
{
	struct iface	*ifp = p->iface;
	struct peer	*q;

	if (parse_room(p, p->npeers + ifp->npeers) == -1)
		return (parse_fail(p, PF_PEERS, "%s", strerror(errno)));
	RB_FOREACH(q, peer_tree, &ifp->peers) {
		p->peers[p->npeers].pre = parse_prefix(q->key);
		p->peers[p->npeers++].peer = q;
	}
	p->snap->npeers -= ifp->npeers;
	ifp->npeers = 0;
	RB_INIT(&ifp->peers);
	return (0);
}

/*
 * The "peers" object is closed: its peers become their interface's tree,
 * built at once from their key order, where a key read twice is found.
 */
static int
parse_peers_done(struct parser *p)
{
	struct peer	**v;
	size_t		  i;

	if (!RB_EMPTY(&p->iface->peers) && parse_peers_again(p) == -1)
		return (-1);
	parse_sort(p);
	if (parse_sort_ties(p, &p->peer) == -1)
		return (parse_fail(p, PF_PEER, "duplicate peer"));
	/* In place, they wait for the interface's end (pent_end). */
	if (p->ent != NULL && !p->ent->added)
		return (0);
	/* The pointers in order, over the room the sort is done with. */
	v = (struct peer **)p->sorted;
	for (i = 0; i < p->npeers; i++)
		v[i] = p->peers[i].peer;
	if (snapshot_iface_fill(p->snap, p->iface, v, p->npeers) == -1)
		return (parse_fail(p, PF_PEERS, "%s", strerror(errno)));
	p->npeers = 0;
	return (0);
}

static int
parse_end(struct parser *p)
{
	p->depth--;
	if (p->skip > 0) {
		if (--p->skip == 0)
			parse_next(p);
		return (0);
	}
	if (p->in == PF_PEERS && parse_peers_done(p) == -1)
		return (-1);
	if (p->in == PF_PEER && p->kept)
		pent_peer_end(p);
	if (p->in == PF_IFACE && p->ent != NULL && pent_end(p) == -1)
		return (-1);
	p->in = pfields[p->in].parent;
	parse_next(p);
	return (0);
}

/*
 * A scalar or a key is marked only where it may be too long (an escape
 * takes at most six bytes of the document for one of the string): the
 * short ones, a peer's dozen, are counted with the next container's mark
 * or at the end of the read, where parse_guard measures each token that
 * could be too long among them.
 */
static int
parse_mark_scalar(struct parser *p, size_t len)
{
	return (len < PARSE_RUN_MAX / 8 ? 0 : parse_mark(p));
}

static int
parse_start_map(void *ctx)
{
	return (parse_mark(ctx) == 0 && parse_start(ctx, PT_OBJECT) == 0);
}

static int
parse_end_map(void *ctx)
{
	return (parse_mark(ctx) == 0 && parse_end(ctx) == 0);
}

static int
parse_start_array(void *ctx)
{
	return (parse_mark(ctx) == 0 && parse_start(ctx, PT_ARRAY) == 0);
}

static int
parse_end_array(void *ctx)
{
	return (parse_mark(ctx) == 0 && parse_end(ctx) == 0);
}

/* Room of the log of old values that stays resident between runs. */
#define LOG_KEEP	(64 * 1024)

/*
 * The parse in place (collector.h): what it changed, until cycle_run
 * has walked it and parse_done drops it.  One run parses at a time.
 */
static struct {
	struct snapshot		*snap;		/* whose, or NULL: none */
	uint32_t		 stamp;		/* its parsed, then */
	struct peer_was		*was;		/* changed peers' old values */
	size_t			 nwas;
	size_t			 wasroom;
	struct peer		**added;
	size_t			 nadded;
	size_t			 addroom;
	struct iface_gone	*gone;		/* by interface name */
	size_t			 ngone;
	size_t			 goneroom;
	struct peer		**gonev;	/* their peers */
	size_t			 ngonev;
	size_t			 gonevroom;
	int			 droplists;	/* lists read the same dropped */
} change;

/* Tells this parse's interfaces from the last's. */
static uint32_t	parse_stamp;

/* Room for need elements of size in *vp, of *room so far. */
static int
parse_grow(void *vp, size_t *room, size_t need, size_t size)
{
	void	**v = vp, *n;
	size_t	  r;

	if (need <= *room)
		return (0);
	r = *room > 0 ? *room : 64;
	while (r < need)
		r *= 2;
	if ((n = reallocarray(*v, r, size)) == NULL)
		return (-1);
	*v = n;
	*room = r;
	return (0);
}

/*
 * A key of len bytes against a peer's, ordered as strcmp(3): s has no
 * NUL and is shorter than the key's room (parse_check), so memcmp(3)
 * stops at the key's NUL at the latest, a byte less than any of s.
 */
static int
parse_keycmp(const char *key, const unsigned char *s, size_t len)
{
	int	c;

	if ((c = memcmp(key, s, len)) != 0)
		return (c);
	return (key[len] != '\0');
}

/*
 * The interface's peer of that key, and its place in the last document
 * (*i): the next one or two there, as a document lists its peers as the
 * last one did but for a few; else a search of the key order.
 */
static struct peer *
pent_find(struct pent *e, const unsigned char *s, size_t len, size_t *i)
{
	size_t	k, lo = 0, hi, mid;
	int	c;

	for (k = e->cursor; k < e->cursor + 2 && k < e->n; k++)
		if (parse_keycmp(e->doc[k]->key, s, len) == 0) {
			if (k + PARSE_AHEAD < e->n)
				peer_prefetch(e->doc[k + PARSE_AHEAD]);
			e->cursor = k + 1;
			*i = k;
			return (e->doc[k]);
		}
	hi = e->norder;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = parse_keycmp(e->order[mid]->key, s, len)) == 0) {
			*i = e->order[mid]->doc;
			e->cursor = *i + 1;
			return (e->order[mid]);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

/* q is read at the end of this document's list. */
static int
pent_place(struct pent *e, struct peer *q)
{
	/* Made at the first peer: an interface may have none. */
	if (e->ndoc == NULL && (e->ndoc = snapshot_order_get(e->n + 16,
	    &e->ndocroom)) == NULL)
		return (-1);
	if (e->nndoc == e->ndocroom) {
		if (e->ndocroom > UINT32_MAX / 2)
			return (-1);
		if (parse_grow(&e->ndoc, &e->ndocroom, e->nndoc + 1,
		    sizeof(*e->ndoc)) == -1)
			return (-1);
	}
	q->doc = e->nndoc;
	e->ndoc[e->nndoc++] = q;
	return (0);
}

/*
 * A peer of the snapshot found again: its values kept, then cleared, as
 * a peer read anew has them; its endpoint is kept until it is read (the
 * same string is not made again).
 */
static int
was_push(struct peer *q)
{
	struct peer_was	*w;

	if (parse_grow(&change.was, &change.wasroom, change.nwas + 1,
	    sizeof(*change.was)) == -1)
		return (-1);
	w = &change.was[change.nwas++];
	w->p = q;
	w->endpoint = q->endpoint;
	w->handshake = q->handshake;
	w->rx = q->rx;
	w->tx = q->tx;
	w->aips_hash = q->aips_hash;
	w->keepalive = q->keepalive;
	w->flags = q->flags;
	q->handshake = 0;
	q->rx = q->tx = 0;
	q->keepalive = 0;
	q->flags = 0;
	q->aips = NULL;
	q->naips = q->aips_len = 0;
	q->aips_hash = 0;
	return (0);
}

/* Old values back into the peer (or into its copy, o). */
static void
was_restore(const struct peer_was *w, struct peer *o)
{
	o->endpoint = w->endpoint;
	o->handshake = w->handshake;
	o->rx = w->rx;
	o->tx = w->tx;
	o->aips_hash = w->aips_hash;
	o->keepalive = w->keepalive;
	o->flags = w->flags;
	o->aips = NULL;
	o->naips = o->aips_len = 0;
}

/* The peer of that key is the snapshot's: 0, -1, or 1: it is not. */
static int
pent_peer(struct parser *p, const unsigned char *s, size_t len)
{
	struct pent	*e = p->ent;
	struct peer	*q;
	size_t		 i;

	if ((q = pent_find(e, s, len, &i)) == NULL)
		return (1);
	if (i >= e->n || e->doc[i] != q ||
	    e->seen[i / 64] & (uint64_t)1 << (i % 64)) {
		p->peer = q;
		return (parse_fail(p, PF_PEER, "duplicate peer"));
	}
	e->seen[i / 64] |= (uint64_t)1 << (i % 64);
	e->nseen++;
	if (was_push(q) == -1 || pent_place(e, q) == -1)
		return (parse_fail(p, PF_PEERS, "%s", strerror(errno)));
	p->peer = q;
	p->kept = 1;
	p->field = PF_PEER;
	return (0);
}

/* Its object closed: a peer the same as before leaves the log. */
static void
pent_peer_end(struct parser *p)
{
	struct peer	*q = p->peer;
	struct peer_was	*w = &change.was[change.nwas - 1];

	p->kept = 0;
	if (!(q->flags & PEER_F_ENDPOINT))
		(void)snapshot_peer_set_endpointn(p->snap, q, "", 0);
	if (p->droplists && q->aips_hash == w->aips_hash && q->naips > 0)
		snapshot_peer_drop_aips(p->snap, q);
	if (q->handshake == w->handshake && q->rx == w->rx &&
	    q->tx == w->tx && q->keepalive == w->keepalive &&
	    q->flags == w->flags && q->endpoint == w->endpoint &&
	    q->aips_hash == w->aips_hash)
		change.nwas--;
	else
		q->was = change.nwas;
}

/*
 * The interface's peers as the last document listed them; an interface
 * without that (its snapshot was not parsed in place) takes its key
 * order for it.
 */
static int
pent_doc(struct pent *e)
{
	struct peer	**v;
	size_t		  i, room;

	e->doc = snapshot_iface_doc(e->ifp, &e->n);
	if (e->n == e->norder && (e->n == 0 || e->doc != NULL))
		return (0);
	if ((v = snapshot_order_get(e->norder + 1, &room)) == NULL)
		return (-1);
	for (i = 0; i < e->norder; i++) {
		v[i] = e->order[i];
		v[i]->doc = i;
	}
	snapshot_iface_set_doc(e->ifp, v, e->norder, room);
	e->doc = v;
	e->n = e->norder;
	return (0);
}

/*
 * An interface read in place: one the snapshot has keeps its values here
 * until the document is whole; a new one is read straight in.
 */
static int
pent_new(struct parser *p, struct iface *ifp, int added)
{
	struct pent	*e;
	size_t		 words;

	if (parse_grow(&p->ents, &p->entroom, p->nents + 1,
	    sizeof(*p->ents)) == -1)
		return (-1);
	/* Counted at once: a failure below is undone with the rest. */
	e = &p->ents[p->nents++];
	memset(e, 0, sizeof(*e));
	e->ifp = ifp;
	e->added = added;
	ifp->seen = p->stamp;
	p->ent = e;
	p->iface = added ? ifp : &e->vals;
	if (!added) {
		strlcpy(e->vals.name, ifp->name, sizeof(e->vals.name));
		RB_INIT(&e->vals.peers);
		if (ifp->npeers > 0 &&
		    (e->order = snapshot_iface_ordered(ifp)) == NULL)
			return (-1);
		e->norder = ifp->npeers;
		if (pent_doc(e) == -1)
			return (-1);
		words = (e->n + 63) / 64;
		if (words > 0 &&
		    (e->seen = calloc(words, sizeof(*e->seen))) == NULL)
			return (-1);
	}
	return (0);
}

/* The interface's object closed: the peers it adds, sorted, wait. */
static int
pent_end(struct parser *p)
{
	struct pent	*e = p->ent;
	size_t		 i;

	p->ent = NULL;
	if (e->added || p->npeers == 0)
		return (0);
	if ((e->adds = reallocarray(NULL, p->npeers,
	    sizeof(*e->adds))) == NULL)
		return (parse_fail(p, PF_IFACE, "%s", strerror(errno)));
	for (i = 0; i < p->npeers; i++)
		e->adds[i] = p->peers[i].peer;
	e->nadds = p->npeers;
	p->npeers = 0;
	return (0);
}

static int
gone_cmp(const void *a, const void *b)
{
	const struct peer	*p = *(struct peer *const *)a;
	const struct peer	*q = *(struct peer *const *)b;

	return (strcmp(p->key, q->key));
}

static int
iface_gone_cmp(const void *a, const void *b)
{
	const struct iface_gone	*x = a, *y = b;

	return (strcmp(x->ifp->name, y->ifp->name));
}

static void
change_added(struct peer *q)
{
	q->was = PEER_WAS_ADDED;
	change.added[change.nadded++] = q;
}

static void
change_gone(struct iface *ifp, size_t off, size_t n, int unlinked)
{
	struct iface_gone	*g;

	if (parse_grow(&change.gone, &change.goneroom, change.ngone + 1,
	    sizeof(*change.gone)) == -1)
		fatal("%s", __func__);
	g = &change.gone[change.ngone++];
	g->ifp = ifp;
	g->v = NULL;
	g->off = off;
	g->n = n;
	g->unlinked = unlinked;
}

/* A kept interface's peers that did not come back, in key order. */
static size_t
pent_gone(struct pent *e)
{
	size_t	i, off = change.ngonev;

	if (parse_grow(&change.gonev, &change.gonevroom,
	    change.ngonev + e->n - e->nseen, sizeof(*change.gonev)) == -1)
		fatal("%s", __func__);
	for (i = 0; i < e->n; i++)
		if (!(e->seen[i / 64] & (uint64_t)1 << (i % 64)))
			change.gonev[change.ngonev++] = e->doc[i];
	if (change.ngonev - off > 1)
		qsort(change.gonev + off, change.ngonev - off,
		    sizeof(*change.gonev), gone_cmp);
	return (off);
}

static void
pent_apply(struct parser *p, struct pent *e)
{
	struct iface	*ifp = e->ifp;
	size_t		 i, off, ngone;

	if (e->added) {
		for (i = 0; i < e->nndoc; i++)
			change_added(e->ndoc[i]);
	} else {
		memcpy(ifp->pubkey, e->vals.pubkey, sizeof(ifp->pubkey));
		ifp->port = e->vals.port;
		ifp->fwmark = e->vals.fwmark;
		ifp->flags = e->vals.flags;
		ngone = ifp->npeers - e->nseen;
		off = pent_gone(e);
		if (snapshot_iface_update(p->snap, ifp, e->adds, e->nadds,
		    change.gonev + off, ngone) == -1)
			fatal("%s", __func__);
		for (i = 0; i < e->nadds; i++)
			change_added(e->adds[i]);
		if (ngone > 0)
			change_gone(ifp, off, ngone, 0);
	}
	snapshot_iface_set_doc(ifp, e->ndoc, e->nndoc, e->ndocroom);
	e->ndoc = NULL;
}

/*
 * The document is whole: the values read in place become the snapshot's,
 * the peers and interfaces it no longer lists leave, the new ones come
 * in.  Nothing here can fail but for memory, which is fatal: the budget
 * bounds it.
 */
static void
parse_apply(struct parser *p)
{
	struct iface	*ifp, *next;
	size_t		 i, n = 0;

	for (i = 0; i < p->nents; i++)
		n += p->ents[i].added ? p->ents[i].nndoc : p->ents[i].nadds;
	if (parse_grow(&change.added, &change.addroom, n,
	    sizeof(*change.added)) == -1)
		fatal("%s", __func__);
	for (i = 0; i < p->nents; i++)
		pent_apply(p, &p->ents[i]);
	RB_FOREACH_SAFE(ifp, iface_tree, &p->snap->ifaces, next)
		if (ifp->seen != p->stamp) {
			snapshot_iface_unlink(p->snap, ifp);
			change_gone(ifp, 0, ifp->npeers, 1);
		}
	if (change.ngone > 1)
		qsort(change.gone, change.ngone, sizeof(*change.gone),
		    iface_gone_cmp);
	for (i = 0; i < change.ngone; i++)
		if (!change.gone[i].unlinked)
			change.gone[i].v = change.gonev + change.gone[i].off;
	change.snap = p->snap;
	change.stamp = p->snap->parsed = p->stamp;
	change.droplists = p->droplists;
	p->applied = 1;
}

/* A parse in place that failed: the snapshot as it was. */
static void
parse_rollback(struct parser *p)
{
	struct pent	*e;
	size_t		 i, k;

	for (i = change.nwas; i-- > 0;) {
		was_restore(&change.was[i], change.was[i].p);
		change.was[i].p->was = PEER_WAS_SAME;
	}
	change.nwas = 0;
	for (i = 0; i < p->nents; i++) {
		e = &p->ents[i];
		if (e->added) {
			snapshot_iface_unlink(p->snap, e->ifp);
			snapshot_iface_free(p->snap, e->ifp);
			continue;
		}
		for (k = 0; k < e->n; k++)
			e->doc[k]->doc = k;
		for (k = 0; k < e->nadds; k++)
			snapshot_peer_free(p->snap, e->adds[k]);
	}
	/* The lists read into the peers found again. */
	snapshot_trim(p->snap);
	p->snap->mono_start = p->mono_start;
}

static void
parse_ents_free(struct parser *p)
{
	size_t	i;

	for (i = 0; i < p->nents; i++) {
		free(p->ents[i].seen);
		free(p->ents[i].adds);
		if (p->ents[i].ndoc != NULL)
			snapshot_order_put(p->ents[i].ndoc,
			    p->ents[i].ndocroom);
	}
	free(p->ents);
}

/* p's values before this run, in o; NULL for a peer it added. */
const struct peer *
parse_was(const struct peer *p, struct peer *o)
{
	if (p->was == PEER_WAS_ADDED)
		return (NULL);
	*o = *p;
	if (p->was != PEER_WAS_SAME)
		was_restore(&change.was[p->was - 1], o);
	return (o);
}

/*
 * The old values parse_was is about to read of p, asked for a few peers
 * ahead: the walk goes by key, the log in the document's order, and
 * each entry would otherwise be a wait on memory after the peer's.
 * p's own lines were asked for further ahead (peer_prefetch).
 */
void
parse_was_prefetch(const struct peer *p)
{
	if (p->was != PEER_WAS_ADDED && p->was != PEER_WAS_SAME)
		__builtin_prefetch(&change.was[p->was - 1]);
}

/* What left s in its last parse in place, by interface name. */
size_t
parse_gone(const struct snapshot *s, const struct iface_gone **g)
{
	*g = change.gone;
	return (parse_pending(s) ? change.ngone : 0);
}

/*
 * The peers' allowed-IP lists that this parse in place reads the same
 * as the last run's are dropped as soon as read: only a delta is to go,
 * which carries a list only when it changed.  Not for a run that goes
 * whole (every list), nor one that adds every peer.
 */
void
parse_drop_lists(struct parser *p)
{
	p->droplists = p->inplace;
}

/* Whether s's last parse in place dropped the lists read the same. */
int
parse_dropped(const struct snapshot *s)
{
	return (parse_pending(s) && change.droplists);
}

/*
 * Whether s was parsed in place, its changes not yet dropped: the one
 * parsed last, not another since made where it was.
 */
static int
parse_pending(const struct snapshot *s)
{
	return (s != NULL && change.snap == s && s->parsed == change.stamp);
}

/*
 * cycle_run is done with it: what left is freed, the marks cleared.
 * Returns 1 when no peer holds a list any more: those read the same
 * were dropped (parse_drop_lists), and those that changed or came are
 * trimmed here, where the marks are cleared, not in a walk of every
 * peer (snapshot_trim).
 */
int
parse_done(struct snapshot *s)
{
	struct iface_gone	*g;
	size_t			 i, k;
	int			 trimmed;

	if (!parse_pending(s))
		return (0);
	trimmed = change.droplists;
	for (i = 0; i < change.ngone; i++) {
		g = &change.gone[i];
		if (g->unlinked) {
			snapshot_iface_free(s, g->ifp);
			continue;
		}
		for (k = 0; k < g->n; k++)
			snapshot_peer_free(s, g->v[k]);
	}
	for (i = 0; i < change.nwas; i++) {
		change.was[i].p->was = PEER_WAS_SAME;
		if (trimmed)
			snapshot_peer_drop_aips(s, change.was[i].p);
	}
	for (i = 0; i < change.nadded; i++) {
		change.added[i]->was = PEER_WAS_SAME;
		if (trimmed)
			snapshot_peer_drop_aips(s, change.added[i]);
	}
	change.nwas = change.nadded = change.ngone = change.ngonev = 0;
	change.droplists = 0;
	change.snap = NULL;
	/* A run that added the whole snapshot leaves no such room. */
	if (change.addroom > 1024) {
		free(change.added);
		change.added = NULL;
		change.addroom = 0;
	}
	/*
	 * The log of old values is a run's only: 3.3 MB at 100k peers with
	 * churn, given back between runs.  Refaulting it costs no CPU that
	 * the live collector's time shows.
	 */
	if (change.wasroom * sizeof(*change.was) > LOG_KEEP)
		heap_discard(change.was, change.wasroom * sizeof(*change.was));
	return (trimmed);
}

/* An interface read in place: the snapshot's, or one it gains. */
static int
parse_iface_inplace(struct parser *p, const char *name)
{
	struct iface	*ifp;
	int		 added = 0;

	if ((ifp = snapshot_iface_find(p->snap, name)) != NULL &&
	    ifp->seen == p->stamp) {
		p->iface = ifp;
		return (parse_fail(p, PF_IFACE, "duplicate interface"));
	}
	if (ifp == NULL) {
		if ((ifp = snapshot_iface_add(p->snap, name)) == NULL)
			return (parse_fail(p, PF_TOP, "%s", strerror(errno)));
		added = 1;
	}
	if (pent_new(p, ifp, added) == -1)
		return (parse_fail(p, PF_IFACE, "%s", strerror(errno)));
	p->field = PF_IFACE;
	return (0);
}

static int
parse_iface_key(struct parser *p, const unsigned char *s, size_t len)
{
	char	name[WGM_NAME_MAX];

	if (len == 0)
		return (parse_fail(p, PF_TOP, "empty interface name"));
	if (parse_copy(p, PF_TOP, "interface name", s, len, name,
	    sizeof(name), &p->iface_text) == -1 ||
	    parse_cost(p, PARSE_MEM_IFACE) == -1)
		return (-1);
	if (p->inplace)
		return (parse_iface_inplace(p, name));
	if ((p->iface = snapshot_iface_add(p->snap, name)) == NULL) {
		if (errno != EEXIST)
			return (parse_fail(p, PF_TOP, "%s", strerror(errno)));
		p->iface = snapshot_iface_find(p->snap, name);
		return (parse_fail(p, PF_IFACE, "duplicate interface"));
	}
	p->field = PF_IFACE;
	return (0);
}

static int
parse_peer_key(struct parser *p, const unsigned char *s, size_t len)
{
	size_t	text;
	int	r;

	if (len == 0)
		return (parse_fail(p, PF_PEERS, "empty peer key"));
	if (parse_check(p, PF_PEERS, "peer key", s, len, WGM_KEY_MAX,
	    &text) == -1 || parse_cost(p, PARSE_MEM_PEER + text +
	    p->iface_text) == -1)
		return (-1);
	if (p->ent != NULL && !p->ent->added &&
	    (r = pent_peer(p, s, len)) != 1)
		return (r);
	if (parse_room(p, p->npeers + 1) == -1 ||
	    (p->peer = snapshot_peer_newn(p->snap, (const char *)s,
	    len)) == NULL)
		return (parse_fail(p, PF_PEERS, "%s", strerror(errno)));
	p->peers[p->npeers].pre = parse_prefix(p->peer->key);
	p->peers[p->npeers++].peer = p->peer;
	if (p->npeers > p->most)
		p->most = p->npeers;
	if (p->ent != NULL && pent_place(p->ent, p->peer) == -1)
		return (parse_fail(p, PF_PEERS, "%s", strerror(errno)));
	p->field = PF_PEER;
	return (0);
}

/*
 * Whether s is the name of len bytes: a name of 8 to 16 bytes, as most
 * are, is its first and its last eight, two loads each, where memcmp(3)
 * would be a call per key.
 */
static int
parse_key_is(const char *name, const unsigned char *s, size_t len)
{
	uint64_t	a, b, x, y;

	if (len < sizeof(a) || len > 2 * sizeof(a))
		return (memcmp(name, s, len) == 0);
	memcpy(&a, name, sizeof(a));
	memcpy(&b, name + len - sizeof(b), sizeof(b));
	memcpy(&x, s, sizeof(x));
	memcpy(&y, s + len - sizeof(y), sizeof(y));
	return (a == x && b == y);
}

/*
 * The field of the object open that this key names, if any: its length
 * first, which tells most keys apart without reading them.
 */
static enum pfield
parse_lookup(enum pfield in, const unsigned char *s, size_t len)
{
	static const enum pfield	 iface_keys[] = { PF_PRIVKEY,
	    PF_PUBKEY, PF_PORT, PF_FWMARK, PF_PEERS, PF_NONE };
	static const enum pfield	 peer_keys[] = { PF_PSK, PF_ENDPOINT,
	    PF_HANDSHAKE, PF_RX, PF_TX, PF_KEEPALIVE, PF_AIPS, PF_NONE };
	const enum pfield		*k;
	const struct pfield_info	*fi;

	if (in == PF_IFACE)
		k = iface_keys;
	else if (in == PF_PEER)
		k = peer_keys;
	else
		return (PF_SKIP);
	for (; *k != PF_NONE; k++) {
		fi = &pfields[*k];
		if (fi->namelen == len && parse_key_is(fi->name, s, len))
			return (*k);
	}
	return (PF_SKIP);
}

static int
parse_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parser	*p = ctx;

	if (parse_mark_scalar(p, len) == -1)
		return (0);
	if (p->skip > 0)
		return (1);
	switch (p->in) {
	case PF_TOP:
		return (parse_iface_key(p, s, len) == 0);
	case PF_PEERS:
		return (parse_peer_key(p, s, len) == 0);
	default:
		p->field = parse_lookup(p->in, s, len);
		return (1);
	}
}

/* A callback's failure has left its message; yajl's own is syntax. */
static int
parse_status(struct parser *p, yajl_status st)
{
	unsigned char	*msg;

	if (st == yajl_status_ok)
		return (0);
	if (!p->failed) {
		msg = yajl_get_error(p->yajl, 0, NULL, 0);
		/* yajl ends its message with a newline. */
		if (msg != NULL)
			msg[strcspn((char *)msg, "\r\n")] = '\0';
		(void)parse_failx(p, "invalid JSON: %s",
		    msg != NULL ? (char *)msg : "unknown error");
		if (msg != NULL)
			yajl_free_error(p->yajl, msg);
	}
	return (-1);
}

/*
 * Before a parse in place of s: the changes of its last, when cycle_run
 * did not take them (a test's, a benchmark's).  Those of another
 * snapshot, one parsed from empty and since freed, are only added peers:
 * nothing of it is read.
 */
static void
parse_drop(struct snapshot *s)
{
	if (parse_pending(s)) {
		parse_done(s);
		return;
	}
	if (change.snap != NULL && (change.nwas > 0 || change.ngone > 0))
		fatalx("%s: the last parse in place was not walked", __func__);
	change.nadded = 0;
	change.droplists = 0;
	change.snap = NULL;
}

/* The last parse's room for the peers read, for the next. */
static struct {
	struct parsed	*peers;
	struct parsed	*sorted;
	size_t		 room;
} parse_spare;

struct parser *
parse_new(struct snapshot *snap)
{
	struct parser	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->peers = parse_spare.peers;
	p->sorted = parse_spare.sorted;
	p->room = parse_spare.room;
	memset(&parse_spare, 0, sizeof(parse_spare));
	p->snap = snap;
	/* The collector's snapshot (an arena's) is parsed in place. */
	if ((p->inplace = snap->arena != NULL)) {
		parse_drop(snap);
		if (++parse_stamp == 0)
			parse_stamp = 1;
		p->stamp = parse_stamp;
		/* A new run's start, the caller's to set (cycle_run). */
		p->mono_start = snap->mono_start;
		snap->mono_start = 0;
	}
	p->code = ERR_PARSE;
	p->in = PF_NONE;
	p->field = PF_TOP;
	if ((p->yajl = yajl_alloc(&parse_callbacks, NULL, p)) == NULL) {
		free(p);
		return (NULL);
	}
	return (p);
}

/*
 * yajl keeps a token that spans two reads and scans it again from its
 * start on every read: a string or number megabytes long costs time
 * quadratic in its length.  A token longer than PARSE_RUN_MAX is refused
 * at the end of the read it grows past that in, a megabyte of rescans
 * at most.  Strings, with their escapes, and the runs of other bytes
 * between structural characters and blanks are the tokens.  Their bytes
 * are counted only where they could be that long (parse_mark): between
 * two token ends that far apart, and from the last one to a read's end.
 */
static int
parse_delim(unsigned char c)
{
	switch (c) {
	case '{': case '}': case '[': case ']': case ',': case ':':
	case ' ': case '\t': case '\r': case '\n':
		return (1);
	}
	return (0);
}

/* Counts bytes of the token being read: -1 past the longest one. */
static int
parse_run(struct parser *p, size_t n)
{
	p->run += n;
	if (p->run <= PARSE_RUN_MAX)
		return (0);
	return (parse_failx(p, "a string or value longer than %d bytes",
	    PARSE_RUN_MAX));
}

/* The first '"' from s, or with esc set '"' or '\\', else end. */
static const unsigned char *
parse_find(const unsigned char *s, const unsigned char *end, int esc)
{
	uint64_t	w;

	for (; end - s >= 8; s += 8) {
		memcpy(&w, s, 8);
		if (swar_eq(w, '"') | (esc ? swar_eq(w, '\\') : 0))
			break;
	}
	for (; s < end; s++)
		if (*s == '"' || (esc && *s == '\\'))
			break;
	return (s);
}

/*
 * A string's bytes from s, up to its closing quote or the chunk's end:
 * where the guard goes on, or NULL past the longest token.
 */
static const unsigned char *
parse_guard_str(struct parser *p, const unsigned char *s,
    const unsigned char *end)
{
	const unsigned char	*q;

	if (p->esc) {
		p->esc = 0;
		return (parse_run(p, 1) == -1 ? NULL : s + 1);
	}
	q = parse_find(s, end, 1);
	if (q < end && *q == '\\') {
		p->esc = 1;
		return (parse_run(p, q + 1 - s) == -1 ? NULL : q + 1);
	}
	if (parse_run(p, q - s) == -1)
		return (NULL);
	if (q == end)
		return (end);
	p->instr = 0;
	p->run = 0;
	return (q + 1);
}

/*
 * The bytes from s up to the next string or the chunk's end, byte by
 * byte: numbers and literals, runs of them ended by delimiters.
 */
static const unsigned char *
parse_guard_gap(struct parser *p, const unsigned char *s,
    const unsigned char *lim)
{
	for (; s < lim; s++) {
		if (parse_delim(*s))
			p->run = 0;
		else if (parse_run(p, 1) == -1)
			return (NULL);
	}
	return (lim);
}

/*
 * Between strings the tokens are short: a gap that cannot hold one too
 * long is passed over whole, and only the token it ends in is measured.
 */
static const unsigned char *
parse_guard_between(struct parser *p, const unsigned char *s,
    const unsigned char *end)
{
	const unsigned char	*q, *t;

	q = parse_find(s, end, 0);
	if (p->run + (size_t)(q - s) > PARSE_RUN_MAX)
		return (parse_guard_gap(p, s, q));
	if (q < end) {
		p->instr = 1;
		p->run = 0;
		return (q + 1);
	}
	for (t = end; t > s && !parse_delim(t[-1]); t--)
		;
	p->run = t == s ? p->run + (end - s) : (size_t)(end - t);
	return (end);
}

/* Returns -1 once a token grows past PARSE_RUN_MAX. */
static int
parse_guard(struct parser *p, const unsigned char *buf, size_t len)
{
	const unsigned char	*s = buf, *end = buf + len;

	while (s != NULL && s < end) {
		if (p->instr)
			s = parse_guard_str(p, s, end);
		else
			s = parse_guard_between(p, s, end);
	}
	return (s == NULL ? -1 : 0);
}

/*
 * A token is done: yajl has read the chunk up to its end.  What it read
 * since the last one holds that token and the blanks and separators
 * before it: only where that is longer than a token may be are its bytes
 * counted, by parse_guard.  Past a token, no string or token is open.
 */
static int
parse_mark(struct parser *p)
{
	size_t	end = yajl_get_bytes_consumed(p->yajl);

	if (end < p->mark || end > p->len)
		end = p->mark;		/* not this chunk's: nothing read */
	if (p->run + (end - p->mark) > PARSE_RUN_MAX &&
	    parse_guard(p, p->buf + p->mark, end - p->mark) == -1)
		return (-1);
	p->mark = end;
	p->instr = p->esc = 0;
	p->run = 0;
	return (0);
}

/*
 * yajl reads the chunk, and each token's callback marks where it ends;
 * the bytes past the last one, a token yet to end, are counted, and go
 * on into the next chunk.  Once failed, the parser takes nothing more:
 * yajl is stopped mid-way.
 */
int
parse_feed(struct parser *p, const unsigned char *buf, size_t len)
{
	if (p->failed)
		return (-1);
	p->fed += len;
	p->buf = buf;
	p->len = len;
	p->mark = 0;
	if (parse_status(p, yajl_parse(p->yajl, buf, len)) == -1)
		return (-1);
	return (parse_guard(p, buf + p->mark, len - p->mark));
}

int
parse_finish(struct parser *p)
{
	if (p->failed)
		return (-1);
	if (p->fed == 0) {
		(void)parse_failx(p, "empty output");
		return (-1);
	}
	/* yajl ends the document by reading a blank of its own. */
	p->buf = (const unsigned char *)" ";
	p->len = 1;
	p->mark = 0;
	if (parse_status(p, yajl_complete_parse(p->yajl)) == -1)
		return (-1);
	if (p->inplace)
		parse_apply(p);
	return (0);
}

const char *
parse_error(struct parser *p)
{
	return (p->err);
}

/* ERR_PARSE, or ERR_TOO_LARGE past the budget of PARSE_MEM_MAX. */
int
parse_error_code(struct parser *p)
{
	return (p->code);
}

void
parse_free(struct parser *p)
{
	if (p == NULL)
		return;
	/* Those of a "peers" object left open by a failure. */
	while (p->npeers > 0)
		snapshot_peer_free(p->snap, p->peers[--p->npeers].peer);
	if (p->inplace && !p->applied)
		parse_rollback(p);
	if (p->inplace)
		parse_ents_free(p);
	/*
	 * Kept for the next run, the larger room of two parsers', unless
	 * this run used but a quarter of it.
	 */
	if (p->room >= parse_spare.room && p->most >= p->room / 4) {
		free(parse_spare.peers);
		free(parse_spare.sorted);
		parse_spare.peers = p->peers;
		parse_spare.sorted = p->sorted;
		parse_spare.room = p->room;
	} else {
		free(p->peers);
		free(p->sorted);
	}
	yajl_free(p->yajl);
	free(p);
}
