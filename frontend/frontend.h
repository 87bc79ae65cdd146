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
 * A rendered response body.  Put together once per snapshot, when first
 * asked for, and shared by every response that is still being written
 * when the next one arrives.
 */
struct body {
	char			*data;
	size_t			 len;
	struct evbuffer_file_segment *seg;	/* data is its mapping */
	char			 etag[24];	/* "\"<16 hex>\"" */
	int64_t			 modified;	/* when this content first appeared */
	int			 refcnt;
	uint64_t		 serial;	/* its gzip form's too */
	struct body		*gz;		/* the same, gzip-encoded */
	uint32_t		 crc;		/* /metrics: CRC-32 of data */
	char			 length[24];	/* Content-Length */
	char			 lastmod[32];	/* Last-Modified; "": none */
};

/*
 * A peer's rendered parts (p->render, render.c): one allocation, this
 * header, then the text of the parts one after the other; part i runs
 * from off[i] to off[i + 1].
 */
enum render_part {
	RP_RAW,			/* its member of /raw */
	RP_STATUS,		/* of /status, up to its handshake's age */
	RP_STATUS_END,		/* the rest; both empty when inactive */
	RP_M_INFO,		/* its lines of each per-peer family of */
	RP_M_AIPS,		/* /metrics, in the body's order */
	RP_M_RX,
	RP_M_TX,
	RP_M_HANDSHAKE,
	RP_M_STATUS,
	RP_NPARTS
};
#define RP_M_FIRST	RP_M_INFO
#define RP_M_FAMILIES	(RP_NPARTS - RP_M_FIRST)

enum render_hash {
	RH_RAW,			/* of the part of /raw */
	RH_STATUS,		/* of the two of /status */
	RH_METRICS,		/* of those of /metrics */
	RH_N
};

/*
 * Which bodies' parts a peer's allocation holds: only those of the bodies
 * that clients have asked for, so that the /metrics lines of 100k peers
 * cost no memory to an operator who only polls /raw.
 */
#define RK_RAW		0x1	/* RP_RAW */
#define RK_STATUS	0x2	/* RP_STATUS, RP_STATUS_END */
#define RK_METRICS	0x4	/* RP_M_* */

struct render_parts {
	uint64_t		 hash[RH_N];
	uint32_t		 off[RP_NPARTS + 1];
	uint32_t		 kinds;		/* RK_*: the others are empty */
};

/*
 * Where a body is put together: once with buf NULL, to learn its length
 * and its hash, then again into buf, allocated to that length.
 */
struct sink {
	char			*buf;
	size_t			 len;
	uint64_t		 hash;
};

typedef void	 (*render_body_fn)(struct sink *, struct evbuffer *,
		    const struct snapshot *);

/* conn.c */
int		 conn_init(struct event_base *, struct evhttp *);
void		 conn_request(struct evhttp_request *);
void		 conn_body(struct evhttp_request *, uint64_t);
void		 conn_expire(const uint64_t *, size_t);
void		 conn_stream(struct evhttp_request *);
void		 conn_reply(struct evhttp_request *, int, const char *);
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
int		 metrics_peer_part(struct evbuffer *, int, const struct iface *,
		    const struct peer *);
void		 metrics_peers_body(struct sink *, struct evbuffer *,
		    const struct snapshot *);
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
uint64_t	 render_hash(const char *, size_t);
size_t		 render_peer_parts(struct evbuffer *, struct snapshot *,
		    uint32_t);
const char	*render_part(const struct peer *, int, size_t *);
void		 render_raw_body(struct sink *, struct evbuffer *,
		    const struct snapshot *);
void		 render_status_body(struct sink *, struct evbuffer *,
		    const struct snapshot *);
void		 sink_hash(struct sink *, uint64_t);
void		 sink_put(struct sink *, const char *, size_t);
void		 sink_text(struct sink *, const char *, size_t);
void		 sink_evbuffer(struct sink *, struct evbuffer *);

/* http.c */
int		 http_date(char *, size_t, int64_t);
void		 http_head_length(struct evhttp_request *, size_t);
int		 http_not_modified(struct evhttp_request *, const char *);
struct evhttp	*http_init(struct event_base *, int, uint32_t);
void		 http_snapshot(struct snapshot *);
struct body	*http_body(const char *, int);
extern uint64_t	 http_gzip_made;	/* gzip forms made, for the tests */
void		 http_collect_status(const struct collect_status *);

/* sse.c */
void		 sse_event(const char *);
void		 sse_serve(struct evhttp_request *);

#endif /* FRONTEND_H */
