/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef COLLECTOR_H
#define COLLECTOR_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>

#include "wgmond.h"

#define WGMOND_USER		"_wgmon"
#define WGMOND_CHROOT		"/var/empty"
#define WGMOND_HOST		"127.0.0.1"
#define WGMOND_PORT		"5000"
#ifndef WGMOND_SCRIPT		/* make install sets the installed path */
#define WGMOND_SCRIPT		"tools/wg-json"
#endif
#define CONF_CONNECTED		180
#define CONF_DISCONNECTED	240
#define CONF_CHECK		10
#define CONF_TIMEOUT		10
#define CONF_NAMES_MAX		16	/* names files, -N */
#define CONF_PATH_MAX		1024

#ifndef PRIV_EXEC_PATH
#define PRIV_EXEC_PATH		"/usr/bin/sudo"	/* runs the script as root */
#endif
#ifndef BASH_PATH
#define BASH_PATH		"/usr/bin/bash"
#endif
#define WGM_OUTPUT_MAX		(64 * 1024 * 1024)	/* script stdout */
#define WGM_STDERR_MAX		4096			/* script stderr */
#define SCRIPT_PIPE_SIZE	(1024 * 1024)	/* F_SETPIPE_SZ of stdout */
#define SCRIPT_READ_SIZE	(256 * 1024)	/* a read of stdout */
#define SCRIPT_READS_MAX	4	/* reads per wakeup: a full pipe */
#define WGM_DEPTH_MAX		32	/* JSON nesting the parser accepts */
#define SCRIPT_PATH_ENV		"PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SCRIPT_KILL_GRACE	2	/* seconds from SIGTERM to SIGKILL */
#define FRONTEND_KILL_GRACE	2	/* seconds the frontend has to exit */
/* Event bytes queued for a frontend that stopped reading, at most. */
#define EVENT_BACKLOG_MAX	(8 * 1024 * 1024)
#define FLUSH_QUEUED		16	/* messages queued: a run writes them */
/* What the parsed output of a run may cost the collector (parse.c). */
/*
 * The names files (names.c): what they may cost, whatever they hold.
 * Lines are cut at NAMES_LINE_MAX (such a line is bad), a file past
 * NAMES_FILE_MAX is refused whole, and at most NAMES_MAX names are held
 * from all files together, about 160 bytes each.
 */
#define NAMES_LINE_MAX		1024
#define NAMES_LINE_MAX_TEXT	"1024"
#define NAMES_FILE_MAX		(16 * 1024 * 1024)
#define NAMES_MAX		100000
#define NAMES_WARN_MAX		10	/* bad lines named, per reading */
#ifndef PARSE_MEM_MAX
#define PARSE_MEM_MAX		(256 * 1024 * 1024)
#endif

struct config {
	char			 script[CONF_PATH_MAX];
	uint32_t		 connected;
	uint32_t		 disconnected;
	uint32_t		 check_interval;
	uint32_t		 timeout;
	char			 host[256];
	char			 port[16];
	char			 listen[300];	/* "host:port", "[v6]:port" */
	struct sockaddr_storage	 listen_ss;
	socklen_t		 listen_len;
	char			 user[64];
	char			 chroot[256];
	char			 names[CONF_NAMES_MAX][CONF_PATH_MAX];
	size_t			 nnames;
	int			 debug;
	int			 noaction;
	int			 verbose;
	int			 usage;		/* CONF_USAGE_*: err holds it */
};
#define CONF_USAGE_ASKED	1	/* -h: on stdout, exit 0 */
#define CONF_USAGE_ERROR	2	/* after the error's cause */

struct wgm_event {
	TAILQ_ENTRY(wgm_event)	 entry;
	int			 type;
	int64_t			 timestamp;
	char			 iface[WGM_NAME_MAX];
	char			 peer[WGM_KEY_MAX];
	char			 name[WGM_PEERNAME_MAX];	/* "": none */
	int			 status;	/* new status */
	int			 old_status;
	const struct peer	*p;		/* in the new snapshot */
};
TAILQ_HEAD(wgm_event_list, wgm_event);

/* What a run has done between two successful runs. */
struct cycle {
	struct snapshot		*current;	/* the last run's, trimmed */
	int64_t			 mono_start;	/* the last run's start */
	uint32_t		 generation;
	uint32_t		 connected;	/* -C */
	uint32_t		 disconnected;	/* -D */
	int			 failing;	/* the last run failed */
	int			 whole;		/* the next run goes whole */
	ssize_t			 queued;	/* the last run's bytes, or -1 */
};

/* The steps of cycle_run, for cycle_out's lap. */
enum cycle_step {
	CYCLE_CLASSIFY,		/* names, statuses, events, the delta packed */
	CYCLE_DIFF,		/* the first run's initial_status events */
	CYCLE_ENCODE,		/* the delta's last message queued */
	CYCLE_EVENTS,		/* the lines formatted, out's event */
	CYCLE_FREE		/* the previous snapshot and the events */
};

/* Where cycle_run's results go: the frontend's channel, or a benchmark. */
struct cycle_out {
	/*
	 * Where this run's snapshot is queued, packed as the walk goes, or
	 * NULL for none this run; *full set (it starts unset) for the whole
	 * snapshot rather than a delta against the last run.
	 */
	struct imsgbuf *(*delta)(int *, void *);
	/* An event's type, its syslog priority, and its line (drained). */
	void	(*event)(int, int, struct evbuffer *, void *);
	void	(*lap)(int, void *);	/* a step done, or NULL */
	void	 *arg;
	/* CLOCK_MONOTONIC's seconds, or NULL for the clock itself. */
	int64_t	(*mono)(void *);
	/* What is queued so far written as far as it goes now, or NULL. */
	void	(*flush)(void *);
};

struct parser;
struct event_base;
struct evbuffer;

/* Called once per run: a snapshot, or NULL with the error and its detail. */
typedef void (*script_done_cb)(struct snapshot *, int, const char *);

/* config.c */
int		 config_init(struct config *, int, char *[], char *, size_t);
void		 config_print(FILE *, const struct config *);

/* names.c */
int		 names_init(const struct config *, char *, size_t);
void		 names_check(void);
void		 names_reload(void);
void		 names_clear(void);
const char	*names_lookup(const char *);
int		 names_unchanged(void);
void		 names_peer(struct snapshot *, struct peer *,
		    const struct peer *, int);
int		 names_valid_key(const char *);
int		 names_check_name(const char *, const char **);

/*
 * parse.c.  The collector's snapshot is parsed in place: each peer read
 * is found among the last run's and written over, its old values kept in
 * a log while they differ (struct peer_was, at its was - 1); the peers
 * and interfaces that did not come back leave (struct iface_gone) when
 * the document is whole.  cycle_run walks that, then parse_done drops it.
 */
struct peer_was {
	struct peer	*p;
	const char	*endpoint;
	int64_t		 handshake;
	uint64_t	 rx;
	uint64_t	 tx;
	uint64_t	 aips_hash;
	uint16_t	 keepalive;
	uint8_t		 flags;
};

struct iface_gone {
	struct iface		 *ifp;
	struct peer *const	 *v;		/* NULL: all of its tree */
	size_t			  n;
	size_t			  off;		/* of v, while it is made */
	int			  unlinked;	/* the interface went too */
};

struct parser	*parse_new(struct snapshot *);
int		 parse_feed(struct parser *, const unsigned char *, size_t);
int		 parse_finish(struct parser *);
const char	*parse_error(struct parser *);
int		 parse_error_code(struct parser *);
void		 parse_free(struct parser *);
void		 parse_drop_lists(struct parser *);
int		 parse_dropped(const struct snapshot *);
const struct peer *parse_was(const struct peer *, struct peer *);
void		 parse_was_prefetch(const struct peer *);
size_t		 parse_gone(const struct snapshot *,
		    const struct iface_gone **);
int		 parse_done(struct snapshot *);

/* classify.c: a run's classification, peer by peer. */
struct classify {
	struct snapshot		*s;
	const struct snapshot	*prev;
	int64_t			 now;
	uint32_t		 connected;
	uint32_t		 disconnected;
	int			 stepped;	/* the wall clock, since prev */
};
void		 classify_begin(struct classify *, struct snapshot *,
		    const struct snapshot *, int64_t, uint32_t, uint32_t);
void		 classify_pair(const struct classify *, struct peer *,
		    const struct peer *);
void		 classify_snapshot(struct snapshot *, int64_t, uint32_t,
		    uint32_t);

/* cycle.c */
void		 cycle_run(struct cycle *, struct snapshot *, int64_t,
		    const struct cycle_out *);

/* script.c */
int		 script_check(const char *, int *, char *, size_t);
void		 script_check_config(const char *);
void		 script_init(struct event_base *, const struct config *,
		    const struct cycle *, script_done_cb);
int		 script_start(void);
int		 script_running(void);
int		 script_reaped(pid_t, int);
void		 script_kill(void);

/* events.c */
int		 events_diff(const struct snapshot *, const struct snapshot *,
		    int, struct wgm_event_list *);
int		 events_initial(const struct snapshot *,
		    int (*)(const struct wgm_event *, void *), void *);
int		 events_pair(struct wgm_event_list *, int64_t,
		    const struct iface *, const struct iface *,
		    const struct peer *, const struct peer *);
void		 events_clear(struct wgm_event_list *);
int		 events_format(struct evbuffer *, const struct wgm_event *);
int		 events_priority(const struct wgm_event *);
int		 events_format_error(struct evbuffer *, int64_t, int,
		    const char *);
int		 events_format_recovered(struct evbuffer *, int64_t);

#endif /* COLLECTOR_H */
