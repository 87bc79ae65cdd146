/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* accept4, getrandom, CLONE_NEW*. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/futex.h>
#include <linux/if_ether.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "sandbox.h"
#include "wgmond.h"
#include "collector.h"

/*
 * Each test forks a child that sandboxes itself and then does one thing.
 * A forbidden call must end the child by SIGSYS; an allowed sequence must
 * end in _exit(0), or in the number of the step that failed. Children
 * leave by _exit() so that no atexit hook (the sanitizers') runs in them.
 */

#define CHILD_ARG	"--sandboxed-child"

extern char	**environ;

/* Descriptors a child inherits, made before it sandboxes itself. */
static int		 pre_fd[2];	/* a socketpair */
static int		 pre_sock = -1;	/* a socket or an epoll instance */

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved_errno));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The collector's sandbox, as the daemon sets it up. */
static void
sandbox_collector_daemon(void)
{
	sandbox_collector(PRIV_EXEC_PATH);
}

static int
run_sandboxed(void (*sandbox)(void), int (*act)(void))
{
	pid_t	pid;
	int	status;

	/* Without no_new_privs only root may load a filter. */
	if (sandbox == sandbox_collector_daemon && geteuid() != 0)
		skip();
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		sandbox();
		_exit(act());
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			fail_msg("waitpid: %s", strerror(errno));
	return (status);
}

/* The same, but returns once the child is sandboxed, with its pid. */
static pid_t
start_sandboxed(void (*sandbox)(void), int (*act)(void))
{
	pid_t	pid;
	char	c;
	int	p[2];

	if (pipe(p) == -1)
		fail_msg("pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		sandbox();
		if (write(p[1], "r", 1) != 1)
			_exit(100);
		close(p[1]);
		_exit(act());
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		fail_msg("child died before it was sandboxed");
	close(p[0]);
	return (pid);
}

static void
assert_killed(int status)
{
	if (WIFEXITED(status))
		fail_msg("child exited %d, not killed", WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
assert_ran(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child failed at step %d", WEXITSTATUS(status));
}

/*
 * pre_fd[0] is where the frontend has its imsg socket, the one descriptor
 * it may sendmsg(2) on; pre_fd[1] anywhere else.
 */
static int
setup_socketpair(void **state)
{
	int	fd = FRONTEND_IMSG_FD;

	(void)state;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pre_fd) == -1)
		return (-1);
	if (pre_fd[1] == fd && (pre_fd[1] = fcntl(fd, F_DUPFD, fd + 1)) == -1)
		return (-1);
	if (pre_fd[0] != fd) {
		if (dup2(pre_fd[0], fd) == -1)
			return (-1);
		close(pre_fd[0]);
		pre_fd[0] = fd;
	}
	return (0);
}

static int
teardown_socketpair(void **state)
{
	(void)state;
	close(pre_fd[0]);
	close(pre_fd[1]);
	return (0);
}

/* pre_sock: an unconnected TCP socket. */
static int
setup_inet_socket(void **state)
{
	(void)state;
	return ((pre_sock = socket(AF_INET, SOCK_STREAM, 0)) == -1 ? -1 : 0);
}

static int
teardown_pre_sock(void **state)
{
	(void)state;
	close(pre_sock);
	pre_sock = -1;
	return (0);
}

/* pre_sock: an epoll instance, to watch the socketpair with. */
static int
setup_epoll(void **state)
{
	if (setup_socketpair(state) == -1)
		return (-1);
	return ((pre_sock = epoll_create1(EPOLL_CLOEXEC)) == -1 ? -1 : 0);
}

static int
teardown_epoll(void **state)
{
	teardown_pre_sock(state);
	return (teardown_socketpair(state));
}

/* A loopback listener on an ephemeral port, made before any sandbox. */
static in_port_t
listen_loopback(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((pre_sock = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(pre_sock, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(pre_sock, 1) == -1 ||
	    getsockname(pre_sock, (struct sockaddr *)&sin, &len) == -1)
		fail_msg("listener: %s", strerror(errno));
	return (sin.sin_port);
}

static int
connect_loopback(in_port_t port)
{
	struct sockaddr_in	 sin;
	int			 s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = port;
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(s);
		return (-1);
	}
	return (s);
}

/* What the frontend must not do. */

static int
do_open(void)
{
	open("/etc/passwd", O_RDONLY);
	return (0);
}

/*
 * A bad argv makes an execve(2) that got through fail and return: were it
 * to run /bin/true, its loader's first open would be the call killed.
 */
static int
do_execve(void)
{
	syscall(SYS_execve, "/bin/true", 1L, environ);
	return (1);
}

static int
do_fork(void)
{
	if (fork() == 0)
		_exit(0);
	return (0);
}

static int
do_posix_spawn(void)
{
	char	*argv[] = { "true", NULL };
	pid_t	 pid;

	posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	return (0);
}

static int
do_socket_inet(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	return (0);
}

static int
do_socket_inet6(void)
{
	socket(AF_INET6, SOCK_DGRAM, 0);
	return (0);
}

static int
do_socket_packet(void)
{
	socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	return (0);
}

/* Through a socket made before the sandbox, to a port nobody listens on. */
static int
do_connect(void)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(1);
	connect(pre_sock, (struct sockaddr *)&sin, sizeof(sin));
	return (0);
}

static int
do_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return (0);
}

/* On a target that does not exist, so a missing rule does no harm. */
static int
do_mount(void)
{
	mount("none", "/nonexistent/wgmond-test", "tmpfs", 0, NULL);
	return (0);
}

static int
do_setuid(void)
{
	setuid(0);
	return (0);
}

static int
do_kill(void)
{
	kill(getpid(), 0);
	return (0);
}

static int
do_mmap_exec(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	return (0);
}

static int
do_mprotect_exec(void)
{
	void	*p;

	if ((p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		return (1);
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return (0);
}

static int
do_fcntl_dupfd(void)
{
	fcntl(0, F_DUPFD, 10);
	return (0);
}

static int
do_ioctl_other(void)
{
	struct winsize	ws;

	ioctl(pre_fd[0], TIOCGWINSZ, &ws);
	return (0);
}

/*
 * The log writer's socket is a connected datagram socket (to /dev/log),
 * through which an address would reach any abstract Unix socket, a
 * namespace the chroot does not cover: log_fd[0] is such a socket,
 * connected to log_fd[1], and abstract_fd an abstract socket to aim at.
 */
static int			 log_fd[2] = { -1, -1 };
static int			 abstract_fd = -1;
static struct sockaddr_un	 abstract_sun;
static socklen_t		 abstract_len;

static int
setup_log_sockets(void **state)
{
	char	*name = abstract_sun.sun_path + 1;

	if (setup_socketpair(state) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, log_fd) == -1)
		return (-1);
	memset(&abstract_sun, 0, sizeof(abstract_sun));
	abstract_sun.sun_family = AF_UNIX;
	snprintf(name, sizeof(abstract_sun.sun_path) - 1,
	    "wgmond-test-sandbox-%ld", (long)getpid());
	abstract_len = offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(name);
	if ((abstract_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK,
	    0)) == -1 || bind(abstract_fd, (struct sockaddr *)&abstract_sun,
	    abstract_len) == -1)
		return (-1);
	return (0);
}

static int
teardown_log_sockets(void **state)
{
	close(log_fd[0]);
	close(log_fd[1]);
	close(abstract_fd);
	return (teardown_socketpair(state));
}

/* Nothing reached the abstract socket. */
static void
assert_abstract_empty(void)
{
	char	c;

	assert_int_equal(recv(abstract_fd, &c, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void
init_msg(struct msghdr *msg, struct iovec *iov, int named)
{
	memset(msg, 0, sizeof(*msg));
	iov->iov_base = "<30>forged";
	iov->iov_len = 10;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	if (named) {
		msg->msg_name = &abstract_sun;
		msg->msg_namelen = abstract_len;
	}
}

static int
do_sendto_address(void)
{
	sendto(log_fd[0], "<30>forged", 10, 0,
	    (struct sockaddr *)&abstract_sun, abstract_len);
	return (0);
}

static int
do_sendmsg_address(void)
{
	struct msghdr	msg;
	struct iovec	iov;

	init_msg(&msg, &iov, 1);
	sendmsg(log_fd[0], &msg, 0);
	return (0);
}

/* Even with no address: sendmsg(2) is for the imsg socket alone. */
static int
do_sendmsg_other_fd(void)
{
	struct msghdr	msg;
	struct iovec	iov;

	init_msg(&msg, &iov, 0);
	sendmsg(log_fd[0], &msg, 0);
	return (0);
}

/*
 * What logger.c and imsg do: send(2) and sendto(2) with no address on
 * the log socket, sendmsg(2) on the imsg socket, where an address is
 * refused by the kernel, the socket being a connected stream.
 */
static int
do_log_and_imsg(void)
{
	struct msghdr	msg;
	struct iovec	iov;
	char		buf[16];

	if (send(log_fd[0], "<30>a", 5, MSG_DONTWAIT | MSG_NOSIGNAL) != 5 ||
	    read(log_fd[1], buf, sizeof(buf)) != 5)
		return (1);
	if (sendto(log_fd[0], "<30>b", 5, 0, NULL, 0) != 5 ||
	    read(log_fd[1], buf, sizeof(buf)) != 5)
		return (2);
	init_msg(&msg, &iov, 0);
	if (sendmsg(pre_fd[0], &msg, MSG_NOSIGNAL) != 10 ||
	    read(pre_fd[1], buf, sizeof(buf)) != 10)
		return (3);
	init_msg(&msg, &iov, 1);
	if (sendmsg(pre_fd[0], &msg, MSG_NOSIGNAL) != -1 || errno != EISCONN)
		return (4);
	return (0);
}

/*
 * newfstatat(2) with AT_EMPTY_PATH still resolves a path that is not
 * empty, and the filter cannot read the path: none is allowed, not even
 * the empty one of glibc's fstat(3).
 */
static int
do_stat_path(void)
{
	struct stat	sb;

	syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &sb, AT_EMPTY_PATH);
	return (0);
}

static int
do_fstat_libc(void)
{
	struct stat	sb;

	fstat(STDIN_FILENO, &sb);
	return (0);
}

/* A memfd that could outlive exec, or be sealed: only MFD_CLOEXEC. */
static int
do_memfd_other_flags(void)
{
	memfd_create("wgmond-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return (0);
}

/*
 * A program written into a memfd, which the frontend may make, then run
 * from it: the execveat(2) kills before the kernel reads the file.
 */
static int
do_execveat_memfd(void)
{
	char	*argv[] = { "sh", NULL };
	int	 fd;

	if ((fd = memfd_create("wgmond-test", MFD_CLOEXEC)) == -1 ||
	    write(fd, "#!/bin/sh\nexit 0\n", 17) != 17)
		return (1);
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return (2);
}


static int
do_socketpair_io(void)
{
	char		 buf[8];
	struct iovec	 iov[2];

	if (write(pre_fd[0], "ping", 4) != 4)
		return (1);
	if (read(pre_fd[1], buf, sizeof(buf)) != 4 || memcmp(buf, "ping", 4))
		return (2);
	iov[0].iov_base = "po";
	iov[0].iov_len = 2;
	iov[1].iov_base = "ng";
	iov[1].iov_len = 2;
	if (writev(pre_fd[1], iov, 2) != 4)
		return (3);
	iov[0].iov_base = buf;
	iov[0].iov_len = 1;
	iov[1].iov_base = buf + 1;
	iov[1].iov_len = 3;
	if (readv(pre_fd[0], iov, 2) != 4 || memcmp(buf, "pong", 4))
		return (4);
	if (send(pre_fd[0], "x", 1, MSG_NOSIGNAL) != 1 ||
	    read(pre_fd[1], buf, 1) != 1)
		return (5);
	return (0);
}

/* imsg passes descriptors: send one end of the pair over itself. */
static int
do_pass_descriptor(void)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	struct msghdr		 msg;
	struct cmsghdr		*cmsg;
	struct iovec		 iov;
	char			 c = 'f';
	int			 fd = pre_fd[0], got;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	if (sendmsg(pre_fd[0], &msg, MSG_NOSIGNAL) != 1)
		return (1);

	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	if (recvmsg(pre_fd[1], &msg, MSG_CMSG_CLOEXEC) != 1)
		return (2);
	if ((cmsg = CMSG_FIRSTHDR(&msg)) == NULL ||
	    cmsg->cmsg_type != SCM_RIGHTS)
		return (3);
	memcpy(&got, CMSG_DATA(cmsg), sizeof(got));
	if (got == fd || write(got, "y", 1) != 1)
		return (4);
	return (close(got) == -1 ? 5 : 0);
}

static int
do_accept_connection(void)
{
	char	buf[4];
	int	s, flags;

	if ((s = accept4(pre_sock, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return (1);
	if ((flags = fcntl(s, F_GETFL)) == -1 ||
	    fcntl(s, F_SETFL, flags & ~O_NONBLOCK) == -1)
		return (2);
	if ((flags = fcntl(s, F_GETFD)) == -1 || !(flags & FD_CLOEXEC) ||
	    fcntl(s, F_SETFD, flags) == -1)
		return (3);
	if (read(s, buf, 4) != 4 || memcmp(buf, "ping", 4) != 0)
		return (4);
	if (write(s, "pong", 4) != 4)
		return (5);
	if (shutdown(s, SHUT_WR) == -1 || close(s) == -1)
		return (6);
	return (0);
}

static int
do_epoll_loop(void)
{
	struct epoll_event	 ev;
	int			 epfd = pre_sock, n;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = pre_fd[1];
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, pre_fd[1], &ev) == -1)
		return (1);
	if (epoll_wait(epfd, &ev, 1, 0) != 0)
		return (2);
	if (write(pre_fd[0], "e", 1) != 1)
		return (3);
	if (epoll_wait(epfd, &ev, 1, 1000) != 1 || ev.data.fd != pre_fd[1])
		return (4);
	if (ioctl(pre_fd[1], FIONREAD, &n) == -1 || n != 1)
		return (5);
	if (epoll_pwait(epfd, &ev, 1, 0, NULL) != 1)
		return (6);
	return (epoll_ctl(epfd, EPOLL_CTL_DEL, pre_fd[1], NULL) == -1 ? 7 : 0);
}

static int
do_clocks(void)
{
	struct timespec	 ts;
	struct timeval	 tv;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (1);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (2);
	if (gettimeofday(&tv, NULL) == -1)
		return (3);
	if (time(NULL) == (time_t)-1)
		return (4);
	/* Past the vDSO, as where the clock source has none. */
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == -1)
		return (5);
	if (syscall(SYS_gettimeofday, &tv, NULL) == -1)
		return (6);
#ifdef SYS_time
	if (syscall(SYS_time, NULL) == -1)
		return (7);
#endif
	return (0);
}

static int
do_malloc_large(void)
{
	size_t	 size = 100 * 1024 * 1024;
	char	*p, *q;

	if ((p = malloc(size)) == NULL)
		return (1);
	memset(p, 'm', size);
	if ((q = realloc(p, 2 * size)) == NULL)
		return (2);
	q[2 * size - 1] = 'r';
	free(q);
	if ((p = calloc(1000, 1000)) == NULL)
		return (3);
	free(p);
	return (0);
}

static int
do_write_stderr(void)
{
	if (fprintf(stderr, "sandboxed stderr\n") < 0 || fflush(stderr) != 0)
		return (1);
	return (0);
}

/* syslog(3) on its socket, and its attempt to reconnect when that fails. */
static int
do_syslog_paths(void)
{
	char	c;
	int	s;

	if (send(pre_fd[0], "<30>log", 7, MSG_NOSIGNAL) != 7 ||
	    read(pre_fd[1], &c, 1) != 1)
		return (1);
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1)
		return (2);
	if (errno != EACCES)
		return (3);
	return (0);
}

static volatile sig_atomic_t	 got_signal;

static void
on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

/*
 * The handler returns (rt_sigreturn) into an interrupted read; then the
 * old disposition goes back, as libevent does when a signal event goes.
 */
static int
do_wait_for_signal(void)
{
	struct sigaction	 sa;
	char			 c;

	while (read(pre_fd[1], &c, 1) == -1)
		if (errno != EINTR)
			return (1);
	if (!got_signal)
		return (2);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	return (sigaction(SIGUSR1, &sa, NULL) == -1 ? 3 : 0);
}

static int
do_timed_wait(void)
{
	struct timespec	 ts = { 0, 400 * 1000 * 1000 };
	uint32_t	 word = 0;

	if (syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts,
	    NULL, 0) != -1 || errno != ETIMEDOUT)
		return (1);
	return (0);
}

static int
do_misc(void)
{
	unsigned char	 buf[16];
	struct stat	 sb;
	uint32_t	 word = 0;

	if (getpid() <= 0)
		return (1);
	if (getrandom(buf, sizeof(buf), 0) != sizeof(buf))
		return (2);
	/* fstat(2) names a descriptor, never a path. */
	if (syscall(SYS_fstat, pre_fd[0], &sb) == -1 || !S_ISSOCK(sb.st_mode))
		return (4);
	if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL,
	    NULL, 0) == -1)
		return (5);
	return (0);
}

/* What malloc(3) does besides mmap: brk, and pages given back or sealed. */
static int
do_memory_calls(void)
{
	char	*p;

	if (syscall(SYS_brk, 0) == -1)
		return (1);
	if ((p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		return (2);
	p[0] = 'x';
	if (madvise(p, 8192, MADV_DONTNEED) == -1)
		return (3);
	if (mprotect(p, 4096, PROT_READ) == -1)
		return (4);
	return (munmap(p, 8192) == -1 ? 5 : 0);
}

/*
 * A large body (http.c): a memfd sized, mapped, written, made read-only
 * and sent from with sendfile(2).
 */
static int
do_memfd_body(void)
{
	char	 buf[8];
	char	*p;
	off_t	 off = 0;
	int	 fd;

	if ((fd = memfd_create("wgmond-test", MFD_CLOEXEC)) == -1)
		return (1);
	if (ftruncate(fd, 8192) == -1)
		return (2);
	if ((p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_POPULATE, fd, 0)) == MAP_FAILED)
		return (3);
	memcpy(p + 4096, "body", 4);
	if (mprotect(p, 8192, PROT_READ) == -1)
		return (4);
	off = 4096;
	if (sendfile(pre_fd[0], fd, &off, 4) != 4 ||
	    read(pre_fd[1], buf, sizeof(buf)) != 4 || memcmp(buf, "body", 4))
		return (5);
	if (munmap(p, 8192) == -1 || close(fd) == -1)
		return (6);
	return (0);
}

/* The last thread's exit(2) ends the process, as _exit(2) does. */
static int
do_thread_exit(void)
{
	syscall(SYS_exit, 0);
	return (1);
}

static void
test_frontend_accepts_on_listening_socket(void **state)
{
	in_port_t	 port;
	pid_t		 pid;
	char		 buf[4];
	int		 s, status;

	(void)state;
	port = listen_loopback();
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		sandbox_frontend();
		_exit(do_accept_connection());
	}
	close(pre_sock);
	assert_true((s = connect_loopback(port)) != -1);
	assert_int_equal(write(s, "ping", 4), 4);
	assert_int_equal(read(s, buf, 4), 4);
	assert_memory_equal(buf, "pong", 4);
	close(s);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_ran(status);
}

static void
test_frontend_writes_to_stderr(void **state)
{
	pid_t	 pid;
	char	 buf[64];
	ssize_t	 n;
	int	 p[2], status;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(100);
		sandbox_frontend();
		_exit(do_write_stderr());
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_ran(status);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "sandboxed stderr\n");
}

static void
test_frontend_handles_signals(void **state)
{
	struct sigaction	 sa, osa;
	pid_t			 pid;
	int			 status;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	assert_int_equal(sigaction(SIGUSR1, &sa, &osa), 0);
	pid = start_sandboxed(sandbox_frontend, do_wait_for_signal);
	sigaction(SIGUSR1, &osa, NULL);
	assert_int_equal(kill(pid, SIGUSR1), 0);
	assert_int_equal(write(pre_fd[0], "s", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_ran(status);
}

/*
 * Sanitizer builds: a UBSan report from a sandboxed process is written
 * whole (its own calls are in the sanitizer block); the process then goes
 * on or exits 1, as halt_on_error says, but is not killed.
 */
static void
test_frontend_sanitizer_report_survives(void **state)
{
#ifdef SANDBOX_SANITIZER
	volatile int	 big = INT_MAX;
	char		 buf[4096];
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], status;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(100);
		sandbox_frontend();
		big = big + 1;
		_exit(0);
	}
	close(p[1]);
	while (len < sizeof(buf) - 1 &&
	    (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_non_null(strstr(buf, "runtime error: signed integer overflow"));
#else
	(void)state;
	skip();
#endif
}

/*
 * A timed wait stopped and continued (SIGSTOP, SIGCONT) goes on through
 * restart_syscall(2).
 */
static void
test_frontend_resumes_timed_wait_after_stop(void **state)
{
	pid_t	pid;
	int	status;

	(void)state;
	pid = start_sandboxed(sandbox_frontend, do_timed_wait);
	usleep(100 * 1000);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_ran(status);
}

static int
do_abort(void)
{
	abort();
}

static void
test_frontend_abort_is_sigabrt(void **state)
{
	int	status;

	(void)state;
	status = run_sandboxed(sandbox_frontend, do_abort);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* What the collector must not do, though it may fork and exec. */

static int
do_socket_packet_high_bits(void)
{
	syscall(SYS_socket, (long)AF_PACKET | (1L << 32), SOCK_RAW, 0);
	return (0);
}

static int
do_socket_raw_inet(void)
{
	socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	return (0);
}

static int
do_socket_raw_inet6(void)
{
	socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	return (0);
}

static int
do_bpf(void)
{
	syscall(SYS_bpf, 0, NULL, 0);
	return (0);
}

static int
do_init_module(void)
{
	syscall(SYS_init_module, NULL, 0, "");
	return (0);
}

static int
do_chroot(void)
{
	chroot("/nonexistent/wgmond-test");
	return (0);
}

static int
do_unshare(void)
{
	syscall(SYS_unshare, CLONE_NEWUSER);
	return (0);
}

/* If it were allowed, both the child and this process would return 0. */
static int
do_clone_newnet(void)
{
	syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, NULL);
	return (0);
}

static int
do_process_vm_readv(void)
{
	syscall(SYS_process_vm_readv, getppid(), NULL, 0, NULL, 0, 0);
	return (0);
}

/* Both NULL: a no-op if it got through. */
static int
do_settimeofday(void)
{
	syscall(SYS_settimeofday, NULL, NULL);
	return (0);
}

static int
do_io_uring_setup(void)
{
	syscall(SYS_io_uring_setup, 1, NULL);
	return (0);
}

static int
do_keyctl(void)
{
	if (syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
	    KEY_SPEC_SESSION_KEYRING, 0) != -1)
		return (1);
	return (errno == ENOSYS ? 0 : 2);
}

/*
 * The rest of the collector's list, each with arguments that would do
 * nothing if the rule were missing (a bad descriptor, pointer or flag).
 */
static const struct denied_call {
	const char	*name;
	long		 nr;
	long		 arg[6];
} collector_killed[] = {
	{ "process_vm_writev", SYS_process_vm_writev, { 0 } },
	{ "pidfd_getfd", SYS_pidfd_getfd, { -1, -1, 0 } },
	{ "umount2", SYS_umount2, { 0 } },
	{ "pivot_root", SYS_pivot_root, { 0 } },
	{ "fsopen", SYS_fsopen, { 0 } },
	{ "fsconfig", SYS_fsconfig, { -1 } },
	{ "fsmount", SYS_fsmount, { -1 } },
	{ "fspick", SYS_fspick, { -1 } },
	{ "move_mount", SYS_move_mount, { -1, 0, -1 } },
	{ "open_tree", SYS_open_tree, { -1 } },
	{ "mount_setattr", SYS_mount_setattr, { -1 } },
	{ "open_by_handle_at", SYS_open_by_handle_at, { -1 } },
	{ "finit_module", SYS_finit_module, { -1 } },
	{ "delete_module", SYS_delete_module, { 0 } },
	{ "kexec_load", SYS_kexec_load, { 0, 0, 0, -1 } },
	{ "kexec_file_load", SYS_kexec_file_load, { -1, -1, 0, 0, -1 } },
	{ "perf_event_open", SYS_perf_event_open, { 0, 0, -1, -1 } },
	{ "userfaultfd", SYS_userfaultfd, { -1 } },
	{ "reboot", SYS_reboot, { 0 } },
	{ "swapon", SYS_swapon, { 0 } },
	{ "swapoff", SYS_swapoff, { 0 } },
	{ "acct", SYS_acct, { 1 } },
#ifdef SYS_iopl
	{ "iopl", SYS_iopl, { 99 } },
	{ "ioperm", SYS_ioperm, { 0 } },
#endif
	{ "clock_settime", SYS_clock_settime, { CLOCK_REALTIME, 0 } },
	{ "clock_adjtime", SYS_clock_adjtime, { CLOCK_REALTIME, 0 } },
	{ "adjtimex", SYS_adjtimex, { 0 } },
	{ "setns", SYS_setns, { -1 } },
	{ "clone CLONE_NEWUSER", SYS_clone, { CLONE_NEWUSER | SIGCHLD } },
	{ "clone CLONE_NEWNS", SYS_clone, { CLONE_NEWNS | SIGCHLD } },
	{ "clone CLONE_NEWPID", SYS_clone, { CLONE_NEWPID | SIGCHLD } },
	{ "clone CLONE_NEWUTS", SYS_clone, { CLONE_NEWUTS | SIGCHLD } },
	{ "clone CLONE_NEWIPC", SYS_clone, { CLONE_NEWIPC | SIGCHLD } },
	{ "clone CLONE_NEWCGROUP", SYS_clone, { CLONE_NEWCGROUP | SIGCHLD } },
	{ "io_uring_enter", SYS_io_uring_enter, { -1 } },
	{ "io_uring_register", SYS_io_uring_register, { -1 } },
	{ "socket SOCK_PACKET", SYS_socket, { AF_INET, SOCK_PACKET } },
};

/* Refused without a kill: see sandbox_linux.c for why. */
static const struct denied_call collector_enosys[] = {
	{ "clone3", SYS_clone3, { 0 } },
	{ "add_key", SYS_add_key, { 0 } },
	{ "request_key", SYS_request_key, { 0 } },
};

static const struct denied_call	*denied;

static int
do_denied_call(void)
{
	if (syscall(denied->nr, denied->arg[0], denied->arg[1],
	    denied->arg[2], denied->arg[3], denied->arg[4],
	    denied->arg[5]) != -1)
		return (1);
	return (errno == ENOSYS ? 0 : 2);
}

static void
test_collector_kills_every_listed_call(void **state)
{
	size_t	i;
	int	status;

	(void)state;
	for (i = 0; i < sizeof(collector_killed) /
	    sizeof(collector_killed[0]); i++) {
		denied = &collector_killed[i];
		status = run_sandboxed(sandbox_collector_daemon, do_denied_call);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail_msg("%s: not killed", denied->name);
	}
}

static void
test_collector_refuses_clone3_and_keys_with_enosys(void **state)
{
	size_t	i;
	int	status;

	(void)state;
	for (i = 0; i < sizeof(collector_enosys) /
	    sizeof(collector_enosys[0]); i++) {
		denied = &collector_enosys[i];
		status = run_sandboxed(sandbox_collector_daemon, do_denied_call);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("%s: not ENOSYS", denied->name);
	}
}

/* What the collector does to run the script. */

static int
spawn_wait(const char *path, char *const argv[])
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		execve(path, argv, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return (-1);
	return (status);
}

static int
do_fork_exec_wait(void)
{
	char	*argv[] = { "true", NULL };
	int	 status;

	status = spawn_wait("/bin/true", argv);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return (1);
	return (0);
}

static int
do_posix_spawn_wait(void)
{
	char	*argv[] = { "true", NULL };
	pid_t	 pid;
	int	 status;

	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0)
		return (1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return (2);
	return (0);
}

static int
do_open_file(void)
{
	char	buf[256];
	int	fd;

	if ((fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC)) == -1)
		return (1);
	if (read(fd, buf, sizeof(buf)) == -1)
		return (2);
	return (close(fd) == -1 ? 3 : 0);
}

/* The script's process group: its own, then SIGTERM to all of it. */
static int
do_kill_process_group(void)
{
	pid_t	pid;
	int	p[2], status;

	if (pipe(p) == -1)
		return (1);
	if ((pid = fork()) == -1)
		return (2);
	if (pid == 0) {
		char	c;

		setpgid(0, 0);
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	if (setpgid(pid, pid) == -1 && errno != EACCES)
		return (3);
	if (kill(-pid, SIGTERM) == -1)
		return (4);
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) ||
	    WTERMSIG(status) != SIGTERM)
		return (5);
	close(p[1]);
	return (0);
}

/* syslog(3), sudo's audit records and wg(8) need these sockets. */
static int
do_local_sockets(void)
{
	int	s;

	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (1);
	close(s);
	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		return (2);
	close(s);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (3);
	close(s);
	return (0);
}

/* sudo is set-user-ID: no_new_privs would keep it from becoming root. */
static int
do_check_no_new_privs(void)
{
	return (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0);
}

static int
do_run_sudo(void)
{
	char	*argv[] = { "sudo", "-n", "/bin/true", NULL };
	int	 status;

	status = spawn_wait("/usr/bin/sudo", argv);
	if (status == -1)
		return (1);
	if (WIFSIGNALED(status))
		return (10 + WTERMSIG(status));
	return (WEXITSTATUS(status) == 0 ? 0 : 2);
}

/* The list holds across exec: a program started later is bound by it. */
static int
do_exec_child_that_ptraces(void)
{
	char	*argv[] = { "test_sandbox", CHILD_ARG, "ptrace", NULL };
	int	 status;

	status = spawn_wait("/proc/self/exe", argv);
	if (status == -1)
		return (1);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		return (2);
	return (0);
}

static void
test_collector_runs_sudo(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/usr/bin/sudo", X_OK) == -1)
		skip();
	assert_ran(run_sandboxed(sandbox_collector_daemon, do_run_sudo));
}

/*
 * The tests that run one act in one sandbox: what it must end in (SIGSYS,
 * or 0 for an act that must run through), and what the act needs made
 * before the sandbox (a fixture).  Each row is a test of its own.
 */
struct sandbox_case {
	const char		*name;
	int			(*act)(void);
	int			 want;
	CMFixtureFunction	 setup;
	CMFixtureFunction	 teardown;
};

#define NONE	NULL, NULL
#define PAIR	setup_socketpair, teardown_socketpair
#define LOGS	setup_log_sockets, teardown_log_sockets
#define INET	setup_inet_socket, teardown_pre_sock
#define EPOLL	setup_epoll, teardown_epoll

static const struct sandbox_case frontend_cases[] = {
	{ "test_frontend_open_is_killed", do_open, SIGSYS, NONE },
	{ "test_frontend_execve_is_killed", do_execve, SIGSYS, NONE },
	{ "test_frontend_fork_is_killed", do_fork, SIGSYS, NONE },
	{ "test_frontend_posix_spawn_is_killed", do_posix_spawn, SIGSYS, NONE },
	{ "test_frontend_inet_socket_is_killed", do_socket_inet, SIGSYS, NONE },
	{ "test_frontend_inet6_socket_is_killed",
	    do_socket_inet6, SIGSYS, NONE },
	{ "test_frontend_packet_socket_is_killed",
	    do_socket_packet, SIGSYS, NONE },
	{ "test_frontend_connect_is_killed", do_connect, SIGSYS, INET },
	{ "test_frontend_ptrace_is_killed", do_ptrace, SIGSYS, NONE },
	{ "test_frontend_mount_is_killed", do_mount, SIGSYS, NONE },
	{ "test_frontend_setuid_is_killed", do_setuid, SIGSYS, NONE },
	{ "test_frontend_kill_is_killed", do_kill, SIGSYS, NONE },
	{ "test_frontend_executable_mmap_is_killed",
	    do_mmap_exec, SIGSYS, NONE },
	{ "test_frontend_mprotect_exec_is_killed",
	    do_mprotect_exec, SIGSYS, NONE },
	{ "test_frontend_fcntl_dupfd_is_killed", do_fcntl_dupfd, SIGSYS, NONE },
	{ "test_frontend_ioctl_other_than_fionread_is_killed",
	    do_ioctl_other, SIGSYS, PAIR },
	{ "test_frontend_sendto_an_address_is_killed",
	    do_sendto_address, SIGSYS, LOGS },
	{ "test_frontend_sendmsg_to_an_address_is_killed",
	    do_sendmsg_address, SIGSYS, LOGS },
	{ "test_frontend_sendmsg_off_the_imsg_socket_is_killed",
	    do_sendmsg_other_fd, SIGSYS, LOGS },
	{ "test_frontend_logs_and_sends_imsg", do_log_and_imsg, 0, LOGS },
	{ "test_frontend_stat_of_a_path_is_killed",
	    do_stat_path, SIGSYS, NONE },
	{ "test_frontend_libc_fstat_is_killed", do_fstat_libc, SIGSYS, NONE },
	{ "test_frontend_memfd_with_other_flags_is_killed",
	    do_memfd_other_flags, SIGSYS, NONE },
	{ "test_frontend_exec_of_a_memfd_is_killed",
	    do_execveat_memfd, SIGSYS, NONE },
	{ "test_frontend_reads_and_writes_open_sockets",
	    do_socketpair_io, 0, PAIR },
	{ "test_frontend_passes_descriptors", do_pass_descriptor, 0, PAIR },
	{ "test_frontend_runs_epoll_loop", do_epoll_loop, 0, EPOLL },
	{ "test_frontend_reads_clocks", do_clocks, 0, NONE },
	{ "test_frontend_allocates_100_mb", do_malloc_large, 0, NONE },
	{ "test_frontend_survives_loss_of_syslog", do_syslog_paths, 0, PAIR },
	{ "test_frontend_keeps_fstat_getpid_getrandom", do_misc, 0, PAIR },
	{ "test_frontend_manages_memory", do_memory_calls, 0, NONE },
	{ "test_frontend_sends_a_body_from_a_memfd", do_memfd_body, 0, PAIR },
	{ "test_frontend_exits_by_thread_exit", do_thread_exit, 0, NONE },
};

static const struct sandbox_case collector_cases[] = {
	{ "test_collector_ptrace_is_killed", do_ptrace, SIGSYS, NONE },
	{ "test_collector_mount_is_killed", do_mount, SIGSYS, NONE },
	{ "test_collector_packet_socket_is_killed",
	    do_socket_packet, SIGSYS, NONE },
	{ "test_collector_packet_socket_with_high_bits_is_killed",
	    do_socket_packet_high_bits, SIGSYS, NONE },
	{ "test_collector_raw_inet_socket_is_killed",
	    do_socket_raw_inet, SIGSYS, NONE },
	{ "test_collector_raw_inet6_socket_is_killed",
	    do_socket_raw_inet6, SIGSYS, NONE },
	{ "test_collector_bpf_is_killed", do_bpf, SIGSYS, NONE },
	{ "test_collector_init_module_is_killed",
	    do_init_module, SIGSYS, NONE },
	{ "test_collector_chroot_is_killed", do_chroot, SIGSYS, NONE },
	{ "test_collector_unshare_is_killed", do_unshare, SIGSYS, NONE },
	{ "test_collector_clone_into_new_namespace_is_killed",
	    do_clone_newnet, SIGSYS, NONE },
	{ "test_collector_process_vm_readv_is_killed",
	    do_process_vm_readv, SIGSYS, NONE },
	{ "test_collector_settimeofday_is_killed",
	    do_settimeofday, SIGSYS, NONE },
	{ "test_collector_io_uring_is_killed",
	    do_io_uring_setup, SIGSYS, NONE },
	{ "test_collector_keyctl_fails_with_enosys", do_keyctl, 0, NONE },
	{ "test_collector_forks_execs_and_waits", do_fork_exec_wait, 0, NONE },
	{ "test_collector_posix_spawn_falls_back_to_clone",
	    do_posix_spawn_wait, 0, NONE },
	{ "test_collector_opens_files", do_open_file, 0, NONE },
	{ "test_collector_kills_process_group",
	    do_kill_process_group, 0, NONE },
	{ "test_collector_makes_unix_netlink_and_tcp_sockets",
	    do_local_sockets, 0, NONE },
	{ "test_collector_leaves_no_new_privs_off",
	    do_check_no_new_privs, 0, NONE },
	{ "test_collector_list_binds_exec_children",
	    do_exec_child_that_ptraces, 0, NONE },
};

static void
run_case(void (*sandbox)(void), const struct sandbox_case *c)
{
	int	status;

	status = run_sandboxed(sandbox, c->act);
	if (c->want == SIGSYS)
		assert_killed(status);
	else
		assert_ran(status);
	/* Whatever the act, nothing of the log socket's reaches elsewhere. */
	if (c->setup == setup_log_sockets)
		assert_abstract_empty();
}

static void
test_frontend_case(void **state)
{
	run_case(sandbox_frontend, *state);
}

static void
test_collector_case(void **state)
{
	run_case(sandbox_collector_daemon, *state);
}

#define NCASES(t)	(sizeof(t) / sizeof((t)[0]))

/* Appends a table's rows to the tests, each a test of its own. */
static size_t
add_cases(struct CMUnitTest *t, const struct sandbox_case *c, size_t n,
    CMUnitTestFunction fn)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		t[i].name = c[i].name;
		t[i].test_func = fn;
		t[i].setup_func = c[i].setup;
		t[i].teardown_func = c[i].teardown;
		t[i].initial_state = (void *)&c[i];
	}
	return (n);
}

int
main(int argc, char *argv[])
{
	struct rlimit		 rl = { 0, 0 };
	const struct CMUnitTest	 others[] = {
		cmocka_unit_test(test_frontend_accepts_on_listening_socket),
		cmocka_unit_test(test_frontend_writes_to_stderr),
		cmocka_unit_test_setup_teardown(test_frontend_handles_signals,
		    setup_socketpair, teardown_socketpair),
		cmocka_unit_test(test_frontend_resumes_timed_wait_after_stop),
		cmocka_unit_test(test_frontend_sanitizer_report_survives),
		cmocka_unit_test(test_frontend_abort_is_sigabrt),
		cmocka_unit_test(test_collector_kills_every_listed_call),
		cmocka_unit_test(
		    test_collector_refuses_clone3_and_keys_with_enosys),
		cmocka_unit_test(test_collector_runs_sudo),
	};
	struct CMUnitTest	 tests[NCASES(frontend_cases) +
	    NCASES(collector_cases) + NCASES(others)];
	size_t			 n = 0;

	/* Children are killed on purpose: no core files from them. */
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		err(1, "setrlimit RLIMIT_CORE");

	/* Re-executed by test_collector_list_binds_exec_children. */
	if (argc == 3 && strcmp(argv[1], CHILD_ARG) == 0 &&
	    strcmp(argv[2], "ptrace") == 0)
		return (do_ptrace());
	n += add_cases(tests + n, frontend_cases, NCASES(frontend_cases),
	    test_frontend_case);
	n += add_cases(tests + n, collector_cases, NCASES(collector_cases),
	    test_collector_case);
	memcpy(tests + n, others, sizeof(others));
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
