/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <zlib.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"

#define ALLOWED_METHODS	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | \
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | \
	    EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH)

#define METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * A body this long or longer is kept in a file of its own (body_alloc).
 * A shorter one goes out in the same writev(2) as its headers.
 */
#define BODY_FILE_MIN	(64 * 1024)

#ifdef __linux__
/*
 * The huge page size of x86_64's and arm64's (4K pages): of a body this
 * long or longer, each whole block of it becomes one huge page of the
 * memfd (body_map).  Elsewhere the collapse fails and changes nothing.
 */
#define BODY_HUGE	(2UL * 1024 * 1024)
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25	/* Linux 6.1's; glibc 2.36 has no name for it */
#endif
#endif

static struct body		*raw_body;
static struct body		*status_body;
static struct body		*metrics_body;	/* its per-peer part */
static uint64_t			 metrics_prev;
static uint64_t			 raw_prev;	/* serials of the bodies */
static uint64_t			 status_prev;	/* they last replaced */
static uint64_t			 body_serial;
static struct collect_status	 last_status;
static struct collect_status	 last_error;	/* kept after recovery */
static int64_t			 last_success;	/* 0: never */
static int64_t			 snapshot_time;
static struct snapshot		*current;	/* the frontend's state */
static int			 raw_stale;	/* current's body not */
static int			 status_stale;	/* made yet */
static int			 metrics_stale;
static int			 parts_stale;	/* current's peers' */
static uint32_t		 parts_kinds;	/* RK_*: asked for so far */
/*
 * When the frontend received them, by its monotonic clock: an age is
 * measured from there, not by two wall clocks that a step moves.
 */
static int64_t			 snapshot_mono;
static int64_t			 success_mono;
static int			 have_status;
static struct event		*ev_accept_pause;

uint64_t			 http_gzip_made;

/*
 * The storage of a body of len bytes.  A large one goes in a memfd,
 * mapped here to be written, compared and compressed, and is sent with
 * sendfile(2): the kernel then hands each response the file's pages,
 * where a body in memory is copied into the socket for every response
 * (2.8 MB of /raw at 10k peers).  The segment holds the descriptor, so
 * a response still being sent keeps it after the body is freed.  Out of
 * descriptors (the connections use them up, RLIMIT_NOFILE), the body is
 * kept in memory as a short one is.
 */
#ifdef __linux__
/*
 * The memfd mapped to be written.  sendfile(2) takes a memfd's pages one
 * by one, 680 lookups for each response of /raw at 10k peers, where a
 * huge page is one; the kernel makes one of a file's 2 MiB block only
 * when asked (MADV_COLLAPSE, Linux 6.1 and later, whatever the system's
 * THP settings but "deny"), for a block mapped at a 2 MiB boundary: a
 * large body is mapped inside a reservation 2 MiB longer, at its first
 * boundary, and the reservation's ends given back.  A collapse that fails
 * (an older kernel, no huge page free) leaves the pages as they were.
 */
static void *
body_map(int fd, size_t len)
{
	size_t	 page = sysconf(_SC_PAGESIZE), span, room;
	char	*r, *a, *end;

	if (len < BODY_HUGE)
		return (mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, 0));
	span = (len + page - 1) & ~(page - 1);	/* what the mapping takes */
	room = span + BODY_HUGE;
	if ((r = mmap(NULL, room, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0)) == MAP_FAILED)
		return (MAP_FAILED);
	a = (char *)(((uintptr_t)r + BODY_HUGE - 1) & ~(BODY_HUGE - 1));
	if (mmap(a, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, 0) == MAP_FAILED) {
		munmap(r, room);
		return (MAP_FAILED);
	}
	end = a + span;
	if (a > r)
		munmap(r, a - r);
	if (r + room > end)
		munmap(end, r + room - end);
	if (madvise(a, len & ~(BODY_HUGE - 1), MADV_COLLAPSE) == -1)
		log_debug("body of %zu bytes: no huge page: %s", len,
		    strerror(errno));
	return (a);
}

static int
body_file(struct body *b, size_t len)
{
	void	*p;
	int	 fd;

	if ((fd = memfd_create("wgmond-body", MFD_CLOEXEC)) == -1)
		return (-1);
	if (ftruncate(fd, len) == -1 || (p = body_map(fd, len)) ==
	    MAP_FAILED) {
		close(fd);
		return (-1);
	}
	if ((b->seg = evbuffer_file_segment_new(fd, 0, len,
	    EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_LOCKING)) == NULL) {
		munmap(p, len);
		close(fd);
		return (-1);
	}
	b->data = p;
	return (0);
}
#endif

static void
body_alloc(struct body *b, size_t len)
{
#ifdef __linux__
	if (len >= BODY_FILE_MIN) {
		if (body_file(b, len) == 0)
			return;
		log_warn("body of %zu bytes kept in memory", len);
	}
#endif
	if ((b->data = malloc(len ? len : 1)) == NULL)
		fatal("%s", __func__);
}

static void
body_unref(struct body *b)
{
	if (b == NULL || --b->refcnt > 0)
		return;
	body_unref(b->gz);
	if (b->seg != NULL) {
		munmap(b->data, b->len);
		evbuffer_file_segment_free(b->seg);
	} else
		free(b->data);
	free(b);
}

static void
body_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	body_unref(arg);
}

/*
 * The values of the headers that describe a body, formatted once for
 * every response that sends it.
 */
static void
body_format(struct body *b)
{
	snprintf(b->length, sizeof(b->length), "%zu", b->len);
	if (http_date(b->lastmod, sizeof(b->lastmod), b->modified) == -1)
		b->lastmod[0] = '\0';
}

/*
 * The gzip form of a body, made once per body, not per request: zlib's
 * fastest level, since a body of many peers changes at most runs and the
 * bulk of a peer list (base64 keys) compresses little better at higher
 * levels.
 */
static struct body *
body_gzip(const struct body *b)
{
	struct body	*gz;
	z_stream	 z;
	size_t		 bound;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		fatalx("%s: deflateInit2", __func__);
	bound = deflateBound(&z, b->len);
	if ((gz = calloc(1, sizeof(*gz))) == NULL ||
	    (gz->data = malloc(bound)) == NULL)
		fatal("%s", __func__);
	z.next_in = (unsigned char *)b->data;
	z.avail_in = b->len;
	z.next_out = (unsigned char *)gz->data;
	z.avail_out = bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		fatalx("%s: deflate", __func__);
	gz->len = z.total_out;
	deflateEnd(&z);
	gz->refcnt = 1;
	gz->serial = b->serial;
	gz->modified = b->modified;
	snprintf(gz->etag, sizeof(gz->etag), "\"%.16s-gz\"", b->etag + 1);
	body_format(gz);
	return (gz);
}

/*
 * Put together once per snapshot from the peers' parts (render.c): first
 * measured, then written into one allocation of that length.  An
 * unchanged body is kept as it is, with its ETag, its Last-Modified and
 * its gzip form if one was made, so that clients polling with
 * If-None-Match get a 304 and nothing is compressed again.  A new body
 * has no gzip form until a client asks for one (http_body).
 *
 * The ETag is the body's hash: render_hash of each piece, folded in
 * order (a peer's pieces hashed when it is rendered), so a function of
 * the content; an equal hash is confirmed by comparing the bytes.
 */
static struct body *
body_make(struct body *old, render_body_fn fn, struct evbuffer *buf,
    const struct snapshot *s)
{
	struct sink	 m, w;
	struct body	*b;

	memset(&m, 0, sizeof(m));
	fn(&m, buf, s);
	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatal("%s", __func__);
	body_alloc(b, m.len);
	b->len = m.len;
	memset(&w, 0, sizeof(w));
	w.buf = b->data;
	fn(&w, buf, s);
	if (w.len != m.len || w.hash != m.hash)
		fatalx("%s: %zu bytes measured, %zu written", __func__, m.len,
		    w.len);
	/* Responses still being sent read a body's file: it is done. */
	if (b->seg != NULL && mprotect(b->data, b->len, PROT_READ) == -1)
		fatal("%s: mprotect", __func__);
	b->refcnt = 1;
	snprintf(b->etag, sizeof(b->etag), "\"%016" PRIx64 "\"", m.hash);
	if (old != NULL && strcmp(old->etag, b->etag) == 0 &&
	    old->len == b->len && memcmp(old->data, b->data, b->len) == 0) {
		body_unref(b);
		old->refcnt++;
		return (old);
	}
	b->modified = s->time;
	b->serial = ++body_serial;
	body_format(b);
	return (b);
}

/* Two of each body at most: the current one and the one it replaced. */
static void
http_expire(void)
{
	uint64_t	keep[6];

	keep[0] = raw_body == NULL ? 0 : raw_body->serial;
	keep[1] = raw_prev;
	keep[2] = status_body == NULL ? 0 : status_body->serial;
	keep[3] = status_prev;
	keep[4] = metrics_body == NULL ? 0 : metrics_body->serial;
	keep[5] = metrics_prev;
	conn_expire(keep, 6);
}

/*
 * A run is only noted here: its bodies are put together when a client
 * first asks for one of them (body_current), so that a run nobody asks
 * about costs the frontend its messages and nothing more.  s is the
 * frontend's state, complete: frontend.c applies a run's messages all at
 * once, at its end, so no request sees one half applied.
 */
void
http_snapshot(struct snapshot *s)
{
	current = s;
	raw_stale = status_stale = metrics_stale = parts_stale = 1;
	snapshot_time = s->time;
	snapshot_mono = conn_now();
}

/*
 * The parts of the peers that changed in the current state (all of them,
 * in a state that is all new), rendered by the first body asked for
 * after a run: those the run left unchanged keep theirs, and the other
 * bodies find them all made.  Only the parts of the bodies clients have
 * asked for are made (parts_kinds, which only grows): a body asked for
 * the first time has every peer rendered again, with its parts too.
 */
static void
parts_current(struct evbuffer *buf, uint32_t kind)
{
	size_t	n;

	if (!parts_stale && (parts_kinds & kind) == kind)
		return;
	parts_kinds |= kind;
	n = render_peer_parts(buf, current, parts_kinds);
	log_debug("%s: %zu of %zu peers rendered", __func__, n,
	    current->npeers);
	parts_stale = 0;
}

/*
 * The body of the current state, put together now from the parts if the
 * state moved on since it was.  The Last-Modified of a new body is the
 * time of the run it was first asked for in.
 */
static struct body *
body_current(struct body **bp, uint64_t *prev, int *stale,
    render_body_fn fn, uint32_t kind)
{
	struct evbuffer	*buf;
	struct body	*b;

	if (!*stale || current == NULL)
		return (*bp);
	if ((buf = evbuffer_new()) == NULL)
		fatal("%s", __func__);
	parts_current(buf, kind);
	b = body_make(*bp, fn, buf, current);
	evbuffer_free(buf);
	if (*bp != NULL && *bp != b)
		*prev = (*bp)->serial;
	body_unref(*bp);
	*bp = b;
	*stale = 0;
	http_expire();
	return (b);
}

/*
 * The current body of /raw, /status or /metrics (its per-peer part), NULL
 * before the first snapshot.  Its gzip form is made here, once per body:
 * by the first request that asks for it, then shared by the next ones and
 * kept while the body stays the same; a run that no client asks gzip of
 * compresses nothing.
 */
struct body *
http_body(const char *path, int gzip)
{
	struct body	*b;

	if (strcmp(path, "/raw") == 0)
		b = body_current(&raw_body, &raw_prev, &raw_stale,
		    render_raw_body, RK_RAW);
	else if (strcmp(path, "/status") == 0)
		b = body_current(&status_body, &status_prev, &status_stale,
		    render_status_body, RK_STATUS);
	else if (strcmp(path, "/metrics") == 0)
		b = body_current(&metrics_body, &metrics_prev, &metrics_stale,
		    metrics_peers_body, RK_METRICS);
	else
		return (NULL);
	if (b == NULL || !gzip)
		return (b);
	if (b->gz == NULL) {
		b->gz = b == metrics_body ? metrics_gzip_head(b) : body_gzip(b);
		http_gzip_made++;
		log_debug("%s: gzip form made, %zu bytes to %zu", path, b->len,
		    b->gz->len);
	}
	return (b->gz);
}

void
http_collect_status(const struct collect_status *cs)
{
	last_status = *cs;
	have_status = 1;
	metrics_status(cs);
	if (cs->error == ERR_NONE) {
		last_success = cs->time;
		success_mono = conn_now();
	} else
		last_error = *cs;
}

/* -1 for a time with no date: its year does not fit in a struct tm. */
int
http_date(char *buf, size_t len, int64_t t)
{
	struct tm	tm;
	time_t		tt = t;

	if (gmtime_r(&tt, &tm) == NULL)
		return (-1);
	return (strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0 ?
	    -1 : 0);
}

/*
 * A HEAD gets the headers a GET would, Content-Length included: that of
 * the body it does not get.
 */
void
http_head_length(struct evhttp_request *req, size_t len)
{
	char	buf[32];

	snprintf(buf, sizeof(buf), "%zu", len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Length", buf);
}

/* The reply whose body is in the output buffer; for a HEAD, its length. */
static void
send_output(struct evhttp_request *req, int code, const char *reason)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		http_head_length(req, evbuffer_get_length(out));
		evbuffer_drain(out, evbuffer_get_length(out));
	}
	conn_reply(req, code, reason);
}

static void
send_json_printf(struct evhttp_request *req, int code, const char *reason,
    const char *fmt, ...) __attribute__((__format__ (printf, 4, 5)));

static void
send_json_printf(struct evhttp_request *req, int code, const char *reason,
    const char *fmt, ...)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	va_list			 ap;

	evhttp_add_header(h, "Content-Type", "application/json");
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\n", 1);
	send_output(req, code, reason);
}

/*
 * 304 when If-None-Match names etag (a weak comparison, as RFC 9110
 * asks), and 1 once it is sent; else 0.
 */
int
http_not_modified(struct evhttp_request *req, const char *etag)
{
	const char	*inm;

	inm = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "If-None-Match");
	if (inm == NULL || (strcmp(inm, "*") != 0 &&
	    strstr(inm, etag) == NULL))
		return (0);
	conn_reply(req, 304, "Not Modified");
	return (1);
}

static int64_t
snapshot_age(void)
{
	return (conn_now() - snapshot_mono);
}

/*
 * Accept-Encoding names gzip without "q=0" (RFC 9110 12.5.3).  A coding
 * is at most a few bytes; anything unusual is taken as a no.
 */
static int
accepts_gzip(struct evhttp_request *req)
{
	const char	*ae, *p;
	char		 item[64], *q;
	size_t		 n;

	ae = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Accept-Encoding");
	for (p = ae; p != NULL && *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n >= sizeof(item))
			continue;
		memcpy(item, p, n);
		item[n] = '\0';
		q = item + strspn(item, " \t");
		if (strncasecmp(q, "gzip", 4) != 0 ||
		    (q[4] != '\0' && q[4] != ';' && q[4] != ' '))
			continue;
		q = strstr(q, "q=");
		return (q == NULL || strtod(q + 2, NULL) > 0);
	}
	return (0);
}

/*
 * Appends the shared body to the response: by reference, or as its file.
 * libevent sends a file with sendfile(2) only from a buffer that it is
 * told goes to a descriptor; evhttp moves the response's buffer to the
 * connection's, whose chains are written to the socket as they are.
 */
static int
body_send(struct evhttp_request *req, struct body *b)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);

	if (b->seg != NULL) {
		evbuffer_set_flags(out, EVBUFFER_FLAG_DRAINS_TO_FD);
		if (evbuffer_add_file_segment(out, b->seg, 0, b->len) == -1)
			return (-1);
	} else {
		b->refcnt++;
		if (evbuffer_add_reference(out, b->data, b->len,
		    body_cleanup, b) == -1) {
			body_unref(b);
			return (-1);
		}
	}
	conn_body(req, b->serial);
	return (0);
}

/*
 * evhttp adds Date and Content-Length to an HTTP/1.1 response, formatting
 * both every time; here they come formatted, the date once a second and
 * the length with the body, and evhttp, finding them, adds none.
 */
static int
http11(struct evhttp_request *req)
{
	return (req->major == 1 && req->minor >= 1);
}

static const char *
date_now(void)
{
	static time_t	 at;
	static char	 buf[64];
	time_t		 now = time(NULL);

	if (now != at && http_date(buf, sizeof(buf), now) == 0)
		at = now;
	return (at == now ? buf : NULL);
}

/* X-Snapshot-Age, formatted again only when it changes. */
static const char *
age_now(void)
{
	static int64_t	 at = -1;
	static char	 buf[32];
	int64_t		 age = snapshot_age();

	if (age != at) {
		snprintf(buf, sizeof(buf), "%" PRId64, age);
		at = age;
	}
	return (buf);
}

/* The headers of a body, formatted with it (body_format). */
static void
body_headers(struct evhttp_request *req, struct evkeyvalq *h,
    const struct body *b, int gz)
{
	const char	*date;

	if (http11(req) && (date = date_now()) != NULL)
		evhttp_add_header(h, "Date", date);
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	if (gz)
		evhttp_add_header(h, "Content-Encoding", "gzip");
	evhttp_add_header(h, "ETag", b->etag);
	/* No date is better than a wrong one. */
	if (b->lastmod[0] != '\0')
		evhttp_add_header(h, "Last-Modified", b->lastmod);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "X-Snapshot-Age", age_now());
	/* The last run failed: this is the last good state, not the current. */
	if (have_status && last_status.error != ERR_NONE)
		evhttp_add_header(h, "Warning", "110 - \"Response is Stale\"");
}

static void
serve_body(struct evhttp_request *req, const char *path)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct body		*b;
	int			 gz;

	gz = accepts_gzip(req);
	if ((b = http_body(path, gz)) == NULL) {
		send_json_printf(req, 503, "Service Unavailable",
		    "{\"error\":\"no successful run of the status script "
		    "yet\"}");
		return;
	}
	body_headers(req, h, b, gz);
	if (http_not_modified(req, b->etag))
		return;
	evhttp_add_header(h, "Content-Type", "application/json");
	/* A HEAD gets the length of the body it does not get. */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		evhttp_add_header(h, "Content-Length", b->length);
		conn_reply(req, 200, "OK");
		return;
	}
	if (http11(req))
		evhttp_add_header(h, "Content-Length", b->length);
	if (body_send(req, b) == -1) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	conn_reply(req, 200, "OK");
}

/*
 * The per-peer part, rendered with the snapshot, then what changes with
 * every run.  Served before the first good run too, without peers, so
 * that a failing script shows as wgmond_last_collect_success 0, not as
 * an exporter that is down.
 */
static int
metrics_body_send(struct evhttp_request *req, int gz)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	struct evbuffer	*self;
	int		 r = -1;

	if ((self = evbuffer_new()) == NULL)
		return (-1);
	if (metrics_render_self(self) == 0 &&
	    (http_body("/metrics", 0) == NULL ||
	    body_send(req, http_body("/metrics", gz)) == 0))
		r = gz ? metrics_gzip_tail(out, self, metrics_body) :
		    evbuffer_add_buffer(out, self);
	evbuffer_free(self);
	return (r);
}

static void
serve_metrics(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	int			 gz;

	gz = http_body("/metrics", 0) != NULL && accepts_gzip(req);
	if (metrics_body_send(req, gz) == -1) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(h, "Content-Type", METRICS_TYPE);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	if (gz)
		evhttp_add_header(h, "Content-Encoding", "gzip");
	send_output(req, 200, "OK");
}

static void
serve_healthz(struct evhttp_request *req, uint32_t interval)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	const char		*state;
	int			 ok, failed;

	failed = have_status && last_status.error != ERR_NONE;
	ok = last_success != 0 && !failed &&
	    conn_now() - success_mono <= 3 * (int64_t)interval;
	state = ok ? "ok" : !have_status ? "starting" : "stale";
	evbuffer_add_printf(out, "{\"status\":\"%s\",\"lastSuccess\":", state);
	if (last_success != 0)
		evbuffer_add_printf(out, "%" PRId64, last_success);
	else
		evbuffer_add_printf(out, "null");
	if (last_error.error != ERR_NONE) {
		evbuffer_add_printf(out, ",\"lastError\":{\"timestamp\":%"
		    PRId64 ",\"error\":\"%s\",\"detail\":", last_error.time,
		    snapshot_error_name(last_error.error));
		json_string(out, last_error.detail);
		evbuffer_add_printf(out, "}");
	} else
		evbuffer_add_printf(out, ",\"lastError\":null");
	if (snapshot_time != 0)
		evbuffer_add_printf(out, ",\"snapshotAge\":%" PRId64 "}\n",
		    snapshot_age());
	else
		evbuffer_add_printf(out, ",\"snapshotAge\":null}\n");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Content-Type", "application/json");
	send_output(req, ok ? 200 : 503, ok ? "OK" : "Service Unavailable");
}

static void
http_route(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	uint32_t		 interval = *(uint32_t *)arg;

	conn_request(req);
	if (path != NULL && page_route(req, path))
		return;
	if (path == NULL || (strcmp(path, "/raw") != 0 &&
	    strcmp(path, "/status") != 0 && strcmp(path, "/healthz") != 0 &&
	    strcmp(path, "/metrics") != 0)) {
		send_json_printf(req, 404, "Not Found",
		    "{\"error\":\"not found\"}");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		send_json_printf(req, 405, "Method Not Allowed",
		    "{\"error\":\"method not allowed\"}");
		return;
	}
	if (strcmp(path, "/raw") == 0 || strcmp(path, "/status") == 0)
		serve_body(req, path);
	else if (strcmp(path, "/metrics") == 0)
		serve_metrics(req);
	else
		serve_healthz(req, interval);
}

static void
accept_resume(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	evconnlistener_enable(arg);
}

/*
 * Out of descriptors (RLIMIT_NOFILE bounds the connections): stop
 * accepting for a moment instead of spinning on a listener that stays
 * readable, and let the timeouts close idle connections.
 */
static void
accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval	tv = { 1, 0 };

	(void)arg;
	if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
	    errno != ENOMEM) {
		log_warn("accept");
		return;
	}
	log_warnx("connection limit reached; not accepting for 1 s");
	evconnlistener_disable(lev);
	evtimer_add(ev_accept_pause, &tv);
}

struct evhttp *
http_init(struct event_base *base, int fd, uint32_t interval)
{
	static uint32_t			 check_interval;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct evconnlistener		*lev;

	check_interval = interval;
	if ((http = evhttp_new(base)) == NULL)
		return (NULL);
	evhttp_set_allowed_methods(http, ALLOWED_METHODS);
	evhttp_set_max_headers_size(http, WGM_HTTP_HDRMAX);
	evhttp_set_max_body_size(http, 1024);
	evhttp_set_timeout(http, WGM_HTTP_TIMEOUT);
	evhttp_set_gencb(http, http_route, &check_interval);
	if (conn_init(base, http) == -1)
		return (NULL);
	if ((bound = evhttp_accept_socket_with_handle(http, fd)) == NULL)
		return (NULL);
	lev = evhttp_bound_socket_get_listener(bound);
	if ((ev_accept_pause = evtimer_new(base, accept_resume, lev)) == NULL)
		return (NULL);
	evconnlistener_set_error_cb(lev, accept_error);
	return (http);
}
