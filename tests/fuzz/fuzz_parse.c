/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The parser of the script's output (collector/parse.c), fed as a pipe
 * would feed it: in chunks of any size, here drawn from a hash of the
 * input so that the same input always splits the same way.  What it
 * accepts is classified and rendered as the daemon would serve it.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>

#include <event2/buffer.h>

#include "wgmond.h"
#include "collector.h"
#include "frontend.h"
#include "fuzz.h"

static uint32_t
fuzz_hash(const uint8_t *data, size_t size)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */

	while (size-- > 0)
		h = (h ^ *data++) * 16777619u;
	return (h);
}

static size_t
next_chunk(uint32_t *state, size_t left)
{
	size_t	n;

	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	/* Mostly small, a byte at a time included, some large. */
	n = (*state & 0x100) ? (*state & 0x7) + 1 : (*state & 0xfff) + 1;
	return (n < left ? n : left);
}

/*
 * What a document accepted makes is served as JSON and as text: UTF-8
 * throughout, as strictly as the parser checks it (no overlong form, no
 * surrogate), whatever bytes yajl let through.
 */
static void
check_utf8(struct evbuffer *buf)
{
	const unsigned char	*b;
	size_t			 len, i, n;

	len = evbuffer_get_length(buf);
	if ((b = evbuffer_pullup(buf, -1)) == NULL && len > 0)
		abort();
	for (i = 0; i < len; i += n)
		if ((n = json_utf8_len(b + i, len - i)) == 0)
			abort();
}

static void
render(struct snapshot *s)
{
	struct evbuffer	*buf;

	classify_snapshot(s, s->time, CONF_CONNECTED, CONF_DISCONNECTED);
	if ((buf = evbuffer_new()) == NULL)
		abort();
	if (render_raw(buf, s) == -1 || render_status(buf, s) == -1 ||
	    metrics_render_peers(buf, s) == -1)
		abort();
	check_utf8(buf);
	evbuffer_free(buf);
	snapshot_trim(s);	/* as the collector keeps it */
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	metrics_init(CONF_CONNECTED, CONF_DISCONNECTED);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot	*s;
	struct parser	*p;
	uint32_t	 state = fuzz_hash(data, size) | 1;
	size_t		 off, n;
	int		 r = 0;

	if ((s = snapshot_new_arena()) == NULL || (p = parse_new(s)) == NULL)
		abort();
	s->time = 1765190000;
	for (off = 0; off < size && r != -1; off += n) {
		n = next_chunk(&state, size - off);
		r = parse_feed(p, data + off, n);
	}
	if (r != -1 && parse_finish(p) == 0)
		render(s);
	else if (parse_error(p)[0] == '\0')
		abort();	/* a refusal always says why */
	parse_free(p);
	snapshot_free(s);
	return (0);
}
