/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "wgmond.h"
#include "frontend.h"

#define NOW		1765189500
#define NPEERS		50

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

/* A snapshot of NPEERS peers whose counters are rx. */
static struct snapshot *
snapshot_with(uint64_t rx)
{
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*p;
	char		 key[WGM_KEY_MAX];
	int		 i;

	assert_non_null(s = snapshot_new());
	s->time = NOW;
	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	for (i = 0; i < NPEERS; i++) {
		snprintf(key, sizeof(key), "K%040d=", i);
		assert_non_null(p = snapshot_peer_add(s, ifp, key));
		p->status = STATUS_CONNECTED;
		p->handshake = NOW - i;
		p->rx = rx;
		p->flags = PEER_F_HANDSHAKE | PEER_F_RX;
	}
	return (s);
}

/* The snapshot goes to the frontend, which keeps it until the next. */
static void
snapshot_to_http(uint64_t rx)
{
	static struct snapshot	*kept;

	/* As the frontend's state: kept until the next replaces it. */
	snapshot_free(kept);
	kept = snapshot_with(rx);
	http_snapshot(kept);
}

/* A gzip member decodes to exactly the body. */
static void
assert_gunzips_to(const struct body *gz, const struct body *b)
{
	z_stream	 z;
	char		*out;

	assert_non_null(out = malloc(b->len + 1));
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)gz->data;
	z.avail_in = gz->len;
	z.next_out = (unsigned char *)out;
	z.avail_out = b->len + 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, b->len);
	assert_memory_equal(out, b->data, b->len);
	inflateEnd(&z);
	free(out);
}

/*
 * No deflate in a run that no client asks gzip of; the first request for
 * it makes the gzip form, the next ones share it, and an unchanged body
 * keeps it across runs.
 */
static void
test_gzip_made_once_when_asked(void **state)
{
	struct body	*raw, *gz;
	uint64_t	 made;

	(void)state;
	made = http_gzip_made;
	snapshot_to_http(1);
	assert_int_equal(http_gzip_made, made);
	assert_non_null(raw = http_body("/raw", 0));
	assert_null(raw->gz);
	assert_non_null(http_body("/status", 0));
	assert_null(http_body("/status", 0)->gz);
	assert_null(http_body("/metrics", 0)->gz);
	assert_int_equal(http_gzip_made, made);

	assert_non_null(gz = http_body("/raw", 1));
	assert_int_equal(http_gzip_made, made + 1);
	assert_gunzips_to(gz, raw);
	assert_int_equal(strlen(gz->etag), strlen(raw->etag) + 3);
	assert_memory_equal(gz->etag, raw->etag, strlen(raw->etag) - 1);
	assert_string_equal(gz->etag + strlen(raw->etag) - 1, "-gz\"");
	assert_ptr_equal(http_body("/raw", 1), gz);
	assert_int_equal(http_gzip_made, made + 1);

	/* The same content again: the body, its gzip form, nothing new. */
	snapshot_to_http(1);
	assert_ptr_equal(http_body("/raw", 0), raw);
	assert_ptr_equal(http_body("/raw", 1), gz);
	assert_int_equal(http_gzip_made, made + 1);

	/* New content: no gzip form until asked. */
	snapshot_to_http(2);
	assert_ptr_not_equal(raw = http_body("/raw", 0), NULL);
	assert_null(raw->gz);
	assert_null(http_body("/metrics", 0)->gz);
	assert_int_equal(http_gzip_made, made + 1);
	assert_non_null(gz = http_body("/status", 1));
	assert_gunzips_to(gz, http_body("/status", 0));
	assert_non_null(http_body("/metrics", 1));
	assert_int_equal(http_gzip_made, made + 3);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_date_overflow),
		cmocka_unit_test(test_gzip_made_once_when_asked),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
