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
 * runs; sandbox_collector() after the frontend has been started, with
 * the path of the one program the collector executes (sudo or doas).
 */

/*
 * Defined in a build with AddressSanitizer, whose runtime needs calls of
 * its own allowed: GCC says so with a macro, clang with a feature.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif

/* sandbox_linux.c, sandbox_openbsd.c */
void	sandbox_frontend(void);
void	sandbox_collector(const char *);

#endif /* SANDBOX_H */
