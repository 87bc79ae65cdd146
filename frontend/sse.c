/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"

/*
 * GET /events (docs/DESIGN.md §9).  Each event line from the collector becomes
 * one message, formatted once and kept in a ring of the last
 * SSE_RING_MAX; every stream gets a reference to it, not a copy, so a
 * resumed stream costs no more memory than a live one.  A message that
 * leaves the ring lives on until the last stream holding it has sent it.
 */
struct sse_msg {
	uint64_t		 id;
	int			 refcnt;
	size_t			 len;
	char			 data[];
};

struct sse_sub {
	TAILQ_ENTRY(sse_sub)	 entry;
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;
};
TAILQ_HEAD(sse_subs, sse_sub);

static struct sse_msg	*ring[SSE_RING_MAX];
static uint64_t		 last_id;	/* 0: no event yet */
static struct sse_subs	 subs = TAILQ_HEAD_INITIALIZER(subs);
static int		 nsubs;
static struct evbuffer	*chunk;
static struct event	*ev_heartbeat;

static void
msg_unref(struct sse_msg *m)
{
	if (m != NULL && --m->refcnt == 0)
		free(m);
}

static void
msg_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	msg_unref(arg);
}

/* The oldest id the ring still holds; last_id + 1 when it is empty. */
static uint64_t
ring_oldest(void)
{
	return (last_id < SSE_RING_MAX ? 1 : last_id - SSE_RING_MAX + 1);
}

static struct sse_msg *
ring_get(uint64_t id)
{
	return (ring[id % SSE_RING_MAX]);
}

/*
 * The event's name is the value of its first key, "event" (§5); the
 * collector wrote it, and anything else means it is broken.  A line
 * with a line break would end the message early and let whoever wrote
 * it forge the next.
 */
static int
event_name(const char *line, char *name, size_t size)
{
	const char	 prefix[] = "{\"event\":\"";
	const char	*p;
	size_t		 n;

	if (strncmp(line, prefix, sizeof(prefix) - 1) != 0 ||
	    strpbrk(line, "\r\n") != NULL)
		return (-1);
	p = line + sizeof(prefix) - 1;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
	if (n == 0 || n >= size || p[n] != '"')
		return (-1);
	memcpy(name, p, n);
	name[n] = '\0';
	return (0);
}

static struct sse_msg *
msg_new(uint64_t id, const char *name, const char *line)
{
	struct sse_msg	*m;
	size_t		 size;
	int		 n;

	size = strlen(line) + strlen(name) + 64;
	if ((m = malloc(sizeof(*m) + size)) == NULL)
		fatal("%s", __func__);
	n = snprintf(m->data, size, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n",
	    id, name, line);
	if (n < 0 || (size_t)n >= size)
		fatalx("%s: message too long", __func__);
	m->id = id;
	m->len = n;
	m->refcnt = 1;
	return (m);
}

static void
sub_free(struct sse_sub *s)
{
	TAILQ_REMOVE(&subs, s, entry);
	nsubs--;
	free(s);
}

/*
 * The connection is going down.  When the client closed it, evhttp let
 * go of the unfinished request, which is then ours to free; otherwise
 * the connection frees it next.
 */
static void
sub_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sse_sub	*s = arg;

	(void)evcon;
	log_debug("events: a stream closed, %d left", nsubs - 1);
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_request_free(s->req);
	sub_free(s);
}

/* Freeing the connection frees the request on it, not yet finished. */
static void
sub_drop(struct sse_sub *s, const char *why)
{
	log_info("events: closing a stream: %s", why);
	evhttp_connection_set_closecb(s->evcon, NULL, NULL);
	evhttp_connection_free(s->evcon);
	sub_free(s);
}

static size_t
sub_unsent(struct sse_sub *s)
{
	return (evbuffer_get_length(bufferevent_get_output(
	    evhttp_connection_get_bufferevent(s->evcon))));
}

static void
sub_send(struct sse_sub *s, struct sse_msg *m)
{
	m->refcnt++;
	if (evbuffer_add_reference(chunk, m->data, m->len, msg_cleanup,
	    m) == -1) {
		msg_unref(m);
		fatal("%s", __func__);
	}
	evhttp_send_reply_chunk(s->req, chunk);
}

static void
sub_send_text(struct sse_sub *s, const char *fmt, ...)
    __attribute__((__format__ (printf, 2, 3)));

static void
sub_send_text(struct sse_sub *s, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = evbuffer_add_vprintf(chunk, fmt, ap);
	va_end(ap);
	if (rc == -1)
		fatal("%s", __func__);
	evhttp_send_reply_chunk(s->req, chunk);
}

static void
heartbeat(int fd, short event, void *arg)
{
	struct sse_sub	*s;

	(void)fd;
	(void)event;
	(void)arg;
	TAILQ_FOREACH(s, &subs, entry)
		sub_send_text(s, ":\n\n");
}

/* Made with the first stream: until then there is nothing to keep. */
static void
sse_setup(struct event_base *base)
{
	struct timeval	tv = { SSE_HEARTBEAT, 0 };

	if (ev_heartbeat != NULL)
		return;
	if ((chunk = evbuffer_new()) == NULL ||
	    (ev_heartbeat = event_new(base, -1, EV_PERSIST, heartbeat,
	    NULL)) == NULL || event_add(ev_heartbeat, &tv) == -1)
		fatal("%s", __func__);
}

void
sse_event(const char *line)
{
	struct sse_sub	*s, *n;
	struct sse_msg	*m;
	char		 name[32];

	if (event_name(line, name, sizeof(name)) == -1)
		fatalx("%s: not an event line", __func__);
	m = msg_new(++last_id, name, line);
	msg_unref(ring[m->id % SSE_RING_MAX]);
	ring[m->id % SSE_RING_MAX] = m;
	TAILQ_FOREACH_SAFE(s, &subs, entry, n) {
		sub_send(s, m);
		if (sub_unsent(s) > SSE_UNSENT_MAX)
			sub_drop(s, "over 1 MiB unsent");
	}
}

/*
 * Last-Event-ID as a decimal id; -1 for none or junk.  An id above the
 * last one given was given by an earlier run of the daemon (ids start
 * at 1 again after a restart), so it counts as 0: everything.
 */
static int64_t
resume_from(struct evhttp_request *req)
{
	const char	*v;
	char		*end;
	unsigned long long n;

	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Last-Event-ID");
	if (v == NULL || *v < '0' || *v > '9')
		return (-1);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end != '\0' || errno != 0)
		return (-1);
	return (n > last_id ? 0 : (int64_t)n);
}

/* What a resuming client missed, then what the ring holds after it. */
static void
sub_replay(struct sse_sub *s, uint64_t after)
{
	uint64_t	id, oldest = ring_oldest();

	if (after + 1 < oldest)
		sub_send_text(s, "event: gap\ndata: {\"event\":\"gap\","
		    "\"timestamp\":%lld,\"missed\":%" PRIu64 "}\n\n",
		    (long long)time(NULL), oldest - after - 1);
	for (id = after < oldest ? oldest : after + 1; id <= last_id; id++)
		sub_send(s, ring_get(id));
}

/*
 * A stream has no deadline (conn.c), and evhttp's own timeout would end
 * it after WGM_HTTP_TIMEOUT s without a byte from the client: only the
 * write timeout stays, for a client that takes nothing at all.  evhttp
 * keeps reading a connection it writes a reply to, to see it close, and
 * would keep whatever the client sends: past a few bytes it stops.
 */
static void
sub_start(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct timeval		 wtv = { SSE_WRITE_TIMEOUT, 0 };
	struct bufferevent	*bev;
	struct sse_sub		*s;
	int64_t			 after;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	s->req = req;
	s->evcon = evhttp_request_get_connection(req);
	sse_setup(evhttp_connection_get_base(s->evcon));
	after = resume_from(req);
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	bev = evhttp_connection_get_bufferevent(s->evcon);
	bufferevent_set_timeouts(bev, NULL, &wtv);
	bufferevent_setwatermark(bev, EV_READ, 0, SSE_INPUT_MAX);
	evhttp_connection_set_closecb(s->evcon, sub_closed, s);
	conn_stream(req);
	TAILQ_INSERT_TAIL(&subs, s, entry);
	nsubs++;
	sub_send_text(s, "retry: %d\n\n", SSE_RETRY_MS);
	if (after >= 0)
		sub_replay(s, after);
	log_debug("events: stream %p from id %" PRId64 ", %d open",
	    (void *)s, after, nsubs);
}

void
sse_serve(struct evhttp_request *req)
{
	if (nsubs >= SSE_SUBS_MAX) {
		page_error(req, 503, "Service Unavailable",
		    "too many event streams");
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "text/event-stream");
		conn_reply(req, 200, "OK");
		return;
	}
	sub_start(req);
}
