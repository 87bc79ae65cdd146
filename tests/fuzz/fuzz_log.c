/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the fuzz targets change of common/log.c, which they link: nothing
 * is written (libFuzzer runs millions of inputs, each of which may log),
 * and a fatal error either returns to the target or aborts, never
 * exit()s, which libFuzzer would not report.  The GNUmakefile renames
 * log.c's own fatal() and fatalx() away.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "fuzz.h"

jmp_buf	*fuzz_fatal_jmp;
int	 fuzz_fatals;

static void
fuzz_discard(int pri, const char *line)
{
	(void)pri;
	(void)line;
}

/*
 * Before any target runs.  Lines still get formatted, debug ones too: a
 * bad argument is a finding.
 */
static void __attribute__((__constructor__))
fuzz_log_init(void)
{
	log_setsink(fuzz_discard);
	log_setverbose(1);
}

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
