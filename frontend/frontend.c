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
#ifdef __GLIBC__
#include <malloc.h>
#endif
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

#define COLLECTOR_FD	3

static struct event_base	*base;
static struct imsgev		*iev_collector;
static struct snapshot_builder	*builder;
static struct frontend_conf	 fconf;
static int			 have_conf;
static int			 started;

static void	frontend_dispatch_collector(int, short, void *);

/*
 * Everything that needs privilege happens before this: the listening
 * socket came from the collector and syslog is open.  After it the
 * process can only serve what it is sent.
 */
static void
frontend_drop(int lfd)
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
	/* Bounds the connections: a few descriptors of our own besides. */
	rl.rlim_cur = rl.rlim_max = WGM_HTTP_MAXCONN + 16;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("setrlimit RLIMIT_NOFILE");
	if (http_init(base, lfd, fconf.check_interval) == NULL)
		fatalx("http_init");
	sandbox_frontend();
	started = 1;
	log_info("listening on %s", fconf.listen);
}

static void
recv_config(struct imsg *imsg)
{
	if (have_conf || started ||
	    imsg_get_data(imsg, &fconf, sizeof(fconf)) == -1)
		fatalx("%s: invalid IMSG_CONFIG", __func__);
	if (memchr(fconf.chroot, '\0', sizeof(fconf.chroot)) == NULL ||
	    memchr(fconf.listen, '\0', sizeof(fconf.listen)) == NULL ||
	    fconf.uid == 0 || fconf.check_interval == 0)
		fatalx("%s: invalid IMSG_CONFIG", __func__);
	have_conf = 1;
}

static void
recv_listen(struct imsg *imsg)
{
	int	fd;

	if (!have_conf || started || imsg_get_len(imsg) != 0 ||
	    (fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s: invalid IMSG_LISTEN", __func__);
	frontend_drop(fd);
}

static void
recv_snapshot(struct imsg *imsg)
{
	struct snapshot	*done = NULL;
	int		 r;

	if (!started)
		fatalx("%s: snapshot before start", __func__);
	if ((r = snapshot_builder_imsg(builder, imsg, &done)) == -1)
		fatalx("%s: invalid snapshot message %u", __func__,
		    imsg_get_type(imsg));
	/* Once rendered, the bodies are all the frontend keeps. */
	if (r == 1) {
		http_snapshot(done);
		snapshot_free(done);
#ifdef __GLIBC__
		malloc_trim(0);
#endif
	}
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

	if (!started || imsg_get_data(imsg, &cs, sizeof(cs)) == -1 ||
	    memchr(cs.detail, '\0', sizeof(cs.detail)) == NULL ||
	    cs.error < ERR_NONE || cs.error > ERR_UNSAFE)
		fatalx("%s: invalid IMSG_COLLECT_STATUS", __func__);
	http_collect_status(&cs);
}

static void
frontend_dispatch_collector(int fd, short event, void *bula)
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
		case IMSG_CONFIG:
			recv_config(&imsg);
			break;
		case IMSG_LISTEN:
			recv_listen(&imsg);
			break;
		case IMSG_SNAP_BEGIN:
		case IMSG_SNAP_IFACE:
		case IMSG_SNAP_PEER:
		case IMSG_SNAP_AIPS:
		case IMSG_SNAP_END:
			recv_snapshot(&imsg);
			break;
		case IMSG_EVENT:
			recv_event(&imsg);
			break;
		case IMSG_COLLECT_STATUS:
			recv_status(&imsg);
			break;
		case IMSG_LOG_SOCKET:
			if (imsg_get_len(&imsg) != 0)
				fatalx("%s: invalid IMSG_LOG_SOCKET",
				    __func__);
			logger_socket(imsg_get_fd(&imsg));
			break;
		default:
			fatalx("%s: unexpected imsg %u", __func__,
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
}

void
frontend_main(int debug, int verbose)
{
	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose + debug);
	log_procinit("frontend");
#ifdef __linux__
	/* Re-executed through /proc/self/exe, it would be called "exe". */
	prctl(PR_SET_NAME, "wgmond");
#endif
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((builder = snapshot_builder_new()) == NULL ||
	    (iev_collector = calloc(1, sizeof(*iev_collector))) == NULL)
		fatal(NULL);
	if (imsgbuf_init(&iev_collector->ibuf, COLLECTOR_FD) == -1)
		fatal("imsgbuf_init");
	imsgbuf_allow_fdpass(&iev_collector->ibuf);
	iev_collector->base = base;
	iev_collector->handler = frontend_dispatch_collector;
	if (!debug)
		logger_init(iev_collector);
	imsg_event_add(iev_collector);
	event_base_dispatch(base);
	fatalx("event loop ended");
}
