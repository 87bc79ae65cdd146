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

/*
 * Every free page of the heap back to the system: for each process
 * after each run.  The peers stay in use, so what goes is what the run
 * allocated and freed, its messages above all (about 3 MB at 100k
 * peers), which would otherwise stay resident until the next run.  The
 * next run faults back in what it writes: about 700 faults at 100k
 * peers, within the noise of a run's CPU.  A rule that trims only when
 * the free heap outgrows what is in use held 6 MB more in the collector.
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
