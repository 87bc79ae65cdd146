/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* AT_EMPTY_PATH; this file is Linux only. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <linux/sched.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "sandbox.h"
#include "wgmond.h"

#ifdef SANDBOX_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

/*
 * With -DSANDBOX_DEBUG a forbidden call is logged by the kernel (audit or
 * the kernel log, "type=SECCOMP ... syscall=N") and then performed, so one
 * run finds every call that is missing from the frontend's list.
 */
#ifdef SANDBOX_DEBUG
#define SANDBOX_KILL		SCMP_ACT_LOG
#else
#define SANDBOX_KILL		SCMP_ACT_KILL_PROCESS
#endif

/* An int argument is compared on its low 32 bits: the kernel reads no more. */
#define INT32			0xffffffffULL

/*
 * A rule is a system call, an action and up to two argument tests (ARG),
 * all of which must hold. ARG() expands to a braced list with commas,
 * hence the variadic macros around it.
 */
#define ARG(n, op, a, b)	{ (n), (op), (a), (b) }
#define RULE(act, sys)		{ #sys, SCMP_SYS(sys), (act), 0, { { 0 } } }
#define RULE1(act, sys, ...) \
	{ #sys, SCMP_SYS(sys), (act), 1, { __VA_ARGS__ } }
#define RULE2(act, sys, ...) \
	{ #sys, SCMP_SYS(sys), (act), 2, { __VA_ARGS__ } }
#define ALLOW(sys)		RULE(SCMP_ACT_ALLOW, sys)
#define ALLOW1(sys, ...)	RULE1(SCMP_ACT_ALLOW, sys, __VA_ARGS__)
#define KILL(sys)		RULE(SANDBOX_KILL, sys)
#define KILL1(sys, ...)		RULE1(SANDBOX_KILL, sys, __VA_ARGS__)
#define KILL2(sys, ...)		RULE2(SANDBOX_KILL, sys, __VA_ARGS__)

#define NRULES(t)		(sizeof(t) / sizeof((t)[0]))

/* Where a mapping must not become executable. */
#define NOEXEC(n)		ARG(n, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)

struct sandbox_rule {
	const char		*name;
	int			 nr;
	uint32_t		 action;
	unsigned int		 narg;
	struct scmp_arg_cmp	 arg[2];
};

static scmp_filter_ctx	sandbox_init(uint32_t);
static void		sandbox_add(scmp_filter_ctx,
			    const struct sandbox_rule *, size_t);
static void		sandbox_load(scmp_filter_ctx);

/*
 * Everything the frontend does once it serves: the libevent epoll loop,
 * evhttp on the listening socket it already has, imsg on fd 3, log lines
 * to stderr or to the syslog socket the collector passed (logger.c), and
 * malloc.
 * Anything else, opening a file or a socket, exec, fork, kills it.
 */
static const struct sandbox_rule frontend_rules[] = {
	/* libevent's signal socketpair, read by the loop. */
	ALLOW(read),
	/* evbuffer_read(): HTTP requests. */
	ALLOW(readv),
	/* Log lines to stderr (-d); libevent's signal handler. */
	ALLOW(write),
	/* evbuffer_write(): HTTP responses. */
	ALLOW(writev),
	/*
	 * A large body is a memfd (http.c): made close-on-exec and nothing
	 * else (no MFD_EXEC, no sealing, no huge pages), sized, mapped and
	 * sent from with sendfile(2).  It holds only what the frontend
	 * wrote into it; no other file can be opened to be sent, and
	 * execveat(2) of a memfd kills like any exec.  ftruncate also
	 * reaches stderr, which with -d may be a file: one the frontend
	 * can already write anything to.
	 */
	ALLOW1(memfd_create, ARG(1, SCMP_CMP_MASKED_EQ, INT32, MFD_CLOEXEC)),
	ALLOW(ftruncate),
	ALLOW(sendfile),
	/* imsg from the collector, descriptors included (SCM_RIGHTS). */
	ALLOW(recvmsg),
	/*
	 * send(2): log lines on the connected syslog socket (logger.c).
	 * Never to an address: through a datagram socket that would reach
	 * any abstract Unix socket, a namespace the chroot does not cover.
	 */
	ALLOW1(sendto, ARG(4, SCMP_CMP_EQ, 0, 0)),
	/*
	 * imsg to the collector.  The msghdr, address included, is out of
	 * the filter's sight, so only on the imsg socket, a connected
	 * stream where the kernel refuses an address (EISCONN).
	 */
	ALLOW1(sendmsg, ARG(0, SCMP_CMP_MASKED_EQ, INT32,
	    FRONTEND_IMSG_FD)),
	/* evconnlistener takes connections with SOCK_NONBLOCK|SOCK_CLOEXEC. */
	ALLOW(accept4),
	/* Connections done with, and received descriptors. */
	ALLOW(close),
	/* evhttp half-closes a connection before it closes it. */
	ALLOW(shutdown),
	/* The event loop. */
	ALLOW(epoll_wait),
	ALLOW(epoll_pwait),
	ALLOW(epoll_ctl),
	/* Making descriptors non-blocking and close-on-exec, nothing else. */
	ALLOW1(fcntl, ARG(1, SCMP_CMP_EQ, F_GETFL, 0)),
	ALLOW1(fcntl, ARG(1, SCMP_CMP_EQ, F_SETFL, 0)),
	ALLOW1(fcntl, ARG(1, SCMP_CMP_EQ, F_GETFD, 0)),
	ALLOW1(fcntl, ARG(1, SCMP_CMP_EQ, F_SETFD, 0)),
	/* evbuffer_read() asks how much is waiting. */
	ALLOW1(ioctl, ARG(1, SCMP_CMP_EQ, FIONREAD, 0)),
	/* Timeouts and timestamps, where the vDSO falls back to the kernel. */
	ALLOW(clock_gettime),
	ALLOW(gettimeofday),
	ALLOW(time),
	/* malloc(3); no mapping may be executable. */
	ALLOW(brk),
	ALLOW1(mmap, NOEXEC(2)),
	ALLOW1(mprotect, NOEXEC(2)),
	ALLOW(munmap),
	ALLOW(mremap),
	ALLOW(madvise),
	/* Return from a signal handler (libevent's), restart what it broke. */
	ALLOW(rt_sigreturn),
	ALLOW(restart_syscall),
	/*
	 * libevent installs a handler when a signal event is added and puts
	 * the old one back when it is deleted.
	 */
	ALLOW(rt_sigaction),
	/*
	 * abort(3), from a libevent assertion: unblock SIGABRT and send it to
	 * this thread, so the parent sees SIGABRT, not a sandbox violation.
	 * No other process runs as the frontend's user to be reached.
	 */
	ALLOW(rt_sigprocmask),
	ALLOW(gettid),
	ALLOW1(tgkill, ARG(2, SCMP_CMP_EQ, SIGABRT, 0)),
	/* exit(3) and _exit(2); exit(2) ends a thread, the last one too. */
	ALLOW(exit_group),
	ALLOW(exit),
	/*
	 * fstat(2) names a descriptor, never a path.  Not newfstatat(2),
	 * glibc's fstat(3): with AT_EMPTY_PATH it still resolves a path that
	 * is not empty, and the filter cannot see the path.  SANDBOX_DEBUG
	 * runs of the integration tests show the frontend makes neither.
	 */
	ALLOW(fstat),
	/* syslog(3) with LOG_PID asks for every message. */
	ALLOW(getpid),
	/* arc4random(3), libbsd's or glibc's, seeds itself on first use. */
	ALLOW(getrandom),
	/* glibc's internal locks (stdio, malloc) when contended. */
	ALLOW(futex),
	/*
	 * The frontend logs through logger.c, which asks the collector for
	 * a new socket when syslogd restarts.  Should glibc's syslog(3) be
	 * reached all the same, it would try a socket of its own: refusing
	 * it costs a line, where killing would cost the daemon.
	 */
	RULE1(SCMP_ACT_ERRNO(EACCES), socket,
	    ARG(0, SCMP_CMP_MASKED_EQ, INT32, AF_UNIX)),
};

/*
 * The collector runs the script through sudo, so it keeps fork, exec,
 * files, pipes, signals and sockets: it gets a deny-list of the calls that
 * only an attacker would make, and everything it starts (sudo, bash, wg)
 * inherits the list, which must therefore leave them what they use.
 */
static const struct sandbox_rule collector_rules[] = {
	/* Reading or writing other processes. */
	KILL(ptrace),
	KILL(process_vm_readv),
	KILL(process_vm_writev),
	KILL(pidfd_getfd),
	/* The file system tree; the frontend was chrooted before this. */
	KILL(mount),
	KILL(umount2),
	KILL(pivot_root),
	KILL(chroot),
	KILL(fsopen),
	KILL(fsconfig),
	KILL(fsmount),
	KILL(fspick),
	KILL(move_mount),
	KILL(open_tree),
	KILL(mount_setattr),
	KILL(open_by_handle_at),
	/* The kernel itself. */
	KILL(init_module),
	KILL(finit_module),
	KILL(delete_module),
	KILL(kexec_load),
	KILL(kexec_file_load),
	KILL(bpf),
	KILL(perf_event_open),
	KILL(userfaultfd),
	KILL(reboot),
	KILL(swapon),
	KILL(swapoff),
	KILL(acct),
	KILL(iopl),
	KILL(ioperm),
	/* The system clock, which the status ages are computed from. */
	KILL(settimeofday),
	KILL(clock_settime),
	KILL(clock_adjtime),
	KILL(adjtimex),
	/* Namespaces, made or joined (clone's flags are its first argument). */
	KILL(setns),
	KILL(unshare),
	KILL1(clone, ARG(0, SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)),
	KILL1(clone, ARG(0, SCMP_CMP_MASKED_EQ, CLONE_NEWNS, CLONE_NEWNS)),
	KILL1(clone, ARG(0, SCMP_CMP_MASKED_EQ, CLONE_NEWPID, CLONE_NEWPID)),
	KILL1(clone, ARG(0, SCMP_CMP_MASKED_EQ, CLONE_NEWNET, CLONE_NEWNET)),
	KILL1(clone, ARG(0, SCMP_CMP_MASKED_EQ, CLONE_NEWUTS, CLONE_NEWUTS)),
	KILL1(clone, ARG(0, SCMP_CMP_MASKED_EQ, CLONE_NEWIPC, CLONE_NEWIPC)),
	KILL1(clone, ARG(0, SCMP_CMP_MASKED_EQ, CLONE_NEWCGROUP,
	    CLONE_NEWCGROUP)),
	/*
	 * clone3(2) passes its flags in memory, out of the filter's sight:
	 * ENOSYS makes glibc fall back to clone(2), which is checked above.
	 */
	RULE(SCMP_ACT_ERRNO(ENOSYS), clone3),
	/* io_uring does socket, open, connect with no system call to filter. */
	KILL(io_uring_setup),
	KILL(io_uring_enter),
	KILL(io_uring_register),
	/*
	 * Packet and raw IP sockets. Raw netlink stays: wg(8) reads the
	 * interfaces over it and sudo writes its audit records to it.
	 */
	KILL1(socket, ARG(0, SCMP_CMP_MASKED_EQ, INT32, AF_PACKET)),
	KILL2(socket, ARG(0, SCMP_CMP_MASKED_EQ, INT32, AF_INET),
	    ARG(1, SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW)),
	KILL2(socket, ARG(0, SCMP_CMP_MASKED_EQ, INT32, AF_INET6),
	    ARG(1, SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW)),
	KILL2(socket, ARG(0, SCMP_CMP_MASKED_EQ, INT32, AF_INET),
	    ARG(1, SCMP_CMP_MASKED_EQ, 0xf, SOCK_PACKET)),
	/*
	 * The kernel keyrings. PAM's pam_keyinit, in sudo's stack on some
	 * systems, takes ENOSYS as a kernel without keyrings and goes on,
	 * where a kill would fail every run.
	 */
	RULE(SCMP_ACT_ERRNO(ENOSYS), keyctl),
	RULE(SCMP_ACT_ERRNO(ENOSYS), add_key),
	RULE(SCMP_ACT_ERRNO(ENOSYS), request_key),
};

#ifdef SANDBOX_SANITIZER
/*
 * Sanitizer builds only (ASan with or without UBSan): what the runtime does
 * on its own in a sandboxed frontend. Two things cannot be allowed and must
 * be turned off in the environment of a sandboxed process:
 * - leak detection, ASAN_OPTIONS=detect_leaks=0: at exit LSan stops the
 *   world with clone and ptrace (off by default in such a build too:
 *   collector.c's __asan_default_options);
 * - symbolization, ASAN_OPTIONS=symbolize=0: the symbolizer opens the
 *   binary and its libraries with openat, like any open(3). Without it a
 *   report still names module and offset (from the maps cached below), for
 *   addr2line; with it a report stops after its first line, by SIGSYS.
 */
static const struct sandbox_rule sanitizer_rules[] = {
	/* The _exit(2) interceptor takes down the alternate signal stack. */
	ALLOW(sigaltstack),
	/* A report asks whether stderr is a terminal, for colours. */
	ALLOW1(ioctl, ARG(1, SCMP_CMP_EQ, TCGETS, 0)),
	/*
	 * It reads /proc/self/exe and /proc/self/maps with the raw calls,
	 * which glibc does not use; refused, it falls back to its cache.
	 */
	RULE(SCMP_ACT_ERRNO(EACCES), readlink),
	RULE(SCMP_ACT_ERRNO(EACCES), open),
};
#endif

void
sandbox_frontend(void)
{
	struct rlimit	 rl;
	scmp_filter_ctx	 ctx;

	/*
	 * Not RLIMIT_FSIZE 0: with -d stderr may be a regular file, and a
	 * write to it would then raise SIGXFSZ; the filter already keeps the
	 * frontend from opening any file.
	 */
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_NPROC, &rl) == -1)
		fatal("setrlimit RLIMIT_NPROC");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	ctx = sandbox_init(SANDBOX_KILL);
	sandbox_add(ctx, frontend_rules, NRULES(frontend_rules));
#ifdef SANDBOX_SANITIZER
	sandbox_add(ctx, sanitizer_rules, NRULES(sanitizer_rules));
	/* The runtime caches /proc/self/maps, which it could not open later. */
	__sanitizer_sandbox_on_notify(NULL);
#endif
	sandbox_load(ctx);
}

/* The filter cannot see paths: exec_path is OpenBSD's unveil's. */
void
sandbox_collector(const char *exec_path)
{
	scmp_filter_ctx	 ctx;

	(void)exec_path;
	/*
	 * No PR_SET_NO_NEW_PRIVS here: the collector is root, so loading
	 * the filter needs none (CAP_SYS_ADMIN), and it would survive into
	 * the script, where a setuid or file-capability program would
	 * silently run without its privileges.
	 */
	ctx = sandbox_init(SCMP_ACT_ALLOW);
	sandbox_add(ctx, collector_rules, NRULES(collector_rules));
	sandbox_load(ctx);
}

static scmp_filter_ctx
sandbox_init(uint32_t defact)
{
	scmp_filter_ctx	 ctx;
	int		 rc;

	if ((ctx = seccomp_init(defact)) == NULL)
		fatalx("%s: seccomp_init", __func__);
	/*
	 * Only the native ABI is in the filter; a call made through another
	 * (i386 or x32 on x86_64) would dodge the rules, so it kills.
	 * no_new_privs is set by the caller or not at all.
	 */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) != 0) {
		errno = -rc;
		fatal("%s: seccomp_attr_set", __func__);
	}
	return (ctx);
}

static void
sandbox_add(scmp_filter_ctx ctx, const struct sandbox_rule *rules, size_t n)
{
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++) {
		/* A call this architecture does not have needs no rule. */
		if (rules[i].nr < 0)
			continue;
		if ((rc = seccomp_rule_add_array(ctx, rules[i].action,
		    rules[i].nr, rules[i].narg, rules[i].arg)) != 0) {
			errno = -rc;
			fatal("%s: seccomp_rule_add %s", __func__,
			    rules[i].name);
		}
	}
}

static void
sandbox_load(scmp_filter_ctx ctx)
{
	int	rc;

	if ((rc = seccomp_load(ctx)) != 0) {
		errno = -rc;
		fatal("%s: seccomp_load", __func__);
	}
	seccomp_release(ctx);
}
