/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "wgmond.h"
#include "collector.h"

#define WG_KEY_LEN	44	/* base64 of 32 bytes, one '=' */
#define BLANKS		" \t"
#define BASE64		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789+/"

enum names_mode {
	MODE_UNKNOWN,
	MODE_PLAIN,	/* PUBLICKEY NAME */
	MODE_WG		/* [Peer] sections with # friendly_name = NAME */
};

struct name {
	RB_ENTRY(name)		 entry;
	char			 key[WG_KEY_LEN + 1];
	char			 name[WGM_PEERNAME_MAX];
};
RB_HEAD(name_tree, name);

/* What identifies a version of a file: a change in any is a reload. */
struct names_id {
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtime;
	struct timespec		 ctime;
};

struct names_file {
	char			 path[CONF_PATH_MAX];
	struct name_tree	 names;
	size_t			 count;
	struct names_id		 id;		/* of the last attempt */
	char			 lasterr[WGM_DETAIL_MAX];
};

/* One line of a file, cut at NAMES_LINE_MAX bytes. */
struct line {
	char			 buf[NAMES_LINE_MAX + 1];
	size_t			 len;
	size_t			 no;
	int			 cut;
	int			 nul;
};

/* One reading of one file. */
struct reader {
	const char		*path;
	FILE			*fp;
	off_t			 bytes;
	struct name_tree	 names;
	size_t			 count;
	size_t			 room;		/* names it may still add */
	size_t			 warnings;
	int			 mode;
	int			 in_peer;
	char			 key[WG_KEY_LEN + 1];
	size_t			 key_line;	/* 0: none in this section */
	int			 key_bad;
	char			 name[WGM_PEERNAME_MAX];
	size_t			 name_line;
};

static int	name_cmp(struct name *, struct name *);
RB_PROTOTYPE(name_tree, name, entry, name_cmp);
RB_GENERATE(name_tree, name, entry, name_cmp);

static struct names_file	 files[CONF_NAMES_MAX];
static size_t			 nfiles;
static size_t			 total;		/* names held, all files */
/* The names' version, and the one the last run's peers were named by. */
static uint64_t			 names_gen = 1;
static uint64_t			 names_used;

static void	reader_warn(struct reader *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

static int
name_cmp(struct name *a, struct name *b)
{
	return (strcmp(a->key, b->key));
}

static void
tree_free(struct name_tree *t)
{
	struct name	*n, *next;

	RB_FOREACH_SAFE(n, name_tree, t, next) {
		RB_REMOVE(name_tree, t, n);
		free(n);
	}
}

/* A bad line is named file:line; past a few, they are only counted. */
static void
reader_warn(struct reader *r, size_t line, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	if (r->warnings++ >= NAMES_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s:%zu: %s; line skipped", r->path, line, msg);
}

/* Whether s is a WireGuard public key as wg(8) prints it. */
int
names_valid_key(const char *s)
{
	return (strlen(s) == WG_KEY_LEN &&
	    strspn(s, BASE64) == WG_KEY_LEN - 1 && s[WG_KEY_LEN - 1] == '=');
}

/*
 * A name is shown wherever the peer is, so it is bounded, UTF-8, and
 * free of control characters (C1 too).  Returns -1 with why in *why.
 */
int
names_check_name(const char *name, const char **why)
{
	const unsigned char	*s = (const unsigned char *)name;
	size_t			 len = strlen(name), n;

	*why = "name longer than 64 bytes";
	if (len >= WGM_PEERNAME_MAX)
		return (-1);
	for (; *s != '\0'; s += n) {
		*why = "name is not UTF-8";
		if ((n = json_utf8_len(s, len - (s -
		    (const unsigned char *)name))) == 0)
			return (-1);
		*why = "control character in name";
		if (s[0] < 0x20 || s[0] == 0x7f ||
		    (s[0] == 0xc2 && s[1] < 0xa0))
			return (-1);
	}
	*why = NULL;
	return (0);
}

static void
reader_add(struct reader *r, size_t line, const char *key, const char *name)
{
	struct name	*n;

	if (r->count >= r->room)
		return;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		fatal("%s", __func__);
	strlcpy(n->key, key, sizeof(n->key));
	strlcpy(n->name, name, sizeof(n->name));
	if (RB_INSERT(name_tree, &r->names, n) != NULL) {
		free(n);
		reader_warn(r, line, "key already named in this file");
		return;
	}
	if (++r->count == r->room)
		log_warnx("%s:%zu: %d names in all files: the rest of the "
		    "file is ignored", r->path, line, NAMES_MAX);
}

/*
 * Reads the next line into l, without its newline.  0 at the end of
 * the file, -1 when the file grew past NAMES_FILE_MAX.
 */
static int
reader_line(struct reader *r, struct line *l)
{
	int	c;

	l->len = 0;
	l->cut = l->nul = 0;
	while ((c = getc(r->fp)) != EOF && c != '\n') {
		if (++r->bytes > NAMES_FILE_MAX)
			return (-1);
		if (c == '\0')
			l->nul = 1;
		if (l->len < NAMES_LINE_MAX)
			l->buf[l->len++] = c;
		else
			l->cut = 1;
	}
	if (c == EOF && l->len == 0 && !l->cut)
		return (0);
	r->bytes++;
	l->buf[l->len] = '\0';
	l->no++;
	return (1);
}

/* Leading and trailing blanks off (and a CRLF file's CR). */
static char *
trim(char *s)
{
	size_t	len;

	s += strspn(s, BLANKS);
	len = strlen(s);
	while (len > 0 && strchr(BLANKS "\r", s[len - 1]) != NULL)
		s[--len] = '\0';
	return (s);
}

/* The value after "word = " at s, or NULL when s is not that. */
static char *
assignment(char *s, const char *word)
{
	size_t	len = strlen(word);

	if (strncasecmp(s, word, len) != 0)
		return (NULL);
	s += len;
	s += strspn(s, BLANKS);
	if (*s != '=')
		return (NULL);
	s++;
	return (s + strspn(s, BLANKS));
}

/* A line is bad when it was cut or holds a NUL: -1, with why. */
static int
line_check(const struct line *l, const char **why)
{
	*why = NULL;
	if (l->cut)
		*why = "line longer than " NAMES_LINE_MAX_TEXT " bytes";
	else if (l->nul)
		*why = "NUL byte in line";
	return (*why == NULL ? 0 : -1);
}

static void
plain_line(struct reader *r, const struct line *l, char *s)
{
	const char	*why;
	char		*name;

	if (line_check(l, &why) == -1) {
		reader_warn(r, l->no, "%s", why);
		return;
	}
	name = s + strcspn(s, BLANKS);
	if (*name != '\0')
		*name++ = '\0';
	name += strspn(name, BLANKS);
	if (!names_valid_key(s))
		reader_warn(r, l->no, "not a WireGuard public key");
	else if (*name == '\0')
		reader_warn(r, l->no, "no name after the key");
	else if (names_check_name(name, &why) == -1)
		reader_warn(r, l->no, "%s", why);
	else
		reader_add(r, l->no, s, name);
}

/* The end of a [Peer] section: its name, if any, goes to its key. */
static void
wg_section_end(struct reader *r)
{
	if (r->name_line != 0) {
		if (r->key_line == 0)
			reader_warn(r, r->name_line, "friendly_name in a [Peer] "
			    "section without a PublicKey");
		else if (r->key_bad)
			reader_warn(r, r->key_line, "not a WireGuard public "
			    "key");
		else
			reader_add(r, r->name_line, r->key, r->name);
	}
	r->key_line = r->name_line = 0;
	r->key_bad = 0;
}

static void
wg_name(struct reader *r, const struct line *l, const char *v)
{
	const char	*why;

	if (line_check(l, &why) == -1 || names_check_name(v, &why) == -1)
		reader_warn(r, l->no, "%s", why);
	else if (*v == '\0')
		reader_warn(r, l->no, "empty friendly_name");
	else if (r->name_line != 0)
		reader_warn(r, l->no, "second friendly_name in this [Peer] "
		    "section");
	else {
		strlcpy(r->name, v, sizeof(r->name));
		r->name_line = l->no;
	}
}

static void
wg_key(struct reader *r, const struct line *l, char *v)
{
	const char	*why;

	v[strcspn(v, BLANKS "#")] = '\0';
	r->key_line = l->no;
	r->key_bad = line_check(l, &why) == -1 || !names_valid_key(v);
	if (!r->key_bad)
		strlcpy(r->key, v, sizeof(r->key));
}

/* Only [Peer] sections matter; other lines are the interface's own. */
static void
wg_line(struct reader *r, const struct line *l, char *s)
{
	char	*v;

	if (*s == '[') {
		wg_section_end(r);
		s[strcspn(s, "#")] = '\0';
		r->in_peer = strcasecmp(trim(s), "[Peer]") == 0;
	} else if (!r->in_peer)
		return;
	else if (*s == '#') {
		s++;
		if ((v = assignment(s + strspn(s, BLANKS), "friendly_name")) !=
		    NULL)
			wg_name(r, l, v);
	} else if ((v = assignment(s, "PublicKey")) != NULL)
		wg_key(r, l, v);
}

/* The first line that says anything says which kind of file this is. */
static void
reader_parse(struct reader *r, struct line *l)
{
	char	*s = trim(l->buf);

	if (r->mode == MODE_UNKNOWN) {
		if (*s == '\0' || *s == '#')
			return;
		r->mode = *s == '[' ? MODE_WG : MODE_PLAIN;
	}
	if (r->mode == MODE_WG)
		wg_line(r, l, s);
	else if (*s != '\0' && *s != '#')
		plain_line(r, l, s);
}

static int
reader_run(struct reader *r, char *err, size_t errlen)
{
	struct line	*l;
	int		 n = 0;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("%s", __func__);
	while (r->count < r->room && (n = reader_line(r, l)) == 1)
		reader_parse(r, l);
	if (r->count < r->room && n == -1)
		snprintf(err, errlen, "larger than %d MiB",
		    NAMES_FILE_MAX / (1024 * 1024));
	else if (r->count < r->room && ferror(r->fp))
		snprintf(err, errlen, "read: %s", strerror(errno));
	else if (r->mode == MODE_WG)
		wg_section_end(r);
	free(l);
	if (r->warnings > NAMES_WARN_MAX)
		log_warnx("%s: %zu more bad lines skipped", r->path,
		    r->warnings - NAMES_WARN_MAX);
	return (err[0] == '\0' ? 0 : -1);
}

/*
 * A regular file only: a FIFO would block the collector and a device
 * could be endless.
 */
static FILE *
names_open(const char *path, struct names_id *id, char *err, size_t errlen)
{
	struct stat	 st;
	FILE		*fp;
	int		 fd;

	memset(id, 0, sizeof(*id));
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return (NULL);
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
	if (!S_ISREG(st.st_mode))
		snprintf(err, errlen, "not a regular file");
	else if (st.st_size > NAMES_FILE_MAX)
		snprintf(err, errlen, "larger than %d MiB",
		    NAMES_FILE_MAX / (1024 * 1024));
	else if ((fp = fdopen(fd, "r")) == NULL)
		snprintf(err, errlen, "%s", strerror(errno));
	else
		return (fp);
	close(fd);
	return (NULL);
}

/*
 * Reads f again.  On failure its previous names stay and err says why;
 * either way f->id is what was tried, so that an unchanged bad file is
 * not read again before each run.
 */
static int
file_load(struct names_file *f, char *err, size_t errlen)
{
	struct reader	r;
	int		rc;

	err[0] = '\0';
	memset(&r, 0, sizeof(r));
	RB_INIT(&r.names);
	r.path = f->path;
	r.room = NAMES_MAX - (total - f->count);
	if ((r.fp = names_open(f->path, &f->id, err, errlen)) == NULL)
		return (-1);
	if (r.room == 0)
		log_warnx("%s: %d names in all files already: this file is "
		    "ignored", f->path, NAMES_MAX);
	rc = reader_run(&r, err, errlen);
	fclose(r.fp);
	if (rc == -1) {
		tree_free(&r.names);
		return (-1);
	}
	tree_free(&f->names);
	f->names = r.names;
	names_gen++;
	total = total - f->count + r.count;
	f->count = r.count;
	log_info("names from %s: %zu", f->path, f->count);
	return (0);
}

/* A failure is logged once, until it changes or the file loads. */
static void
file_reload(struct names_file *f)
{
	char	err[WGM_DETAIL_MAX];

	if (file_load(f, err, sizeof(err)) == 0)
		f->lasterr[0] = '\0';
	else if (strcmp(err, f->lasterr) != 0) {
		log_warnx("names file %s: %s; its previous names stay",
		    f->path, err);
		strlcpy(f->lasterr, err, sizeof(f->lasterr));
	}
}

void
names_clear(void)
{
	size_t	i;

	for (i = 0; i < nfiles; i++)
		tree_free(&files[i].names);
	memset(files, 0, sizeof(files));
	nfiles = 0;
	total = 0;
	names_gen++;
}

/*
 * At start: every file must be read, or it is an error.  Relative paths
 * are made absolute (the daemon leaves its start directory), without
 * resolving links, so that a link retargeted later is followed.
 */
int
names_init(const struct config *conf, char *err, size_t errlen)
{
	struct names_file	*f;
	char			 cwd[CONF_PATH_MAX], why[WGM_DETAIL_MAX];
	size_t			 i;

	names_clear();
	for (i = 0; i < conf->nnames; i++) {
		f = &files[nfiles++];
		RB_INIT(&f->names);
		if (conf->names[i][0] == '/')
			strlcpy(f->path, conf->names[i], sizeof(f->path));
		else if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    (size_t)snprintf(f->path, sizeof(f->path), "%s/%s", cwd,
		    conf->names[i]) >= sizeof(f->path)) {
			snprintf(err, errlen, "names file %s: path too long",
			    conf->names[i]);
			return (-1);
		}
		if (file_load(f, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "names file %s: %s", f->path,
			    why);
			return (-1);
		}
	}
	return (0);
}

static int
id_same(const struct names_id *a, const struct names_id *b)
{
	return (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec);
}

/* Before each run: a file that changed, or was replaced, is read again. */
void
names_check(void)
{
	struct names_file	*f;
	struct names_id		 id;
	struct stat		 st;
	size_t			 i;

	for (i = 0; i < nfiles; i++) {
		f = &files[i];
		if (stat(f->path, &st) == 0) {
			memset(&id, 0, sizeof(id));
			id.dev = st.st_dev;
			id.ino = st.st_ino;
			id.size = st.st_size;
			id.mtime = st.st_mtim;
			id.ctime = st.st_ctim;
			if (id_same(&id, &f->id))
				continue;
		}
		file_reload(f);
	}
}

/* SIGHUP: every file again, and every problem said again. */
void
names_reload(void)
{
	size_t	i;

	log_info("SIGHUP: reading the names files");
	for (i = 0; i < nfiles; i++) {
		files[i].lasterr[0] = '\0';
		file_reload(&files[i]);
	}
}

/* The first file that names the key wins. */
const char *
names_lookup(const char *key)
{
	struct name	 k, *n;
	size_t		 i;

	if (strlcpy(k.key, key, sizeof(k.key)) >= sizeof(k.key))
		return (NULL);
	for (i = 0; i < nfiles; i++)
		if ((n = RB_FIND(name_tree, &files[i].names, &k)) != NULL)
			return (n->name);
	return (NULL);
}

/*
 * Whether the names are those the last run's peers were named by, so
 * that a peer of that run carries its name over; once per run.
 */
int
names_unchanged(void)
{
	int	same = names_used == names_gen;

	names_used = names_gen;
	return (same);
}

/*
 * Names p, of s: as q, the same peer in the last run, when carry says the
 * names are the same, else by a lookup.  With no names, unchanged, p
 * keeps the empty name it was made with, and neither is read.
 */
void
names_peer(struct snapshot *s, struct peer *p, const struct peer *q,
    int carry)
{
	const char	*name = NULL;

	if (carry && nfiles == 0)
		return;
	if (carry && q != NULL)
		name = q->name;
	else if (nfiles > 0)
		name = names_lookup(p->key);
	if (snapshot_peer_set_name(s, p, name != NULL ? name : "") == -1)
		fatal("%s", __func__);
}
