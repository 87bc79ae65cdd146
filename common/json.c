/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>

#include <string.h>

#include <event2/buffer.h>

#include "wgmond.h"

/*
 * Appends s as a JSON string.  Names and keys come from a script that
 * runs as root but prints what the kernel holds, and interface names are
 * chosen by whoever configured them: escape everything JSON requires.
 */
int
json_string(struct evbuffer *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*run;
	unsigned char		 c;
	char			 esc[7];

	if (evbuffer_add(b, "\"", 1) == -1)
		return (-1);
	for (run = s; *s != '\0'; s++) {
		c = *s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (s > run && evbuffer_add(b, run, s - run) == -1)
			return (-1);
		esc[0] = '\\';
		if (c == '"' || c == '\\') {
			esc[1] = c;
			esc[2] = '\0';
		} else {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			esc[6] = '\0';
		}
		if (evbuffer_add(b, esc, strlen(esc)) == -1)
			return (-1);
		run = s + 1;
	}
	if (s > run && evbuffer_add(b, run, s - run) == -1)
		return (-1);
	return (evbuffer_add(b, "\"", 1));
}
