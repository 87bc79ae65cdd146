/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collector.h"

#define ARGV_MAX	32

#define ENV_SCRIPT	"WIREGUARD_MONITOR_WG_JSON_SCRIPT"
#define ENV_CONNECTED	"WIREGUARD_MONITOR_CONNECTED_INTERVAL"
#define ENV_DISCONN	"WIREGUARD_MONITOR_DISCONNECTED_INTERVAL"
#define ENV_CHECK	"WIREGUARD_MONITOR_CHECK_INTERVAL"
#define ENV_HOST	"WIREGUARD_MONITOR_HOST"
#define ENV_PORT	"WIREGUARD_MONITOR_PORT"
#define ENV_TIMEOUT	"WIREGUARD_MONITOR_SCRIPT_TIMEOUT"
#define ENV_USER	"WIREGUARD_MONITOR_USER"
#define ENV_CHROOT	"WIREGUARD_MONITOR_CHROOT"
#define ENV_NAMES	"WIREGUARD_MONITOR_PEER_NAMES"

#define USAGE_TEXT							\
	"usage: wgmond [-dnv] [-C connected] [-D disconnected] [-i check] " \
	"[-l address:port]\n"						\
	"              [-N names] [-r chroot] [-s script] [-t timeout] " \
	"[-u user]"

struct fixture {
	struct config	 conf;
	char		 err[1024];
};

/* The four numeric settings, by flag and by variable. */
static const struct {
	const char	*flag;
	const char	*env;
} numeric[] = {
	{ "-C", ENV_CONNECTED },
	{ "-D", ENV_DISCONN },
	{ "-i", ENV_CHECK },
	{ "-t", ENV_TIMEOUT },
};

static const char *envs[] = {
	ENV_SCRIPT, ENV_CONNECTED, ENV_DISCONN, ENV_CHECK, ENV_HOST,
	ENV_PORT, ENV_TIMEOUT, ENV_USER, ENV_CHROOT, ENV_NAMES,
};

static int
setup(void **state)
{
	struct fixture	*t;
	size_t		 i;

	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		unsetenv(envs[i]);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	*state = t;
	return (0);
}

static int
teardown(void **state)
{
	free(*state);
	return (0);
}

/* Runs config_init on "wgmond" and the flags given, up to a NULL. */
static int
run(struct fixture *t, ...)
{
	va_list	 ap;
	char	*argv[ARGV_MAX];
	int	 argc = 0;

	argv[argc++] = "wgmond";
	va_start(ap, t);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		assert_true(++argc < ARGV_MAX);
	va_end(ap);
	t->err[0] = '\0';
	return (config_init(&t->conf, argc, argv, t->err, sizeof(t->err)));
}

/* The error is one line that names where the value came from and it. */
static void
assert_error_names(const struct fixture *t, const char *name,
    const char *value, const char *why)
{
	char	quoted[256];

	snprintf(quoted, sizeof(quoted), "\"%s\"", value);
	if (strstr(t->err, name) == NULL || strstr(t->err, quoted) == NULL ||
	    strstr(t->err, why) == NULL || strchr(t->err, '\n') != NULL)
		fail_msg("error \"%s\" should name %s, %s and say \"%s\"",
		    t->err, name, quoted, why);
}

/* Each numeric flag and variable rejects the value, saying why. */
static void
assert_number_rejected(struct fixture *t, const char *value, const char *why)
{
	size_t	i;

	for (i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++) {
		assert_int_equal(run(t, numeric[i].flag, value, NULL), -1);
		assert_error_names(t, numeric[i].flag, value, why);

		setenv(numeric[i].env, value, 1);
		assert_int_equal(run(t, NULL), -1);
		assert_error_names(t, numeric[i].env, value, why);
		unsetenv(numeric[i].env);
	}
}

static void
test_defaults(void **state)
{
	struct fixture			*t = *state;
	const struct sockaddr_in	*sin;

	assert_int_equal(run(t, NULL), 0);
	assert_string_equal(t->conf.script, "tools/wg-json");
	assert_int_equal(t->conf.connected, 180);
	assert_int_equal(t->conf.disconnected, 240);
	assert_int_equal(t->conf.check_interval, 10);
	assert_int_equal(t->conf.timeout, 10);
	assert_string_equal(t->conf.host, "127.0.0.1");
	assert_string_equal(t->conf.port, "5000");
	assert_string_equal(t->conf.listen, "127.0.0.1:5000");
	assert_string_equal(t->conf.user, "_wgmon");
	assert_string_equal(t->conf.chroot, "/var/empty");
	assert_int_equal(t->conf.debug, 0);
	assert_int_equal(t->conf.noaction, 0);
	assert_int_equal(t->conf.verbose, 0);

	sin = (const struct sockaddr_in *)&t->conf.listen_ss;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(t->conf.listen_len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(sin->sin_port), 5000);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
}

static void
test_environment_sets_each_setting(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_SCRIPT, "/usr/local/libexec/wg-json", 1);
	setenv(ENV_CONNECTED, "60", 1);
	setenv(ENV_DISCONN, "120", 1);
	setenv(ENV_CHECK, "5", 1);
	setenv(ENV_TIMEOUT, "3", 1);
	setenv(ENV_HOST, "10.1.2.3", 1);
	setenv(ENV_PORT, "8080", 1);
	setenv(ENV_USER, "nobody", 1);
	setenv(ENV_CHROOT, "/var/lib/wgmond", 1);

	assert_int_equal(run(t, NULL), 0);
	assert_string_equal(t->conf.script, "/usr/local/libexec/wg-json");
	assert_int_equal(t->conf.connected, 60);
	assert_int_equal(t->conf.disconnected, 120);
	assert_int_equal(t->conf.check_interval, 5);
	assert_int_equal(t->conf.timeout, 3);
	assert_string_equal(t->conf.host, "10.1.2.3");
	assert_string_equal(t->conf.port, "8080");
	assert_string_equal(t->conf.listen, "10.1.2.3:8080");
	assert_string_equal(t->conf.user, "nobody");
	assert_string_equal(t->conf.chroot, "/var/lib/wgmond");
}

static void
test_environment_ipv6_host_needs_no_brackets(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_HOST, "::1", 1);
	assert_int_equal(run(t, NULL), 0);
	assert_int_equal(t->conf.listen_ss.ss_family, AF_INET6);
	assert_string_equal(t->conf.listen, "[::1]:5000");
}

static void
test_flags_set_each_setting(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-s", "/usr/local/libexec/wg-json",
	    "-C", "60", "-D", "120", "-i", "5", "-t", "3",
	    "-l", "10.1.2.3:8080", "-u", "nobody", "-r", "/var/lib/wgmond",
	    NULL), 0);
	assert_string_equal(t->conf.script, "/usr/local/libexec/wg-json");
	assert_int_equal(t->conf.connected, 60);
	assert_int_equal(t->conf.disconnected, 120);
	assert_int_equal(t->conf.check_interval, 5);
	assert_int_equal(t->conf.timeout, 3);
	assert_string_equal(t->conf.host, "10.1.2.3");
	assert_string_equal(t->conf.port, "8080");
	assert_string_equal(t->conf.listen, "10.1.2.3:8080");
	assert_string_equal(t->conf.user, "nobody");
	assert_string_equal(t->conf.chroot, "/var/lib/wgmond");
}

static void
test_switches_set_debug_noaction_and_verbosity(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-dn", "-vv", "-v", NULL), 0);
	assert_int_equal(t->conf.debug, 1);
	assert_int_equal(t->conf.noaction, 1);
	assert_int_equal(t->conf.verbose, 3);
}

static void
test_flag_overrides_environment(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_SCRIPT, "/env/wg-json", 1);
	setenv(ENV_CONNECTED, "60", 1);
	setenv(ENV_DISCONN, "120", 1);
	setenv(ENV_CHECK, "5", 1);
	setenv(ENV_TIMEOUT, "3", 1);
	setenv(ENV_HOST, "10.1.2.3", 1);
	setenv(ENV_PORT, "8080", 1);
	setenv(ENV_USER, "envuser", 1);
	setenv(ENV_CHROOT, "/env/root", 1);

	assert_int_equal(run(t, "-s", "/flag/wg-json", "-C", "70",
	    "-D", "130", "-i", "6", "-t", "4", "-l", "10.9.9.9:9090",
	    "-u", "flaguser", "-r", "/flag/root", NULL), 0);
	assert_string_equal(t->conf.script, "/flag/wg-json");
	assert_int_equal(t->conf.connected, 70);
	assert_int_equal(t->conf.disconnected, 130);
	assert_int_equal(t->conf.check_interval, 6);
	assert_int_equal(t->conf.timeout, 4);
	assert_string_equal(t->conf.listen, "10.9.9.9:9090");
	assert_string_equal(t->conf.user, "flaguser");
	assert_string_equal(t->conf.chroot, "/flag/root");
}

static void
test_relative_script_is_kept_as_given(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-s", "../tools/./wg-json", NULL), 0);
	assert_string_equal(t->conf.script, "../tools/./wg-json");
}

static void
test_largest_interval_is_accepted(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-C", "86400", "-D", "86400", "-i", "86400",
	    "-t", "86400", NULL), 0);
	assert_int_equal(t->conf.connected, 86400);
	assert_int_equal(t->conf.timeout, 86400);
}

static void
test_leading_zeros_are_decimal(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-i", "010", NULL), 0);
	assert_int_equal(t->conf.check_interval, 10);
}

static void
test_non_number_is_rejected(void **state)
{
	assert_number_rejected(*state, "abc", "not a number");
	assert_number_rejected(*state, "", "not a number");
	assert_number_rejected(*state, "0x10", "not a number");
}

static void
test_zero_is_rejected(void **state)
{
	assert_number_rejected(*state, "0", "too small");
}

static void
test_negative_is_rejected(void **state)
{
	assert_number_rejected(*state, "-5", "negative");
}

static void
test_sign_or_blank_is_rejected(void **state)
{
	assert_number_rejected(*state, "+5", "not a number");
	assert_number_rejected(*state, " 5", "not a number");
}

static void
test_overflow_is_rejected(void **state)
{
	assert_number_rejected(*state, "99999999999999999999999", "too large");
}

static void
test_trailing_garbage_is_rejected(void **state)
{
	assert_number_rejected(*state, "10s", "not a number");
	assert_number_rejected(*state, "10 ", "not a number");
}

static void
test_more_than_a_day_is_rejected_naming_the_limit(void **state)
{
	assert_number_rejected(*state, "86401", "too large");
	assert_number_rejected(*state, "86401", "86400");
}

static void
test_bad_environment_is_rejected_even_under_a_flag(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_CHECK, "abc", 1);
	assert_int_equal(run(t, "-i", "5", NULL), -1);
	assert_error_names(t, ENV_CHECK, "abc", "not a number");
}

static void
test_disconnected_below_connected_in_environment_is_rejected(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_CONNECTED, "300", 1);
	assert_int_equal(run(t, NULL), -1);
	assert_string_equal(t->err, "disconnected interval 240 (default) "
	    "is less than connected interval 300 "
	    "(WIREGUARD_MONITOR_CONNECTED_INTERVAL)");
}

static void
test_disconnected_below_connected_in_flags_is_rejected(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_CONNECTED, "60", 1);
	assert_int_equal(run(t, "-D", "50", NULL), -1);
	assert_string_equal(t->err, "disconnected interval 50 (-D) "
	    "is less than connected interval 60 "
	    "(WIREGUARD_MONITOR_CONNECTED_INTERVAL)");

	assert_int_equal(run(t, "-C", "100", "-D", "99", NULL), -1);
	assert_string_equal(t->err, "disconnected interval 99 (-D) "
	    "is less than connected interval 100 (-C)");
}

static void
test_disconnected_equal_to_connected_is_accepted(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-C", "100", "-D", "100", NULL), 0);
}

static void
test_unknown_flag_is_usage_error_naming_it(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-x", NULL), -1);
	assert_int_equal(t->conf.usage, CONF_USAGE_ERROR);
	assert_string_equal(t->err, "-x: unknown flag\n" USAGE_TEXT);
}

static void
test_frontend_flag_is_unknown_to_config(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-F", NULL), -1);
	assert_string_equal(t->err, "-F: unknown flag\n" USAGE_TEXT);
}

static void
test_help_gives_usage_alone(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_CHECK, "abc", 1);
	assert_int_equal(run(t, "-h", NULL), 0);
	assert_int_equal(t->conf.usage, CONF_USAGE_ASKED);
	assert_string_equal(t->err, USAGE_TEXT);
	assert_int_equal(run(t, "-d", "-h", NULL), 0);
	assert_int_equal(t->conf.usage, CONF_USAGE_ASKED);
}

static void
test_missing_flag_value_is_usage_error(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-C", NULL), -1);
	assert_string_equal(t->err, "-C: missing value\n" USAGE_TEXT);
}

static void
test_operand_is_usage_error(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-d", "extra", NULL), -1);
	assert_string_equal(t->err, "\"extra\": unexpected argument\n"
	    USAGE_TEXT);
}

static void
test_error_inside_flag_group_does_not_leak_into_next_call(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-xd", NULL), -1);
	assert_int_equal(run(t, "-v", NULL), 0);
	assert_int_equal(t->conf.debug, 0);
	assert_int_equal(t->conf.verbose, 1);
}

static void
test_listen_ipv6_in_brackets(void **state)
{
	struct fixture			*t = *state;
	const struct sockaddr_in6	*sin6;

	assert_int_equal(run(t, "-l", "[::1]:5000", NULL), 0);
	assert_int_equal(t->conf.listen_ss.ss_family, AF_INET6);
	assert_int_equal(t->conf.listen_len, sizeof(struct sockaddr_in6));
	assert_string_equal(t->conf.listen, "[::1]:5000");
	assert_string_equal(t->conf.host, "::1");
	sin6 = (const struct sockaddr_in6 *)&t->conf.listen_ss;
	assert_int_equal(ntohs(sin6->sin6_port), 5000);
	assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
}

static void
test_listen_bare_address_keeps_environment_port(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_PORT, "6000", 1);
	assert_int_equal(run(t, "-l", "10.0.0.1", NULL), 0);
	assert_string_equal(t->conf.listen, "10.0.0.1:6000");

	assert_int_equal(run(t, "-l", "[::]", NULL), 0);
	assert_string_equal(t->conf.listen, "[::]:6000");
}

static void
test_listen_hostname_is_resolved(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-l", "localhost:5001", NULL), 0);
	assert_string_equal(t->conf.host, "localhost");
	if (t->conf.listen_ss.ss_family == AF_INET)
		assert_string_equal(t->conf.listen, "127.0.0.1:5001");
	else
		assert_string_equal(t->conf.listen, "[::1]:5001");
}

static void
test_port_is_normalised(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-l", "127.0.0.1:08080", NULL), 0);
	assert_string_equal(t->conf.port, "8080");
	assert_string_equal(t->conf.listen, "127.0.0.1:8080");
}

static void
test_unparsable_listen_address_is_rejected(void **state)
{
	struct fixture	*t = *state;
	const char	*bad[] = {
		"999.1.1.1:5000", "nonsense::x", "::1:5000", "[::1",
		"[::1]5000", ":5000", "[]:5000", "1.2.3:5000x",
		"[1.2.3.4.5]:5000",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run(t, "-l", bad[i], NULL), -1);
		assert_error_names(t, "-l", bad[i], "invalid value");
	}
}

static void
test_unparsable_environment_host_is_rejected(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_HOST, "999.1.1.1", 1);
	assert_int_equal(run(t, NULL), -1);
	assert_error_names(t, ENV_HOST, "999.1.1.1", "invalid value");

	setenv(ENV_HOST, "", 1);
	assert_int_equal(run(t, NULL), -1);
	assert_error_names(t, ENV_HOST, "", "empty");
}

static void
test_bad_port_is_rejected(void **state)
{
	struct fixture	*t = *state;
	const struct {
		const char	*port;
		const char	*why;
	} bad[] = {
		{ "0", "too small" },
		{ "70000", "too large" },
		{ "65536", "too large" },
		{ "abc", "not a number" },
		{ "", "not a number" },
		{ "-1", "negative" },
	};
	char		 arg[64];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(arg, sizeof(arg), "127.0.0.1:%s", bad[i].port);
		assert_int_equal(run(t, "-l", arg, NULL), -1);
		assert_error_names(t, "-l", arg, bad[i].why);

		setenv(ENV_PORT, bad[i].port, 1);
		assert_int_equal(run(t, NULL), -1);
		assert_error_names(t, ENV_PORT, bad[i].port, bad[i].why);
		unsetenv(ENV_PORT);
	}
}

static void
test_highest_port_is_accepted(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-l", "127.0.0.1:65535", NULL), 0);
	assert_string_equal(t->conf.listen, "127.0.0.1:65535");
}

static void
test_empty_strings_are_rejected(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-s", "", NULL), -1);
	assert_error_names(t, "-s", "", "empty");
	assert_int_equal(run(t, "-u", "", NULL), -1);
	assert_error_names(t, "-u", "", "empty");
	assert_int_equal(run(t, "-r", "", NULL), -1);
	assert_error_names(t, "-r", "", "empty");

	setenv(ENV_SCRIPT, "", 1);
	assert_int_equal(run(t, NULL), -1);
	assert_error_names(t, ENV_SCRIPT, "", "empty");
}

static void
test_too_long_string_is_rejected(void **state)
{
	struct fixture	*t = *state;
	char		 user[100];

	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	assert_int_equal(run(t, "-u", user, NULL), -1);
	assert_error_names(t, "-u", user, "longer than 63 bytes");
}

static void
test_names_files_from_repeated_flag(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, NULL), 0);
	assert_int_equal(t->conf.nnames, 0);
	assert_int_equal(run(t, "-N", "/etc/wireguard/wg0.conf", "-N",
	    "names.txt", NULL), 0);
	assert_int_equal(t->conf.nnames, 2);
	assert_string_equal(t->conf.names[0], "/etc/wireguard/wg0.conf");
	assert_string_equal(t->conf.names[1], "names.txt");
}

static void
test_names_variable_is_split_at_colons(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_NAMES, "/a/wg0.conf:/b/names", 1);
	assert_int_equal(run(t, NULL), 0);
	assert_int_equal(t->conf.nnames, 2);
	assert_string_equal(t->conf.names[0], "/a/wg0.conf");
	assert_string_equal(t->conf.names[1], "/b/names");
}

static void
test_names_flag_overrides_variable(void **state)
{
	struct fixture	*t = *state;

	setenv(ENV_NAMES, "/a/wg0.conf:/b/names", 1);
	assert_int_equal(run(t, "-N", "/c/names", NULL), 0);
	assert_int_equal(t->conf.nnames, 1);
	assert_string_equal(t->conf.names[0], "/c/names");
}

static void
test_empty_names_file_is_rejected(void **state)
{
	struct fixture	*t = *state;

	assert_int_equal(run(t, "-N", "", NULL), -1);
	assert_error_names(t, "-N", "", "empty file name");
	setenv(ENV_NAMES, "/a::/b", 1);
	assert_int_equal(run(t, NULL), -1);
	assert_error_names(t, ENV_NAMES, "/a::/b", "empty file name");
	setenv(ENV_NAMES, "/a:", 1);
	assert_int_equal(run(t, "-N", "/c", NULL), -1);
	assert_error_names(t, ENV_NAMES, "/a:", "empty file name");
}

static void
test_more_than_16_names_files_are_rejected(void **state)
{
	struct fixture	*t = *state;
	char		 v[256];
	char		*argv[40];
	int		 i, argc = 0;

	v[0] = '\0';
	for (i = 0; i < 17; i++)
		strlcat(v, i ? ":/n" : "/n", sizeof(v));
	setenv(ENV_NAMES, v, 1);
	assert_int_equal(run(t, NULL), -1);
	assert_error_names(t, ENV_NAMES, v, "more than 16 files");
	unsetenv(ENV_NAMES);

	argv[argc++] = "wgmond";
	for (i = 0; i < 17; i++) {
		argv[argc++] = "-N";
		argv[argc++] = "/n";
	}
	argv[argc] = NULL;
	assert_int_equal(config_init(&t->conf, argc, argv, t->err,
	    sizeof(t->err)), -1);
	assert_error_names(t, "-N", "/n", "more than 16 files");
}

static void
test_print_shows_effective_configuration(void **state)
{
	struct fixture	*t = *state;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp;

	setenv(ENV_USER, "nobody", 1);
	assert_int_equal(run(t, "-C", "60", "-l", "[::1]:5001", "-N", "/a",
	    "-N", "/b c", NULL), 0);
	assert_non_null(fp = open_memstream(&buf, &len));
	config_print(fp, &t->conf);
	fclose(fp);
	assert_string_equal(buf,
	    "script tools/wg-json\n"
	    "connected 60\n"
	    "disconnected 240\n"
	    "check 10\n"
	    "timeout 10\n"
	    "listen [::1]:5001\n"
	    "user nobody\n"
	    "chroot /var/empty\n"
	    "names /a\n"
	    "names /b c\n");
	free(buf);
}

#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_defaults),
		TEST(test_environment_sets_each_setting),
		TEST(test_environment_ipv6_host_needs_no_brackets),
		TEST(test_flags_set_each_setting),
		TEST(test_switches_set_debug_noaction_and_verbosity),
		TEST(test_flag_overrides_environment),
		TEST(test_relative_script_is_kept_as_given),
		TEST(test_largest_interval_is_accepted),
		TEST(test_leading_zeros_are_decimal),
		TEST(test_non_number_is_rejected),
		TEST(test_zero_is_rejected),
		TEST(test_negative_is_rejected),
		TEST(test_sign_or_blank_is_rejected),
		TEST(test_overflow_is_rejected),
		TEST(test_trailing_garbage_is_rejected),
		TEST(test_more_than_a_day_is_rejected_naming_the_limit),
		TEST(test_bad_environment_is_rejected_even_under_a_flag),
		TEST(test_disconnected_below_connected_in_environment_is_rejected),
		TEST(test_disconnected_below_connected_in_flags_is_rejected),
		TEST(test_disconnected_equal_to_connected_is_accepted),
		TEST(test_unknown_flag_is_usage_error_naming_it),
		TEST(test_frontend_flag_is_unknown_to_config),
		TEST(test_help_gives_usage_alone),
		TEST(test_missing_flag_value_is_usage_error),
		TEST(test_operand_is_usage_error),
		TEST(test_error_inside_flag_group_does_not_leak_into_next_call),
		TEST(test_listen_ipv6_in_brackets),
		TEST(test_listen_bare_address_keeps_environment_port),
		TEST(test_listen_hostname_is_resolved),
		TEST(test_port_is_normalised),
		TEST(test_unparsable_listen_address_is_rejected),
		TEST(test_unparsable_environment_host_is_rejected),
		TEST(test_bad_port_is_rejected),
		TEST(test_highest_port_is_accepted),
		TEST(test_empty_strings_are_rejected),
		TEST(test_too_long_string_is_rejected),
		TEST(test_names_files_from_repeated_flag),
		TEST(test_names_variable_is_split_at_colons),
		TEST(test_names_flag_overrides_variable),
		TEST(test_empty_names_file_is_rejected),
		TEST(test_more_than_16_names_files_are_rejected),
		TEST(test_print_shows_effective_configuration),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
