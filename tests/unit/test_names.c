/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "log.h"
#include "wgmond.h"
#include "collector.h"
#include "unit.h"

#define KEY_A	"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define KEY_B	"TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define KEY_C	"HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

/* The log lines names.c wrote, captured through the log sink. */
static char	logged[64 * 1024];
static size_t	nlogged;

struct fixture {
	char		 dir[64];
	struct config	 conf;
	char		 err[2048];
};

static void
sink(int pri, const char *line)
{
	(void)pri;
	nlogged++;
	strlcat(logged, line, sizeof(logged));
	strlcat(logged, "\n", sizeof(logged));
}

static int
setup(void **state)
{
	struct fixture	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	strlcpy(t->dir, "/tmp/test_names.XXXXXX", sizeof(t->dir));
	if (mkdtemp(t->dir) == NULL)
		return (-1);
	logged[0] = '\0';
	nlogged = 0;
	*state = t;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*t = *state;
	char		 cmd[128];

	names_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	if (system(cmd) != 0)
		return (-1);
	free(t);
	return (0);
}

/* Writes the file NAME in the test's directory, returns its path. */
static const char *
put(struct fixture *t, const char *name, const char *text)
{
	static char	 path[128];
	char		 tmp[160];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_non_null(fp = fopen(tmp, "w"));
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
	/* A new inode, as an editor or a deployment tool writes. */
	assert_int_equal(rename(tmp, path), 0);
	return (path);
}

static void
add_file(struct fixture *t, const char *path)
{
	strlcpy(t->conf.names[t->conf.nnames++], path, CONF_PATH_MAX);
}

static int
load(struct fixture *t)
{
	t->err[0] = '\0';
	return (names_init(&t->conf, t->err, sizeof(t->err)));
}

static void
assert_logged(const char *s)
{
	if (strstr(logged, s) == NULL)
		fail_msg("\"%s\" not logged; the log:\n%s", s, logged);
}

static int
count_logged(const char *s)
{
	const char	*p = logged;
	int		 n = 0;

	while ((p = strstr(p, s)) != NULL) {
		n++;
		p++;
	}
	return (n);
}

static void
assert_named(const char *key, const char *name)
{
	const char	*got = names_lookup(key);

	if (name == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, name);
}

static void
test_plain_lines_name_keys(void **state)
{
	struct fixture	*t = *state;

	add_file(t, put(t, "names",
	    "# office\n"
	    "\n"
	    KEY_A " Alice's laptop\n"
	    "  " KEY_B "\t\tBob  (phone) \r\n"
	    KEY_C " Ωmega #3"));
	assert_int_equal(load(t), 0);
	assert_named(KEY_A, "Alice's laptop");
	assert_named(KEY_B, "Bob  (phone)");
	assert_named(KEY_C, "Ωmega #3");
	assert_int_equal(strstr(logged, "line skipped") == NULL, 1);
}

static void
test_wireguard_configuration_friendly_names(void **state)
{
	struct fixture	*t = *state;

	add_file(t, put(t, "wg0.conf",
	    "# friendly_name = not a peer\n"
	    "[Interface]\n"
	    "# friendly_name = the gateway itself\n"
	    "PrivateKey = cHJpdmF0ZQ==\n"
	    "ListenPort = 51820\n"
	    "\n"
	    "[Peer]\n"
	    "# friendly_name = Alice\n"
	    "PublicKey = " KEY_A "\n"
	    "AllowedIPs = 10.0.0.2/32\n"
	    "\n"
	    "[peer] # Bob\n"
	    "PublicKey=" KEY_B "  # Bob's key\n"
	    "#friendly_name=Bob \"the <b>builder</b>\"\n"
	    "[Peer]\n"
	    "PublicKey = " KEY_C "\n"));
	assert_int_equal(load(t), 0);
	assert_named(KEY_A, "Alice");
	assert_named(KEY_B, "Bob \"the <b>builder</b>\"");
	assert_named(KEY_C, NULL);
	assert_int_equal(strstr(logged, "line skipped") == NULL, 1);
}

/* Each bad line is named file:line and skipped; the good ones stay. */
static void
test_bad_plain_lines_warn_with_file_and_line(void **state)
{
	struct fixture	*t = *state;
	const char	*path;
	char		 want[256], text[1024];

	snprintf(text, sizeof(text),
	    KEY_A " good\n"				/* 1 */
	    "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg short\n" /* 2 */
	    KEY_B "\n"					/* 3 */
	    KEY_B " %s\n"				/* 4: 65 bytes */
	    KEY_B " tab\tinside\n"			/* 5 */
	    KEY_B " \xc3\x28 latin1\n"			/* 6 */
	    KEY_B " \xc2\x85 next line\n"		/* 7 */
	    KEY_A " again\n"				/* 8 */
	    KEY_C " %s\n",				/* 9: 64 bytes */
	    "12345678901234567890123456789012345678901234567890123456789012345",
	    "1234567890123456789012345678901234567890123456789012345678901234");
	path = put(t, "names", text);
	add_file(t, path);
	assert_int_equal(load(t), 0);
	assert_named(KEY_A, "good");
	assert_named(KEY_B, NULL);
	assert_named(KEY_C,
	    "1234567890123456789012345678901234567890123456789012345678901234");
#define LINE(n, why)							\
	snprintf(want, sizeof(want), "%s:%d: %s; line skipped", path, n, why); \
	assert_logged(want)
	LINE(2, "not a WireGuard public key");
	LINE(3, "no name after the key");
	LINE(4, "name longer than 64 bytes");
	LINE(5, "control character in name");
	LINE(6, "name is not UTF-8");
	LINE(7, "control character in name");
	LINE(8, "key already named in this file");
#undef LINE
}

static void
test_nul_byte_and_overlong_line_are_bad_lines(void **state)
{
	struct fixture	*t = *state;
	const char	*path;
	char		 want[256];
	FILE		*fp;
	size_t		 i;

	path = put(t, "names", "");
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "%s a\n%s b", KEY_A, KEY_B);
	fputc('\0', fp);
	fprintf(fp, "c\n%s ", KEY_C);
	for (i = 0; i < 100000; i++)
		fputc('x', fp);
	fprintf(fp, "\n");
	assert_int_equal(fclose(fp), 0);
	add_file(t, path);
	assert_int_equal(load(t), 0);
	assert_named(KEY_A, "a");
	assert_named(KEY_B, NULL);
	assert_named(KEY_C, NULL);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
	assert_logged(want);
	snprintf(want, sizeof(want), "%s:3: line longer than %d bytes", path,
	    NAMES_LINE_MAX);
	assert_logged(want);
}

static void
test_wireguard_configuration_bad_sections_warn(void **state)
{
	struct fixture	*t = *state;
	const char	*path;
	char		 want[256];

	path = put(t, "wg0.conf",
	    "[Interface]\n"				/* 1 */
	    "PrivateKey = cHJpdmF0ZQ==\n"		/* 2 */
	    "[Peer]\n"					/* 3 */
	    "# friendly_name = no key\n"		/* 4 */
	    "[Peer]\n"					/* 5 */
	    "PublicKey = not-a-key\n"			/* 6 */
	    "# friendly_name = bad key\n"		/* 7 */
	    "[Peer]\n"					/* 8 */
	    "# friendly_name = first\n"			/* 9 */
	    "# friendly_name = second\n"		/* 10 */
	    "PublicKey = " KEY_A "\n"			/* 11 */
	    "[Peer]\n"					/* 12 */
	    "PublicKey = " KEY_B "\n"			/* 13 */
	    "# friendly_name = \x01\n");		/* 14 */
	add_file(t, path);
	assert_int_equal(load(t), 0);
	assert_named(KEY_A, "first");
	assert_named(KEY_B, NULL);
	snprintf(want, sizeof(want), "%s:4: friendly_name in a [Peer] "
	    "section without a PublicKey", path);
	assert_logged(want);
	snprintf(want, sizeof(want), "%s:6: not a WireGuard public key", path);
	assert_logged(want);
	snprintf(want, sizeof(want), "%s:10: second friendly_name", path);
	assert_logged(want);
	snprintf(want, sizeof(want), "%s:14: control character in name", path);
	assert_logged(want);
}

/* A million bad lines: a few warnings and a count, not a million. */
static void
test_warnings_are_bounded(void **state)
{
	struct fixture	*t = *state;
	const char	*path;
	char		 want[256];
	FILE		*fp;
	int		 i;

	path = put(t, "names", "");
	assert_non_null(fp = fopen(path, "w"));
	for (i = 0; i < 1000000; i++)
		fputs("bad\n", fp);
	assert_int_equal(fclose(fp), 0);
	add_file(t, path);
	assert_int_equal(load(t), 0);
	assert_int_equal(count_logged("line skipped"), NAMES_WARN_MAX);
	assert_int_equal(nlogged, NAMES_WARN_MAX + 2);	/* count, names from */
	snprintf(want, sizeof(want), "%s: %d more bad lines skipped", path,
	    1000000 - NAMES_WARN_MAX);
	assert_logged(want);
}

/* Past NAMES_MAX names in all files, the rest is ignored, and said so. */
static void
test_names_are_capped(void **state)
{
	struct fixture	*t = *state;
	const char	*path;
	char		 key[WGM_KEY_MAX], want[256];
	FILE		*fp;
	int		 i;

	path = put(t, "names", "");
	assert_non_null(fp = fopen(path, "w"));
	for (i = 0; i < NAMES_MAX + 10; i++) {
		snprintf(key, sizeof(key), "%043d=", i);
		fprintf(fp, "%s peer %d\n", key, i);
	}
	assert_int_equal(fclose(fp), 0);
	add_file(t, path);
	assert_int_equal(load(t), 0);
	snprintf(key, sizeof(key), "%043d=", NAMES_MAX - 1);
	assert_non_null(names_lookup(key));
	snprintf(key, sizeof(key), "%043d=", NAMES_MAX);
	assert_null(names_lookup(key));
	snprintf(want, sizeof(want), "%s:%d: %d names in all files", path,
	    NAMES_MAX, NAMES_MAX);
	assert_logged(want);
}

static void
test_unreadable_file_is_an_error_at_start(void **state)
{
	struct fixture	*t = *state;
	char		 path[128];

	snprintf(path, sizeof(path), "%s/missing", t->dir);
	add_file(t, path);
	assert_int_equal(load(t), -1);
	assert_non_null(strstr(t->err, path));
	assert_non_null(strstr(t->err, "No such file"));
}

/* A FIFO would block the collector, a directory is no file of names. */
static void
test_only_regular_files_are_read(void **state)
{
	struct fixture	*t = *state;
	char		 path[128];

	snprintf(path, sizeof(path), "%s/fifo", t->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	add_file(t, path);
	assert_int_equal(load(t), -1);
	assert_non_null(strstr(t->err, "not a regular file"));
	t->conf.nnames = 0;
	add_file(t, t->dir);
	assert_int_equal(load(t), -1);
	assert_non_null(strstr(t->err, "not a regular file"));
}

static void
test_file_past_the_size_cap_is_refused(void **state)
{
	struct fixture	*t = *state;
	const char	*path;

	path = put(t, "names", "");
	assert_int_equal(truncate(path, NAMES_FILE_MAX + 1), 0);
	add_file(t, path);
	assert_int_equal(load(t), -1);
	assert_non_null(strstr(t->err, "larger than 16 MiB"));
}

static void
test_first_file_naming_a_key_wins(void **state)
{
	struct fixture	*t = *state;

	add_file(t, put(t, "a", KEY_A " from a\n"));
	add_file(t, put(t, "b", KEY_A " from b\n" KEY_B " b\n"));
	assert_int_equal(load(t), 0);
	assert_named(KEY_A, "from a");
	assert_named(KEY_B, "b");
}

/* Before each run: a changed file is read again, an unchanged one not. */
static void
test_changed_file_is_read_again(void **state)
{
	struct fixture	*t = *state;
	const char	*path;

	path = put(t, "names", KEY_A " old\n");
	add_file(t, path);
	assert_int_equal(load(t), 0);
	names_check();
	assert_int_equal(count_logged("names from"), 1);
	put(t, "names", KEY_A " new\n" KEY_B " b\n");
	names_check();
	assert_named(KEY_A, "new");
	assert_named(KEY_B, "b");
	assert_int_equal(count_logged("names from"), 2);
}

/* A file gone later: said once, and its previous names stay. */
static void
test_file_gone_later_keeps_its_names(void **state)
{
	struct fixture	*t = *state;
	const char	*path;
	char		*first;

	path = put(t, "names", KEY_A " kept\n");
	add_file(t, path);
	assert_int_equal(load(t), 0);
	assert_int_equal(unlink(path), 0);
	names_check();
	names_check();
	assert_named(KEY_A, "kept");
	assert_non_null(first = strstr(logged, "its previous names stay"));
	assert_null(strstr(first + 1, "its previous names stay"));
	put(t, "names", KEY_A " back\n");
	names_check();
	assert_named(KEY_A, "back");
}

/*
 * A run of KEY_A and KEY_B through the cycle, B made with the name stale;
 * the name of each, as given.
 */
static void
named_run_from(struct cycle *c, const char *stale, const char *a,
    const char *b)
{
	struct snapshot	*s;
	struct iface	*ifp;
	struct peer	*pa, *pb;

	assert_non_null(s = snapshot_new());
	assert_non_null(ifp = snapshot_iface_add(s, "wg0"));
	assert_non_null(pa = snapshot_peer_add(s, ifp, KEY_A));
	assert_non_null(pb = snapshot_peer_add(s, ifp, KEY_B));
	assert_int_equal(snapshot_peer_set_name(s, pb, stale), 0);
	cycle_run(c, s, 1765189500 + 10 * c->generation,
	    unit_discard_out());
	assert_string_equal(pa->name, a);
	assert_string_equal(pb->name, b);
}

static void
named_run(struct cycle *c, const char *a, const char *b)
{
	named_run_from(c, "", a, b);
}

/* A cycle with no run yet, and a names file that names KEY_A alice. */
static void
alice_cycle(struct fixture *t, struct cycle *c)
{
	memset(c, 0, sizeof(*c));
	c->connected = 180;
	c->disconnected = 240;
	add_file(t, put(t, "names", KEY_A " alice\n"));
	assert_int_equal(load(t), 0);
}

/* A run names the peers a file names, and unnames the rest. */
static void
test_run_names_peers_and_unnames_the_rest(void **state)
{
	struct fixture	*t = *state;
	struct cycle	 c;

	alice_cycle(t, &c);
	named_run_from(&c, "stale", "alice", "");
	snapshot_free(c.current);
}

/*
 * A run's peers carry their names over from the last run, until the
 * names change: then each is looked up again.
 */
static void
test_names_follow_a_changed_file_across_runs(void **state)
{
	struct fixture	*t = *state;
	struct cycle	 c;

	alice_cycle(t, &c);
	named_run(&c, "alice", "");
	names_check();
	named_run(&c, "alice", "");
	put(t, "names", KEY_A " alex\n" KEY_B " bob\n");
	names_check();
	named_run(&c, "alex", "bob");
	named_run(&c, "alex", "bob");
	names_clear();
	named_run(&c, "", "");
	snapshot_free(c.current);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plain_lines_name_keys),
		T(test_wireguard_configuration_friendly_names),
		T(test_bad_plain_lines_warn_with_file_and_line),
		T(test_nul_byte_and_overlong_line_are_bad_lines),
		T(test_wireguard_configuration_bad_sections_warn),
		T(test_warnings_are_bounded),
		T(test_names_are_capped),
		T(test_unreadable_file_is_an_error_at_start),
		T(test_only_regular_files_are_read),
		T(test_file_past_the_size_cap_is_refused),
		T(test_first_file_naming_a_key_wins),
		T(test_changed_file_is_read_again),
		T(test_file_gone_later_keeps_its_names),
		T(test_run_names_peers_and_unnames_the_rest),
		T(test_names_follow_a_changed_file_across_runs),
	};

	log_init(0, LOG_DAEMON);
	log_setverbose(1);
	log_setsink(sink);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
