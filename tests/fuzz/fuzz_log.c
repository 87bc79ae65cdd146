/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * common/log.c for the fuzz targets: nothing is written (libFuzzer runs
 * millions of inputs, each of which may log), and a fatal error either
 * returns to the target or aborts, never exit()s, which libFuzzer would
 * not report.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "fuzz.h"

jmp_buf	*fuzz_fatal_jmp;
int	 fuzz_fatals;

void
log_init(int n_debug, int facility)
{
	(void)n_debug;
	(void)facility;
}

void
log_procinit(const char *procname)
{
	(void)procname;
}

void
log_setverbose(int v)
{
	(void)v;
}

void
log_setsink(void (*sink)(int, const char *))
{
	(void)sink;
}

/* The arguments are still formatted: a bad one is a finding too. */
void
vlog(int pri, const char *fmt, va_list ap)
{
	char	buf[256];

	(void)pri;
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
log_event(int pri, const char *line)
{
	(void)pri;
	(void)line;
}

#define LOG_FUNC(name)					\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	ap;					\
							\
	va_start(ap, fmt);				\
	vlog(0, fmt, ap);				\
	va_end(ap);					\
}
LOG_FUNC(log_warn)
LOG_FUNC(log_warnx)
LOG_FUNC(log_info)
LOG_FUNC(log_debug)

static void __attribute__((__noreturn__))
fuzz_fatal(const char *fmt, va_list ap)
{
	char	buf[256] = "";

	if (fmt != NULL)
		(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	fuzz_fatals++;
	if (fuzz_fatal_jmp != NULL)
		longjmp(*fuzz_fatal_jmp, 1);
	fprintf(stderr, "fatal: %s\n", buf);
	abort();
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fuzz_fatal(fmt, ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fuzz_fatal(fmt, ap);
}
