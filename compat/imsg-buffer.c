/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

/* Buffers handed to one sendmsg(2); more only costs another call. */
#define MSGBUF_IOV		64

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL		0
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC	0
#endif

struct msgbuf_fd {
	TAILQ_ENTRY(msgbuf_fd)	 entry;
	int			 fd;
};

/*
 * The write side is a queue of whole messages.  The read side is one
 * byte buffer, never larger than the biggest message asked for, and
 * the descriptors that arrived with it, in order.
 */
struct msgbuf {
	TAILQ_HEAD(, ibuf)	 bufs;
	TAILQ_HEAD(, msgbuf_fd)	 fds;
	uint32_t		 queued;
	unsigned char		*rbuf;
	size_t			 rsize;
	size_t			 rpos;
	size_t			 wpos;
};

struct ibuf *
ibuf_open(size_t len)
{
	struct ibuf	*buf;

	if (len == 0) {
		errno = EINVAL;
		return (NULL);
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return (NULL);
	if ((buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return (NULL);
	}
	buf->size = buf->max = len;
	buf->fd = -1;
	return (buf);
}

struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	struct ibuf	*buf;

	if (max == 0 || max < len) {
		errno = EINVAL;
		return (NULL);
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return (NULL);
	if (len > 0 && (buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return (NULL);
	}
	buf->size = len;
	buf->max = max;
	buf->fd = -1;
	return (buf);
}

/*
 * Room for len more bytes at the end.  A dynamic buffer grows by
 * doubling, up to its max; a fixed one (size == max) and a stack one
 * (max == 0) never grow.
 */
static void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	unsigned char	*b;
	size_t		 need, nsize;
	void		*p;

	if (len > SIZE_MAX - buf->wpos) {
		errno = ERANGE;
		return (NULL);
	}
	need = buf->wpos + len;
	if (need > buf->size) {
		if (need > buf->max) {
			errno = ERANGE;
			return (NULL);
		}
		nsize = buf->size > buf->max / 2 ? buf->max : buf->size * 2;
		if (nsize < need)
			nsize = need;
		if ((b = realloc(buf->buf, nsize)) == NULL)
			return (NULL);
		memset(b + buf->size, 0, nsize - buf->size);
		buf->buf = b;
		buf->size = nsize;
	}
	p = buf->buf + buf->wpos;
	buf->wpos = need;
	return (p);
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	void	*p;

	if (len == 0)
		return (0);
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return (-1);
	memcpy(p, data, len);
	return (0);
}

void *
ibuf_data(const struct ibuf *buf)
{
	return (buf->buf + buf->rpos);
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return (buf->wpos - buf->rpos);
}

size_t
ibuf_left(const struct ibuf *buf)
{
	/* A buffer over someone else's memory cannot be written to. */
	if (buf->max == 0)
		return (0);
	return (buf->max - buf->wpos);
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return (-1);
	}
	memcpy(data, ibuf_data(buf), len);
	buf->rpos += len;
	return (0);
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return (-1);
	}
	buf->rpos += len;
	return (0);
}

/*
 * A read-only ibuf over memory the caller owns, such as an imsg's
 * payload.  max == 0 marks it: it must never be freed or grown.
 */
void
ibuf_from_buffer(struct ibuf *buf, void *data, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	buf->buf = data;
	buf->size = buf->wpos = len;
	buf->fd = -1;
}

void
ibuf_free(struct ibuf *buf)
{
	if (buf == NULL)
		return;
	/* Freeing memory the ibuf does not own would corrupt the heap. */
	if (buf->max == 0)
		abort();
	if (buf->fd != -1)
		close(buf->fd);
	free(buf->buf);
	free(buf);
}

int
ibuf_fd_avail(const struct ibuf *buf)
{
	return (buf->fd != -1);
}

/* The caller takes the descriptor over; the ibuf forgets it. */
int
ibuf_fd_get(struct ibuf *buf)
{
	int	 fd;

	fd = buf->fd;
	buf->fd = -1;
	return (fd);
}

void
ibuf_fd_set(struct ibuf *buf, int fd)
{
	if (buf->fd != -1)
		close(buf->fd);
	buf->fd = fd;
}

/* Queues a finished buffer for msgbuf_write, which then owns it. */
void
ibuf_close(struct msgbuf *msgbuf, struct ibuf *buf)
{
	TAILQ_INSERT_TAIL(&msgbuf->bufs, buf, entry);
	msgbuf->queued++;
}

struct msgbuf *
msgbuf_new(void)
{
	struct msgbuf	*msgbuf;

	if ((msgbuf = calloc(1, sizeof(*msgbuf))) == NULL)
		return (NULL);
	TAILQ_INIT(&msgbuf->bufs);
	TAILQ_INIT(&msgbuf->fds);
	return (msgbuf);
}

/* Closes every descriptor still queued, in either direction. */
void
msgbuf_free(struct msgbuf *msgbuf)
{
	struct ibuf		*buf;
	struct msgbuf_fd	*mfd;

	if (msgbuf == NULL)
		return;
	while ((buf = TAILQ_FIRST(&msgbuf->bufs)) != NULL) {
		TAILQ_REMOVE(&msgbuf->bufs, buf, entry);
		ibuf_free(buf);
	}
	while ((mfd = TAILQ_FIRST(&msgbuf->fds)) != NULL) {
		TAILQ_REMOVE(&msgbuf->fds, mfd, entry);
		close(mfd->fd);
		free(mfd);
	}
	free(msgbuf->rbuf);
	free(msgbuf);
}

uint32_t
msgbuf_queuelen(const struct msgbuf *msgbuf)
{
	return (msgbuf->queued);
}

/* Forgets the first n bytes of the queue, which the kernel has taken. */
static void
msgbuf_drain(struct msgbuf *msgbuf, size_t n)
{
	struct ibuf	*buf;

	while (n > 0 && (buf = TAILQ_FIRST(&msgbuf->bufs)) != NULL) {
		if (n < ibuf_size(buf)) {
			buf->rpos += n;
			return;
		}
		n -= ibuf_size(buf);
		TAILQ_REMOVE(&msgbuf->bufs, buf, entry);
		ibuf_free(buf);
		msgbuf->queued--;
	}
}

/*
 * Writes as much of the queue as the socket takes.  A descriptor is
 * sent with the first byte of its own message and no other, so that
 * the reader has it by the time the message is complete; so one
 * sendmsg carries at most one, and stops before the next.
 */
int
msgbuf_write(int fd, struct msgbuf *msgbuf)
{
	struct iovec	 iov[MSGBUF_IOV];
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct ibuf	*buf, *first;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	ssize_t		 n;
	int		 i = 0;

	if ((first = TAILQ_FIRST(&msgbuf->bufs)) == NULL)
		return (0);
	TAILQ_FOREACH(buf, &msgbuf->bufs, entry) {
		if (i == MSGBUF_IOV || (i > 0 && buf->fd != -1))
			break;
		iov[i].iov_base = ibuf_data(buf);
		iov[i].iov_len = ibuf_size(buf);
		i++;
	}

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = i;
	if (first->fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = &cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &first->fd, sizeof(int));
	}

	while ((n = sendmsg(fd, &msg, MSG_NOSIGNAL)) == -1) {
		if (errno == EINTR)
			continue;
		/* A full socket is not an error: the caller comes back. */
		if (errno == EAGAIN || errno == ENOBUFS)
			return (0);
		return (-1);
	}

	/* Sent: the receiver has its own copy now. */
	if (first->fd != -1) {
		close(first->fd);
		first->fd = -1;
	}
	msgbuf_drain(msgbuf, n);
	return (0);
}

/*
 * Makes room for a message of want bytes: the unread bytes move to the
 * front, and the buffer grows to want if it is smaller.
 */
static int
msgbuf_make_room(struct msgbuf *msgbuf, size_t want)
{
	unsigned char	*b;

	if (msgbuf->rpos > 0) {
		memmove(msgbuf->rbuf, msgbuf->rbuf + msgbuf->rpos,
		    msgbuf->wpos - msgbuf->rpos);
		msgbuf->wpos -= msgbuf->rpos;
		msgbuf->rpos = 0;
	}
	if (msgbuf->rsize < want) {
		if ((b = realloc(msgbuf->rbuf, want)) == NULL)
			return (-1);
		msgbuf->rbuf = b;
		msgbuf->rsize = want;
	}
	return (0);
}

/*
 * Queues the descriptors that came with a read.  Any descriptor is an
 * error when passing is not allowed or when some were cut off; all of
 * the read's descriptors are closed then, so none leaks.
 */
static int
msgbuf_recv_fds(struct msgbuf *msgbuf, struct msghdr *msg, int fdpass)
{
	struct cmsghdr		*cmsg;
	struct msgbuf_fd	*mfd = NULL;
	size_t			 i, nfds;
	int			 fd, error = 0;

	if (msg->msg_flags & MSG_CTRUNC)
		error = EMSGSIZE;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (error == 0 && !fdpass)
				error = EBADMSG;
			if (error == 0 && (mfd = malloc(sizeof(*mfd))) == NULL)
				error = errno;
			if (error != 0) {
				close(fd);
				continue;
			}
			mfd->fd = fd;
			TAILQ_INSERT_TAIL(&msgbuf->fds, mfd, entry);
		}
	}
	if (error != 0) {
		errno = error;
		return (-1);
	}
	return (0);
}

/*
 * Reads what the socket has, up to the room for one message of want
 * bytes.  Returns 1 when data was read or none was waiting, 0 at the
 * end of the stream, -1 on error.  A full buffer reads nothing: its
 * messages must be taken first, and the kernel keeps the rest.
 */
int
msgbuf_read(int fd, struct msgbuf *msgbuf, size_t want, int fdpass)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	ssize_t		 n;

	if (msgbuf_make_room(msgbuf, want) == -1)
		return (-1);
	if (msgbuf->wpos == msgbuf->rsize)
		return (1);

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = msgbuf->rbuf + msgbuf->wpos;
	iov.iov_len = msgbuf->rsize - msgbuf->wpos;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	/* Received descriptors must not leak into the scripts we exec. */
	while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return (1);
		return (-1);
	}
	if (msgbuf_recv_fds(msgbuf, &msg, fdpass) == -1)
		return (-1);
	if (n == 0)
		return (0);
	msgbuf->wpos += n;
	return (1);
}

/* The first len unread bytes, or NULL while fewer have arrived. */
const void *
msgbuf_peek(const struct msgbuf *msgbuf, size_t len)
{
	if (msgbuf->wpos - msgbuf->rpos < len)
		return (NULL);
	return (msgbuf->rbuf + msgbuf->rpos);
}

/*
 * Takes the first len unread bytes, which msgbuf_peek has shown to be
 * there, as an ibuf of their own; with withfd, the oldest received
 * descriptor goes with them.
 */
struct ibuf *
msgbuf_get(struct msgbuf *msgbuf, size_t len, int withfd)
{
	struct ibuf		*buf;
	struct msgbuf_fd	*mfd = NULL;

	if (withfd && (mfd = TAILQ_FIRST(&msgbuf->fds)) == NULL) {
		errno = EBADMSG;
		return (NULL);
	}
	if ((buf = ibuf_open(len)) == NULL)
		return (NULL);
	if (ibuf_add(buf, msgbuf->rbuf + msgbuf->rpos, len) == -1) {
		ibuf_free(buf);
		return (NULL);
	}
	msgbuf->rpos += len;
	if (mfd != NULL) {
		TAILQ_REMOVE(&msgbuf->fds, mfd, entry);
		buf->fd = mfd->fd;
		free(mfd);
	}
	return (buf);
}
