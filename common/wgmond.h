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
struct snap_arena;

#define WGMOND_VERSION		"0.1.0"

/*
 * The frontend's end of the socketpair, where the collector puts it
 * before the exec: the one descriptor the frontend may sendmsg(2) on.
 */
#define FRONTEND_IMSG_FD	3

/* Sizes of the strings carried in fixed imsg structs, each with its NUL. */
#define WGM_NAME_MAX		64	/* interface name */
#define WGM_KEY_MAX		48	/* base64 public key is 44 */
#define WGM_ENDPOINT_MAX	80	/* "[v6%scope]:port" */
#define WGM_AIP_MAX		48	/* "v6/128" is 43 */
#define WGM_PEERNAME_MAX	65	/* a peer's name: 64 bytes of UTF-8 */
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
#define PEER_F_ALL		0x7f
/*
 * What a peer of the collector's snapshot was before the parse in place
 * of this run (collector/parse.c): the same, added, or changed, its old
 * values at this index + 1 of the parse's log.
 */
#define PEER_WAS_SAME		0
#define PEER_WAS_ADDED		UINT32_MAX

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

/*
 * A peer's name and endpoint are its own strings, "" for none (set with
 * snapshot_peer_set_name and _endpoint): most peers have no name, and
 * an endpoint takes a fraction of the most it may take.  What a run's
 * walks read of every peer comes first, the tree links last.
 */
struct peer {
	char			 key[WGM_KEY_MAX];
	int64_t			 handshake;
	int64_t			 hs_mono;	/* it on CLOCK_MONOTONIC */
	uint64_t		 rx;
	uint64_t		 tx;
	uint64_t		 aips_hash;	/* of the list; trimming keeps it */
	const char		*name;		/* "": none */
	const char		*endpoint;
	char			*aips;		/* naips strings, one by one */
	union {
		char		*render;	/* the frontend's parts, or NULL */
		struct {			/* the collector's */
			uint32_t was;		/* PEER_WAS_* */
			uint32_t doc;		/* place in the document */
		};
	};
	uint32_t		 naips;
	uint32_t		 aips_len;	/* bytes */
	uint32_t		 gen;		/* the frontend's: last changed */
	uint16_t		 keepalive;	/* the parse bounds it */
	uint8_t			 flags;		/* PEER_F_* */
	uint8_t			 status;	/* enum peer_status */
	RB_ENTRY(peer)		 entry;
};
RB_HEAD(peer_tree, peer);

/*
 * The lines of a peer that a walk or a parse is about to read, asked for
 * a few peers ahead: 100k peers are more than the caches hold, and each
 * first touch would otherwise wait on memory.
 */
static inline void
peer_prefetch(const struct peer *p)
{
	const char	*c = (const char *)p;

	__builtin_prefetch(c, 1);
	__builtin_prefetch(c + 64, 1);
	__builtin_prefetch(c + 128, 1);
	__builtin_prefetch(c + sizeof(*p) - 1, 1);
}

/*
 * The frontend's peers of an interface by key (common/delta.c): open
 * addressing, linear probing, at most half full.
 */
struct peer_index {
	struct peer		**slot;		/* NULL: free */
	uint32_t		  size;		/* a power of two, or 0 */
	uint32_t		  n;
};

struct iface {
	RB_ENTRY(iface)		 entry;
	char			 name[WGM_NAME_MAX];
	char			 pubkey[WGM_KEY_MAX];
	uint32_t		 port;
	uint32_t		 fwmark;
	uint32_t		 flags;
	uint32_t		 seen;		/* the collector's, as a peer's */
	size_t			 npeers;
	struct peer_tree	 peers;
	struct peer_index	 index;		/* the frontend's */
};
RB_HEAD(iface_tree, iface);

struct snapshot {
	struct iface_tree	 ifaces;
	struct snap_arena	*arena;		/* its peers', or NULL */
	uint32_t		 generation;
	int64_t			 time;		/* wall clock, end of run */
	int64_t			 mono;		/* CLOCK_MONOTONIC, end */
	int64_t			 mono_start;	/* and start; not sent */
	uint32_t		 parsed;	/* the collector's last parse */
	size_t			 nifaces;
	size_t			 npeers;
};

/*
 * The snapshot on the wire (docs/DESIGN.md §7.6): BEGIN, then per
 * interface one SNAP_IFACE and its peers' records packed into SNAP_PEERS
 * messages (SNAP_AIPS for allowed IPs that did not fit), then END; every
 * message carries the run's generation as its imsg id.  A full snapshot
 * (SNAP_FULL) lists every peer as added; a delta, only what changed
 * since the previous generation.
 */
#define SNAP_FULL		0x01

struct snap_begin {
	int64_t			 time;
	int64_t			 mono;		/* CLOCK_MONOTONIC, end */
	uint32_t		 nifaces;	/* after applying */
	uint32_t		 npeers;	/* after applying */
	uint32_t		 flags;		/* SNAP_FULL */
	uint32_t		 reserved;	/* 0 */
};

/* Every interface, every run: one not listed is gone with its peers. */
struct snap_iface {
	char			 name[WGM_NAME_MAX];
	char			 pubkey[WGM_KEY_MAX];
	uint32_t		 port;
	uint32_t		 fwmark;
	uint32_t		 flags;
	uint32_t		 npeers;	/* after applying */
};

/*
 * A record in SNAP_PEERS, unaligned, in the host's byte order: a uint16_t
 * mask of PEER_C_*, the key (a string: NUL-ended, its NUL within the
 * field's WGM_*_MAX), then only the fields the mask names, in the order
 * of the bits: name and endpoint (strings), handshake (int64_t), rx and
 * tx (uint64_t), keepalive and flags (uint32_t), status (uint8_t), and
 * the allowed IPs: a uint32_t count, then that many strings, those past
 * the end of the message in the SNAP_AIPS messages that follow.  An
 * added peer's fields not named are zero; a removed one has only its key.
 */
#define PEER_C_ADD		0x0001
#define PEER_C_DEL		0x0002
#define PEER_C_NAME		0x0004
#define PEER_C_ENDPOINT		0x0008
#define PEER_C_HANDSHAKE	0x0010
#define PEER_C_RX		0x0020
#define PEER_C_TX		0x0040
#define PEER_C_KEEPALIVE	0x0080
#define PEER_C_FLAGS		0x0100
#define PEER_C_STATUS		0x0200
#define PEER_C_AIPS		0x0400
#define PEER_C_HSMONO		0x0800	/* hs_mono */
#define PEER_C_FIELDS		0x0ffc

/* The most a SNAP_PEERS or SNAP_AIPS body holds. */
#define SNAP_BODY_MAX		(MAX_IMSGSIZE - IMSG_HEADER_SIZE)

struct snap_end {
	uint32_t		 npeers;
};

/* A snapshot being packed into messages (delta.c, snapshot_pack_*). */
struct snapshot_packer {
	struct imsgbuf		*ibuf;
	uint32_t		 gen;
	uint32_t		 type;		/* of the message being filled */
	size_t			 len;
	size_t			 bytes;		/* queued, headers too */
	size_t			 npeers;
	int			 full;
	unsigned char		 buf[SNAP_BODY_MAX];
};

/*
 * What the frontend's snapshot may cost (its structs and allowed-IP
 * arrays, not the bodies rendered from it): a sender past it is refused.
 * The collector's own budget for a run, PARSE_MEM_MAX (256 MiB), charges
 * every peer and allowed IP more than it costs here.
 */
/*
 * The messages of one run the frontend holds until its end: the
 * collector's parse budget (PARSE_MEM_MAX, 256 MiB) charges more than
 * four times the bytes each element takes on the wire.
 */
#define SNAP_HELD_MAX		(64 * 1024 * 1024)
/*
 * What the frontend counts for each message it holds beyond its body
 * (frontend.c's struct held and its allocation).  The collector charges
 * an interface, which takes a message of its own, PARSE_MEM_MAX /
 * SNAP_HELD_MAX times that and its body, so that a run the collector
 * accepts is one the frontend holds whole.
 */
#define SNAP_HELD_EXTRA		128
#define WGM_STATE_MEM_MAX	(512UL * 1024 * 1024)

/*
 * Not on the wire any more: the fixed records of the full snapshots
 * before deltas, on which the collector's cost model (parse.c) still
 * bounds what a peer's record may take.
 */
#define WGM_PEER_AIPS		4
#define WGM_AIPS_CHUNK		64
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
	uint32_t		 naips;
	char			 aips[WGM_PEER_AIPS][WGM_AIP_MAX];
};

struct snap_aips {
	uint32_t		 naips;
	char			 aips[WGM_AIPS_CHUNK][WGM_AIP_MAX];
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
	IMSG_SNAP_PEERS,
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
/* heap.c */
void		 heap_release(void);
void		 heap_discard(void *, size_t);

struct snapshot	*snapshot_new(void);
struct snapshot	*snapshot_new_arena(void);
void		 snapshot_free(struct snapshot *);
void		 snapshot_trim(struct snapshot *);
void		 snapshot_trim_lists(struct snapshot *);
size_t		 snapshot_arena_spares(void);
size_t		 snapshot_arena_size(const struct snapshot *);
struct iface	*snapshot_iface_add(struct snapshot *, const char *);
struct iface	*snapshot_iface_find(struct snapshot *, const char *);
struct peer	*snapshot_peer_add(struct snapshot *, struct iface *,
		    const char *);
struct peer	*snapshot_peer_find(struct iface *, const char *);
int		 snapshot_peer_set_name(struct snapshot *, struct peer *,
		    const char *);
int		 snapshot_peer_set_endpoint(struct snapshot *, struct peer *,
		    const char *);
int		 snapshot_peer_set_endpointn(struct snapshot *, struct peer *,
		    const char *, size_t);
struct peer	*snapshot_peer_new(struct snapshot *, const char *);
struct peer	*snapshot_peer_newn(struct snapshot *, const char *, size_t);
void		 snapshot_peer_free(struct snapshot *, struct peer *);
void		 snapshot_iface_unlink(struct snapshot *, struct iface *);
void		 snapshot_iface_free(struct snapshot *, struct iface *);
struct peer *const *snapshot_iface_ordered(struct iface *);
int		 snapshot_iface_update(struct snapshot *, struct iface *,
		    struct peer **, size_t, struct peer **, size_t);
struct peer	**snapshot_iface_doc(const struct iface *, size_t *);
struct peer	**snapshot_order_get(size_t, size_t *);
void		 snapshot_order_put(struct peer **, size_t);
size_t		 snapshot_order_lower(struct peer *const *, size_t, size_t,
		    const char *);
void		 snapshot_iface_set_doc(struct iface *, struct peer **,
		    size_t, size_t);
void		 snapshot_compact(struct snapshot *);
int		 snapshot_iface_fill(struct snapshot *, struct iface *,
		    struct peer **, size_t);
struct peer *const *snapshot_iface_order(const struct iface *);
void		 snapshot_peer_remove(struct snapshot *, struct iface *,
		    struct peer *);
int		 snapshot_peer_add_aip(struct snapshot *, struct peer *,
		    const char *);
int		 snapshot_peer_add_aipn(struct snapshot *, struct peer *,
		    const char *, size_t);
void		 snapshot_peer_drop_aips(struct snapshot *, struct peer *);
int		 snapshot_peer_set_aips(struct snapshot *, struct peer *,
		    const char *, size_t, uint32_t);
const char	*snapshot_status_name(int);
const char	*snapshot_error_name(int);
/* delta.c */
ssize_t		 snapshot_compose_delta(struct imsgbuf *,
		    const struct snapshot *, const struct snapshot *, int);
int		 snapshot_pack_begin(struct snapshot_packer *,
		    struct imsgbuf *, const struct snapshot *, int);
int		 snapshot_pack_iface(struct snapshot_packer *,
		    const struct iface *);
int		 snapshot_pack_pair(struct snapshot_packer *,
		    const struct peer *, const struct peer *);
ssize_t		 snapshot_pack_end(struct snapshot_packer *);
/* The receiving side: applies each run to the snapshot it keeps. */
struct snapshot_builder;
struct snapshot_builder *snapshot_builder_new(size_t);
void		 snapshot_builder_free(struct snapshot_builder *);
int		 snapshot_builder_imsg(struct snapshot_builder *, struct imsg *,
		    struct snapshot **);
size_t		 snapshot_builder_mem(const struct snapshot_builder *);
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
