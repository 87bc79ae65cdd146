/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef WGMOND_H
#define WGMOND_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>
#include <time.h>

#include <imsg.h>		/* the system's, else compat/imsg.h */

struct evbuffer;
struct event;

#define WGMOND_VERSION		"0.1.0"

/*
 * The frontend's end of the socketpair, where the collector puts it
 * before the exec: the one descriptor the frontend may sendmsg(2) on.
 */
#define FRONTEND_IMSG_FD	3

/* Sizes of the strings carried in fixed imsg structs, each with its NUL. */
#define WGM_NAME_MAX		64	/* interface name */
#define WGM_KEY_MAX		64	/* base64 public key is 44 */
#define WGM_ENDPOINT_MAX	80	/* "[v6%scope]:port" */
#define WGM_AIP_MAX		48	/* "v6/128" is 43 */
#define WGM_PEERNAME_MAX	65	/* a peer's name: 64 bytes of UTF-8 */
#define WGM_PEER_AIPS		4	/* allowed IPs inline in SNAP_PEER */
#define WGM_AIPS_CHUNK		64	/* allowed IPs per SNAP_AIPS */
#define WGM_DETAIL_MAX		256	/* detail of a collect error */

/*
 * One event line: a syslog message whole in rsyslog's default
 * maxMessageSize (8096 bytes, longer ones are cut), with room for the
 * header before it, "<30>Nov 29 18:30:00 wgmond[4194304]: " (37 bytes).
 */
#define WGM_SYSLOG_MAX		8096
#define WGM_EVENT_MAX		(WGM_SYSLOG_MAX - 64)

enum peer_status {
	STATUS_NEVER,
	STATUS_CONNECTED,
	STATUS_DISCONNECTED,
	STATUS_INACTIVE
};

/* What the status script printed, where a key may be absent. */
#define PEER_F_ENDPOINT		0x01
#define PEER_F_HANDSHAKE	0x02
#define PEER_F_RX		0x04
#define PEER_F_TX		0x08
#define PEER_F_KEEPALIVE	0x10
#define PEER_F_PSK		0x20
#define PEER_F_AIPS		0x40

#define IFACE_F_PUBKEY		0x01
#define IFACE_F_PORT		0x02
#define IFACE_F_FWMARK		0x04

enum collect_err {
	ERR_NONE,
	ERR_TIMEOUT,
	ERR_EXIT,
	ERR_SIGNAL,
	ERR_EXEC,
	ERR_PARSE,
	ERR_TOO_LARGE,
	ERR_UNSAFE
};
#define WGM_NERRORS		(ERR_UNSAFE + 1)

/* Every event of docs/DESIGN.md §5: those about a peer, then a run's. */
enum wgm_event_type {
	EVENT_INITIAL,
	EVENT_CHANGE,
	EVENT_NEW_PEER,
	EVENT_REMOVED,
	EVENT_COLLECT_ERROR,
	EVENT_RECOVERED
};
#define WGM_NEVENTS		(EVENT_RECOVERED + 1)

struct peer {
	RB_ENTRY(peer)		 entry;
	char			 key[WGM_KEY_MAX];
	char			 name[WGM_PEERNAME_MAX];	/* "": none */
	char			 endpoint[WGM_ENDPOINT_MAX];
	int64_t			 handshake;
	int64_t			 hs_mono;	/* it on CLOCK_MONOTONIC */
	uint64_t		 rx;
	uint64_t		 tx;
	uint32_t		 keepalive;
	uint32_t		 flags;
	int			 status;
	size_t			 naips;
	char			(*aips)[WGM_AIP_MAX];
	uint64_t		 aips_hash;	/* of the list; trimming keeps it */
	/* The frontend's: the generation it last changed in, its bodies' parts. */
	uint32_t		 gen;
	char			*render;	/* one allocation, or NULL */
};
RB_HEAD(peer_tree, peer);

struct iface {
	RB_ENTRY(iface)		 entry;
	char			 name[WGM_NAME_MAX];
	char			 pubkey[WGM_KEY_MAX];
	uint32_t		 port;
	uint32_t		 fwmark;
	uint32_t		 flags;
	size_t			 npeers;
	struct peer_tree	 peers;
};
RB_HEAD(iface_tree, iface);

struct snapshot {
	struct iface_tree	 ifaces;
	uint32_t		 generation;
	int64_t			 time;		/* wall clock, end of run */
	int64_t			 mono;		/* CLOCK_MONOTONIC, end */
	int64_t			 mono_start;	/* and start; not sent */
	size_t			 nifaces;
	size_t			 npeers;
};

/* Fixed structs on the wire between the two processes. */
struct snap_begin {
	int64_t			 time;
	uint32_t		 nifaces;
	uint32_t		 npeers;
};

struct snap_iface {
	char			 name[WGM_NAME_MAX];
	char			 pubkey[WGM_KEY_MAX];
	uint32_t		 port;
	uint32_t		 fwmark;
	uint32_t		 flags;
	uint32_t		 npeers;
};

struct snap_peer {
	char			 key[WGM_KEY_MAX];
	char			 name[WGM_PEERNAME_MAX];
	char			 endpoint[WGM_ENDPOINT_MAX];
	int64_t			 handshake;
	uint64_t		 rx;
	uint64_t		 tx;
	uint32_t		 keepalive;
	uint32_t		 flags;
	int32_t			 status;
	uint32_t		 naips;		/* in all, inline and after */
	char			 aips[WGM_PEER_AIPS][WGM_AIP_MAX];
};

struct snap_aips {
	uint32_t		 naips;		/* used in this message */
	char			 aips[WGM_AIPS_CHUNK][WGM_AIP_MAX];
};

struct snap_end {
	uint32_t		 npeers;
};

/*
 * The counters are totals since start, not this run's: a status the
 * collector skips for a stalled frontend loses no count.
 */
struct collect_status {
	int64_t			 time;		/* wall clock, end of run */
	int32_t			 error;		/* enum collect_err */
	char			 detail[WGM_DETAIL_MAX];
	uint64_t		 duration_us;	/* script start to sent */
	uint64_t		 events[WGM_NEVENTS];
	uint64_t		 errors[WGM_NERRORS];
};

/* Sent once to the frontend, with IMSG_LISTEN carrying the socket. */
struct frontend_conf {
	uid_t			 uid;
	gid_t			 gid;
	uint32_t		 check_interval;
	uint32_t		 connected;	/* -C, for /metrics */
	uint32_t		 disconnected;	/* -D */
	char			 chroot[256];
	char			 listen[128];	/* for the start line */
};

/* The body of IMSG_EVENT is a struct event_hdr then a NUL-ended line. */
struct event_hdr {
	int32_t			 priority;
};

enum imsg_type {
	IMSG_NONE,
	IMSG_CONFIG,
	IMSG_LISTEN,
	IMSG_SNAP_BEGIN,
	IMSG_SNAP_IFACE,
	IMSG_SNAP_PEER,
	IMSG_SNAP_AIPS,
	IMSG_SNAP_END,
	IMSG_EVENT,
	IMSG_COLLECT_STATUS,
	IMSG_LOG_REQUEST,	/* frontend: my syslog socket failed */
	IMSG_LOG_SOCKET		/* collector: a connected one, or none */
};

struct event_base;

struct imsgev {
	struct imsgbuf		 ibuf;
	struct event_base	*base;
	void			(*handler)(int, short, void *);
	struct event		*ev;
	short			 events;
};

/* snapshot.c */
struct snapshot	*snapshot_new(void);
void		 snapshot_free(struct snapshot *);
void		 snapshot_trim(struct snapshot *);
struct iface	*snapshot_iface_add(struct snapshot *, const char *);
struct iface	*snapshot_iface_find(struct snapshot *, const char *);
struct peer	*snapshot_peer_add(struct snapshot *, struct iface *,
		    const char *);
struct peer	*snapshot_peer_find(struct iface *, const char *);
struct peer	*snapshot_peer_new(const char *);
void		 snapshot_peer_free(struct peer *);
int		 snapshot_iface_fill(struct snapshot *, struct iface *,
		    struct peer **, size_t);
struct peer *const *snapshot_iface_order(const struct iface *);
void		 snapshot_peer_remove(struct snapshot *, struct iface *,
		    struct peer *);
int		 snapshot_peer_add_aip(struct peer *, const char *);
const char	*snapshot_status_name(int);
const char	*snapshot_error_name(int);
/* delta.c */
int		 snapshot_compose(struct imsgbuf *, const struct snapshot *);
/* The receiving side: builds the next snapshot message by message. */
struct snapshot_builder;
struct snapshot_builder *snapshot_builder_new(void);
void		 snapshot_builder_free(struct snapshot_builder *);
int		 snapshot_builder_imsg(struct snapshot_builder *, struct imsg *,
		    struct snapshot **);
RB_PROTOTYPE(peer_tree, peer, entry, peer_cmp);
RB_PROTOTYPE(iface_tree, iface, entry, iface_cmp);

/* json.c */
int		 json_string(struct evbuffer *, const char *);
size_t		 json_utf8_len(const unsigned char *, size_t);
void		 json_clean_text(char *, size_t, const char *);

/* frontend/frontend.c: the frontend process, started by the collector. */
void		 frontend_main(int, int);

/* imsgev.c */
void		 imsg_event_add(struct imsgev *);
int		 imsg_compose_event(struct imsgev *, uint32_t, uint32_t, pid_t,
		    int, const void *, size_t);

#endif /* WGMOND_H */
