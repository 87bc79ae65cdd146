/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The frontend's request path without a network: http_init() listens on
 * an abstract AF_UNIX socket, and the input is what one client sends on
 * one connection before it stops sending.  Everything from accept() on
 * is the daemon's: evhttp with the frontend's limits, conn.c's records,
 * the routes, the bodies of a snapshot, /metrics, /events and the page.
 * The client reads the response until the frontend closes.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "wgmond.h"
#include "frontend.h"
#include "fuzz.h"

#define SPINS_MAX	2000	/* loop turns for one connection */
#define TIMERS_MAX	8
#define IDLE_TURNS	3	/* turns without a byte: the frontend waits */

static struct event_base	*base;
static int			 dump;	/* FUZZ_DUMP: responses to stderr */
static struct sockaddr_un	 sun;
static socklen_t		 sunlen;

static void
listen_abstract(void)
{
	int	fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "wgmond-fuzz-http-%ld", (long)getpid());
	sunlen = offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(sun.sun_path + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sunlen) == -1 ||
	    listen(fd, 64) == -1 || http_init(base, fd, 10) == NULL)
		abort();
}

/* One interface, two peers, an event: every route has something. */
static void
feed_state(void)
{
	struct collect_status	 cs;
	struct snapshot		*s;
	struct iface		*ifp;
	struct peer		*p;

	if ((s = snapshot_new()) == NULL ||
	    (ifp = snapshot_iface_add(s, "wg0")) == NULL ||
	    (p = snapshot_peer_add(s, ifp,
	    "/l1risLub8HG6hQqde2xPQCg5Vv+SxOdzWba3TqUb5U=")) == NULL ||
	    snapshot_peer_add_aip(s, p, "10.9.0.1/32") == -1)
		abort();
	s->time = time(NULL);
	if (snapshot_peer_set_endpoint(s, p, "192.0.2.1:51820") == -1)
		abort();
	p->handshake = s->time - 10;
	p->status = STATUS_CONNECTED;
	if (snapshot_peer_add(s, ifp,
	    "klX2qhhBfDpPCvAWhj0Gbruy30i62Qb7AyFq+Ti5JOQ=") == NULL)
		abort();
	/* Kept, as the frontend keeps its state: bodies are made from it. */
	http_snapshot(s);
	memset(&cs, 0, sizeof(cs));
	cs.time = s->time;
	http_collect_status(&cs);
	sse_event("{\"event\":\"connected\",\"interface\":\"wg0\"}");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rlimit	rl;

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	dump = getenv("FUZZ_DUMP") != NULL;
	/* Descriptors wait for conn.c's sweep: let them. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((base = event_base_new()) == NULL)
		abort();
	metrics_init(180, 240);
	listen_abstract();
	feed_state();
	return (0);
}

static int
collect_timer(const struct event_base *b, const struct event *ev, void *arg)
{
	struct event	**t = arg;
	size_t		  i;

	(void)b;
	if (event_get_fd(ev) != -1 || !(event_get_events(ev) & EV_PERSIST))
		return (0);
	for (i = 0; i < TIMERS_MAX - 1 && t[i] != NULL; i++)
		;
	t[i] = (struct event *)ev;
	return (0);
}

/*
 * The persistent timers (conn.c's sweep, the stream heartbeat) fire now
 * rather than once a second, so that each input leaves nothing behind.
 */
static void
fire_timers(void)
{
	struct event	*t[TIMERS_MAX] = { NULL };
	size_t		 i;

	event_base_foreach_event(base, collect_timer, t);
	for (i = 0; i < TIMERS_MAX && t[i] != NULL; i++)
		event_active(t[i], EV_TIMEOUT, 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
}

/*
 * Sends data, reads until the frontend has nothing more to say for a few
 * turns of its loop, and only then stops sending: evhttp drops what it
 * has not yet answered once it reads the end, which would leave all but
 * the first of pipelined requests untried.  Then reads until it closes.
 */
static void
converse(int c, const uint8_t *data, size_t size)
{
	char	buf[65536];
	ssize_t	n;
	int	i, idle = 0, shut = 0;

	for (i = 0; i < SPINS_MAX; i++) {
		if (size > 0 && (n = write(c, data, size)) > 0) {
			data += n;
			size -= n;
		}
		if (size == 0 && !shut && idle >= IDLE_TURNS) {
			shutdown(c, SHUT_WR);
			shut = 1;
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		idle++;
		while ((n = read(c, buf, sizeof(buf))) > 0) {
			idle = 0;
			if (dump)
				fwrite(buf, 1, n, stderr);
		}
		if (n == 0 || (n == -1 && errno != EAGAIN))
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int	c;

	if ((c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		abort();
	if (connect(c, (struct sockaddr *)&sun, sunlen) == 0)
		converse(c, data, size);
	close(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	fire_timers();
	return (0);
}
