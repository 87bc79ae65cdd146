/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef FRONTEND_H
#define FRONTEND_H

#include <sys/types.h>

#include <stdint.h>

#include "wgmond.h"

struct evbuffer;
struct evhttp;
struct evhttp_request;
struct event_base;

#define WGM_HTTP_MAXCONN	256
#define WGM_HTTP_HDRMAX		8192
#define WGM_HTTP_TIMEOUT	10

/* GET /events (docs/DESIGN.md §9). */
#define SSE_RING_MAX		1024		/* events kept for resuming */
#define SSE_SUBS_MAX		64		/* streams at once */
#define SSE_UNSENT_MAX		(1024 * 1024)	/* a stream's unsent bytes */
#define SSE_HEARTBEAT		15		/* seconds between comments */
#define SSE_WRITE_TIMEOUT	60		/* seconds a write may stall */
#define SSE_INPUT_MAX		4096		/* bytes read from a stream */
#define SSE_RETRY_MS		3000		/* a browser's reconnect delay */

/*
 * A rendered response body.  Rendered once per snapshot and shared by
 * every response that is still being written when the next one arrives.
 */
struct body {
	char			*data;
	size_t			 len;
	char			 etag[24];	/* "\"<16 hex>\"" */
	int64_t			 modified;	/* when this content first appeared */
	int			 refcnt;
	uint64_t		 serial;	/* its gzip form's too */
	struct body		*gz;		/* the same, gzip-encoded */
	uint32_t		 crc;		/* /metrics: CRC-32 of data */
};

/* conn.c */
int		 conn_init(struct event_base *, struct evhttp *);
void		 conn_request(struct evhttp_request *);
void		 conn_body(struct evhttp_request *, uint64_t);
void		 conn_expire(const uint64_t *, size_t);
void		 conn_stream(struct evhttp_request *);
time_t		 conn_now(void);

/* logger.c */
void		 logger_init(struct imsgev *);
void		 logger_socket(int);

/* metrics.c */
void		 metrics_init(uint32_t, uint32_t);
void		 metrics_status(const struct collect_status *);
int		 metrics_render_peers(struct evbuffer *,
		    const struct snapshot *);
int		 metrics_render_self(struct evbuffer *);
struct body	*metrics_gzip_head(struct body *);
int		 metrics_gzip_tail(struct evbuffer *, struct evbuffer *,
		    const struct body *);

/* page.c */
int		 page_route(struct evhttp_request *, const char *);
void		 page_error(struct evhttp_request *, int, const char *,
		    const char *);

/* render.c */
int		 render_raw(struct evbuffer *, const struct snapshot *);
int		 render_status(struct evbuffer *, const struct snapshot *);

/* http.c */
int		 http_date(char *, size_t, int64_t);
void		 http_head_length(struct evhttp_request *, size_t);
int		 http_not_modified(struct evhttp_request *, const char *);
struct evhttp	*http_init(struct event_base *, int, uint32_t);
void		 http_snapshot(const struct snapshot *);
struct body	*http_body(const char *, int);
extern uint64_t	 http_gzip_made;	/* gzip forms made, for the tests */
void		 http_collect_status(const struct collect_status *);

/* sse.c */
void		 sse_event(const char *);
void		 sse_serve(struct evhttp_request *);

#endif /* FRONTEND_H */
