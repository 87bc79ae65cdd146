/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <paths.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

void
sandbox_frontend(void)
{
	/*
	 * Accept and serve on the listening socket it was given, talk imsg
	 * with the collector, log through the syslog socket it passes
	 * (recvfd).  No path promise: the chroot is empty and stays unopened.
	 */
	if (pledge("stdio inet recvfd", NULL) == -1)
		fatal("pledge");
}

void
sandbox_collector(const char *exec_path)
{
	/*
	 * Each run checks the script and every directory above it, so the
	 * whole tree stays readable; what unveil takes away is execution of
	 * anything but doas, and writing. /dev/null, the script's stdin, is
	 * opened read-only.
	 */
	if (unveil("/", "r") == -1)
		fatal("unveil /");
	if (unveil(exec_path, "x") == -1)
		fatal("unveil %s", exec_path);
	if (unveil(_PATH_LOG, "rw") == -1)
		fatal("unveil %s", _PATH_LOG);
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");

	/*
	 * rpath: the script's checks. proc: fork, its own process group,
	 * killing that group on timeout. exec: doas, which starts with no
	 * promises (execpromises NULL) since it must become root. sendfd:
	 * IMSG_LISTEN hands the frontend its listening socket, and unix
	 * with sendfd a fresh syslog socket when the frontend's failed.
	 */
	if (pledge("stdio rpath proc exec sendfd unix", NULL) == -1)
		fatal("pledge");
}
