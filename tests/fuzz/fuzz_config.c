/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The configuration (collector/config.c): config_init() over a command
 * line and an environment built from the input.  The input is strings
 * separated by NUL bytes: the arguments, then after an empty string the
 * variables, each a byte naming which (modulo their number) and its
 * value.  A configuration accepted is printed as -n prints it.
 */

#define _GNU_SOURCE	1	/* RTLD_NEXT */

#include <sys/types.h>
#include <sys/socket.h>

#include <dlfcn.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wgmond.h"
#include "collector.h"
#include "fuzz.h"

#define ARGS_MAX	64

static const char *const envs[] = {
	"WIREGUARD_MONITOR_WG_JSON_SCRIPT",
	"WIREGUARD_MONITOR_CONNECTED_INTERVAL",
	"WIREGUARD_MONITOR_DISCONNECTED_INTERVAL",
	"WIREGUARD_MONITOR_CHECK_INTERVAL",
	"WIREGUARD_MONITOR_SCRIPT_TIMEOUT",
	"WIREGUARD_MONITOR_HOST",
	"WIREGUARD_MONITOR_PORT",
	"WIREGUARD_MONITOR_USER",
	"WIREGUARD_MONITOR_CHROOT",
};
#define NENVS	(sizeof(envs) / sizeof(envs[0]))

static FILE	*devnull;
static char	*envstr[NENVS];	/* what putenv() was given */

static void	 set_env(size_t, const char *);
static void	 clear_env(void);

/*
 * A name the fuzzer makes up would go to the DNS: only addresses, and
 * the names in /etc/hosts, resolve here.
 */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	static int	(*real)(const char *, const char *,
			    const struct addrinfo *, struct addrinfo **);
	struct addrinfo	 h;

	if (real == NULL && (real = dlsym(RTLD_NEXT, "getaddrinfo")) == NULL)
		abort();
	h = *hints;
	if (node != NULL && strcmp(node, "localhost") != 0)
		h.ai_flags |= AI_NUMERICHOST;
	return (real(node, service, &h, res));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	clear_env();	/* nothing of the caller's */
	return (0);
}

/*
 * glibc's setenv() keeps every value it was ever given, which millions
 * of inputs make gigabytes: putenv() takes a string that is ours to free.
 */
static void
set_env(size_t i, const char *value)
{
	char	*old = envstr[i];

	if (asprintf(&envstr[i], "%s=%s", envs[i], value) == -1 ||
	    putenv(envstr[i]) != 0)
		abort();
	free(old);
}

static void
clear_env(void)
{
	size_t	i;

	for (i = 0; i < NENVS; i++) {
		unsetenv(envs[i]);
		free(envstr[i]);
		envstr[i] = NULL;
	}
}

/* Splits the copy at its NULs; returns how many arguments there are. */
static int
split(char *s, size_t len, char *argv[])
{
	char	*end = s + len, *next;
	int	 argc = 1, env = 0;

	argv[0] = "wgmond";
	for (; s < end; s = next + 1) {
		next = s + strlen(s);
		if (!env && *s == '\0')
			env = 1;
		else if (!env && argc < ARGS_MAX)
			argv[argc++] = s;
		else if (env && *s != '\0')
			set_env((unsigned char)*s % NENVS, s + 1);
	}
	argv[argc] = NULL;
	return (argc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 conf;
	char		*copy, *argv[ARGS_MAX + 1], err[512];
	int		 argc;

	if ((copy = malloc(size + 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	argc = split(copy, size, argv);
	err[0] = '\0';
	if (config_init(&conf, argc, argv, err, sizeof(err)) == 0)
		config_print(devnull, &conf);
	else if (err[0] == '\0')
		abort();	/* a refusal always says why */
	clear_env();
	free(copy);
	return (0);
}
