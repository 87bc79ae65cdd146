/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/uio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 debug;
static int		 verbose;
static const char	*log_procname = "wgmond";
static void		(*log_sink)(int, const char *);

void
log_init(int n_debug, int facility)
{
	debug = n_debug;
	if (!debug)
		openlog("wgmond", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *procname)
{
	if (procname != NULL)
		log_procname = procname;
}

void
log_setverbose(int v)
{
	verbose = v;
}

/*
 * A chrooted process cannot reopen /dev/log: it hands each line to a
 * sink of its own instead of syslog(3).
 */
void
log_setsink(void (*sink)(int, const char *))
{
	log_sink = sink;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/*
 * One write(2) per line, the newline included, so that the lines of the
 * two processes do not interleave: stdio would split a long one.
 */
static void
log_stderr(const char *line)
{
	struct iovec	iov[2];

	iov[0].iov_base = (void *)line;
	iov[0].iov_len = strlen(line);
	iov[1].iov_base = "\n";
	iov[1].iov_len = 1;
	(void)writev(STDERR_FILENO, iov, 2);
}

/* A line already formatted, whatever its length, to where lines go. */
static void
log_line(int pri, const char *line)
{
	if (debug)
		log_stderr(line);
	else if (log_sink != NULL)
		log_sink(pri, line);
	else
		syslog(pri, "%s", line);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	line[8192];
	int	saved_errno = errno;

	if (debug || log_sink != NULL) {
		vsnprintf(line, sizeof(line), fmt, ap);
		log_line(pri, line);
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

/*
 * An event is already a JSON object; it goes out as one message, never
 * split, cut or prefixed, so that a log reader can parse each line: it
 * skips vlog()'s buffer.  Its size is bounded where it is made
 * (WGM_EVENT_MAX, what syslog takes whole).
 */
void
log_event(int pri, const char *line)
{
	int	saved_errno = errno;

	log_line(pri, line);
	errno = saved_errno;
}

void
log_warn(const char *emsg, ...)
{
	char	*nfmt;
	va_list	 ap;
	int	 saved_errno = errno;

	va_start(ap, emsg);
	if (emsg == NULL)
		logit(LOG_ERR, "%s", strerror(saved_errno));
	else if (asprintf(&nfmt, "%s: %s", emsg, strerror(saved_errno)) == -1)
		vlog(LOG_ERR, emsg, ap);
	else {
		vlog(LOG_ERR, nfmt, ap);
		free(nfmt);
	}
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	ap;

	if (verbose > 0) {
		va_start(ap, emsg);
		vlog(LOG_DEBUG, emsg, ap);
		va_end(ap);
	}
}

static void
vfatalc(int code, const char *emsg, va_list ap)
{
	static char	 s[BUFSIZ];
	const char	*sep;

	if (emsg != NULL) {
		(void)vsnprintf(s, sizeof(s), emsg, ap);
		sep = ": ";
	} else {
		s[0] = '\0';
		sep = "";
	}
	if (code)
		logit(LOG_CRIT, "fatal in %s: %s%s%s",
		    log_procname, s, sep, strerror(code));
	else
		logit(LOG_CRIT, "fatal in %s%s%s", log_procname, sep, s);
}

void
fatal(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(errno, emsg, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *emsg, ...)
{
	va_list	ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
	va_end(ap);
	exit(1);
}
