/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"

#define INTERVAL_MAX	86400
#define PORT_MAX	65535
#define DIGITS		"0123456789"
#define NAMES_ENV	"WIREGUARD_MONITOR_PEER_NAMES"

#define USAGE								\
	"usage: wgmond [-dnv] [-C connected] [-D disconnected] [-i check] " \
	"[-l address:port]\n"						\
	"              [-N names] [-r chroot] [-s script] [-t timeout] " \
	"[-u user]"

/* Where a string or a number lives in struct config. */
#define CONF_STR(f)	offsetof(struct config, f),			\
			    sizeof(((struct config *)NULL)->f)
#define CONF_NUM(f)	offsetof(struct config, f), 0

enum setting_type {
	SET_STRING,
	SET_NUMBER,
	SET_PORT
};

/* The order of settings[]. */
enum setting_id {
	S_SCRIPT,
	S_CONNECTED,
	S_DISCONNECTED,
	S_CHECK,
	S_TIMEOUT,
	S_HOST,
	S_PORT,
	S_USER,
	S_CHROOT,
	S_COUNT
};

struct setting {
	const char	*flag;		/* NULL: set by -l or not a flag */
	const char	*env;
	int		 type;
	long long	 max;
	size_t		 off;
	size_t		 size;		/* of a string field */
};

static const struct setting settings[S_COUNT] = {
	[S_SCRIPT] = { "-s", "WIREGUARD_MONITOR_WG_JSON_SCRIPT",
	    SET_STRING, 0, CONF_STR(script) },
	[S_CONNECTED] = { "-C", "WIREGUARD_MONITOR_CONNECTED_INTERVAL",
	    SET_NUMBER, INTERVAL_MAX, CONF_NUM(connected) },
	[S_DISCONNECTED] = { "-D", "WIREGUARD_MONITOR_DISCONNECTED_INTERVAL",
	    SET_NUMBER, INTERVAL_MAX, CONF_NUM(disconnected) },
	[S_CHECK] = { "-i", "WIREGUARD_MONITOR_CHECK_INTERVAL",
	    SET_NUMBER, INTERVAL_MAX, CONF_NUM(check_interval) },
	[S_TIMEOUT] = { "-t", "WIREGUARD_MONITOR_SCRIPT_TIMEOUT",
	    SET_NUMBER, INTERVAL_MAX, CONF_NUM(timeout) },
	[S_HOST] = { NULL, "WIREGUARD_MONITOR_HOST",
	    SET_STRING, 0, CONF_STR(host) },
	[S_PORT] = { NULL, "WIREGUARD_MONITOR_PORT",
	    SET_PORT, PORT_MAX, CONF_STR(port) },
	[S_USER] = { "-u", "WIREGUARD_MONITOR_USER",
	    SET_STRING, 0, CONF_STR(user) },
	[S_CHROOT] = { "-r", "WIREGUARD_MONITOR_CHROOT",
	    SET_STRING, 0, CONF_STR(chroot) },
};

/* What the command line gave, before any of it is checked. */
struct args {
	char		*arg[S_COUNT];
	char		*listen;
	char		*names[CONF_NAMES_MAX + 1];	/* one too many: error */
	size_t		 nnames;
};

static int	 config_error(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	 config_usage(struct config *, char *, size_t, const char *,
		    ...) __attribute__((__format__ (printf, 4, 5)));

static int
config_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}

/*
 * The usage in err: asked for (-h, fmt NULL), or after the cause of a
 * usage error, named on a line of its own.
 */
static int
config_usage(struct config *conf, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list	ap;

	if (fmt == NULL) {
		conf->usage = CONF_USAGE_ASKED;
		strlcpy(err, USAGE, errlen);
		return (0);
	}
	conf->usage = CONF_USAGE_ERROR;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	strlcat(err, "\n", errlen);
	strlcat(err, USAGE, errlen);
	return (-1);
}

static void
config_defaults(struct config *conf)
{
	memset(conf, 0, sizeof(*conf));
	strlcpy(conf->script, WGMOND_SCRIPT, sizeof(conf->script));
	conf->connected = CONF_CONNECTED;
	conf->disconnected = CONF_DISCONNECTED;
	conf->check_interval = CONF_CHECK;
	conf->timeout = CONF_TIMEOUT;
	strlcpy(conf->host, WGMOND_HOST, sizeof(conf->host));
	strlcpy(conf->port, WGMOND_PORT, sizeof(conf->port));
	strlcpy(conf->user, WGMOND_USER, sizeof(conf->user));
	strlcpy(conf->chroot, WGMOND_CHROOT, sizeof(conf->chroot));
}

/*
 * The flags are read before the environment so that -h and usage errors
 * win over a bad variable; their values are checked later, in order.
 */
static int
config_args(struct config *conf, struct args *fl, int argc, char *argv[],
    char *err, size_t errlen)
{
	int	ch;

	/*
	 * Start afresh on every call: OpenBSD resets on optreset, and
	 * libbsd's getopt turns optreset into glibc's optind = 0, which
	 * also forgets a half-read group such as "-dx".
	 */
	optreset = 1;
	optind = 1;
	while ((ch = getopt(argc, argv, ":C:dD:hi:l:nN:r:s:t:u:v")) != -1) {
		switch (ch) {
		case 'C':
			fl->arg[S_CONNECTED] = optarg;
			break;
		case 'd':
			conf->debug = 1;
			break;
		case 'D':
			fl->arg[S_DISCONNECTED] = optarg;
			break;
		case 'h':
			return (config_usage(conf, err, errlen, NULL));
		case 'i':
			fl->arg[S_CHECK] = optarg;
			break;
		case 'l':
			fl->listen = optarg;
			break;
		case 'n':
			conf->noaction = 1;
			break;
		case 'N':
			if (fl->nnames <= CONF_NAMES_MAX)
				fl->names[fl->nnames++] = optarg;
			break;
		case 'r':
			fl->arg[S_CHROOT] = optarg;
			break;
		case 's':
			fl->arg[S_SCRIPT] = optarg;
			break;
		case 't':
			fl->arg[S_TIMEOUT] = optarg;
			break;
		case 'u':
			fl->arg[S_USER] = optarg;
			break;
		case 'v':
			conf->verbose++;
			break;
		case ':':
			return (config_usage(conf, err, errlen,
			    "-%c: missing value", optopt));
		default:
			return (config_usage(conf, err, errlen,
			    "-%c: unknown flag", optopt));
		}
	}
	if (optind < argc)
		return (config_usage(conf, err, errlen,
		    "\"%s\": unexpected argument", argv[optind]));
	return (0);
}

/*
 * Decimal digits only: strtonum alone would also take a sign and
 * leading blanks.  Returns -1 with why the value is bad in *why.
 */
static int
config_number(const char *s, long long max, long long *n, const char **why)
{
	*why = NULL;
	if (s[0] == '-' && s[1] != '\0' && strchr(DIGITS, s[1]) != NULL)
		*why = "negative";
	else if (s[0] == '\0' || s[strspn(s, DIGITS)] != '\0')
		*why = "not a number";
	else
		*n = strtonum(s, 1, max, why);
	return (*why == NULL ? 0 : -1);
}

static int
config_set(struct config *conf, const struct setting *s, const char *name,
    const char *v, char *err, size_t errlen)
{
	char		*field = (char *)conf + s->off;
	const char	*errstr;
	long long	 n;

	switch (s->type) {
	case SET_NUMBER:
		if (config_number(v, s->max, &n, &errstr) == -1)
			break;
		*(uint32_t *)field = n;
		return (0);
	case SET_PORT:
		if (config_number(v, s->max, &n, &errstr) == -1)
			break;
		snprintf(field, s->size, "%lld", n);
		return (0);
	default:
		if (v[0] == '\0')
			return (config_error(err, errlen,
			    "%s: invalid value \"\": empty", name));
		if (strlcpy(field, v, s->size) >= s->size)
			return (config_error(err, errlen,
			    "%s: invalid value \"%s\": longer than %zu bytes",
			    name, v, s->size - 1));
		return (0);
	}
	return (config_error(err, errlen,
	    "%s: invalid value \"%s\": %s, expected 1 to %lld",
	    name, v, errstr, s->max));
}

/*
 * Splits "address:port", "[address]:port" or a bare address, which keeps
 * the port of the environment or the default.  An IPv6 address needs its
 * brackets, as in a URL, or "::1:5000" would be ambiguous.
 */
static int
config_split(struct config *conf, const char *arg, const char **port,
    const char **why)
{
	const char	*end;
	size_t		 len;

	*port = NULL;
	*why = NULL;
	if (arg[0] == '[') {
		if ((end = strchr(++arg, ']')) == NULL)
			*why = "missing ']'";
		else if (end[1] == ':')
			*port = end + 2;
		else if (end[1] != '\0')
			*why = "expected ':' after ']'";
	} else if ((end = strchr(arg, ':')) != NULL) {
		if (strchr(end + 1, ':') != NULL)
			*why = "an IPv6 address needs brackets, as in [::1]:5000";
		*port = end + 1;
	} else
		end = arg + strlen(arg);
	if (*why != NULL)
		return (-1);
	if ((len = end - arg) == 0)
		*why = "missing address";
	else if (len >= sizeof(conf->host))
		*why = "address too long";
	else {
		memcpy(conf->host, arg, len);
		conf->host[len] = '\0';
	}
	return (*why == NULL ? 0 : -1);
}

static int
config_listen(struct config *conf, const char *arg, char *err, size_t errlen)
{
	const char	*errstr, *port;
	long long	 n;

	if (config_split(conf, arg, &port, &errstr) == -1)
		return (config_error(err, errlen,
		    "-l: invalid value \"%s\": %s", arg, errstr));
	if (port == NULL)
		return (0);
	if (config_number(port, PORT_MAX, &n, &errstr) == -1)
		return (config_error(err, errlen,
		    "-l: invalid value \"%s\": port %s, expected 1 to %d",
		    arg, errstr, PORT_MAX));
	snprintf(conf->port, sizeof(conf->port), "%lld", n);
	return (0);
}

static int
config_resolve(struct config *conf, const char *name, const char *value,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 host[NI_MAXHOST];
	int		 error;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/*
	 * What looks like an address must be one: glibc would otherwise
	 * send a typo such as 999.1.1.1 to the DNS.  Names still resolve.
	 */
	if (conf->host[strspn(conf->host, DIGITS ".")] == '\0' ||
	    strchr(conf->host, ':') != NULL)
		hints.ai_flags |= AI_NUMERICHOST;
	if ((error = getaddrinfo(conf->host, conf->port, &hints, &res)) != 0)
		return (config_error(err, errlen, "%s: invalid value \"%s\": %s",
		    name, value, (hints.ai_flags & AI_NUMERICHOST) &&
		    error == EAI_NONAME ? "not an IP address" :
		    gai_strerror(error)));
	memcpy(&conf->listen_ss, res->ai_addr, res->ai_addrlen);
	conf->listen_len = res->ai_addrlen;
	freeaddrinfo(res);

	/* Show the address that will be bound, not the name. */
	if ((error = getnameinfo((struct sockaddr *)&conf->listen_ss,
	    conf->listen_len, host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST)) != 0)
		return (config_error(err, errlen, "%s: invalid value \"%s\": %s",
		    name, value, gai_strerror(error)));
	if (conf->listen_ss.ss_family == AF_INET6)
		error = snprintf(conf->listen, sizeof(conf->listen), "[%s]:%s",
		    host, conf->port);
	else
		error = snprintf(conf->listen, sizeof(conf->listen), "%s:%s",
		    host, conf->port);
	if (error < 0 || (size_t)error >= sizeof(conf->listen))
		return (config_error(err, errlen,
		    "%s: invalid value \"%s\": address too long", name, value));
	return (0);
}

/* One names file, len bytes at path, from the value v, to the list. */
static int
config_name_file(struct config *conf, const char *name, const char *v,
    const char *path, size_t len, char *err, size_t errlen)
{
	if (len == 0)
		return (config_error(err, errlen, "%s: invalid value \"%s\": "
		    "empty file name", name, v));
	if (conf->nnames >= CONF_NAMES_MAX)
		return (config_error(err, errlen, "%s: invalid value \"%s\": "
		    "more than %d files", name, v, CONF_NAMES_MAX));
	if (len >= sizeof(conf->names[0]))
		return (config_error(err, errlen, "%s: invalid value \"%s\": "
		    "a file name longer than %zu bytes", name, v,
		    sizeof(conf->names[0]) - 1));
	memcpy(conf->names[conf->nnames], path, len);
	conf->names[conf->nnames++][len] = '\0';
	return (0);
}

/*
 * The names files: the variable's, separated by ':', unless -N is given,
 * once per file.  The variable is checked even then, like every other.
 */
static int
config_names(struct config *conf, struct args *fl, char *err,
    size_t errlen)
{
	const char	*v, *s, *end;
	size_t		 i;

	if ((v = getenv(NAMES_ENV)) != NULL) {
		for (s = v;; s = end + 1) {
			if ((end = strchr(s, ':')) == NULL)
				end = s + strlen(s);
			if (config_name_file(conf, NAMES_ENV, v, s, end - s,
			    err, errlen) == -1)
				return (-1);
			if (*end == '\0')
				break;
		}
	}
	if (fl->nnames == 0)
		return (0);
	conf->nnames = 0;
	for (i = 0; i < fl->nnames; i++)
		if (config_name_file(conf, "-N", fl->names[i], fl->names[i],
		    strlen(fl->names[i]), err, errlen) == -1)
			return (-1);
	return (0);
}

int
config_init(struct config *conf, int argc, char *argv[], char *err,
    size_t errlen)
{
	struct args		 fl;
	const struct setting	*s;
	const char		*from[S_COUNT], *v;
	int			 i;

	config_defaults(conf);
	memset(&fl, 0, sizeof(fl));
	if (config_args(conf, &fl, argc, argv, err, errlen) == -1)
		return (-1);
	if (conf->usage == CONF_USAGE_ASKED)
		return (0);

	/*
	 * Every value given is checked, even one a flag overrides: a bad
	 * variable is a mistake in the deployment either way.
	 */
	for (i = 0; i < S_COUNT; i++) {
		s = &settings[i];
		from[i] = "default";
		if ((v = getenv(s->env)) != NULL) {
			if (config_set(conf, s, s->env, v, err, errlen) == -1)
				return (-1);
			from[i] = s->env;
		}
		if ((v = fl.arg[i]) != NULL) {
			if (config_set(conf, s, s->flag, v, err, errlen) == -1)
				return (-1);
			from[i] = s->flag;
		}
	}
	if (conf->disconnected < conf->connected)
		return (config_error(err, errlen, "disconnected interval %u (%s) "
		    "is less than connected interval %u (%s)",
		    conf->disconnected, from[S_DISCONNECTED],
		    conf->connected, from[S_CONNECTED]));
	if (config_names(conf, &fl, err, errlen) == -1)
		return (-1);

	if (fl.listen != NULL) {
		if (config_listen(conf, fl.listen, err, errlen) == -1)
			return (-1);
		return (config_resolve(conf, "-l", fl.listen, err, errlen));
	}
	return (config_resolve(conf, from[S_HOST], conf->host, err, errlen));
}

void
config_print(FILE *fp, const struct config *conf)
{
	size_t	i;

	fprintf(fp, "script %s\n", conf->script);
	fprintf(fp, "connected %u\n", conf->connected);
	fprintf(fp, "disconnected %u\n", conf->disconnected);
	fprintf(fp, "check %u\n", conf->check_interval);
	fprintf(fp, "timeout %u\n", conf->timeout);
	fprintf(fp, "listen %s\n", conf->listen);
	fprintf(fp, "user %s\n", conf->user);
	fprintf(fp, "chroot %s\n", conf->chroot);
	for (i = 0; i < conf->nnames; i++)
		fprintf(fp, "names %s\n", conf->names[i]);
}
