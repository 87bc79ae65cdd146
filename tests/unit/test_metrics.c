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
#include <event2/buffer.h>

#include "wgmond.h"
#include "frontend.h"
#include "unit.h"

#define KEY_A		"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="

static char *
render_peers(const struct snapshot *s)
{
	return (unit_render(metrics_render_peers, s));
}

/* A string of n copies of c, and the same escaped: "\\" c each. */
static void
repeat(char *buf, char *esc, int c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		buf[i] = c;
		esc[2 * i] = '\\';
		esc[2 * i + 1] = c;
	}
	buf[n] = '\0';
	esc[2 * n] = '\0';
}

/*
 * The longest values the structs hold, made only of characters that the
 * format escapes, double in length and still give whole lines.
 */
static void
test_longest_values_all_escaped_render_whole(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;
	char		 name[WGM_NAME_MAX], ename[2 * WGM_NAME_MAX];
	char		 ep[WGM_ENDPOINT_MAX], eep[2 * WGM_ENDPOINT_MAX];
	char		 want[1024], *got;

	repeat(name, ename, '"', sizeof(name) - 1);
	repeat(ep, eep, '\\', sizeof(ep) - 1);
	assert_non_null(ifp = snapshot_iface_add(s, name));
	assert_non_null(p = snapshot_peer_add(s, ifp, KEY_A));
	p->flags |= PEER_F_ENDPOINT;
	assert_int_equal(snapshot_peer_set_endpoint(s, p, ep), 0);
	got = render_peers(s);
	snprintf(want, sizeof(want), "\nwireguard_peer_info{device=\"%s\","
	    "public_key=\"" KEY_A "\",endpoint=\"%s\",name=\"\"} 1\n",
	    ename, eep);
	assert_non_null(strstr(got, want));
	free(got);
}

static void
test_newline_in_allowed_ip_is_escaped(void **state)
{
	struct snapshot	*s = *state;
	struct iface	*ifp;
	struct peer	*p;
	char		*got;

	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	assert_non_null(p = snapshot_peer_add(s, ifp, KEY_A));
	assert_int_equal(snapshot_peer_add_aip(s, p, "a\nb"), 0);
	got = render_peers(s);
	assert_non_null(strstr(got, "\nwireguard_peer_allowed_ips_info{"
	    "device=\"wg0\",public_key=\"" KEY_A "\",allowed_ips=\"a\\nb\","
	    "family=\"IPv4\"} 1\n"));
	free(got);
}

/* Every family has its HELP and TYPE, even with nothing to count. */
static void
test_empty_snapshot_has_every_peer_family(void **state)
{
	static const char	*families[] = {
		"wireguard_device_info gauge", "wireguard_peer_info gauge",
		"wireguard_peer_allowed_ips_info gauge",
		"wireguard_peer_receive_bytes_total counter",
		"wireguard_peer_transmit_bytes_total counter",
		"wireguard_peer_last_handshake_seconds gauge",
		"wgmond_peer_status gauge", "wgmond_peers gauge"
	};
	char			 line[128], *got;
	size_t			 i;

	got = render_peers(*state);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		snprintf(line, sizeof(line), "# TYPE %s\n", families[i]);
		assert_non_null(strstr(got, line));
	}
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_longest_values_all_escaped_render_whole,
		    unit_snapshot_setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_newline_in_allowed_ip_is_escaped,
		    unit_snapshot_setup, unit_snapshot_teardown),
		cmocka_unit_test_setup_teardown(
		    test_empty_snapshot_has_every_peer_family,
		    unit_snapshot_setup, unit_snapshot_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
