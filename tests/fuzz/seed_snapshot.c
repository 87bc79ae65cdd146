/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Makes the seeds of fuzz_snapshot: each JSON file named is a run,
 * parsed and classified as the collector does and composed as the
 * collector sends it, the first whole, the others as deltas against the
 * one before; then one more run, the last file again ten seconds later
 * with every counter grown and every other peer re-keyed, so that a
 * seed of one file has changes too.  The bytes that would cross the
 * socketpair are written to standard output.  make fuzz-seeds runs it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wgmond.h"
#include "collector.h"

#define SEED_TIME	1765190000

static struct snapshot *
parse_file(const char *path, uint32_t gen)
{
	struct snapshot	*s;
	struct parser	*p;
	unsigned char	 buf[4096];
	size_t		 n;
	FILE		*fp;

	if ((s = snapshot_new_arena()) == NULL || (fp = fopen(path, "r")) == NULL ||
	    (p = parse_new(s)) == NULL)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (parse_feed(p, buf, n) == -1)
			abort();
	if (parse_finish(p) == -1)
		abort();
	parse_free(p);
	fclose(fp);
	s->generation = gen;
	s->time = SEED_TIME + 10 * gen;
	return (s);
}

static void
churn(struct snapshot *s)
{
	struct iface	*ifp;
	struct peer	*p;
	int		 i = 0;

	RB_FOREACH(ifp, iface_tree, &s->ifaces)
		RB_FOREACH(p, peer_tree, &ifp->peers) {
			p->rx += 1000;
			p->tx += 500;
			if (i++ % 2 == 0)
				p->handshake = s->time - 5;
		}
}

static void
send_run(struct imsgbuf *w, struct snapshot *prev, struct snapshot *s)
{
	classify_snapshot(s, s->time, CONF_CONNECTED, CONF_DISCONNECTED);
	if (snapshot_compose_delta(w, prev, s, prev == NULL) == -1 ||
	    imsgbuf_flush(w) == -1)
		abort();
	snapshot_free(prev);
	snapshot_trim(s);
}

int
main(int argc, char *argv[])
{
	struct snapshot	*prev = NULL, *s;
	struct imsgbuf	 w;
	char		 buf[65536];
	ssize_t		 n;
	int		 i, sv[2];

	if (argc < 2 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    imsgbuf_init(&w, sv[0]) == -1)
		abort();
	for (i = 1; i < argc; i++) {
		s = parse_file(argv[i], i);
		send_run(&w, prev, s);
		prev = s;
	}
	s = parse_file(argv[argc - 1], argc);
	churn(s);
	send_run(&w, prev, s);
	snapshot_free(s);
	imsgbuf_clear(&w);
	shutdown(sv[0], SHUT_WR);
	while ((n = read(sv[1], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	return (0);
}
