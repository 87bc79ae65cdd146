/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "wgmond.h"
#include "collector.h"
#include "unit.h"

/* What fn renders of s, as a string the caller frees. */
char *
unit_render(unit_render_fn fn, const struct snapshot *s)
{
	struct evbuffer	*b;
	char		*str;
	size_t		 len;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(fn(b, s), 0);
	len = evbuffer_get_length(b);
	assert_non_null(str = malloc(len + 1));
	assert_int_equal(evbuffer_remove(b, str, len), len);
	str[len] = '\0';
	evbuffer_free(b);
	return (str);
}

/* The fixture of the tests that fill a snapshot: an empty one. */
int
unit_snapshot_setup(void **state)
{
	return ((*state = snapshot_new()) == NULL ? -1 : 0);
}

int
unit_snapshot_teardown(void **state)
{
	snapshot_free(*state);
	return (0);
}

/*
 * A socketpair, a writing on fds[0] and b on fds[1].  Non-blocking, so
 * that a broken test fails instead of hanging.
 */
int
unit_imsg_pair(int fds[2], struct imsgbuf *a, struct imsgbuf *b)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    fds) == -1)
		return (-1);
	if (imsgbuf_init(a, fds[0]) == -1 || imsgbuf_init(b, fds[1]) == -1)
		return (-1);
	return (0);
}

static struct imsgbuf *
discard_snapshot(int *full, void *arg)
{
	(void)full;
	(void)arg;
	return (NULL);
}

static void
discard_event(int type, int priority, struct evbuffer *line, void *arg)
{
	(void)type;
	(void)priority;
	(void)arg;
	evbuffer_drain(line, evbuffer_get_length(line));
}

/* Where cycle_run's results go in a test that looks at the peers only. */
const struct cycle_out *
unit_discard_out(void)
{
	static const struct cycle_out	out = {
		discard_snapshot, discard_event, NULL, NULL, NULL, NULL
	};

	return (&out);
}

/* The allowed IP i of p's list, found from its start. */
const char *
unit_aip(const struct peer *p, size_t i)
{
	const char	*a = p->aips;

	assert_true(i < p->naips);
	while (i-- > 0)
		a += strlen(a) + 1;
	return (a);
}
