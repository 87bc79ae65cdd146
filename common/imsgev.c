/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "log.h"
#include "wgmond.h"

/* Read always; write only while something is queued. */
void
imsg_event_add(struct imsgev *iev)
{
	short	events = EV_READ;

	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		events |= EV_WRITE;
	if (iev->ev != NULL && iev->events == events)
		return;
	if (iev->ev != NULL) {
		event_del(iev->ev);
		event_free(iev->ev);
	}
	iev->events = events;
	iev->ev = event_new(iev->base, iev->ibuf.fd, events | EV_PERSIST,
	    iev->handler, iev);
	if (iev->ev == NULL || event_add(iev->ev, NULL) == -1)
		fatalx("%s: event", __func__);
}

/*
 * imsgbuf_allow_fdpass lets a side take descriptors, and imsg_compose
 * sends one only then.  The collector sends descriptors but must take
 * none from the frontend: a message's own goes out without letting any
 * in.
 */
int
imsg_compose_event(struct imsgev *iev, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const void *data, size_t datalen)
{
	struct imsgbuf	*ibuf = &iev->ibuf;
	int		 flags = ibuf->flags, ret;

	if (fd != -1)
		imsgbuf_allow_fdpass(ibuf);
	ret = imsg_compose(ibuf, type, peerid, pid, fd, data, datalen);
	ibuf->flags = flags;
	if (ret == -1)
		return (-1);
	imsg_event_add(iev);
	return (ret);
}
