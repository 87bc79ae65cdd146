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

#include <zlib.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"

/*
 * /metrics in the Prometheus text format 0.0.4.  The families of
 * mdlayher/wireguard_exporter and wgmond's own per-peer ones are rendered
 * once per snapshot (metrics_render_peers); the few wgmond_* series that
 * change without a snapshot (counters, the last run) once per scrape
 * (metrics_render_self).  Each family's lines are consecutive, as the
 * format requires, so the peer tree is walked once per family.  The
 * gzip form is made the same way: see metrics_gzip_head.
 */

#define MOUT_BUFSZ	8192	/* lines gathered, then added at once */
#define MOUT_LINE	1024	/* more than any one line, escaped */
#define GZ_SLACK	64	/* a full flush's marker, and more */

struct mout {
	struct evbuffer	*b;
	size_t		 len;
	int		 error;
	char		 buf[MOUT_BUFSZ];
};

typedef void	 (*peer_fn)(struct mout *, const struct iface *,
		    const struct peer *);

/* The event names of enum wgm_event_type, in its order, as logged. */
static const char	*event_names[WGM_NEVENTS] = {
	"initial_status", "status_change", "new_peer", "peer_removed",
	"collect_error", "collect_recovered"
};
static const int	 statuses[] = {
	STATUS_NEVER, STATUS_CONNECTED, STATUS_DISCONNECTED, STATUS_INACTIVE
};

static struct collect_status	 last;
static int64_t			 last_success;	/* 0: never */
static int			 have_status;
static uint32_t			 thresholds[2];	/* C and D */

static void
mo_flush(struct mout *o)
{
	if (!o->error && o->len > 0 && evbuffer_add(o->b, o->buf, o->len) ==
	    -1)
		o->error = 1;
	o->len = 0;
}

/* Room for a whole line: every writer below adds less than MOUT_LINE. */
static void
mo_line(struct mout *o)
{
	if (sizeof(o->buf) - o->len < MOUT_LINE)
		mo_flush(o);
}

static void
mo_puts(struct mout *o, const char *s)
{
	size_t	n = strlen(s);

	if (n > sizeof(o->buf) - o->len) {
		o->error = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
mo_printf(struct mout *o, const char *fmt, ...)
    __attribute__((__format__ (printf, 2, 3)));

static void
mo_printf(struct mout *o, const char *fmt, ...)
{
	va_list	ap;
	size_t	left = sizeof(o->buf) - o->len;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= left)
		o->error = 1;
	else
		o->len += n;
}

/*
 * name="value", with the three escapes the text format has: backslash,
 * double quote and line feed.  Anything else, even other control
 * characters, is taken as it is.  The value is a fixed-size field of a
 * struct, so twice its size bounds the result.
 */
static void
mo_label(struct mout *o, const char *name, const char *v)
{
	char	*p;
	size_t	 n;

	mo_puts(o, name);
	mo_puts(o, "=\"");
	if (o->error || sizeof(o->buf) - o->len < 2 * strlen(v) + 2) {
		o->error = 1;
		return;
	}
	/* Runs without an escape, most values whole, copied at once. */
	for (p = o->buf + o->len; *v != '\0'; v++) {
		n = strcspn(v, "\\\"\n");
		memcpy(p, v, n);
		p += n;
		if ((v += n)[0] == '\0')
			break;
		*p++ = '\\';
		*p++ = *v == '\n' ? 'n' : *v;
	}
	*p++ = '"';
	o->len = p - o->buf;
}

static void
mo_family(struct mout *o, const char *name, const char *type,
    const char *help)
{
	mo_line(o);
	mo_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The start of a per-peer series, up to its last label's comma. */
static void
mo_peer(struct mout *o, const char *family, const struct iface *ifp,
    const struct peer *p)
{
	mo_line(o);
	mo_puts(o, family);
	mo_puts(o, "{");
	mo_label(o, "device", ifp->name);
	mo_puts(o, ",");
	mo_label(o, "public_key", p->key);
}

static void
peer_info(struct mout *o, const struct iface *ifp, const struct peer *p)
{
	mo_peer(o, "wireguard_peer_info", ifp, p);
	mo_puts(o, ",");
	mo_label(o, "endpoint", (p->flags & PEER_F_ENDPOINT) ?
	    p->endpoint : "");
	mo_puts(o, ",");
	mo_label(o, "name", p->name);
	mo_puts(o, "} 1\n");
}

static void
peer_aips(struct mout *o, const struct iface *ifp, const struct peer *p)
{
	const char	*a = p->aips;
	size_t		 i;

	for (i = 0; i < p->naips; i++, a += strlen(a) + 1) {
		mo_peer(o, "wireguard_peer_allowed_ips_info", ifp, p);
		mo_puts(o, ",");
		mo_label(o, "allowed_ips", a);
		mo_puts(o, strchr(a, ':') != NULL ?
		    ",family=\"IPv6\"} 1\n" : ",family=\"IPv4\"} 1\n");
	}
}

static void
peer_rx(struct mout *o, const struct iface *ifp, const struct peer *p)
{
	mo_peer(o, "wireguard_peer_receive_bytes_total", ifp, p);
	mo_printf(o, "} %" PRIu64 "\n", p->rx);
}

static void
peer_tx(struct mout *o, const struct iface *ifp, const struct peer *p)
{
	mo_peer(o, "wireguard_peer_transmit_bytes_total", ifp, p);
	mo_printf(o, "} %" PRIu64 "\n", p->tx);
}

static void
peer_handshake(struct mout *o, const struct iface *ifp,
    const struct peer *p)
{
	mo_peer(o, "wireguard_peer_last_handshake_seconds", ifp, p);
	mo_printf(o, "} %" PRId64 "\n", (p->flags & PEER_F_HANDSHAKE) ?
	    p->handshake : 0);
}

static void
peer_status(struct mout *o, const struct iface *ifp, const struct peer *p)
{
	size_t	i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		mo_peer(o, "wgmond_peer_status", ifp, p);
		mo_puts(o, ",");
		mo_label(o, "status", snapshot_status_name(statuses[i]));
		mo_puts(o, p->status == statuses[i] ? "} 1\n" : "} 0\n");
	}
}

static void
each_peer(struct mout *o, const struct snapshot *s, peer_fn fn)
{
	struct iface	*ifp;
	struct peer	*p;

	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces)
		RB_FOREACH(p, peer_tree, (struct peer_tree *)&ifp->peers)
			fn(o, ifp, p);
}

static void
devices(struct mout *o, const struct snapshot *s)
{
	struct iface	*ifp;

	mo_family(o, "wireguard_device_info", "gauge",
	    "Metadata about a device.");
	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces) {
		mo_line(o);
		mo_puts(o, "wireguard_device_info{");
		mo_label(o, "device", ifp->name);
		mo_puts(o, ",");
		mo_label(o, "public_key", (ifp->flags & IFACE_F_PUBKEY) ?
		    ifp->pubkey : "");
		mo_puts(o, "} 1\n");
	}
}

/* Four series per device, zeros included, so that a sum is never empty. */
static void
peer_counts(struct mout *o, const struct snapshot *s)
{
	struct iface	*ifp;
	struct peer	*p;
	size_t		 n[4], i;

	mo_family(o, "wgmond_peers", "gauge", "Peers per status.");
	RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces) {
		memset(n, 0, sizeof(n));
		RB_FOREACH(p, peer_tree, (struct peer_tree *)&ifp->peers)
			if (p->status < 4)
				n[p->status]++;
		for (i = 0; i < 4; i++) {
			mo_line(o);
			mo_puts(o, "wgmond_peers{");
			mo_label(o, "device", ifp->name);
			mo_puts(o, ",");
			mo_label(o, "status",
			    snapshot_status_name(statuses[i]));
			mo_printf(o, "} %zu\n", n[statuses[i]]);
		}
	}
}

/* The per-peer families, in the order of enum render_part's RP_M_*. */
static const struct peer_family {
	const char	*name;
	const char	*type;
	const char	*help;
	peer_fn		 fn;
} peer_families[RP_M_FAMILIES] = {
	{ "wireguard_peer_info", "gauge", "Metadata about a peer.",
	    peer_info },
	{ "wireguard_peer_allowed_ips_info", "gauge",
	    "Metadata about each of a peer's allowed IP subnets.", peer_aips },
	{ "wireguard_peer_receive_bytes_total", "counter",
	    "Number of bytes received from a peer.", peer_rx },
	{ "wireguard_peer_transmit_bytes_total", "counter",
	    "Number of bytes transmitted to a peer.", peer_tx },
	{ "wireguard_peer_last_handshake_seconds", "gauge",
	    "UNIX timestamp for the last handshake with a peer, 0 if never.",
	    peer_handshake },
	{ "wgmond_peer_status", "gauge",
	    "1 for the peer's status, 0 for the other three.", peer_status }
};

static void
family_head(struct mout *o, int f)
{
	mo_family(o, peer_families[f].name, peer_families[f].type,
	    peer_families[f].help);
}

static void
mo_init(struct mout *o, struct evbuffer *b)
{
	o->b = b;
	o->len = 0;
	o->error = 0;
}

static int
mo_end(struct mout *o)
{
	mo_flush(o);
	return (o->error ? -1 : 0);
}

/* Once per snapshot.  On failure the evbuffer holds a partial body. */
int
metrics_render_peers(struct evbuffer *b, const struct snapshot *s)
{
	struct mout	o;
	int		f;

	mo_init(&o, b);
	devices(&o, s);
	for (f = 0; f < RP_M_FAMILIES; f++) {
		family_head(&o, f);
		each_peer(&o, s, peer_families[f].fn);
	}
	peer_counts(&o, s);
	return (mo_end(&o));
}

/* A peer's lines of per-peer family f, its part (render.c). */
int
metrics_peer_part(struct evbuffer *b, int f, const struct iface *ifp,
    const struct peer *p)
{
	struct mout	o;

	mo_init(&o, b);
	peer_families[f].fn(&o, ifp, p);
	return (mo_end(&o));
}

static void
sink_mout(struct sink *k, struct mout *o)
{
	if (mo_end(o) == -1)
		fatalx("%s: render", __func__);
	sink_evbuffer(k, o->b);
}

/*
 * What metrics_render_peers gives, from the peers' parts: b, empty, for
 * what is rendered per run (the devices, the counts, the HELP and TYPE).
 */
void
metrics_peers_body(struct sink *k, struct evbuffer *b,
    const struct snapshot *s)
{
	struct mout	 o;
	struct iface	*ifp;
	struct peer	*p;
	const char	*text;
	size_t		 len;
	int		 f;

	mo_init(&o, b);
	devices(&o, s);
	for (f = 0; f < RP_M_FAMILIES; f++) {
		family_head(&o, f);
		sink_mout(k, &o);
		RB_FOREACH(ifp, iface_tree, (struct iface_tree *)&s->ifaces)
			RB_FOREACH(p, peer_tree,
			    (struct peer_tree *)&ifp->peers) {
				text = render_part(p, RP_M_FIRST + f, &len);
				sink_put(k, text, len);
				if (f == 0)
					sink_hash(k, ((struct render_parts *)
					    p->render)->hash[RH_METRICS]);
			}
	}
	peer_counts(&o, s);
	sink_mout(k, &o);
}

static void
self_counters(struct mout *o)
{
	size_t	i;

	mo_family(o, "wgmond_events_total", "counter",
	    "Events since start, per event name.");
	for (i = 0; i < WGM_NEVENTS; i++)
		mo_printf(o, "wgmond_events_total{event=\"%s\"} %" PRIu64 "\n",
		    event_names[i], last.events[i]);
	mo_family(o, "wgmond_collect_errors_total", "counter",
	    "Failed runs of the status script since start, per error.");
	for (i = ERR_NONE + 1; i < WGM_NERRORS; i++)
		mo_printf(o, "wgmond_collect_errors_total{error=\"%s\"} %"
		    PRIu64 "\n", snapshot_error_name(i), last.errors[i]);
}

static void
self_run(struct mout *o)
{
	mo_family(o, "wgmond_last_collect_success", "gauge",
	    "1 when the last run of the status script succeeded.");
	mo_printf(o, "wgmond_last_collect_success %d\n",
	    have_status && last.error == ERR_NONE);
	mo_family(o, "wgmond_last_collect_duration_seconds", "gauge",
	    "Wall time of the last run, script start to snapshot sent.");
	mo_printf(o, "wgmond_last_collect_duration_seconds %" PRIu64 ".%06"
	    PRIu64 "\n", last.duration_us / 1000000,
	    last.duration_us % 1000000);
	mo_family(o, "wgmond_last_success_timestamp_seconds", "gauge",
	    "UNIX time of the last successful run, 0 if none yet.");
	mo_printf(o, "wgmond_last_success_timestamp_seconds %" PRId64 "\n",
	    last_success);
}

/* Once per scrape: what changes between snapshots, and is small. */
int
metrics_render_self(struct evbuffer *b)
{
	struct mout	o;

	mo_init(&o, b);
	mo_family(&o, "wgmond_status_threshold_seconds", "gauge",
	    "Handshake ages that bound the statuses connected (-C) and "
	    "disconnected (-D).");
	mo_printf(&o, "wgmond_status_threshold_seconds{threshold=\"connected\"}"
	    " %" PRIu32 "\n", thresholds[0]);
	mo_printf(&o, "wgmond_status_threshold_seconds{threshold="
	    "\"disconnected\"} %" PRIu32 "\n", thresholds[1]);
	self_counters(&o);
	self_run(&o);
	mo_family(&o, "wgmond_build_info", "gauge",
	    "The version of wgmond, as a label.");
	mo_printf(&o, "wgmond_build_info{version=\"%s\"} 1\n", WGMOND_VERSION);
	return (mo_end(&o));
}

void
metrics_init(uint32_t connected, uint32_t disconnected)
{
	thresholds[0] = connected;
	thresholds[1] = disconnected;
}

void
metrics_status(const struct collect_status *cs)
{
	last = *cs;
	have_status = 1;
	if (cs->error == ERR_NONE)
		last_success = cs->time;
}

/*
 * The gzip form is one member (some clients, curl among them, read only
 * the first of several) made of two raw deflate streams: the peers' text,
 * compressed once per snapshot and ended with a full flush, so that it
 * ends on a byte and nothing after it refers back into it; then the part
 * of each scrape, compressed on its own, whose last block ends the
 * member.  The trailer's CRC-32 is combined from the two parts'.
 */
static z_stream *
gz_init(z_stream *z)
{
	memset(z, 0, sizeof(*z));
	if (deflateInit2(z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		fatalx("%s: deflateInit2", __func__);
	return (z);
}

/* The header and the peers' text, from a body made once per snapshot. */
struct body *
metrics_gzip_head(struct body *b)
{
	static const unsigned char	 hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0,
					    0, 0, 3 };
	struct body			*gz;
	z_stream			 z;
	size_t				 bound;

	bound = sizeof(hdr) + deflateBound(gz_init(&z), b->len) + GZ_SLACK;
	if ((gz = calloc(1, sizeof(*gz))) == NULL ||
	    (gz->data = malloc(bound)) == NULL)
		fatal("%s", __func__);
	memcpy(gz->data, hdr, sizeof(hdr));
	z.next_in = (unsigned char *)b->data;
	z.avail_in = b->len;
	z.next_out = (unsigned char *)gz->data + sizeof(hdr);
	z.avail_out = bound - sizeof(hdr);
	if (deflate(&z, Z_FULL_FLUSH) != Z_OK || z.avail_in != 0 ||
	    z.avail_out == 0)
		fatalx("%s: deflate", __func__);
	gz->len = sizeof(hdr) + z.total_out;
	deflateEnd(&z);
	gz->refcnt = 1;
	gz->serial = b->serial;
	gz->modified = b->modified;
	b->crc = crc32(0, (unsigned char *)b->data, b->len);
	return (gz);
}

static void
le32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Appends the scrape's own part to a response whose head is b's gzip. */
int
metrics_gzip_tail(struct evbuffer *out, struct evbuffer *self,
    const struct body *b)
{
	unsigned char	*in, *buf, trailer[8];
	size_t		 len = evbuffer_get_length(self), bound;
	z_stream	 z;
	int		 r;

	if ((in = evbuffer_pullup(self, -1)) == NULL && len > 0)
		return (-1);
	bound = deflateBound(gz_init(&z), len) + GZ_SLACK;
	if ((buf = malloc(bound)) == NULL) {
		deflateEnd(&z);
		return (-1);
	}
	z.next_in = in;
	z.avail_in = len;
	z.next_out = buf;
	z.avail_out = bound;
	r = deflate(&z, Z_FINISH);
	le32(trailer, crc32_combine(b->crc, crc32(0, in, len), len));
	le32(trailer + 4, b->len + len);
	if (r != Z_STREAM_END || evbuffer_add(out, buf, z.total_out) == -1 ||
	    evbuffer_add(out, trailer, sizeof(trailer)) == -1)
		r = -1;
	deflateEnd(&z);
	free(buf);
	return (r == -1 ? -1 : 0);
}
