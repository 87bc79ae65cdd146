/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <malloc.h>
#include <stdint.h>
#include <unistd.h>

#include "wgmond.h"

/* Free heap past which, and past what is in use, a trim gives it back. */
#define HEAP_SLACK_MAX	(8 * 1024 * 1024)

/*
 * The heap's free pages go back to the system when it holds more free
 * than in use, and more than HEAP_SLACK_MAX: after a run far larger than
 * the ones around it (the first, sent whole; a resync), whose messages
 * leave holes no later run fills.  A trim leaves the pages it gives back
 * counted free, so at 100k peers it comes after every run, and the next
 * faults back in the 3 MB its messages take: about 700 faults, within
 * the noise of a run's 70 ms of CPU, for 5 MB less held between runs.
 */
void
heap_trim(void)
{
#ifdef __GLIBC__
	struct mallinfo2	mi = mallinfo2();

	if (mi.fordblks > HEAP_SLACK_MAX && mi.fordblks > mi.uordblks)
		malloc_trim(0);
#endif
}

/*
 * Every free page of the heap back to the system, whatever the slack:
 * for the frontend after each run it applies.  Its peers stay, and a
 * run's messages (about 3 MB at 100k peers) would otherwise stay
 * resident beside them until the next run; faulting them back in costs
 * the frontend about 1 ms a run at 100k peers, a twentieth of its CPU.
 */
void
heap_release(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/*
 * The whole pages inside an allocation of len bytes at p, whose contents
 * are no longer needed, back to the system; the allocation stays, and
 * reads as zeros where they were.  For a room that only a run uses: it
 * is not held between runs, and the next run faults back only the pages
 * it writes, with no free and no realloc.  The pages p shares with the
 * allocations around it are left alone.
 */
void
heap_discard(void *p, size_t len)
{
	uintptr_t	page = sysconf(_SC_PAGESIZE), a, e;

	a = ((uintptr_t)p + page - 1) & ~(page - 1);
	e = ((uintptr_t)p + len) & ~(page - 1);
	if (e <= a)
		return;
#ifdef __linux__
	(void)madvise((void *)a, e - a, MADV_DONTNEED);
#else
	(void)madvise((void *)a, e - a, MADV_FREE);
#endif
}
