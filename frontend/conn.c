/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"

/* More than the largest request: the headers' limit, a body of 1 KiB. */
#define CONN_INMAX	(2 * WGM_HTTP_HDRMAX)
/*
 * libevent writes 16 KiB per loop iteration by default: a body of hundreds
 * of kilobytes would take dozens of round trips.
 */
#define CONN_WRITE_MAX	(4 * 1024 * 1024)

/*
 * evhttp's timeout only measures silence, so a client that sends its
 * request a byte a second holds a connection for ever, and enough of
 * them hold every connection the frontend allows.  This keeps a record
 * of each connection, made where evhttp asks for its bufferevent, and
 * gives each WGM_HTTP_TIMEOUT seconds from its start or its last request
 * to send a whole one.  A connection past that with no response being
 * written is shut down, and evhttp then closes it as it would any other.
 *
 * The record holds a reference on the bufferevent, so that it stays
 * valid until the sweep sees evhttp let go of it (its callbacks gone).
 *
 * Nor does evhttp bound what it reads: while it writes a response, and
 * after it has let go of a connection, it leaves reading on with nobody
 * to drain the input, so a client that sends without pause is buffered
 * without end.  A read high watermark makes the bufferevent stop reading
 * when CONN_INMAX bytes wait unread, whatever evhttp does with its
 * callbacks.  The output is one response at a time, its body shared by
 * reference, but a client that reads it slowly enough keeps that body
 * alive after newer ones replace it: each connection records which body
 * it is sending, and one still sending a body two changes old is closed,
 * so that no more than two of each are ever held.
 */
struct conn {
	RB_ENTRY(conn)		 entry;
	struct bufferevent	*bev;
	time_t			 since;
	uint64_t		 body;		/* serial; 0: none */
	int			 stream;	/* /events: no deadline */
};
RB_HEAD(conn_tree, conn);

static struct conn_tree	 conns = RB_INITIALIZER(&conns);
static struct event	*ev_sweep;
static struct conn	*conn_last;	/* the one conn_find found last */

static int	conn_cmp(struct conn *, struct conn *);
RB_PROTOTYPE(conn_tree, conn, entry, conn_cmp);
RB_GENERATE(conn_tree, conn, entry, conn_cmp);

static int
conn_cmp(struct conn *a, struct conn *b)
{
	uintptr_t	x = (uintptr_t)a->bev, y = (uintptr_t)b->bev;

	return (x < y ? -1 : x > y);
}

/* Seconds on the monotonic clock, which no step of the wall clock moves. */
time_t
conn_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c;

	(void)arg;
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return (NULL);
	bufferevent_setwatermark(bev, EV_READ, 0, CONN_INMAX);
	bufferevent_set_max_single_write(bev, CONN_WRITE_MAX);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		return (bev);
	}
	bufferevent_incref(bev);
	c->bev = bev;
	c->since = conn_now();
	RB_INSERT(conn_tree, &conns, c);
	return (bev);
}

/* Released by evhttp: no callbacks left on it. */
static int
conn_released(struct bufferevent *bev)
{
	bufferevent_data_cb	rd, wr;
	bufferevent_event_cb	ev;

	bufferevent_getcb(bev, &rd, &wr, &ev, NULL);
	return (rd == NULL && wr == NULL && ev == NULL);
}

static void
conn_sweep(int fd, short event, void *arg)
{
	struct conn	*c, *n;
	time_t		 now = conn_now();
	int		 s;

	(void)fd;
	(void)event;
	(void)arg;
	RB_FOREACH_SAFE(c, conn_tree, &conns, n) {
		if (conn_released(c->bev)) {
			if (c == conn_last)
				conn_last = NULL;
			RB_REMOVE(conn_tree, &conns, c);
			bufferevent_decref(c->bev);
			free(c);
			continue;
		}
		if (c->stream || now - c->since <= WGM_HTTP_TIMEOUT ||
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0 ||
		    (s = bufferevent_getfd(c->bev)) == -1)
			continue;
		log_debug("closing a connection without a request for %d s",
		    WGM_HTTP_TIMEOUT);
		shutdown(s, SHUT_RDWR);
		c->since = now;
	}
}

/* A request is looked up twice or more, one after the other. */
static struct conn *
conn_find(struct evhttp_request *req)
{
	struct conn	 key;

	key.bev = evhttp_connection_get_bufferevent(
	    evhttp_request_get_connection(req));
	if (conn_last == NULL || conn_last->bev != key.bev)
		conn_last = RB_FIND(conn_tree, &conns, &key);
	return (conn_last);
}

/* A whole request arrived: its connection gets a new deadline. */
void
conn_request(struct evhttp_request *req)
{
	struct conn	*c;

	if ((c = conn_find(req)) != NULL) {
		c->since = conn_now();
		c->body = 0;
	}
}

/* The response to req carries the body of that serial. */
void
conn_body(struct evhttp_request *req, uint64_t serial)
{
	struct conn	*c;

	if ((c = conn_find(req)) != NULL)
		c->body = serial;
}

static int
conn_kept(uint64_t serial, const uint64_t *keep, size_t nkeep)
{
	while (nkeep-- > 0)
		if (keep[nkeep] == serial)
			return (1);
	return (0);
}

/*
 * New bodies replaced old ones: a connection still sending a body that
 * is not among those to keep is shut down, and evhttp frees it and the
 * body with it when its next write fails.
 */
void
conn_expire(const uint64_t *keep, size_t nkeep)
{
	struct conn	*c;
	int		 s;

	RB_FOREACH(c, conn_tree, &conns) {
		if (c->body == 0 || conn_kept(c->body, keep, nkeep))
			continue;
		if (conn_released(c->bev) || evbuffer_get_length(
		    bufferevent_get_output(c->bev)) == 0)
			c->body = 0;
		else if ((s = bufferevent_getfd(c->bev)) != -1) {
			log_debug("closing a connection still sending a body "
			    "two changes old");
			shutdown(s, SHUT_RDWR);
			c->body = 0;
		}
	}
}

/*
 * evhttp_send_reply for a response whose body is all there, written out
 * at once when the socket takes all of it.  evhttp only enables the
 * write event: libevent would add it to epoll, learn from the next
 * epoll_wait that the socket is writable (it nearly always is), write,
 * and delete it, two epoll_ctl per response.  Written here, the write
 * callback evhttp waits for is run at once; the event's add and delete
 * then fall in one loop iteration, where libevent's changelist cancels
 * both.  What the socket does not take goes out the usual way, and so
 * does an error, which the next write meets again.  evhttp may free req
 * and its connection before this returns (a response that closes it).
 */
void
conn_reply(struct evhttp_request *req, int code, const char *reason)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev = NULL;
	struct evbuffer			*out;
	int				 s;

	if ((evcon = evhttp_request_get_connection(req)) != NULL)
		bev = evhttp_connection_get_bufferevent(evcon);
	evhttp_send_reply(req, code, reason, NULL);
	if (bev == NULL || (s = bufferevent_getfd(bev)) == -1)
		return;
	/* A body sent with sendfile(2) needs a write after its headers'. */
	out = bufferevent_get_output(bev);
	if (evbuffer_get_length(out) == 0)
		return;
	do {
		if (evbuffer_write(out, s) <= 0)
			return;
	} while (evbuffer_get_length(out) != 0);
	bufferevent_trigger(bev, EV_WRITE, 0);
}

/* A stream of events (sse.c) is a response that never ends. */
void
conn_stream(struct evhttp_request *req)
{
	struct conn	*c;

	if ((c = conn_find(req)) != NULL)
		c->stream = 1;
}

int
conn_init(struct event_base *base, struct evhttp *http)
{
	struct timeval	tv = { 1, 0 };

	if ((ev_sweep = event_new(base, -1, EV_PERSIST, conn_sweep,
	    NULL)) == NULL || event_add(ev_sweep, &tv) == -1)
		return (-1);
	evhttp_set_bevcb(http, conn_new, NULL);
	return (0);
}
