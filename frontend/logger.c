/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "wgmond.h"
#include "frontend.h"

#define LOGGER_QUEUE_MAX	1024	/* lines kept while syslog is away */
/*
 * A message is one datagram of at most WGM_SYSLOG_MAX bytes, what rsyslog
 * takes whole by default (with the NUL snprintf writes); an event, at most
 * WGM_EVENT_MAX, always fits after its header.
 */
#define LOGGER_LINE_MAX		(WGM_SYSLOG_MAX + 1)

/*
 * The frontend's syslog writer.  The chrooted, sandboxed frontend can
 * neither reach /dev/log nor create a socket, so the collector connects
 * one and passes it over imsg; when it fails (the syslog daemon
 * restarted), the frontend asks for a new one and keeps the lines in a
 * bounded queue meanwhile.  Lines dropped from a full queue are counted
 * and the count is logged: nothing is lost silently.
 */
struct line {
	TAILQ_ENTRY(line)	 entry;
	size_t			 len;
	char			 text[];
};
TAILQ_HEAD(line_queue, line);

static struct line_queue	 queue = TAILQ_HEAD_INITIALIZER(queue);
static size_t			 queued;
static unsigned long		 dropped;
static int			 logfd = -1;
static int			 requested;
static struct imsgev		*iev_main;
static struct event		*ev_retry;
static struct event		*ev_writable;	/* logfd has room again */

static void	logger_flush(void);

static void
logger_request(void)
{
	if (requested || iev_main == NULL)
		return;
	requested = 1;
	if (imsg_compose_event(iev_main, IMSG_LOG_REQUEST, 0, 0, -1, NULL, 0) ==
	    -1)
		requested = 0;
}

static void
logger_retry(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (logfd == -1)
		logger_request();
	else
		logger_flush();
}

static void
logger_schedule(void)
{
	struct timeval	tv = { 1, 0 };

	if (ev_retry != NULL && !evtimer_pending(ev_retry, NULL))
		evtimer_add(ev_retry, &tv);
}

static void
logger_writable(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	logger_flush();
}

static void
logger_close(void)
{
	if (ev_writable != NULL) {
		event_free(ev_writable);
		ev_writable = NULL;
	}
	if (logfd != -1)
		close(logfd);
	logfd = -1;
}

/* Returns 0 when sent, -1 when the line must wait. */
static int
logger_send(const char *text, size_t len)
{
	if (logfd == -1)
		return (-1);
	if (send(logfd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) != -1)
		return (0);
	/* The syslog daemon's queue is full: go on when it has room. */
	if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
		if (ev_writable == NULL || event_add(ev_writable, NULL) == -1)
			logger_schedule();
		return (-1);
	}
	/* ECONNREFUSED, ENOTCONN...: the socket's other end is gone. */
	logger_close();
	logger_request();
	return (-1);
}

static void
logger_enqueue(const char *text, size_t len)
{
	struct line	*l;

	if (queued >= LOGGER_QUEUE_MAX) {
		l = TAILQ_FIRST(&queue);
		TAILQ_REMOVE(&queue, l, entry);
		free(l);
		queued--;
		dropped++;
	}
	if ((l = malloc(sizeof(*l) + len)) == NULL) {
		dropped++;
		return;
	}
	memcpy(l->text, text, len);
	l->len = len;
	TAILQ_INSERT_TAIL(&queue, l, entry);
	queued++;
}

static size_t
logger_format(char *buf, size_t size, int pri, const char *msg)
{
	char		 stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 n;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	n = snprintf(buf, size, "<%d>%s wgmond[%ld]: %s", LOG_DAEMON | pri,
	    stamp, (long)getpid(), msg);
	if (n < 0)
		return (0);
	return ((size_t)n >= size ? size - 1 : (size_t)n);
}

static void
logger_flush(void)
{
	struct line	*l;
	char		 msg[128], buf[256];
	size_t		 len;

	if (dropped > 0) {
		snprintf(msg, sizeof(msg), "%lu log lines dropped while "
		    "syslog was unavailable", dropped);
		len = logger_format(buf, sizeof(buf), LOG_WARNING, msg);
		if (logger_send(buf, len) == -1)
			return;
		dropped = 0;
	}
	while ((l = TAILQ_FIRST(&queue)) != NULL) {
		if (logger_send(l->text, l->len) == -1)
			return;
		TAILQ_REMOVE(&queue, l, entry);
		free(l);
		queued--;
	}
}

static void
logger_sink(int pri, const char *msg)
{
	char	buf[LOGGER_LINE_MAX];
	size_t	len;

	len = logger_format(buf, sizeof(buf), pri, msg);
	if (TAILQ_EMPTY(&queue) && dropped == 0 &&
	    logger_send(buf, len) == 0)
		return;
	logger_enqueue(buf, len);
	logger_flush();
}

void
logger_init(struct imsgev *i)
{
	iev_main = i;
	if ((ev_retry = evtimer_new(i->base, logger_retry, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	log_setsink(logger_sink);
}

/* The collector's answer to a request: a connected socket, or -1. */
void
logger_socket(int fd)
{
	requested = 0;
	logger_close();
	if (fd == -1) {
		logger_schedule();
		return;
	}
	logfd = fd;
	if ((ev_writable = event_new(iev_main->base, fd, EV_WRITE,
	    logger_writable, NULL)) == NULL)
		fatalx("%s: event_new", __func__);
	logger_flush();
}
