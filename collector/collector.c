/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <paths.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "sandbox.h"
#include "wgmond.h"
#include "collector.h"

static struct config		 conf;
static struct event_base	*base;
static struct imsgev		*iev_frontend;
static struct cycle		 cycle;
static pid_t			 frontend_pid;
static struct event		*ev_tick;
static char			 self_path[PATH_MAX];
static struct timespec		 run_start;	/* monotonic */
static uint64_t			 nevents[WGM_NEVENTS];	/* totals */
static uint64_t			 nerrors[WGM_NERRORS];

/*
 * How far the frontend has read, in messages written to its socket (the
 * kernel holds a bounded few): the channel is a FIFO, so a message is
 * out once as many have been written as were queued up to it.  A run's
 * snapshot and status are superseded by the next run's: while the last
 * ones are still queued, no more are.
 */
static struct {
	uint64_t	 written;	/* messages written, ever */
	uint64_t	 state_mark;	/* written, once the last status is */
	uint64_t	 logsock_mark;	/* written, once the last answer is */
	uint64_t	 skipped;	/* snapshots not sent, this stall */
	int		 resync;	/* the next snapshot goes whole */
	uint64_t	 dropped;	/* events not sent, this stall */
	size_t		 backlog;	/* event bytes queued, this stall */
} fq = { .resync = 1 };

static void	send_log_socket(void);
static void	flush_frontend(void *);

/* The text is the usage, after the reason when there is one. */
static __attribute__((__noreturn__)) void
usage(const char *text, int status)
{
	size_t	len = strlen(text);

	fprintf(status ? stderr : stdout, "%s%s%s", strncmp(text, "usage:",
	    6) == 0 ? "" : "wgmond: ", text,
	    len > 0 && text[len - 1] == '\n' ? "" : "\n");
	exit(status);
}

/* The count of writes at which all that is queued now is written. */
static uint64_t
fq_mark(void)
{
	return (fq.written + imsgbuf_queuelen(&iev_frontend->ibuf));
}

static int
fq_read(uint64_t mark)
{
	return (fq.written >= mark);
}

/*
 * Whether the last snapshot and status are still queued.  When they are
 * not, a stall that skipped or dropped anything is over: say how much.
 */
static int
frontend_behind(void)
{
	if (!fq_read(fq.state_mark))
		return (1);
	if (fq.skipped > 0 || fq.dropped > 0)
		log_warnx("frontend reads again: %llu snapshots skipped, "
		    "%llu events dropped", (unsigned long long)fq.skipped,
		    (unsigned long long)fq.dropped);
	fq.skipped = fq.dropped = 0;
	fq.backlog = 0;
	return (0);
}

/* Events are kept for a stalled frontend, up to a bound. */
static int
event_fits(size_t len)
{
	if (!frontend_behind())
		return (1);
	if (fq.backlog + len <= EVENT_BACKLOG_MAX) {
		fq.backlog += len;
		return (1);
	}
	if (fq.dropped++ == 0)
		log_warnx("frontend is not reading: %d bytes of events queued, "
		    "dropping events until it does", EVENT_BACKLOG_MAX);
	return (0);
}

static void
main_imsg_compose_frontend(uint32_t type, const void *data, size_t len)
{
	if (imsg_compose_event(iev_frontend, type, 0, 0, -1, data, len) == -1)
		fatal("%s", __func__);
}

static void
send_event_line(int priority, struct evbuffer *b)
{
	struct event_hdr	 hdr;
	struct ibuf		*wbuf;
	size_t			 len = evbuffer_get_length(b);

	if (!event_fits(len)) {
		evbuffer_drain(b, len);
		return;
	}
	hdr.priority = priority;
	if ((wbuf = imsg_create(&iev_frontend->ibuf, IMSG_EVENT, 0, 0,
	    sizeof(hdr) + len + 1)) == NULL ||
	    imsg_add(wbuf, &hdr, sizeof(hdr)) == -1 ||
	    imsg_add(wbuf, evbuffer_pullup(b, -1), len) == -1 ||
	    imsg_add(wbuf, "", 1) == -1)
		fatal("%s", __func__);
	imsg_close(&iev_frontend->ibuf, wbuf);
	imsg_event_add(iev_frontend);
	evbuffer_drain(b, len);
}

/* Microseconds since the run in progress started. */
static uint64_t
run_elapsed(void)
{
	struct timespec	now;
	int64_t		us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (int64_t)(now.tv_sec - run_start.tv_sec) * 1000000 +
	    (now.tv_nsec - run_start.tv_nsec) / 1000;
	return (us > 0 ? (uint64_t)us : 0);
}

static void
send_status(int error, const char *detail, int64_t now)
{
	struct collect_status	 cs;

	if (frontend_behind())
		return;
	memset(&cs, 0, sizeof(cs));
	cs.time = now;
	cs.error = error;
	strlcpy(cs.detail, detail, sizeof(cs.detail));
	cs.duration_us = run_elapsed();
	memcpy(cs.events, nevents, sizeof(cs.events));
	memcpy(cs.errors, nerrors, sizeof(cs.errors));
	main_imsg_compose_frontend(IMSG_COLLECT_STATUS, &cs, sizeof(cs));
	fq.state_mark = fq_mark();
}

static void
run_failed(int error, const char *detail, int64_t now)
{
	struct evbuffer	*b;

	if ((b = evbuffer_new()) == NULL ||
	    events_format_error(b, now, error, detail) == -1)
		fatal("%s", __func__);
	send_event_line(LOG_ERR, b);
	evbuffer_free(b);
	nevents[EVENT_COLLECT_ERROR]++;
	nerrors[error]++;
	send_status(error, detail, now);
	cycle.failing = 1;
}

/*
 * Where the run's snapshot goes, packed by cycle_run's walk: nowhere
 * while the frontend has yet to read the last one (only the latest
 * matters).  Each run goes as a delta against the one before, which the
 * frontend has applied; after a skip it has not, and the next goes whole.
 */
static struct imsgbuf *
send_snapshot(int *full, void *arg)
{
	(void)arg;
	if (frontend_behind()) {
		if (fq.skipped++ == 0)
			log_warnx("frontend is not reading: snapshots skipped "
			    "until it has read the last one");
		fq.resync = 1;
		return (NULL);
	}
	*full = fq.resync;
	fq.resync = 0;
	return (&iev_frontend->ibuf);
}

static void
send_event(int type, int priority, struct evbuffer *line, void *arg)
{
	(void)arg;
	send_event_line(priority, line);
	nevents[type]++;
}

static void
run_succeeded(struct snapshot *snap, int64_t now)
{
	static const struct cycle_out	 out = {
		send_snapshot, send_event, NULL, NULL, NULL, flush_frontend
	};

	snap->mono_start = run_start.tv_sec;
	cycle_run(&cycle, snap, now, &out);
	send_status(ERR_NONE, "", now);
}

static void
collector_run_done(struct snapshot *snap, int error, const char *detail)
{
	int64_t	now = time(NULL);

	if (snap == NULL) {
		log_debug("run failed: %s: %s", snapshot_error_name(error),
		    detail);
		run_failed(error, detail, now);
	} else {
		log_debug("run done: %zu interfaces, %zu peers",
		    snap->nifaces, snap->npeers);
		run_succeeded(snap, now);
	}
}

static void
collector_tick(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (script_running()) {
		log_debug("previous run still going; tick skipped");
		return;
	}
	names_check();
	clock_gettime(CLOCK_MONOTONIC, &run_start);
	/*
	 * A run after one whose snapshot was skipped goes whole, known
	 * now: only send_snapshot, at the end of a run, sets fq.resync.
	 */
	cycle.whole = fq.resync;
	script_start();
}

/*
 * Polls for the frontend's exit, for at most tenths of a second: a
 * blocking waitpid would let a stopped frontend hold the collector.
 */
static int
main_frontend_wait(int tenths, int *status)
{
	struct timespec	 ts = { 0, 100 * 1000 * 1000 };
	pid_t		 pid;
	int		 i;

	for (i = 0; i < tenths; i++) {
		if ((pid = waitpid(frontend_pid, status, WNOHANG)) ==
		    frontend_pid)
			return (0);
		if (pid == -1 && errno != EINTR)
			return (0);	/* not ours to wait for any more */
		nanosleep(&ts, NULL);
	}
	return (-1);
}

/*
 * The frontend's exit status, after sig (if any) and a grace period;
 * then SIGKILL, which neither a stopped nor a compromised frontend can
 * ignore.  Bounded even then, for a process stuck in the kernel.
 */
static int
main_frontend_reap(int sig)
{
	int	status = 0;

	if (frontend_pid <= 0)
		return (0);
	if (sig != 0)
		kill(frontend_pid, sig);
	if (main_frontend_wait(FRONTEND_KILL_GRACE * 10, &status) == -1) {
		log_warnx("frontend did not exit; killing it");
		kill(frontend_pid, SIGKILL);
		if (main_frontend_wait(FRONTEND_KILL_GRACE * 10, &status) == -1)
			log_warnx("frontend not reaped");
	}
	frontend_pid = 0;
	return (status);
}

static __attribute__((__noreturn__)) void
main_shutdown(int status)
{
	script_kill();
	/* EOF ends the frontend too, should the signal not reach it. */
	if (iev_frontend != NULL)
		close(iev_frontend->ibuf.fd);
	if (frontend_pid > 0)
		main_frontend_reap(SIGTERM);
	snapshot_free(cycle.current);
	log_info("terminating");
	exit(status);
}

/*
 * Either way it went, SIGCHLD or the channel's EOF (reaped here, as the
 * frontend exited or is about to), the daemon ends.
 */
static __attribute__((__noreturn__)) void
main_frontend_lost(int status)
{
	log_warnx("frontend terminated; status %d", WIFEXITED(status) ?
	    WEXITSTATUS(status) : 128 + WTERMSIG(status));
	frontend_pid = 0;
	main_shutdown(1);
}

/* It broke the protocol: it is broken or compromised, and stopped. */
static __attribute__((__noreturn__)) void
main_frontend_broken(const char *what, const char *why)
{
	log_warnx("frontend %s: %s; stopping it", what, why);
	main_shutdown(1);
}

static void
main_sig_handler(int sig, short event, void *arg)
{
	pid_t	pid;
	int	status;

	(void)event;
	(void)arg;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		main_shutdown(0);
	case SIGHUP:
		names_reload();
		break;
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == frontend_pid)
				main_frontend_lost(status);
			script_reaped(pid, status);
		}
		break;
	}
}

/* What the frontend's socket takes now; -1 when the frontend is gone. */
static int
frontend_write(void)
{
	struct imsgbuf	*ibuf = &iev_frontend->ibuf;
	uint32_t	 queued;

	queued = imsgbuf_queuelen(ibuf);
	if (imsgbuf_write(ibuf) == -1) {
		if (errno == EPIPE || errno == ECONNRESET)
			return (-1);
		fatal("imsgbuf_write");
	}
	fq.written += queued - imsgbuf_queuelen(ibuf);
	return (0);
}

/*
 * Written during a run, what it queued is read meanwhile: the run's
 * messages are not all held until it ends.  A frontend found gone is
 * left to the event loop, which sees it again once the run is over.
 */
static void
flush_frontend(void *arg)
{
	(void)arg;
	if (imsgbuf_queuelen(&iev_frontend->ibuf) >= FLUSH_QUEUED)
		(void)frontend_write();
}

/*
 * One answer at a time: an honest frontend waits for it before asking
 * again, and one that does not must not make the collector open and
 * queue a socket per request.
 */
static void
answer_log_request(void)
{
	if (!fq_read(fq.logsock_mark))
		return;
	send_log_socket();
	fq.logsock_mark = fq_mark();
}

static void
main_dispatch_frontend(int fd, short event, void *bula)
{
	struct imsgev	*iev = bula;
	struct imsgbuf	*ibuf = &iev->ibuf;
	struct imsg	 imsg;
	ssize_t		 n;

	(void)fd;
	if (event & EV_READ) {
		/* The collector takes no descriptor: one is EBADMSG. */
		if ((n = imsgbuf_read(ibuf)) == -1 && errno != ECONNRESET)
			main_frontend_broken("channel", errno == EBADMSG ?
			    "sent a descriptor" : strerror(errno));
		if (n <= 0)
			main_frontend_lost(main_frontend_reap(0));
	}
	if (event & EV_WRITE) {
		if (frontend_write() == -1)
			main_frontend_lost(main_frontend_reap(0));
		/* The run's messages written, the peers are all it holds. */
		if (imsgbuf_queuelen(ibuf) == 0)
			heap_release();
	}
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			main_frontend_broken("channel", strerror(errno));
		if (n == 0)
			break;
		/* A syslog socket is all the frontend may ask for. */
		if (imsg_get_type(&imsg) != IMSG_LOG_REQUEST ||
		    imsg_get_len(&imsg) != 0)
			main_frontend_broken("message", "unexpected");
		answer_log_request();
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
}

/*
 * The chrooted frontend cannot reach /dev/log: it gets a connected socket
 * from here, at start and whenever its own fails.  None when syslog is
 * down; it asks again later.
 */
static void
send_log_socket(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		log_warn("%s: socket", __func__);
	else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_debug("%s: connect %s: %s", __func__, _PATH_LOG,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	if (imsg_compose_event(iev_frontend, IMSG_LOG_SOCKET, 0, 0, fd, NULL,
	    0) == -1)
		fatal("%s", __func__);
}

/*
 * The frontend is this binary again, from a fresh image: Linux names it
 * by /proc/self/exe; elsewhere argv[0] must then be an absolute path.
 */
static void
find_self(const char *argv0)
{
#ifdef __linux__
	(void)argv0;
	strlcpy(self_path, "/proc/self/exe", sizeof(self_path));
#else
	if (argv0[0] != '/')
		errx(1, "must be started with an absolute path");
	strlcpy(self_path, argv0, sizeof(self_path));
#endif
}

/* Made absolute: the daemon leaves its start directory before use. */
static void
check_chroot(char *path, size_t len)
{
	struct stat	st;
	char		abs[PATH_MAX];

	if (realpath(path, abs) == NULL)
		err(1, "chroot directory %s", path);
	if (strlcpy(path, abs, len) >= len)
		errx(1, "chroot directory %s: path too long", abs);
	/* The frontend would then see the whole file system. */
	if (strcmp(path, "/") == 0)
		errx(1, "chroot directory / is the root directory: it must "
		    "be an empty directory such as /var/empty");
	if (stat(path, &st) == -1)
		err(1, "chroot directory %s", path);
	if (!S_ISDIR(st.st_mode))
		errx(1, "chroot directory %s is not a directory", path);
	if (st.st_uid != 0 || st.st_mode & (S_IWGRP | S_IWOTH))
		errx(1, "chroot directory %s must be owned by root and not "
		    "writable by group or others", path);
}

/*
 * The sudo rule names the script's absolute path, and the daemon leaves
 * its start directory: resolve it once.  A script that is missing or
 * unsafe at start-up is a configuration error; later, each run checks
 * it again and reports what it finds.
 */
static void
resolve_script(void)
{
	char	path[PATH_MAX], cwd[PATH_MAX];
	char	reason[WGM_DETAIL_MAX];
	int	e;

	if (realpath(conf.script, path) != NULL)
		strlcpy(conf.script, path, sizeof(conf.script));
	else if (conf.script[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			err(1, "getcwd");
		if (snprintf(path, sizeof(path), "%s/%s", cwd, conf.script) >=
		    (int)sizeof(conf.script))
			errx(1, "script path too long");
		strlcpy(conf.script, path, sizeof(conf.script));
	}
	if (script_check(conf.script, &e, reason, sizeof(reason)) == -1)
		errx(1, "%sscript: %s", e == ERR_UNSAFE ? "unsafe " : "",
		    reason);
}

/* A names file that cannot be read at start is a configuration error. */
static void
load_names(void)
{
	char	err[CONF_PATH_MAX + WGM_DETAIL_MAX];

	if (names_init(&conf, err, sizeof(err)) == -1)
		errx(1, "%s", err);
}

static int
listen_socket(void)
{
	int	fd, on = 1;

	if ((fd = socket(conf.listen_ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		err(1, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		err(1, "setsockopt SO_REUSEADDR");
	/* Accepted sockets inherit it: no Nagle stall on a body's tail. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		err(1, "setsockopt TCP_NODELAY");
	if (conf.listen_ss.ss_family == AF_INET6 && setsockopt(fd,
	    IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		err(1, "setsockopt IPV6_V6ONLY");
	if (bind(fd, (struct sockaddr *)&conf.listen_ss, conf.listen_len) ==
	    -1)
		err(1, "bind %s", conf.listen);
	if (listen(fd, 128) == -1)
		err(1, "listen %s", conf.listen);
	return (fd);
}

#ifdef SANDBOX_SANITIZER
/*
 * A sanitizer build's defaults, which ASAN_OPTIONS overrides: no leak
 * check.  At exit LeakSanitizer stops the world with a ptrace(2) that
 * both processes' filters forbid, and the process spins for good waiting
 * for the tracer its filter killed.  tests/run sets the same; so does
 * this, for a test run alone and for the binary run by hand.
 */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return ("detect_leaks=0");
}
#endif

/*
 * Nothing of the collector's environment: only what a sanitizer build
 * needs to run sandboxed (no leak check, which would ptrace).
 */
static char **
child_env(void)
{
	static char	*env[3];
	static char	 asan[256], ubsan[256];
	const char	*v;
	int		 n = 0;

	if ((v = getenv("ASAN_OPTIONS")) != NULL) {
		snprintf(asan, sizeof(asan), "ASAN_OPTIONS=%s", v);
		env[n++] = asan;
	}
	if ((v = getenv("UBSAN_OPTIONS")) != NULL) {
		snprintf(ubsan, sizeof(ubsan), "UBSAN_OPTIONS=%s", v);
		env[n++] = ubsan;
	}
	env[n] = NULL;
	return (env);
}

/*
 * The frontend starts from a fresh image of the binary, so that nothing
 * the collector held in memory (the parser's buffers, the environment)
 * is there for a compromised frontend to find.
 */
static pid_t
start_child(int fd)
{
	char	*argv[8], vflag[8];
	int	 argc = 0, i;
	pid_t	 pid;

	argv[argc++] = "wgmond";
	argv[argc++] = "-F";
	if (conf.debug)
		argv[argc++] = "-d";
	if (conf.verbose > 0) {
		vflag[0] = '-';
		for (i = 0; i < conf.verbose && i < 5; i++)
			vflag[i + 1] = 'v';
		vflag[i + 1] = '\0';
		argv[argc++] = vflag;
	}
	argv[argc] = NULL;
	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		if (fd != FRONTEND_IMSG_FD) {
			if (dup2(fd, FRONTEND_IMSG_FD) == -1)
				fatal("dup2");
		} else if (fcntl(fd, F_SETFD, 0) == -1)
			fatal("fcntl");
		execve(self_path, argv, child_env());
		fatal("execve %s", self_path);
	}
	return (pid);
}

static void
send_config(int lfd)
{
	struct frontend_conf	 fc;
	struct passwd		*pw;

	if ((pw = getpwnam(conf.user)) == NULL)
		fatalx("unknown user %s", conf.user);
	memset(&fc, 0, sizeof(fc));
	fc.uid = pw->pw_uid;
	fc.gid = pw->pw_gid;
	fc.check_interval = conf.check_interval;
	fc.connected = conf.connected;
	fc.disconnected = conf.disconnected;
	strlcpy(fc.chroot, conf.chroot, sizeof(fc.chroot));
	strlcpy(fc.listen, conf.listen, sizeof(fc.listen));
	main_imsg_compose_frontend(IMSG_CONFIG, &fc, sizeof(fc));
	if (imsg_compose_event(iev_frontend, IMSG_LISTEN, 0, 0, lfd, NULL,
	    0) == -1)
		fatal("%s", __func__);
}

static void
setup_events(void)
{
	static struct event	*ev_term, *ev_int, *ev_chld, *ev_hup;
	struct timeval		 tv;

	ev_term = evsignal_new(base, SIGTERM, main_sig_handler, NULL);
	ev_int = evsignal_new(base, SIGINT, main_sig_handler, NULL);
	ev_chld = evsignal_new(base, SIGCHLD, main_sig_handler, NULL);
	ev_hup = evsignal_new(base, SIGHUP, main_sig_handler, NULL);
	ev_tick = event_new(base, -1, EV_PERSIST, collector_tick, NULL);
	if (ev_term == NULL || ev_int == NULL || ev_chld == NULL ||
	    ev_hup == NULL || ev_tick == NULL)
		fatalx("%s: event_new", __func__);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_chld, NULL);
	evsignal_add(ev_hup, NULL);
	signal(SIGPIPE, SIG_IGN);
	tv.tv_sec = conf.check_interval;
	tv.tv_usec = 0;
	event_add(ev_tick, &tv);
	/* The first run is now, not one interval after start-up. */
	event_active(ev_tick, EV_TIMEOUT, 0);
}

static __attribute__((__noreturn__)) void
child_main(int argc, char *argv[])
{
	int	ch, debug = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "Fdv")) != -1) {
		switch (ch) {
		case 'F':
			break;
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			exit(1);
		}
	}
	frontend_main(debug, verbose);
	exit(0);
}

int
main(int argc, char *argv[])
{
	char		 errbuf[1024];
	struct passwd	*pw;
	int		 pair[2], lfd;

	if (argc > 1 && strcmp(argv[1], "-F") == 0)
		child_main(argc, argv);
	if (config_init(&conf, argc, argv, errbuf, sizeof(errbuf)) == -1) {
		if (conf.usage == CONF_USAGE_ERROR)
			usage(errbuf, 1);
		errx(1, "%s", errbuf);
	}
	if (conf.usage == CONF_USAGE_ASKED)
		usage(errbuf, 0);
	cycle.connected = conf.connected;
	cycle.disconnected = conf.disconnected;
	if (conf.noaction) {
		script_check_config(conf.script);
		/* Bad lines of the names files are told on stderr. */
		log_init(1, LOG_DAEMON);
		log_setverbose(conf.verbose);
		load_names();
		config_print(stdout, &conf);
		exit(0);
	}
	find_self(argv[0]);
	if (geteuid() != 0)
		errx(1, "need root privileges");
	if ((pw = getpwnam(conf.user)) == NULL)
		errx(1, "unknown user %s", conf.user);
	check_chroot(conf.chroot, sizeof(conf.chroot));
	resolve_script();
	lfd = listen_socket();

	log_init(conf.debug, LOG_DAEMON);
	log_setverbose(conf.verbose);
	log_procinit("collector");
	load_names();
	if (!conf.debug && daemon(0, 0) == -1)
		fatal("daemon");

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    PF_UNSPEC, pair) == -1)
		fatal("socketpair");
	frontend_pid = start_child(pair[1]);
	close(pair[1]);

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((iev_frontend = calloc(1, sizeof(*iev_frontend))) == NULL)
		fatal(NULL);
	if (imsgbuf_init(&iev_frontend->ibuf, pair[0]) == -1)
		fatal("imsgbuf_init");
	iev_frontend->base = base;
	iev_frontend->handler = main_dispatch_frontend;
	send_config(lfd);
	if (!conf.debug)
		send_log_socket();
	if (imsgbuf_flush(&iev_frontend->ibuf) == -1)
		fatal("imsgbuf_flush");
	close(lfd);
	imsg_event_add(iev_frontend);

	script_init(base, &conf, &cycle, collector_run_done);
	setup_events();
	sandbox_collector(PRIV_EXEC_PATH);
	log_info("collector started: script %s every %u s", conf.script,
	    conf.check_interval);
	event_base_dispatch(base);
	fatalx("event loop ended");
}
