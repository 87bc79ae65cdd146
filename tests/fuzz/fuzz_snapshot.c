/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The frontend's side of the snapshot messages (docs/DESIGN.md §7.6): the input
 * is the byte stream the collector writes, a full snapshot then deltas,
 * read from a socketpair by imsgbuf_read() and imsg_get() and applied by
 * snapshot_builder_imsg() to the snapshot the builder keeps.  Each run
 * completed is handed to http_snapshot(), which renders it, as the
 * frontend does.  A malformed message ends the frontend by design
 * (fatalx): here it ends the input, and only memory errors are findings.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"
#include "fuzz.h"

struct link {
	int		 sv[2];
	struct imsgbuf	 r;
};

static struct snapshot_builder	*builder;

/* What the first requests after a run make of it (http.c makes it then). */
static void
serve(struct snapshot *state)
{
	http_snapshot(state);
	(void)http_body("/raw", 1);
	(void)http_body("/status", 0);
	(void)http_body("/metrics", 1);
}

/*
 * As the frontend's recv_snapshot(), but each message applied as it
 * comes, so that the fuzzer sees where a run goes wrong: fatalx()
 * returns to the target.
 */
static int
drain(struct imsgbuf *ibuf)
{
	struct imsg	 imsg;
	struct snapshot	*state;
	ssize_t		 n;
	uint32_t	 type;
	int		 r;

	while ((n = imsg_get(ibuf, &imsg)) > 0) {
		state = NULL;
		type = imsg_get_type(&imsg);
		r = snapshot_builder_imsg(builder, &imsg, &state);
		imsg_free(&imsg);
		if (r == -1)
			fatalx("%s: invalid snapshot message %u", __func__,
			    type);
		if (r == 1)
			serve(state);
	}
	return (n == -1 ? -1 : 0);
}

/* Writes what the socket takes, reads what has come: no blocking. */
static void
run(struct link *l, const uint8_t *data, size_t size)
{
	ssize_t	w;
	int	n = 1;

	while (n == 1) {
		if (size > 0 && (w = write(l->sv[0], data, size)) > 0) {
			data += w;
			size -= w;
			if (size == 0)
				shutdown(l->sv[0], SHUT_WR);
		}
		if ((n = imsgbuf_read(&l->r)) == -1 || drain(&l->r) == -1)
			fatal("%s: imsgbuf_read or imsg_get", __func__);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	metrics_init(180, 240);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link	l;
	jmp_buf		jb;

	if ((builder = snapshot_builder_new(WGM_STATE_MEM_MAX)) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, l.sv) == -1 ||
	    fcntl(l.sv[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(l.sv[1], F_SETFL, O_NONBLOCK) == -1 ||
	    imsgbuf_init(&l.r, l.sv[1]) == -1)
		abort();
	if (size == 0)
		shutdown(l.sv[0], SHUT_WR);
	if (setjmp(jb) == 0) {
		fuzz_fatal_jmp = &jb;
		run(&l, data, size);
	}
	fuzz_fatal_jmp = NULL;
	imsgbuf_clear(&l.r);
	close(l.sv[0]);
	close(l.sv[1]);
	snapshot_builder_free(builder);
	return (0);
}
