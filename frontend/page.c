/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"

/*
 * GET / (docs/DESIGN.md §9): the page, its script and its style, compiled into
 * the binary from frontend/page by tools/embed.  The policy lets the page
 * load only these, from here, and run no script or style written into
 * it: names and keys come from the script's output, and the page puts
 * them in as text, so that even a mistake there runs nothing.
 */
#define PAGE_CSP	"default-src 'self'; base-uri 'none'; " \
	    "form-action 'none'; frame-ancestors 'none'"

extern const unsigned char	page_index_html[], page_app_js[],
				page_app_css[];
extern const size_t		page_index_html_len, page_app_js_len,
				page_app_css_len;

struct asset {
	const char		*path;
	const char		*type;
	const unsigned char	*data;
	const size_t		*len;
	char			 etag[24];
};

static struct asset	assets[] = {
	{ "/", "text/html; charset=utf-8", page_index_html,
	    &page_index_html_len, "" },
	{ "/app.js", "text/javascript; charset=utf-8", page_app_js,
	    &page_app_js_len, "" },
	{ "/app.css", "text/css; charset=utf-8", page_app_css,
	    &page_app_css_len, "" },
};

void
page_error(struct evhttp_request *req, int code, const char *reason,
    const char *msg)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add_printf(evhttp_request_get_output_buffer(req),
	    "{\"error\":\"%s\"}\n", msg);
	conn_reply(req, code, reason);
}

/* FNV-1a, as for the other bodies: a build's files never change. */
static const char *
asset_etag(struct asset *a)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i;

	if (a->etag[0] != '\0')
		return (a->etag);
	for (i = 0; i < *a->len; i++) {
		h ^= a->data[i];
		h *= 1099511628211ULL;
	}
	snprintf(a->etag, sizeof(a->etag), "\"%016" PRIx64 "\"", h);
	return (a->etag);
}

static void
serve_asset(struct evhttp_request *req, struct asset *a)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	const char		*etag = asset_etag(a);

	evhttp_add_header(h, "ETag", etag);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "Content-Security-Policy", PAGE_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	if (http_not_modified(req, etag))
		return;
	evhttp_add_header(h, "Content-Type", a->type);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
		http_head_length(req, *a->len);
	else if (evbuffer_add_reference(evhttp_request_get_output_buffer(req),
	    a->data, *a->len, NULL, NULL) == -1) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	conn_reply(req, 200, "OK");
}

/* 1 when the path is the page's or /events, and the request answered. */
int
page_route(struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	struct asset		*a = NULL;
	size_t			 i;
	int			 events;

	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(path, assets[i].path) == 0)
			a = &assets[i];
	events = strcmp(path, "/events") == 0;
	if (a == NULL && !events)
		return (0);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		page_error(req, 405, "Method Not Allowed",
		    "method not allowed");
	} else if (events)
		sse_serve(req);
	else
		serve_asset(req, a);
	return (1);
}
