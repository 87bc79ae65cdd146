/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "log.h"
#include "sandbox.h"
#include "wgmond.h"
#include "frontend.h"

#ifndef INFTIM
#define INFTIM		(-1)
#endif

static struct event_base	*base;
static struct imsgev		*iev_main;
static struct snapshot_builder	*builder;
static struct frontend_conf	 fconf;
static int			 have_conf;
static int			 have_log;	/* IMSG_LOG_SOCKET came, fd or not */

/* The messages of a run not yet ended (recv_snapshot). */
struct held {
	TAILQ_ENTRY(held)	 entry;
	struct imsg		 imsg;
	size_t			 len;
};
static TAILQ_HEAD(, held)	 held = TAILQ_HEAD_INITIALIZER(held);
static size_t			 held_bytes;
_Static_assert(sizeof(struct held) + 16 <= SNAP_HELD_EXTRA,
    "SNAP_HELD_EXTRA counts less than a held message costs");

/*
 * Everything that needs root is done: the listening socket and, without
 * -d, the syslog socket came from the collector (logging through it
 * starts in frontend_setup).  From here the process can only serve what
 * it is sent, and nothing of it has run yet.
 */
static void
frontend_drop(void)
{
	struct rlimit	rl;

	if (chroot(fconf.chroot) == -1)
		fatal("chroot %s", fconf.chroot);
	if (chdir("/") == -1)
		fatal("chdir /");
	if (setgroups(1, &fconf.gid) == -1 ||
	    setresgid(fconf.gid, fconf.gid, fconf.gid) == -1 ||
	    setresuid(fconf.uid, fconf.uid, fconf.uid) == -1)
		fatal("cannot drop privileges");
	/*
	 * Bounds the connections: a few descriptors of our own besides, and
	 * the files of the large bodies (http.c): current and previous of
	 * each, one being made.
	 */
	rl.rlim_cur = rl.rlim_max = WGM_HTTP_MAXCONN + 16 + 8;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("setrlimit RLIMIT_NOFILE");
}

static void
recv_config(struct imsg *imsg)
{
	if (have_conf || imsg_get_data(imsg, &fconf, sizeof(fconf)) == -1)
		fatalx("%s: invalid IMSG_CONFIG", __func__);
	if (memchr(fconf.chroot, '\0', sizeof(fconf.chroot)) == NULL ||
	    memchr(fconf.listen, '\0', sizeof(fconf.listen)) == NULL ||
	    fconf.uid == 0 || fconf.check_interval == 0 ||
	    fconf.connected == 0 || fconf.disconnected < fconf.connected)
		fatalx("%s: invalid IMSG_CONFIG", __func__);
	have_conf = 1;
}

static int
recv_listen(struct imsg *imsg)
{
	int	fd;

	if (!have_conf || imsg_get_len(imsg) != 0 ||
	    (fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s: invalid IMSG_LISTEN", __func__);
	return (fd);
}

/* A connected syslog socket, or -1 while syslog is down. */
static int
recv_log_socket(struct imsg *imsg)
{
	if (imsg_get_len(imsg) != 0)
		fatalx("%s: invalid IMSG_LOG_SOCKET", __func__);
	return (imsg_get_fd(imsg));
}

/*
 * What the collector sends first, in this order, and nothing else before:
 * the configuration, the listening socket and, unless logging to stderr,
 * a syslog socket.
 */
static void
recv_setup(struct imsg *imsg, int *lfd, int *logfd)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_CONFIG:
		recv_config(imsg);
		break;
	case IMSG_LISTEN:
		if (*lfd != -1)
			fatalx("%s: second IMSG_LISTEN", __func__);
		*lfd = recv_listen(imsg);
		break;
	case IMSG_LOG_SOCKET:
		if (*lfd == -1 || have_log)
			fatalx("%s: IMSG_LOG_SOCKET out of order", __func__);
		*logfd = recv_log_socket(imsg);
		have_log = 1;
		break;
	default:
		fatalx("%s: unexpected imsg %u before start", __func__,
		    imsg_get_type(imsg));
	}
}

/*
 * Waits, with no event loop yet, for all the collector must give before
 * the frontend drops root.  What follows those messages (the first
 * snapshot may) stays buffered for the loop.
 */
static void
frontend_receive(struct imsgbuf *ibuf, int debug, int *lfd, int *logfd)
{
	struct pollfd	 pfd;
	struct imsg	 imsg;
	ssize_t		 n;

	*lfd = -1;
	*logfd = -1;
	while (*lfd == -1 || (!debug && !have_log)) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatal("imsg_get");
		if (n > 0) {
			recv_setup(&imsg, lfd, logfd);
			imsg_free(&imsg);
			continue;
		}
		pfd.fd = ibuf->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, INFTIM) == -1 && errno != EINTR)
			fatal("poll");
		if ((n = imsgbuf_read(ibuf)) == -1)
			fatal("imsgbuf_read");
		if (n == 0)	/* The collector is gone: so are we. */
			exit(0);
	}
}

/*
 * Each run is applied to the one snapshot the builder keeps; the bodies
 * are rendered from it once the run is all in, never half-applied.  The
 * memory stays for the next run: giving it back would only make that run
 * fault it in again.
 */
static void
apply_snapshot(struct imsg *imsg, int want)
{
	struct snapshot	*state = NULL;

	if (snapshot_builder_imsg(builder, imsg, &state) != want)
		fatalx("%s: invalid snapshot message %u", __func__,
		    imsg_get_type(imsg));
	if (want == 1)
		http_snapshot(state);
}

/*
 * A run's messages are held until its IMSG_SNAP_END and then applied all
 * at once: http.c puts a body together when a client asks for it, and a
 * request served between two of the messages would see the state half
 * applied.  Returns 1 when it kept imsg, which the caller then must not
 * free.
 */
static int
recv_snapshot(struct imsg *imsg)
{
	struct held	*h;
	size_t		 len = imsg_get_len(imsg) + SNAP_HELD_EXTRA;

	if (imsg_get_type(imsg) != IMSG_SNAP_END) {
		if (held_bytes + len > SNAP_HELD_MAX)
			fatalx("%s: a run's messages past %d bytes", __func__,
			    SNAP_HELD_MAX);
		if ((h = malloc(sizeof(*h))) == NULL)
			fatal("%s", __func__);
		h->imsg = *imsg;
		h->len = len;
		TAILQ_INSERT_TAIL(&held, h, entry);
		held_bytes += len;
		return (1);
	}
	while ((h = TAILQ_FIRST(&held)) != NULL) {
		TAILQ_REMOVE(&held, h, entry);
		held_bytes -= h->len;
		apply_snapshot(&h->imsg, 0);
		imsg_free(&h->imsg);
		free(h);
	}
	apply_snapshot(imsg, 1);
	heap_release();
	return (0);
}

static void
recv_event(struct imsg *imsg)
{
	struct event_hdr	 hdr;
	struct ibuf		 ib;
	const char		*line;
	size_t			 len;

	if (imsg_get_ibuf(imsg, &ib) == -1 ||
	    ibuf_get(&ib, &hdr, sizeof(hdr)) == -1)
		fatalx("%s: invalid IMSG_EVENT", __func__);
	line = ibuf_data(&ib);
	len = ibuf_size(&ib);
	if (len == 0 || line[len - 1] != '\0' || strlen(line) != len - 1)
		fatalx("%s: invalid IMSG_EVENT", __func__);
	if (hdr.priority != LOG_ERR && hdr.priority != LOG_NOTICE &&
	    hdr.priority != LOG_INFO)
		fatalx("%s: invalid priority %d", __func__, hdr.priority);
	log_event(hdr.priority, line);
	sse_event(line);
}

static void
recv_status(struct imsg *imsg)
{
	struct collect_status	cs;

	if (imsg_get_data(imsg, &cs, sizeof(cs)) == -1 ||
	    memchr(cs.detail, '\0', sizeof(cs.detail)) == NULL ||
	    cs.error < ERR_NONE || cs.error > ERR_UNSAFE)
		fatalx("%s: invalid IMSG_COLLECT_STATUS", __func__);
	http_collect_status(&cs);
}

static void
frontend_dispatch_main(int fd, short event, void *bula)
{
	struct imsgev	*iev = bula;
	struct imsgbuf	*ibuf = &iev->ibuf;
	struct imsg	 imsg;
	ssize_t		 n;

	(void)fd;
	if (event & EV_READ) {
		if ((n = imsgbuf_read(ibuf)) == -1)
			fatal("imsgbuf_read");
		if (n == 0)	/* The collector is gone: so are we. */
			exit(0);
	}
	if ((event & EV_WRITE) && imsgbuf_write(ibuf) == -1)
		fatal("imsgbuf_write");
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatal("imsg_get");
		if (n == 0)
			break;
		switch (imsg_get_type(&imsg)) {
		case IMSG_SNAP_BEGIN:
		case IMSG_SNAP_IFACE:
		case IMSG_SNAP_PEERS:
		case IMSG_SNAP_AIPS:
		case IMSG_SNAP_END:
			if (recv_snapshot(&imsg))
				continue;	/* held, freed later */
			break;
		case IMSG_EVENT:
			recv_event(&imsg);
			break;
		case IMSG_COLLECT_STATUS:
			recv_status(&imsg);
			break;
		case IMSG_LOG_SOCKET:
			logger_socket(recv_log_socket(&imsg));
			break;
		default:
			fatalx("%s: unexpected imsg %u", __func__,
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
}

/* The event base and what runs on it, built but not yet run. */
static void
frontend_setup(int debug, int lfd, int logfd)
{
	struct event_config	*cfg;

	/*
	 * epoll's changes batched into the next epoll_wait: a request on a
	 * kept-alive connection otherwise costs an epoll_ctl per read and
	 * write event switched (the frontend dup(2)s no descriptor, which
	 * is what the changelist gets wrong).
	 */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == -1 ||
	    (base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new");
	event_config_free(cfg);
	if ((builder = snapshot_builder_new(WGM_STATE_MEM_MAX)) == NULL)
		fatal(NULL);
	iev_main->base = base;
	iev_main->handler = frontend_dispatch_main;
	if (!debug) {
		logger_init(iev_main);
		logger_socket(logfd);
	}
	if (http_init(base, lfd, fconf.check_interval) == NULL)
		fatalx("http_init");
	metrics_init(fconf.connected, fconf.disconnected);
}

/*
 * As slaacd's frontend: everything from root (configuration, sockets)
 * first, then chroot, the drop and the sandbox, and only then a loop.
 */
void
frontend_main(int debug, int verbose)
{
	int	lfd, logfd;

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);
	log_procinit("frontend");
#ifdef __linux__
	/* Re-executed through /proc/self/exe, it would be called "exe". */
	prctl(PR_SET_NAME, "wgmond");
#endif
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);

	if ((iev_main = calloc(1, sizeof(*iev_main))) == NULL)
		fatal(NULL);
	if (imsgbuf_init(&iev_main->ibuf, FRONTEND_IMSG_FD) == -1)
		fatal("imsgbuf_init");
	imsgbuf_allow_fdpass(&iev_main->ibuf);
	frontend_receive(&iev_main->ibuf, debug, &lfd, &logfd);
	frontend_drop();
	frontend_setup(debug, lfd, logfd);
	sandbox_frontend();
	log_info("listening on %s", fconf.listen);
	/* Handles what came after the setup messages; adds the event. */
	frontend_dispatch_main(FRONTEND_IMSG_FD, 0, iev_main);
	event_base_dispatch(base);
	fatalx("event loop ended");
}
