/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "wgmond.h"
#include "collector.h"

struct run {
	pid_t			 pid;		/* also the process group */
	int			 status;
	int			 reaped;
	int			 error;		/* the first that ends it */
	char			 detail[WGM_DETAIL_MAX];
	size_t			 total;		/* bytes on stdout */
	struct event		*ev_out;
	struct event		*ev_err;
	struct event		*ev_timeout;
	int			 fd_out;
	int			 fd_err;
	char			 err[WGM_STDERR_MAX + 1];
	size_t			 errlen;
	struct parser		*parser;
	struct snapshot		*snap;
	int			 parse_failed;
	int			 inplace;	/* run->snap is the cycle's */
	int			 term_sent;	/* timed out: SIGTERM sent */
	int			 killed;	/* SIGKILL sent */
};

static struct event_base	*base;
static const struct config	*conf;
static const struct cycle	*cycle;		/* its snapshot: parsed in place */
static unsigned char		 out_buf[SCRIPT_READ_SIZE]; /* stdout read */
static script_done_cb		 done_cb;
static struct run		*run;

static void	script_read_err(int, short, void *);

void
script_init(struct event_base *b, const struct config *c,
    const struct cycle *cy, script_done_cb cb)
{
	base = b;
	conf = c;
	cycle = cy;
	done_cb = cb;
}

int
script_running(void)
{
	return (run != NULL);
}

/* Root's, and nobody else may write it: the script and its directories. */
static int
unsafe_owner(const char *path, const struct stat *st, char *err, size_t len)
{
	if (st->st_uid != 0)
		snprintf(err, len, "%s is owned by uid %u, not root", path,
		    (unsigned)st->st_uid);
	else if (st->st_mode & S_IWOTH)
		snprintf(err, len, "%s is writable by others", path);
	else if (st->st_mode & S_IWGRP)
		snprintf(err, len, "%s is writable by group %u", path,
		    (unsigned)st->st_gid);
	else
		return (0);
	return (1);
}

static int
unsafe_file(const char *path, const struct stat *st, char *err, size_t len)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, len, "%s is not a regular file", path);
		return (1);
	}
	return (unsafe_owner(path, st, err, len));
}

/*
 * A directory on the way: whoever owns it can chmod it, whoever can
 * write it can rename entries in it, and either can swap the script
 * between this check and bash's open.  Root's sticky directories are
 * the exception: there nobody renames an entry of root's.  A symbolic
 * link would make the path another one: the start-up resolved them.
 */
static int
unsafe_dir(const char *path, const struct stat *st, char *err, size_t len)
{
	if (S_ISLNK(st->st_mode))
		snprintf(err, len, "%s is a symbolic link", path);
	else if (!S_ISDIR(st->st_mode))
		snprintf(err, len, "%s is not a directory", path);
	else if (st->st_uid == 0 && (st->st_mode & S_ISVTX))
		return (0);
	else
		return (unsafe_owner(path, st, err, len));
	return (1);
}

/* Every directory above path, from its parent up to "/". */
static int
script_check_dirs(const char *path, int *error, char *err, size_t len)
{
	struct stat	 st;
	char		 dir[PATH_MAX], *slash;

	*error = ERR_EXEC;
	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		snprintf(err, len, "script path too long");
		return (-1);
	}
	while ((slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (lstat(dir, &st) == -1) {
			snprintf(err, len, "%s: %s", dir, strerror(errno));
			return (-1);
		}
		if (unsafe_dir(dir, &st, err, len)) {
			*error = ERR_UNSAFE;
			return (-1);
		}
		if (slash == dir)
			break;
	}
	return (0);
}

/*
 * Whoever can change the script, or swap it in a directory above it,
 * runs commands as root (docs/DESIGN.md §3).  Returns -1 with the
 * collect error in *error (ERR_EXEC or ERR_UNSAFE) and the reason, which
 * names the offending path, in err.
 */
int
script_check(const char *path, int *error, char *err, size_t len)
{
	struct stat	 st;

	*error = ERR_EXEC;
	if (lstat(path, &st) == -1) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (unsafe_file(path, &st, err, len)) {
		*error = ERR_UNSAFE;
		return (-1);
	}
	if (script_check_dirs(path, error, err, len) == -1)
		return (-1);
	if (!(st.st_mode & S_IXUSR)) {
		snprintf(err, len, "%s is not executable", path);
		return (-1);
	}
	return (0);
}

/*
 * -n checks what start-up would: an unsafe script exits 1.  One that is
 * missing is not refused here, as it may be installed after the check.
 */
void
script_check_config(const char *path)
{
	char	abs[PATH_MAX], err[WGM_DETAIL_MAX];
	int	error;

	if (realpath(path, abs) == NULL)
		return;
	if (script_check(abs, &error, err, sizeof(err)) == -1 &&
	    error == ERR_UNSAFE)
		errx(1, "unsafe script: %s", err);
}

static void
run_fail(int error, const char *fmt, ...)
    __attribute__((__format__ (printf, 2, 3)));

/*
 * Records why the run failed, unless it has already failed: a caller that
 * knows a better reason clears run->error first (the script's exit status
 * or signal over what its output did, output past the cap over a parse
 * error).
 */
static void
run_fail(int error, const char *fmt, ...)
{
	va_list	ap;

	if (run->error != ERR_NONE)
		return;
	run->error = error;
	va_start(ap, fmt);
	vsnprintf(run->detail, sizeof(run->detail), fmt, ap);
	va_end(ap);
}

static void
run_signal(int sig)
{
	if (run->pid > 0 && kill(-run->pid, sig) == -1 && errno != ESRCH)
		log_warn("%s: kill", __func__);
	if (sig == SIGKILL)
		run->killed = 1;
}

static void
close_fd(struct event **ev, int *fd)
{
	if (*ev != NULL) {
		event_free(*ev);
		*ev = NULL;
	}
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* The first line of stderr, as text fit for a log line. */
static void
stderr_line(char *buf, size_t len)
{
	run->err[run->errlen] = '\0';
	run->err[strcspn(run->err, "\r\n")] = '\0';
	json_clean_text(buf, len, run->err);
}

static void
run_verdict(void)
{
	char	line[WGM_DETAIL_MAX];

	stderr_line(line, sizeof(line));
	/* Ended by the collector: its reason stands, not the signal. */
	if (run->term_sent || run->killed)
		return;
	/* A script that fails explains itself better than its output. */
	if (WIFSIGNALED(run->status)) {
		run->error = ERR_NONE;
		run_fail(ERR_SIGNAL, "killed by signal %d%s%s",
		    WTERMSIG(run->status), line[0] ? ": " : "", line);
	} else if (WEXITSTATUS(run->status) != 0) {
		run->error = ERR_NONE;
		run_fail(ERR_EXIT, "exit status %d%s%s",
		    WEXITSTATUS(run->status), line[0] ? ": " : "", line);
	} else if (run->error == ERR_NONE && parse_finish(run->parser) == -1)
		run_fail(parse_error_code(run->parser), "%s",
		    parse_error(run->parser));
}

static void
run_free(void)
{
	/*
	 * The output held the private keys: each chunk read over the one
	 * before, and the last, whatever its length, gone with the run.
	 */
	explicit_bzero(out_buf, sizeof(out_buf));
	close_fd(&run->ev_out, &run->fd_out);
	close_fd(&run->ev_err, &run->fd_err);
	if (run->ev_timeout != NULL)
		event_free(run->ev_timeout);
	parse_free(run->parser);
	if (!run->inplace)
		snapshot_free(run->snap);
	free(run);
	run = NULL;
}

/* A run ends when its output is closed and its process reaped. */
static void
run_maybe_done(void)
{
	struct snapshot	*snap = NULL;
	char		 detail[WGM_DETAIL_MAX];
	int		 error;

	if (run->fd_out != -1 || !run->reaped)
		return;
	/* What stderr still holds was written before the exit. */
	if (run->fd_err != -1)
		script_read_err(run->fd_err, EV_READ, NULL);
	run_verdict();
	error = run->error;
	strlcpy(detail, run->detail, sizeof(detail));
	if (error == ERR_NONE) {
		snap = run->snap;
		run->snap = NULL;
	}
	run_free();
	done_cb(snap, error, detail);
}

/* Returns 0 when the run's output is done with, 1 to read on. */
static int
read_out_once(int fd, unsigned char *buf, size_t len)
{
	ssize_t		n;

	if ((n = read(fd, buf, len)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return (0);
		log_warn("%s: read", __func__);
		n = 0;
	}
	if (n == 0) {
		close_fd(&run->ev_out, &run->fd_out);
		run_maybe_done();
		return (0);
	}
	run->total += n;
	if (run->total > WGM_OUTPUT_MAX) {
		/* Whatever it holds, output past the cap is too large. */
		if (run->error == ERR_PARSE)
			run->error = ERR_NONE;
		run_fail(ERR_TOO_LARGE, "output exceeds %d bytes",
		    WGM_OUTPUT_MAX);
		run_signal(SIGKILL);
		close_fd(&run->ev_out, &run->fd_out);
		run_maybe_done();
		return (0);
	}
	/* After a parse error the rest is read and dropped. */
	if (!run->parse_failed && parse_feed(run->parser, buf, n) == -1) {
		run->parse_failed = 1;
		run_fail(parse_error_code(run->parser), "%s",
		    parse_error(run->parser));
	}
	return ((size_t)n == len);
}

/*
 * Reads what the pipe holds, up to SCRIPT_READS_MAX chunks, so that one
 * wakeup takes a full pipe and a flood of output still leaves the event
 * loop its turn.  Each read wakes the script's writer, blocked on the
 * full pipe: a quarter of the pipe a read, not a sixteenth, wakes it a
 * quarter as often.  The buffer is static: one run reads at a time.
 */
static void
script_read_out(int fd, short event, void *arg)
{
	int	i;

	(void)event;
	(void)arg;
	for (i = 0; i < SCRIPT_READS_MAX; i++)
		if (!read_out_once(fd, out_buf, sizeof(out_buf)))
			break;
}

static void
script_read_err(int fd, short event, void *arg)
{
	char	buf[4096];
	ssize_t	n;
	size_t	keep;

	(void)event;
	(void)arg;
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			n = 0;
		}
		if (n == 0) {
			close_fd(&run->ev_err, &run->fd_err);
			return;
		}
		keep = WGM_STDERR_MAX - run->errlen;
		if (keep > (size_t)n)
			keep = n;
		memcpy(run->err + run->errlen, buf, keep);
		run->errlen += keep;
	}
}

/*
 * Timed out: SIGTERM to the group, SIGKILL after a grace, and after one
 * more the run ends whatever is left.  A process outside the group may
 * hold stdout for good, and one stuck in the kernel may not die: the
 * run's outcome is already known, so neither is waited for.
 */
static void
script_timeout(int fd, short event, void *arg)
{
	struct timeval	tv = { SCRIPT_KILL_GRACE, 0 };

	(void)fd;
	(void)event;
	(void)arg;
	if (!run->term_sent) {
		run_fail(ERR_TIMEOUT, "no answer within %u s", conf->timeout);
		run_signal(SIGTERM);
		run->term_sent = 1;
		evtimer_add(run->ev_timeout, &tv);
		return;
	}
	if (!run->killed) {
		run_signal(SIGKILL);
		close_fd(&run->ev_out, &run->fd_out);
		close_fd(&run->ev_err, &run->fd_err);
		evtimer_add(run->ev_timeout, &tv);
		run_maybe_done();
		return;
	}
	/* SIGCHLD reaps it whenever it goes: its pid is no run's then. */
	log_warnx("script pid %ld not reaped after SIGKILL; run ended",
	    (long)run->pid);
	run->reaped = 1;
	run_maybe_done();
}

/*
 * The script's process is spawned, not forked: posix_spawn(3) shares the
 * collector's memory until exec, where fork(2) would copy the page tables
 * of the last snapshot at every run and fault its pages on the next write.
 * What the collector set for itself is not the script's: its signals go
 * back to the defaults and the mask is emptied; only 0, 1 and 2 stay open.
 */
static int
spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at, int out,
    int err)
{
	sigset_t	all, none;

	sigfillset(&all);
	sigemptyset(&none);
	if (posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) != 0 ||
	    posix_spawnattr_setpgroup(at, 0) != 0 ||
	    posix_spawnattr_setsigdefault(at, &all) != 0 ||
	    posix_spawnattr_setsigmask(at, &none) != 0)
		return (-1);
	if (posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(fa, out, STDOUT_FILENO) != 0 ||
	    posix_spawn_file_actions_adddup2(fa, err, STDERR_FILENO) != 0 ||
	    posix_spawn_file_actions_addclosefrom_np(fa,
	    STDERR_FILENO + 1) != 0)
		return (-1);
	return (0);
}

/* Returns the child's pid, or -1 with errno set. */
static pid_t
spawn_script(int out, int err)
{
	char				*argv[] = { "sudo", "-n", BASH_PATH,
					    NULL, NULL };
	char				*envp[] = { SCRIPT_PATH_ENV, "LANG=C",
					    NULL };
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	pid_t				 pid = -1;
	int				 e;

	argv[3] = (char *)conf->script;
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = e;
		return (-1);
	}
	if ((e = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = e;
		return (-1);
	}
	if (spawn_setup(&fa, &at, out, err) == -1)
		e = ENOMEM;
	else
		e = posix_spawn(&pid, PRIV_EXEC_PATH, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		errno = e;
		return (-1);
	}
	return (pid);
}

static void
close_pipes(int out[2], int err[2])
{
	close(out[0]);
	close(out[1]);
	close(err[0]);
	close(err[1]);
}

/*
 * The pipe for the script's output is made as large as the kernel lets
 * an unprivileged pipe be, so that a large document is read in fewer,
 * larger reads; the buffer is the kernel's, the same bound for any size.
 */
static int
run_spawn(int out[2], int err[2])
{
	pid_t	pid;

	if (pipe2(out, O_CLOEXEC) == -1)
		return (-1);
	if (pipe2(err, O_CLOEXEC) == -1) {
		close(out[0]);
		close(out[1]);
		return (-1);
	}
	(void)fcntl(out[0], F_SETPIPE_SZ, SCRIPT_PIPE_SIZE);
	if ((pid = spawn_script(out[1], err[1])) == -1) {
		close_pipes(out, err);
		return (-1);
	}
	close(out[1]);
	close(err[1]);
	run->pid = pid;
	run->fd_out = out[0];
	run->fd_err = err[0];
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	return (0);
}

static void
run_fail_early(int error, const char *detail)
{
	run_free();
	done_cb(NULL, error, detail);
}

/*
 * Starts one run of the script.  Returns -1 when one is still running;
 * every other outcome, failures included, reaches the done callback.
 */
int
script_start(void)
{
	struct timeval	 tv;
	char		 err[WGM_DETAIL_MAX];
	int		 out[2], errp[2], e;

	if (run != NULL)
		return (-1);
	if ((run = calloc(1, sizeof(*run))) == NULL)
		fatal("%s", __func__);
	run->fd_out = run->fd_err = -1;
	if (script_check(conf->script, &e, err, sizeof(err)) == -1) {
		run_fail_early(e, err);
		return (0);
	}
	/* The last run's snapshot is parsed in place, else a new one. */
	if ((run->snap = cycle->current) != NULL)
		run->inplace = 1;
	else if ((run->snap = snapshot_new_arena()) == NULL)
		fatal("%s", __func__);
	if ((run->parser = parse_new(run->snap)) == NULL)
		fatal("%s", __func__);
	if (!cycle->whole)
		parse_drop_lists(run->parser);
	if (run_spawn(out, errp) == -1) {
		snprintf(err, sizeof(err), "spawn %s: %s", PRIV_EXEC_PATH,
		    strerror(errno));
		run_fail_early(ERR_EXEC, err);
		return (0);
	}
	run->ev_out = event_new(base, run->fd_out, EV_READ | EV_PERSIST,
	    script_read_out, NULL);
	run->ev_err = event_new(base, run->fd_err, EV_READ | EV_PERSIST,
	    script_read_err, NULL);
	run->ev_timeout = evtimer_new(base, script_timeout, NULL);
	if (run->ev_out == NULL || run->ev_err == NULL ||
	    run->ev_timeout == NULL)
		fatalx("%s: event_new", __func__);
	tv.tv_sec = conf->timeout;
	tv.tv_usec = 0;
	event_add(run->ev_out, NULL);
	event_add(run->ev_err, NULL);
	evtimer_add(run->ev_timeout, &tv);
	log_debug("script started, pid %ld", (long)run->pid);
	return (0);
}

/* Returns 1 when pid was the script's, now accounted for. */
int
script_reaped(pid_t pid, int status)
{
	if (run == NULL || pid != run->pid)
		return (0);
	run->status = status;
	run->reaped = 1;
	run_maybe_done();
	return (1);
}

/* At shutdown: nothing the daemon started outlives it. */
void
script_kill(void)
{
	if (run == NULL)
		return;
	run_signal(SIGKILL);
	waitpid(run->pid, NULL, 0);
	run_free();
}
