/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>

#include <stdio.h>
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

/*
 * The length of the UTF-8 character at s, which has len bytes, or 0 if
 * it is none: an overlong form, a surrogate, past U+10FFFF, cut short.
 */
size_t
json_utf8_len(const unsigned char *s, size_t len)
{
	uint32_t	cp, min;
	size_t		n, i;

	if (s[0] < 0x80)
		return (1);
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		return (0);
	if (n > len)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

/*
 * Copies src into dst as text fit for one log line: a control character
 * (C1 too), a backslash or a byte that is not UTF-8 is written \xNN, and
 * what does not fit is cut at a character, never inside one.
 */
void
json_clean_text(char *dst, size_t size, const char *src)
{
	const unsigned char	*s = (const unsigned char *)src;
	const unsigned char	*end = s + strlen(src);
	size_t			 o = 0, n;

	while (s < end) {
		n = json_utf8_len(s, end - s);
		if (n == 0 || s[0] < 0x20 || s[0] == 0x7f || s[0] == '\\' ||
		    (s[0] == 0xc2 && s[1] < 0xa0)) {
			if (o + 4 >= size)
				break;
			(void)snprintf(dst + o, size - o, "\\x%02x", s[0]);
			o += 4;
			s++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(dst + o, s, n);
		o += n;
		s += n;
	}
	if (size > 0)
		dst[o] = '\0';
}
