/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The collector's CPU cost of one run, in process, without the script:
 * parse (yajl, 64 KiB chunks as the pipe delivers them), then the
 * daemon's own cycle_run (collector/cycle.c): names, classification,
 * the diff against the previous snapshot and the snapshot's imsgs (a
 * delta against the run before, as the collector sends it, packed into
 * an imsgbuf on a socketpair), made in one walk and timed as "classify"
 * ("diff" is the first run's initial_status alone, nothing in a
 * sequence's timed runs; "encode" the delta's last message), the event
 * lines formatted, the imsgs cleared unsent, the freeing of the previous
 * snapshot and the events and the trim of the new one (the collector
 * trims the heap only when a run shrinks a lot, never in a steady
 * sequence).
 * Beside it the floor, yajl over the same bytes with callbacks that do
 * nothing, and for information the frontend's render of /raw.
 *
 * usage: cycle [-m | -x | -y] [-c chunk] [-n now] [-r reps] file ...
 *        cycle -q [-c chunk] [-n now] file file ...
 *
 * -x leaves out the floor and the render, to profile the cycle alone.
 * -y times the floor alone: bench/run measures it beside each run of the
 * live daemon, since a shared machine's speed can change by half between
 * two measurements a minute apart.
 * -m times instead the frontend's render of the per-peer part of
 * /metrics, metrics_render_peers, of one classified snapshot: the work a
 * new snapshot costs /metrics, apart from what /raw and /status cost.
 * Each file is a wg-json document (bench/gen -j).  The clock is the
 * process's CPU time; each figure is the median over reps.  Between two
 * repetitions "now" moves by 10 s and back, as two runs a check interval
 * apart would see it, so each diff finds a few status changes.  One line
 * per file, key=value pairs, times in milliseconds.
 *
 * -q takes the files as a sequence of runs NOW_STEP apart (bench/gen -q,
 * the first at "now"): the first is the warm-up, then each is parsed,
 * run through cycle_run against the one before and timed, with the floor
 * over the same bytes; one "churn" line, medians over the runs, with
 * imsgs and imsg_bytes what a run's delta queues for the frontend.
 * Without -q, imsg_bytes is what the first run, whole, queues.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <yajl/yajl_parse.h>

#include "wgmond.h"
#include "collector.h"
#include "frontend.h"

#define NOW_STEP	10	/* seconds: a check interval */

/* parse, then cycle_run's steps (enum cycle_step) in their order. */
enum phase {
	PH_PARSE,
	PH_CLASSIFY,
	PH_DIFF,
	PH_ENCODE,
	PH_EVENTS,
	PH_FREE,
	PH_TOTAL,
	PH_YAJL,
	PH_RENDER,
	PH_MAX
};

static const char *phase_names[PH_MAX] = {
	"parse", "classify", "diff", "encode", "events", "free", "total",
	"yajl", "render_raw"
};

/* What one repetition's cycle_out sees. */
struct rep {
	double			*t[PH_MAX];
	int			 r;		/* the repetition, -1: warm-up */
	double			 last;		/* cpu_ms at the last lap */
	size_t			 events;
	size_t			 imsgs;		/* queued for the frontend */
	size_t			 bytes;		/* and their bytes */
	struct imsgbuf		 ibuf;		/* where they are queued */
};

struct doc {
	const char		*path;
	unsigned char		*data;
	size_t			 len;
};

static size_t	 chunk = 65536;
static int	 cycle_only;
static int	 metrics_only;
static int	 floor_only;
static int	 sequence;
static int	 sv[2];

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: cycle [-m | -x | -y] [-c chunk] [-n now] "
	    "[-r reps] file ...\n"
	    "       cycle -q [-c chunk] [-n now] file file ...\n");
	exit(1);
}

static double
cpu_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == -1)
		err(1, "clock_gettime");
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* The time since *last, which becomes now. */
static double
lap(double *last)
{
	double	now = cpu_ms(), d = now - *last;

	*last = now;
	return (d);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

static void
doc_read(struct doc *d, const char *path)
{
	struct stat	st;
	ssize_t		n;
	size_t		off = 0;
	int		fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		err(1, "%s", path);
	d->path = path;
	d->len = st.st_size;
	if ((d->data = malloc(d->len ? d->len : 1)) == NULL)
		err(1, NULL);
	while (off < d->len) {
		if ((n = read(fd, d->data + off, d->len - off)) <= 0)
			err(1, "read %s", path);
		off += n;
	}
	close(fd);
}

/* The document parsed into s, in place, as the daemon does; NULL: anew. */
static struct snapshot *
doc_parse(const struct doc *d, struct snapshot *s)
{
	struct parser	*p;
	size_t		 off, n;

	if ((s == NULL && (s = snapshot_new_arena()) == NULL) ||
	    (p = parse_new(s)) == NULL)
		err(1, NULL);
	/* As the daemon parses: a delta goes, lists read the same do not. */
	parse_drop_lists(p);
	for (off = 0; off < d->len; off += n) {
		n = d->len - off < chunk ? d->len - off : chunk;
		if (parse_feed(p, d->data + off, n) == -1)
			errx(1, "%s: %s", d->path, parse_error(p));
	}
	if (parse_finish(p) == -1)
		errx(1, "%s: %s", d->path, parse_error(p));
	parse_free(p);
	return (s);
}

/* The floor: yajl's own work, every callback a no-op. */
static int
nop(void *ctx)
{
	(void)ctx;
	return (1);
}

static int
nop_bool(void *ctx, int v)
{
	(void)ctx;
	(void)v;
	return (1);
}

static int
nop_num(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	(void)s;
	(void)len;
	return (1);
}

static int
nop_str(void *ctx, const unsigned char *s, size_t len)
{
	(void)ctx;
	(void)s;
	(void)len;
	return (1);
}

/* As parse.c: yajl_number set, so numbers arrive as text. */
static const yajl_callbacks nop_callbacks = {
	nop, nop_bool, NULL, NULL, nop_num, nop_str, nop, nop_str, nop, nop,
	nop
};

static void
yajl_floor(const struct doc *d)
{
	yajl_handle	h;
	size_t		off, n;

	if ((h = yajl_alloc(&nop_callbacks, NULL, NULL)) == NULL)
		err(1, NULL);
	for (off = 0; off < d->len; off += n) {
		n = d->len - off < chunk ? d->len - off : chunk;
		if (yajl_parse(h, d->data + off, n) != yajl_status_ok)
			errx(1, "%s: yajl_parse failed", d->path);
	}
	if (yajl_complete_parse(h) != yajl_status_ok)
		errx(1, "%s: yajl_complete_parse failed", d->path);
	yajl_free(h);
}

/*
 * The frontend's channel, but cleared unsent (rep_sent): as the
 * collector, a delta against the run before, whole for the first.
 */
static struct imsgbuf *
rep_delta(int *full, void *arg)
{
	struct rep	*rp = arg;

	(void)full;
	if (imsgbuf_init(&rp->ibuf, sv[0]) == -1)
		err(1, "imsgbuf_init");
	return (&rp->ibuf);
}

/* After cycle_run: what its snapshot queued, then cleared. */
static void
rep_sent(const struct cycle *c, struct rep *rp)
{
	rp->imsgs = imsgbuf_queuelen(&rp->ibuf);
	rp->bytes = c->queued;
	imsgbuf_clear(&rp->ibuf);
}

static void
rep_event(int type, int priority, struct evbuffer *line, void *arg)
{
	struct rep	*rp = arg;

	(void)type;
	(void)priority;
	rp->events++;
	evbuffer_drain(line, evbuffer_get_length(line));
}

/* cycle_run's step done: its time since the last lap. */
static void
rep_lap(int step, void *arg)
{
	struct rep	*rp = arg;
	double		 d = lap(&rp->last);

	if (rp->r >= 0)
		rp->t[PH_CLASSIFY + step][rp->r] = d;
}

/* What a whole snapshot queues: the bytes the first run sends. */
static size_t
wire_bytes(const struct snapshot *s)
{
	struct imsgbuf	 ibuf;
	ssize_t		 n;

	if (imsgbuf_init(&ibuf, sv[0]) == -1 ||
	    (n = snapshot_compose_delta(&ibuf, NULL, s, 1)) == -1)
		err(1, "snapshot_compose_delta");
	imsgbuf_clear(&ibuf);
	return (n);
}

/*
 * The render of /raw (none with -x), of an untrimmed snapshot as the
 * frontend has it, and the bytes its imsgs take.
 */
static void
bench_render(const struct doc *d, int reps, int64_t now, double *t,
    size_t *raw_bytes, size_t *imsg_bytes)
{
	struct snapshot	*s;
	struct evbuffer	*b;
	double		 t0;
	int		 r;

	s = doc_parse(d, NULL);
	classify_snapshot(s, now, CONF_CONNECTED, CONF_DISCONNECTED);
	*imsg_bytes = wire_bytes(s);
	for (r = 0; r < reps; r++) {
		t0 = cpu_ms();
		if ((b = evbuffer_new()) == NULL || render_raw(b, s) == -1)
			errx(1, "render_raw");
		*raw_bytes = evbuffer_get_length(b);
		evbuffer_free(b);
		t[r] = cpu_ms() - t0;
	}
	snapshot_free(s);
}

/* One timed run, repetition rp->r: parse, cycle_run. */
static void
timed_cycle(struct cycle *c, const struct doc *d, int64_t now,
    const struct cycle_out *out, struct rep *rp)
{
	struct snapshot	*s;
	double		 t0;
	int		 r = rp->r;

	rp->events = 0;
	t0 = rp->last = cpu_ms();
	s = doc_parse(d, c->current);
	rp->t[PH_PARSE][r] = lap(&rp->last);
	cycle_run(c, s, now, out);
	rep_sent(c, rp);
	rp->t[PH_FREE][r] += lap(&rp->last);
	rp->t[PH_TOTAL][r] = rp->last - t0;
}

static void
cycle_init(struct cycle *c, struct cycle_out *out, struct rep *rp, int reps)
{
	int	i;

	memset(c, 0, sizeof(*c));
	c->connected = CONF_CONNECTED;
	c->disconnected = CONF_DISCONNECTED;
	memset(rp, 0, sizeof(*rp));
	memset(out, 0, sizeof(*out));
	out->delta = rep_delta;
	out->event = rep_event;
	out->lap = rep_lap;
	out->arg = rp;
	for (i = 0; i < PH_MAX; i++)
		if ((rp->t[i] = calloc(reps, sizeof(double))) == NULL)
			err(1, NULL);
}

/* The phases' medians, "key=value" each. */
static void
print_phases(struct rep *rp, int reps, int first, int last)
{
	int	i;

	for (i = first; i <= last; i++)
		printf(" %s_ms=%.3f", phase_names[i], median(rp->t[i], reps));
}

static void
bench_doc(const struct doc *d, int reps, int64_t now)
{
	struct cycle_out	 out;
	struct cycle		 c;
	struct rep		 rp;
	struct rusage		 ru;
	double			 t0;
	size_t			 events = 0, raw_bytes = 0, imsg_bytes = 0;
	int			 i, r;

	cycle_init(&c, &out, &rp, reps);
	/* The first run, initial_status for all, is a warm-up. */
	rp.r = -1;
	cycle_run(&c, doc_parse(d, NULL), now, &out);
	rep_sent(&c, &rp);
	for (r = 0; r < reps; r++) {
		rp.r = r;
		timed_cycle(&c, d, now + (r % 2 == 0 ? NOW_STEP : 0), &out,
		    &rp);
		events = rp.events;
	}
	for (r = 0; r < reps && !cycle_only; r++) {
		t0 = cpu_ms();
		yajl_floor(d);
		rp.t[PH_YAJL][r] = cpu_ms() - t0;
	}
	bench_render(d, cycle_only ? 0 : reps, now, rp.t[PH_RENDER],
	    &raw_bytes, &imsg_bytes);
	if (getrusage(RUSAGE_SELF, &ru) == -1)
		err(1, "getrusage");
	printf("cycle file=%s bytes=%zu ifaces=%zu peers=%zu reps=%d",
	    d->path, d->len, c.current->nifaces, c.current->npeers, reps);
	print_phases(&rp, reps, 0, PH_MAX - 1);
	printf(" events=%zu imsgs=%zu imsg_bytes=%zu raw_bytes=%zu "
	    "maxrss_kb=%ld\n", events, rp.imsgs, imsg_bytes, raw_bytes,
	    ru.ru_maxrss);
	fflush(stdout);
	snapshot_free(c.current);
	for (i = 0; i < PH_MAX; i++)
		free(rp.t[i]);
}

/*
 * -q: the files are a sequence of runs NOW_STEP apart (bench/gen -q),
 * fed in order so that each diff sees the churn from the one before; the
 * first is the warm-up.  Each document is read before its run and freed
 * after it and its floor, so that the peak RSS is the cycle's own.
 */
static void
bench_seq(char **paths, int n, int64_t now)
{
	struct cycle_out	 out;
	struct cycle		 c;
	struct doc		 d;
	struct rep		 rp;
	struct rusage		 ru;
	double			*events, *imsgs, *wire, t0;
	size_t			 bytes = 0;
	int			 i, reps = n - 1;

	cycle_init(&c, &out, &rp, reps);
	if ((events = calloc(reps, sizeof(double))) == NULL ||
	    (imsgs = calloc(reps, sizeof(double))) == NULL ||
	    (wire = calloc(reps, sizeof(double))) == NULL)
		err(1, NULL);
	doc_read(&d, paths[0]);
	rp.r = -1;
	cycle_run(&c, doc_parse(&d, NULL), now, &out);
	rep_sent(&c, &rp);
	free(d.data);
	for (rp.r = 0; rp.r < reps; rp.r++) {
		doc_read(&d, paths[rp.r + 1]);
		timed_cycle(&c, &d, now + (int64_t)NOW_STEP * (rp.r + 1),
		    &out, &rp);
		events[rp.r] = rp.events;
		imsgs[rp.r] = rp.imsgs;
		wire[rp.r] = rp.bytes;
		t0 = cpu_ms();
		yajl_floor(&d);
		rp.t[PH_YAJL][rp.r] = cpu_ms() - t0;
		bytes += d.len;
		free(d.data);
	}
	if (getrusage(RUSAGE_SELF, &ru) == -1)
		err(1, "getrusage");
	printf("churn first=%s docs=%d bytes=%zu ifaces=%zu peers=%zu reps=%d",
	    paths[0], n, bytes / reps, c.current->nifaces, c.current->npeers,
	    reps);
	print_phases(&rp, reps, 0, PH_YAJL);
	printf(" events=%.0f imsgs=%.0f imsg_bytes=%.0f maxrss_kb=%ld\n",
	    median(events, reps), median(imsgs, reps), median(wire, reps),
	    ru.ru_maxrss);
	fflush(stdout);
	snapshot_free(c.current);
	for (i = 0; i < PH_MAX; i++)
		free(rp.t[i]);
	free(events);
	free(imsgs);
	free(wire);
}

/*
 * Once as a warm-up, so that the first repetition does not pay for the
 * allocator's first growth; every repetition renders into a new evbuffer
 * as the frontend does per snapshot.
 */
static void
bench_metrics(const struct doc *d, int reps, int64_t now)
{
	struct snapshot	*s;
	struct evbuffer	*b;
	double		*t, t0;
	size_t		 bytes = 0;
	int		 r;

	if ((t = calloc(reps, sizeof(double))) == NULL)
		err(1, NULL);
	s = doc_parse(d, NULL);
	classify_snapshot(s, now, CONF_CONNECTED, CONF_DISCONNECTED);
	for (r = -1; r < reps; r++) {
		t0 = cpu_ms();
		if ((b = evbuffer_new()) == NULL ||
		    metrics_render_peers(b, s) == -1)
			errx(1, "metrics_render_peers");
		bytes = evbuffer_get_length(b);
		evbuffer_free(b);
		if (r >= 0)
			t[r] = cpu_ms() - t0;
	}
	printf("metrics file=%s peers=%zu reps=%d render_metrics_ms=%.3f "
	    "metrics_bytes=%zu\n", d->path, s->npeers, reps, median(t, reps),
	    bytes);
	fflush(stdout);
	snapshot_free(s);
	free(t);
}

static void
bench_floor(const struct doc *d, int reps)
{
	double	*t, t0;
	int	 r;

	if ((t = calloc(reps, sizeof(*t))) == NULL)
		err(1, NULL);
	for (r = 0; r < reps; r++) {
		t0 = cpu_ms();
		yajl_floor(d);
		t[r] = cpu_ms() - t0;
	}
	printf("floor file=%s bytes=%zu reps=%d yajl_ms=%.3f\n", d->path,
	    d->len, reps, median(t, reps));
	fflush(stdout);
	free(t);
}

int
main(int argc, char *argv[])
{
	struct doc	 d;
	const char	*errstr;
	int64_t		 now = time(NULL);
	int		 ch, reps = 5;

	while ((ch = getopt(argc, argv, "c:mn:qr:xy")) != -1) {
		switch (ch) {
		case 'c':
			chunk = strtonum(optarg, 1, WGM_OUTPUT_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "chunk %s: %s", optarg, errstr);
			break;
		case 'm':
			metrics_only = 1;
			break;
		case 'n':
			now = strtonum(optarg, 1, INT64_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "now %s: %s", optarg, errstr);
			break;
		case 'q':
			sequence = 1;
			break;
		case 'r':
			reps = strtonum(optarg, 1, 10000, &errstr);
			if (errstr != NULL)
				errx(1, "reps %s: %s", optarg, errstr);
			break;
		case 'x':
			cycle_only = 1;
			break;
		case 'y':
			floor_only = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || metrics_only + cycle_only + floor_only > 1 ||
	    (sequence && (metrics_only || cycle_only || floor_only ||
	    argc < 2)))
		usage();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		err(1, "socketpair");
	if (sequence) {
		bench_seq(argv, argc, now);
		return (0);
	}
	for (; argc > 0; argc--, argv++) {
		doc_read(&d, *argv);
		if (floor_only)
			bench_floor(&d, reps);
		else if (metrics_only)
			bench_metrics(&d, reps, now);
		else
			bench_doc(&d, reps, now);
		free(d.data);
	}
	return (0);
}
