/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef SANDBOX_H
#define SANDBOX_H

/*
 * Both functions restrict the calling process for the rest of its life and
 * for every process it starts; neither returns on failure (fatal).
 * sandbox_frontend() is called after chroot and the privilege drop, once
 * every descriptor the frontend needs is open, before its event loop first
 * runs; sandbox_collector() after the frontend has been started.
 */

/*
 * The frontend's end of the imsg channel, where the collector puts it:
 * the one descriptor the frontend may sendmsg(2) on.
 */
#define SANDBOX_FRONTEND_IMSG_FD	3

/* sandbox_linux.c, sandbox_openbsd.c */
void	sandbox_frontend(void);
void	sandbox_collector(void);

#endif /* SANDBOX_H */
