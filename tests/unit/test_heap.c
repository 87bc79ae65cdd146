/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * heap_discard: a room that only a run uses leaves memory between runs
 * (its whole pages are no longer resident), and stays the caller's to
 * write again; the pages it shares with other allocations are kept.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wgmond.h"
#include "unit.h"

#define ROOM	(4 * 1024 * 1024)

/* How many of the pages from a to a + len are resident. */
static size_t
resident(const char *a, size_t len)
{
	uintptr_t	 page = sysconf(_SC_PAGESIZE);
	uintptr_t	 from = (uintptr_t)a & ~(page - 1);
	size_t		 n, i, count = 0;
	unsigned char	*vec;

	n = ((uintptr_t)a + len - from + page - 1) / page;
	assert_non_null(vec = calloc(n, 1));
	assert_int_equal(mincore((void *)from, n * page, vec), 0);
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return (count);
}

static void
test_discarded_room_leaves_memory_and_stays_usable(void **state)
{
	size_t	 page = sysconf(_SC_PAGESIZE), pages = ROOM / page;
	char	*room;

	(void)state;
	assert_non_null(room = malloc(ROOM));
	memset(room, 0xa5, ROOM);
	assert_true(resident(room, ROOM) >= pages - 1);
	heap_discard(room, ROOM);
	/* At most the two pages it shares with its neighbours stay. */
	assert_true(resident(room, ROOM) <= 2);
	/* Written again, it holds what is written. */
	memset(room, 0x5a, ROOM);
	assert_int_equal(room[0], 0x5a);
	assert_int_equal(room[ROOM / 2], 0x5a);
	assert_int_equal(room[ROOM - 1], 0x5a);
	free(room);
}

static void
test_pages_shared_with_neighbours_are_kept(void **state)
{
	size_t	 page = sysconf(_SC_PAGESIZE);
	char	*block, *room;
	void	*v = NULL;

	(void)state;
	/* A room from the middle of page 1 to the middle of page 5. */
	assert_int_equal(posix_memalign(&v, page, 8 * page), 0);
	block = v;
	memset(block, 0x11, 8 * page);
	room = block + page + page / 2;
	heap_discard(room, 4 * page);
	/* Pages 2 to 4, its whole ones, are gone. */
	assert_int_equal(block[2 * page], 0);
	assert_int_equal(block[5 * page - 1], 0);
	/* The rest of pages 1 and 5, and the pages around, are kept. */
	assert_int_equal(block[0], 0x11);
	assert_int_equal(block[2 * page - 1], 0x11);
	assert_int_equal(room[0], 0x11);
	assert_int_equal(block[5 * page], 0x11);
	assert_int_equal(room[4 * page - 1], 0x11);
	assert_int_equal(block[8 * page - 1], 0x11);
	free(block);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_discarded_room_leaves_memory_and_stays_usable),
		cmocka_unit_test(test_pages_shared_with_neighbours_are_kept),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
