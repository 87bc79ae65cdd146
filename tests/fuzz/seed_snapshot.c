/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Makes the seeds of fuzz_snapshot: each JSON file named is parsed and
 * classified as the collector does, composed as the collector sends it
 * (snapshot_compose), and the bytes that would cross the socketpair are
 * written to standard output.  make fuzz-seeds runs it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wgmond.h"
#include "collector.h"

static void
parse_file(struct snapshot *s, const char *path)
{
	struct parser	*p;
	unsigned char	 buf[4096];
	size_t		 n;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL || (p = parse_new(s)) == NULL)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (parse_feed(p, buf, n) == -1)
			abort();
	if (parse_finish(p) == -1)
		abort();
	parse_free(p);
	fclose(fp);
}

int
main(int argc, char *argv[])
{
	struct snapshot	*s;
	struct imsgbuf	 w;
	char		 buf[65536];
	ssize_t		 n;
	int		 i, sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    imsgbuf_init(&w, sv[0]) == -1)
		abort();
	for (i = 1; i < argc; i++) {
		if ((s = snapshot_new()) == NULL)
			abort();
		parse_file(s, argv[i]);
		s->time = 1765190000;
		s->generation = i;
		classify_snapshot(s, s->time, CONF_CONNECTED,
		    CONF_DISCONNECTED);
		if (snapshot_compose(&w, s) == -1 || imsgbuf_flush(&w) == -1)
			abort();
		snapshot_free(s);
	}
	imsgbuf_clear(&w);
	shutdown(sv[0], SHUT_WR);
	while ((n = read(sv[1], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	return (0);
}
