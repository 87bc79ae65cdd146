/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The names-file parser (collector/names.c), given the input as the
 * content of a names file (-N): a memfd, opened by names_init() through
 * /proc/self/fd as the daemon opens a path, so that names.c is fuzzed
 * unchanged, its open, fstat and stdio reading included.  Every key the
 * input spells is then looked up: a name given must be one the parser
 * accepts, and reading the same file again (SIGHUP) must give the same.
 */

#define _GNU_SOURCE	1	/* memfd_create() */

#include <sys/types.h>
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wgmond.h"
#include "collector.h"
#include "fuzz.h"

#define KEY_LEN		44	/* base64 of 32 bytes, as wg(8) prints */

static struct config	 conf;
static int		 memfd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((memfd = memfd_create("fuzz_names", MFD_CLOEXEC)) == -1)
		abort();
	memset(&conf, 0, sizeof(conf));
	snprintf(conf.names[0], sizeof(conf.names[0]), "/proc/self/fd/%d",
	    memfd);
	conf.nnames = 1;
	return (0);
}

static void
put_file(const uint8_t *data, size_t size)
{
	if (ftruncate(memfd, 0) == -1 ||
	    (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
}

enum pass { COUNT, SAVE, COMPARE };

/*
 * Looks up each key the input spells, and checks the name given; SAVE
 * keeps them in names[], COMPARE compares with what SAVE kept.  Returns
 * how many keys there are.
 */
static size_t
check_keys(const uint8_t *data, size_t size, enum pass pass,
    char (*names)[WGM_PEERNAME_MAX])
{
	char		 key[KEY_LEN + 1];
	const char	*name, *why;
	size_t		 i, n = 0;

	for (i = 0; i + KEY_LEN <= size; i++) {
		if (data[i + KEY_LEN - 1] != '=')
			continue;
		memcpy(key, data + i, KEY_LEN);
		key[KEY_LEN] = '\0';
		if (!names_valid_key(key))
			continue;
		if ((name = names_lookup(key)) == NULL)
			name = "";
		else if (*name == '\0' || names_check_name(name, &why) == -1)
			abort();	/* a name the parser should refuse */
		if (pass == SAVE)
			strlcpy(names[n], name, sizeof(names[n]));
		else if (pass == COMPARE && strcmp(names[n], name) != 0)
			abort();	/* read again, named otherwise */
		n++;
	}
	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[WGM_DETAIL_MAX];
	char	(*names)[WGM_PEERNAME_MAX];
	size_t	 n;

	put_file(data, size);
	err[0] = '\0';
	if (names_init(&conf, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();	/* a refusal always says why */
		names_clear();
		return (0);
	}
	n = check_keys(data, size, COUNT, NULL);
	if ((names = calloc(n + 1, sizeof(*names))) == NULL)
		abort();
	check_keys(data, size, SAVE, names);
	names_check();		/* unchanged: not read again */
	names_reload();
	check_keys(data, size, COMPARE, names);
	free(names);
	names_clear();
	return (0);
}
