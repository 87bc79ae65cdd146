/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The collector's channel as main() sets it up: an imsgev whose imsgbuf
 * never had imsgbuf_allow_fdpass.  It must still send descriptors
 * (IMSG_LISTEN, IMSG_LOG_SOCKET) through imsg_compose_event, and take
 * none, before or after sending one.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <cmocka.h>

#include "wgmond.h"
#include "unit.h"

#define TYPE_TEST	42
#define ROUNDS		1000

/* The collector's side is iev, on fds[0]; the frontend's is peer. */
struct channel {
	int			 fds[2];
	struct imsgev		 iev;
	struct imsgbuf		 peer;
};

static void
handler(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
}

static int
setup(void **state)
{
	struct channel	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	if (unit_imsg_pair(c->fds, &c->iev.ibuf, &c->peer) == -1)
		return (-1);
	imsgbuf_allow_fdpass(&c->peer);
	if ((c->iev.base = event_base_new()) == NULL)
		return (-1);
	c->iev.handler = handler;
	*state = c;
	return (0);
}

static int
teardown(void **state)
{
	struct channel	*c = *state;

	if (c->iev.ev != NULL)
		event_free(c->iev.ev);
	event_base_free(c->iev.base);
	imsgbuf_clear(&c->iev.ibuf);
	imsgbuf_clear(&c->peer);
	close(c->fds[0]);
	close(c->fds[1]);
	free(c);
	return (0);
}

/* Whether the write end of the pipe is closed everywhere. */
static int
pipe_closed(int rfd)
{
	char	ch;

	return (read(rfd, &ch, 1) == 0);
}

static void
make_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

static void
receive(struct imsgbuf *ibuf, struct imsg *imsg)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < ROUNDS; i++) {
		if ((n = imsg_get(ibuf, imsg)) > 0)
			return;
		assert_int_not_equal(n, -1);
		assert_int_not_equal(imsgbuf_read(ibuf), -1);
	}
	fail_msg("no message after %d reads", ROUNDS);
}

/* The peer sends the write end of a pipe; the collector must refuse it. */
static void
assert_refuses_fd(struct channel *c)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct imsg_hdr	 hdr;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct cmsghdr	*cmsg;
	int		 p[2];

	make_pipe(p);
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = IMSG_LOG_REQUEST;
	hdr.len = sizeof(hdr);
	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = &hdr;
	iov.iov_len = sizeof(hdr);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cmsg), &p[1], sizeof(int));
	assert_int_equal(sendmsg(c->fds[1], &msg, 0), (ssize_t)sizeof(hdr));
	close(p[1]);

	errno = 0;
	assert_int_equal(imsgbuf_read(&c->iev.ibuf), -1);
	assert_int_equal(errno, EBADMSG);
	/* Closed as it arrived: no copy is left in the collector. */
	assert_true(pipe_closed(p[0]));
	close(p[0]);
}

static void
test_sends_a_descriptor_it_would_not_take(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	char		 ch = 'x';
	int		 p[2], fd;

	make_pipe(p);
	assert_int_equal(imsg_compose_event(&c->iev, TYPE_TEST, 0, 0, p[1],
	    NULL, 0), 1);
	assert_int_equal(imsgbuf_flush(&c->iev.ibuf), 0);
	receive(&c->peer, &imsg);
	assert_int_equal(imsg_get_type(&imsg), TYPE_TEST);
	assert_int_not_equal(fd = imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
	assert_int_equal(write(fd, &ch, 1), 1);
	assert_int_equal(read(p[0], &ch, 1), 1);
	close(fd);
	close(p[0]);

	assert_refuses_fd(c);
}

static void
test_takes_no_descriptor_before_sending_any(void **state)
{
	assert_refuses_fd(*state);
}

/* Without a descriptor the path is imsg_compose's, unchanged. */
static void
test_plain_message_still_sent(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;

	assert_int_equal(imsg_compose_event(&c->iev, TYPE_TEST, 7, 0, -1,
	    "ab", 3), 1);
	assert_int_equal(imsgbuf_flush(&c->iev.ibuf), 0);
	receive(&c->peer, &imsg);
	assert_int_equal(imsg_get_id(&imsg), 7);
	assert_int_equal(imsg_get_len(&imsg), 3);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_sends_a_descriptor_it_would_not_take, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_takes_no_descriptor_before_sending_any, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_plain_message_still_sent, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
