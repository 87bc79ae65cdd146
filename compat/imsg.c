/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#define IMSG_ALLOW_FDPASS	0x01

/*
 * The top bit of hdr.len on the wire says a descriptor goes with the
 * message; maxsize stays below it, so a real length never sets it.
 */
#define IMSG_FD_MARK		0x80000000U

/* How much the reader asks for when no message is under way. */
#define IMSG_READ_CHUNK		4096

int
imsgbuf_init(struct imsgbuf *imsgbuf, int fd)
{
	if ((imsgbuf->w = msgbuf_new()) == NULL)
		return (-1);
	imsgbuf->pid = getpid();
	imsgbuf->maxsize = MAX_IMSGSIZE;
	imsgbuf->fd = fd;
	imsgbuf->flags = 0;
	return (0);
}

void
imsgbuf_allow_fdpass(struct imsgbuf *imsgbuf)
{
	imsgbuf->flags |= IMSG_ALLOW_FDPASS;
}

/* The limit counts the header, as hdr.len does. */
int
imsgbuf_set_maxsize(struct imsgbuf *imsgbuf, uint32_t max)
{
	if (max < IMSG_HEADER_SIZE || (max & IMSG_FD_MARK)) {
		errno = EINVAL;
		return (-1);
	}
	imsgbuf->maxsize = max;
	return (0);
}

/*
 * Peeks at the header of the next message.  Returns 1 when it is
 * there and its length within the limits, 0 while it is incomplete,
 * -1 when no honest peer would have sent it.
 */
static int
imsg_head(struct imsgbuf *imsgbuf, struct imsg_hdr *hdr)
{
	const void	*p;
	uint32_t	 len;

	if ((p = msgbuf_peek(imsgbuf->w, IMSG_HEADER_SIZE)) == NULL)
		return (0);
	memcpy(hdr, p, sizeof(*hdr));
	len = hdr->len & ~IMSG_FD_MARK;
	if (len < IMSG_HEADER_SIZE) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > imsgbuf->maxsize) {
		errno = ERANGE;
		return (-1);
	}
	return (1);
}

/*
 * The read buffer grows to the length of the message under way, and
 * that is at most maxsize: a peer cannot make it any larger.
 */
int
imsgbuf_read(struct imsgbuf *imsgbuf)
{
	struct imsg_hdr	 hdr;
	size_t		 want;

	if (imsg_head(imsgbuf, &hdr) == 1)
		want = hdr.len & ~IMSG_FD_MARK;
	else if (imsgbuf->maxsize < IMSG_READ_CHUNK)
		want = imsgbuf->maxsize;
	else
		want = IMSG_READ_CHUNK;
	return (msgbuf_read(imsgbuf->fd, imsgbuf->w, want,
	    imsgbuf->flags & IMSG_ALLOW_FDPASS));
}

int
imsgbuf_write(struct imsgbuf *imsgbuf)
{
	return (msgbuf_write(imsgbuf->fd, imsgbuf->w));
}

/* On a non-blocking socket this spins until the peer reads. */
int
imsgbuf_flush(struct imsgbuf *imsgbuf)
{
	while (imsgbuf_queuelen(imsgbuf) > 0) {
		if (imsgbuf_write(imsgbuf) == -1)
			return (-1);
	}
	return (0);
}

void
imsgbuf_clear(struct imsgbuf *imsgbuf)
{
	msgbuf_free(imsgbuf->w);
	imsgbuf->w = NULL;
}

uint32_t
imsgbuf_queuelen(struct imsgbuf *imsgbuf)
{
	return (msgbuf_queuelen(imsgbuf->w));
}

ssize_t
imsg_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*buf;
	size_t		 len;
	int		 rv;

	if ((rv = imsg_head(imsgbuf, &hdr)) != 1)
		return (rv);
	len = hdr.len & ~IMSG_FD_MARK;
	if (msgbuf_peek(imsgbuf->w, len) == NULL)
		return (0);
	buf = msgbuf_get(imsgbuf->w, len, (hdr.len & IMSG_FD_MARK) != 0);
	if (buf == NULL)
		return (-1);
	/* imsg_head saw len >= IMSG_HEADER_SIZE: this cannot fail. */
	(void)ibuf_skip(buf, IMSG_HEADER_SIZE);

	hdr.len = len;
	imsg->hdr = hdr;
	imsg->data = ibuf_size(buf) > 0 ? ibuf_data(buf) : NULL;
	imsg->buf = buf;
	return (len);
}

/* Hands the payload over to buf, as ibuf_get(3) would. */
int
imsg_get_ibuf(struct imsg *imsg, struct ibuf *buf)
{
	size_t	 len;

	len = ibuf_size(imsg->buf);
	ibuf_from_buffer(buf, ibuf_data(imsg->buf), len);
	return (ibuf_skip(imsg->buf, len));
}

/* A fixed struct must arrive whole, not cut short and not padded. */
int
imsg_get_data(struct imsg *imsg, void *data, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return (-1);
	}
	if (ibuf_size(imsg->buf) != len) {
		errno = EBADMSG;
		return (-1);
	}
	return (ibuf_get(imsg->buf, data, len));
}

int
imsg_get_fd(struct imsg *imsg)
{
	return (ibuf_fd_get(imsg->buf));
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return (imsg->hdr.peerid);
}

size_t
imsg_get_len(struct imsg *imsg)
{
	return (ibuf_size(imsg->buf));
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return (imsg->hdr.pid);
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return (imsg->hdr.type);
}

/*
 * A descriptor is refused here, rather than by the peer, where it
 * would break the channel.  On failure the caller keeps fd.
 */
int
imsg_compose(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct ibuf	*buf;

	if (fd != -1 && !(imsgbuf->flags & IMSG_ALLOW_FDPASS)) {
		errno = EPERM;
		return (-1);
	}
	if ((buf = imsg_create(imsgbuf, type, id, pid, datalen)) == NULL)
		return (-1);
	if (imsg_add(buf, data, datalen) == -1)
		return (-1);
	ibuf_fd_set(buf, fd);
	imsg_close(imsgbuf, buf);
	return (1);
}

struct ibuf *
imsg_create(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    size_t datalen)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*buf;

	if (datalen > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = EMSGSIZE;
		return (NULL);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.peerid = id;
	hdr.pid = pid == 0 ? imsgbuf->pid : pid;
	buf = ibuf_dynamic(IMSG_HEADER_SIZE + datalen, imsgbuf->maxsize);
	if (buf == NULL)
		return (NULL);
	if (ibuf_add(buf, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(buf);
		return (NULL);
	}
	return (buf);
}

/* Frees msg on failure, so that callers need only return. */
int
imsg_add(struct ibuf *msg, const void *data, size_t datalen)
{
	if (ibuf_add(msg, data, datalen) == -1) {
		ibuf_free(msg);
		return (-1);
	}
	return (datalen);
}

/* The length is known only now; it goes into the header in place. */
void
imsg_close(struct imsgbuf *imsgbuf, struct ibuf *msg)
{
	uint32_t	 len;

	len = ibuf_size(msg);
	if (ibuf_fd_avail(msg))
		len |= IMSG_FD_MARK;
	memcpy((unsigned char *)ibuf_data(msg) + offsetof(struct imsg_hdr, len),
	    &len, sizeof(len));
	ibuf_close(imsgbuf->w, msg);
}

/* Also closes a descriptor that imsg_get_fd never claimed. */
void
imsg_free(struct imsg *imsg)
{
	ibuf_free(imsg->buf);
	imsg->buf = NULL;
	imsg->data = NULL;
}
