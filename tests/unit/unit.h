/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What several unit tests need, written once (tests/unit/unit.c). */

struct cycle_out;
struct evbuffer;
struct imsgbuf;
struct peer;
struct snapshot;

typedef int	 (*unit_render_fn)(struct evbuffer *, const struct snapshot *);

char	*unit_render(unit_render_fn, const struct snapshot *);
int	 unit_snapshot_setup(void **);
int	 unit_snapshot_teardown(void **);
int	 unit_imsg_pair(int [2], struct imsgbuf *, struct imsgbuf *);
const struct cycle_out *unit_discard_out(void);
const char *unit_aip(const struct peer *, size_t);
