/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wgmond.h"
#include "frontend.h"

static void
test_date(void **state)
{
	char	buf[64];

	(void)state;
	assert_int_equal(http_date(buf, sizeof(buf), 1765189500), 0);
	assert_string_equal(buf, "Mon, 08 Dec 2025 10:25:00 GMT");
	assert_int_equal(http_date(buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* A time whose year does not fit a struct tm has no date to give. */
static void
test_date_overflow(void **state)
{
	char	buf[64];

	(void)state;
	assert_int_equal(http_date(buf, sizeof(buf), INT64_MAX), -1);
	assert_int_equal(http_date(buf, sizeof(buf), INT64_MIN), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_date_overflow),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
