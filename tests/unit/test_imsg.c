/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
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

#include <cmocka.h>

#include "imsg.h"
#include "unit.h"

#define TYPE_TEST	42
#define MAXPAYLOAD	(MAX_IMSGSIZE - IMSG_HEADER_SIZE)

/* Reads and gets give up after this many rounds without a message. */
#define ROUNDS		1000

/* One channel: a writes on fds[0], b reads on fds[1]. */
struct channel {
	int		 fds[2];
	struct imsgbuf	 a;
	struct imsgbuf	 b;
};

static int
setup(void **state)
{
	struct channel	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	if (unit_imsg_pair(c->fds, &c->a, &c->b) == -1)
		return (-1);
	*state = c;
	return (0);
}

static int
teardown(void **state)
{
	struct channel	*c = *state;

	if (c->a.w != NULL)
		imsgbuf_clear(&c->a);
	if (c->b.w != NULL)
		imsgbuf_clear(&c->b);
	if (c->fds[0] != -1)
		close(c->fds[0]);
	close(c->fds[1]);
	free(c);
	return (0);
}

/* Reads until one whole message is there; fails the test otherwise. */
static void
receive(struct imsgbuf *ibuf, struct imsg *imsg)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < ROUNDS; i++) {
		n = imsg_get(ibuf, imsg);
		assert_int_not_equal(n, -1);
		if (n > 0)
			return;
		assert_int_equal(imsgbuf_read(ibuf), 1);
	}
	fail_msg("no message after %d reads", ROUNDS);
}

/* Writes a header, as a peer would, and len bytes of payload. */
static void
write_raw(int fd, uint32_t len, const void *payload, size_t plen)
{
	struct imsg_hdr	 hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = TYPE_TEST;
	hdr.len = len;
	assert_int_equal(write(fd, &hdr, sizeof(hdr)), sizeof(hdr));
	if (plen > 0)
		assert_int_equal(write(fd, payload, plen), plen);
}

/* The read end does not block, so that pipe_closed can tell. */
static void
make_pipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
}

/* Whether every write end of the pipe is closed: read sees EOF. */
static int
pipe_closed(int rfd)
{
	char	 c;

	return (read(rfd, &c, 1) == 0);
}

static void
test_round_trip_keeps_header_and_payload(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	uint64_t	 out = 0x1122334455667788ULL, in = 0;

	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 7, 1234, -1, &out,
	    sizeof(out)), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	receive(&c->b, &imsg);

	assert_int_equal(imsg_get_type(&imsg), TYPE_TEST);
	assert_int_equal(imsg_get_id(&imsg), 7);
	assert_int_equal(imsg_get_pid(&imsg), 1234);
	assert_int_equal(imsg_get_len(&imsg), sizeof(out));
	assert_int_equal(imsg.hdr.len, IMSG_HEADER_SIZE + sizeof(out));
	assert_int_equal(imsg_get_fd(&imsg), -1);
	assert_int_equal(imsg_get_data(&imsg, &in, sizeof(in)), 0);
	assert_true(in == out);
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&c->b, &imsg), 0);
}

static void
test_pid_zero_sends_own_pid(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;

	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, -1, NULL, 0), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	receive(&c->b, &imsg);
	assert_int_equal(imsg_get_pid(&imsg), getpid());
	assert_int_equal(imsg_get_len(&imsg), 0);
	assert_null(imsg.data);
	imsg_free(&imsg);
}

static void
test_many_messages_arrive_in_one_read(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	uint32_t	 i, v;

	for (i = 0; i < 100; i++)
		assert_int_equal(imsg_compose(&c->a, TYPE_TEST, i, 0, -1,
		    &i, sizeof(i)), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);

	assert_int_equal(imsgbuf_read(&c->b), 1);
	for (i = 0; i < 100; i++) {
		assert_true(imsg_get(&c->b, &imsg) > 0);
		assert_int_equal(imsg_get_id(&imsg), i);
		assert_int_equal(imsg_get_data(&imsg, &v, sizeof(v)), 0);
		assert_int_equal(v, i);
		imsg_free(&imsg);
	}
	assert_int_equal(imsg_get(&c->b, &imsg), 0);
}

static void
test_message_split_byte_by_byte_waits_until_complete(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	struct imsg_hdr	 hdr;
	unsigned char	 raw[IMSG_HEADER_SIZE + 5];
	char		 text[5];
	size_t		 i;
	ssize_t		 n = -1;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = TYPE_TEST;
	hdr.len = sizeof(raw);
	memcpy(raw, &hdr, sizeof(hdr));
	memcpy(raw + sizeof(hdr), "hello", 5);

	for (i = 0; i < sizeof(raw); i++) {
		assert_int_equal(write(c->fds[0], raw + i, 1), 1);
		assert_int_equal(imsgbuf_read(&c->b), 1);
		n = imsg_get(&c->b, &imsg);
		if (i < sizeof(raw) - 1)
			assert_int_equal(n, 0);
	}
	assert_int_equal(n, sizeof(raw));
	assert_int_equal(imsg_get_data(&imsg, text, sizeof(text)), 0);
	assert_memory_equal(text, "hello", 5);
	imsg_free(&imsg);
}

static void
test_partial_header_waits_for_more(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	struct imsg_hdr	 hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = TYPE_TEST;
	hdr.len = sizeof(hdr);
	assert_int_equal(write(c->fds[0], &hdr, 10), 10);
	assert_int_equal(imsgbuf_read(&c->b), 1);
	assert_int_equal(imsg_get(&c->b, &imsg), 0);

	assert_int_equal(write(c->fds[0], (char *)&hdr + 10, 6), 6);
	assert_int_equal(imsgbuf_read(&c->b), 1);
	assert_int_equal(imsg_get(&c->b, &imsg), sizeof(hdr));
	assert_int_equal(imsg_get_type(&imsg), TYPE_TEST);
	imsg_free(&imsg);
}

static void
test_message_of_exactly_maxsize_is_accepted(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	unsigned char	*out, *in;
	size_t		 i;

	out = malloc(MAXPAYLOAD);
	in = malloc(MAXPAYLOAD);
	assert_non_null(out);
	assert_non_null(in);
	for (i = 0; i < MAXPAYLOAD; i++)
		out[i] = i * 7;

	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, -1, out,
	    MAXPAYLOAD), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	receive(&c->b, &imsg);
	assert_int_equal(imsg.hdr.len, MAX_IMSGSIZE);
	assert_int_equal(imsg_get_data(&imsg, in, MAXPAYLOAD), 0);
	assert_memory_equal(in, out, MAXPAYLOAD);
	imsg_free(&imsg);
	free(out);
	free(in);
}

static void
test_compose_of_oversized_payload_is_refused(void **state)
{
	struct channel	*c = *state;
	unsigned char	*out;

	out = calloc(1, MAXPAYLOAD + 1);
	assert_non_null(out);
	errno = 0;
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, -1, out,
	    MAXPAYLOAD + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(imsgbuf_queuelen(&c->a), 0);
	free(out);
}

static void
test_imsg_add_beyond_maxsize_is_refused(void **state)
{
	struct channel	*c = *state;
	struct ibuf	*msg;
	unsigned char	*out;

	out = calloc(1, MAXPAYLOAD);
	assert_non_null(out);
	assert_non_null(msg = imsg_create(&c->a, TYPE_TEST, 0, 0, 1));
	assert_int_equal(imsg_add(msg, out, MAXPAYLOAD), MAXPAYLOAD);
	/* The failed add frees msg. */
	assert_int_equal(imsg_add(msg, out, 1), -1);
	assert_int_equal(imsgbuf_queuelen(&c->a), 0);
	free(out);
}

static void
test_header_claiming_more_than_maxsize_is_rejected(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;

	write_raw(c->fds[0], MAX_IMSGSIZE + 1, NULL, 0);
	assert_int_equal(imsgbuf_read(&c->b), 1);
	errno = 0;
	assert_int_equal(imsg_get(&c->b, &imsg), -1);
	assert_int_equal(errno, ERANGE);
	/* Nothing is skipped: the channel stays broken. */
	assert_int_equal(imsg_get(&c->b, &imsg), -1);
}

static void
test_header_claiming_less_than_a_header_is_rejected(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;

	write_raw(c->fds[0], IMSG_HEADER_SIZE - 1, NULL, 0);
	assert_int_equal(imsgbuf_read(&c->b), 1);
	errno = 0;
	assert_int_equal(imsg_get(&c->b, &imsg), -1);
	assert_int_equal(errno, EBADMSG);
	/* Nothing is skipped: the channel stays broken. */
	assert_int_equal(imsg_get(&c->b, &imsg), -1);
}

static void
test_set_maxsize_lowers_the_limit_on_receive(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	char		 payload[65 - IMSG_HEADER_SIZE];

	memset(payload, 'x', sizeof(payload));
	assert_int_equal(imsgbuf_set_maxsize(&c->b, 64), 0);
	write_raw(c->fds[0], 65, payload, sizeof(payload));
	assert_int_equal(imsgbuf_read(&c->b), 1);
	assert_int_equal(imsg_get(&c->b, &imsg), -1);
	assert_int_equal(errno, ERANGE);
	/* Nothing is skipped: the channel stays broken. */
	assert_int_equal(imsg_get(&c->b, &imsg), -1);
}

static void
test_set_maxsize_below_a_header_is_refused(void **state)
{
	struct channel	*c = *state;

	assert_int_equal(imsgbuf_set_maxsize(&c->a, IMSG_HEADER_SIZE - 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(c->a.maxsize, MAX_IMSGSIZE);
}

static void
test_get_data_requires_exact_length(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	uint64_t	 out = 99, in;
	uint32_t	 shorter;
	unsigned char	 longer[sizeof(out) + 1];

	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, -1, &out,
	    sizeof(out)), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	receive(&c->b, &imsg);

	errno = 0;
	assert_int_equal(imsg_get_data(&imsg, &shorter, sizeof(shorter)), -1);
	assert_int_equal(errno, EBADMSG);
	errno = 0;
	assert_int_equal(imsg_get_data(&imsg, longer, sizeof(longer)), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(imsg_get_data(&imsg, &in, sizeof(in)), 0);
	assert_true(in == out);
	imsg_free(&imsg);
}

static void
test_get_ibuf_reads_payload_piecewise(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	struct ibuf	 buf;
	uint32_t	 out[3] = { 1, 2, 3 }, v;

	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, -1, out,
	    sizeof(out)), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	receive(&c->b, &imsg);

	assert_int_equal(imsg_get_ibuf(&imsg, &buf), 0);
	assert_int_equal(ibuf_size(&buf), sizeof(out));
	assert_int_equal(ibuf_get(&buf, &v, sizeof(v)), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ibuf_skip(&buf, sizeof(v)), 0);
	assert_int_equal(ibuf_get(&buf, &v, sizeof(v)), 0);
	assert_int_equal(v, 3);
	assert_int_equal(ibuf_get(&buf, &v, sizeof(v)), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(ibuf_skip(&buf, 1), -1);
	imsg_free(&imsg);
}

static void
test_create_add_close_builds_one_message(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	struct ibuf	*msg;
	char		 in[11];

	assert_non_null(msg = imsg_create(&c->a, TYPE_TEST, 5, 0, 4));
	assert_int_equal(imsg_add(msg, "hello", 5), 5);
	assert_int_equal(imsg_add(msg, " world", 6), 6);
	imsg_close(&c->a, msg);
	assert_int_equal(imsgbuf_queuelen(&c->a), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);

	receive(&c->b, &imsg);
	assert_int_equal(imsg_get_id(&imsg), 5);
	assert_int_equal(imsg_get_data(&imsg, in, sizeof(in)), 0);
	assert_memory_equal(in, "hello world", sizeof(in));
	imsg_free(&imsg);
}

static void
test_fd_passing_delivers_a_working_descriptor(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	char		 buf[3];
	int		 p[2], fd;

	imsgbuf_allow_fdpass(&c->a);
	imsgbuf_allow_fdpass(&c->b);
	make_pipe(p);
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, p[1], "x", 1),
	    1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	receive(&c->b, &imsg);

	assert_true((fd = imsg_get_fd(&imsg)) >= 0);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
	assert_int_equal(write(fd, "hi", 2), 2);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	/* The sender closed its copy once sent: ours was the last. */
	close(fd);
	assert_true(pipe_closed(p[0]));
	close(p[0]);
}

static void
test_fds_go_with_their_own_messages(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	char		 ch;
	int		 p1[2], p2[2], fd;

	imsgbuf_allow_fdpass(&c->a);
	imsgbuf_allow_fdpass(&c->b);
	make_pipe(p1);
	make_pipe(p2);
	assert_int_equal(imsg_compose(&c->a, 1, 0, 0, -1, NULL, 0), 1);
	assert_int_equal(imsg_compose(&c->a, 2, 0, 0, p1[1], NULL, 0), 1);
	assert_int_equal(imsg_compose(&c->a, 3, 0, 0, -1, NULL, 0), 1);
	assert_int_equal(imsg_compose(&c->a, 4, 0, 0, p2[1], NULL, 0), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);

	receive(&c->b, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 1);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);

	receive(&c->b, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 2);
	assert_true((fd = imsg_get_fd(&imsg)) >= 0);
	assert_int_equal(write(fd, "1", 1), 1);
	close(fd);
	imsg_free(&imsg);

	receive(&c->b, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 3);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);

	receive(&c->b, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 4);
	assert_true((fd = imsg_get_fd(&imsg)) >= 0);
	assert_int_equal(write(fd, "2", 1), 1);
	close(fd);
	imsg_free(&imsg);

	assert_int_equal(read(p1[0], &ch, 1), 1);
	assert_int_equal(ch, '1');
	assert_int_equal(read(p2[0], &ch, 1), 1);
	assert_int_equal(ch, '2');
	close(p1[0]);
	close(p2[0]);
}

static void
test_received_fd_refused_without_allow_fdpass(void **state)
{
	struct channel	*c = *state;
	int		 p[2];

	imsgbuf_allow_fdpass(&c->a);
	make_pipe(p);
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, p[1], NULL, 0),
	    1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);

	errno = 0;
	assert_int_equal(imsgbuf_read(&c->b), -1);
	assert_int_equal(errno, EBADMSG);
	/* Neither the sender nor the refusing receiver kept a copy. */
	assert_true(pipe_closed(p[0]));
	close(p[0]);
}

static void
test_compose_with_fd_refused_without_allow_fdpass(void **state)
{
	struct channel	*c = *state;
	int		 p[2];

	make_pipe(p);
	errno = 0;
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, p[1], NULL, 0),
	    -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(imsgbuf_queuelen(&c->a), 0);
	/* The caller still owns the descriptor. */
	assert_int_equal(close(p[1]), 0);
	close(p[0]);
}

static void
test_unclaimed_fd_is_closed_by_imsg_free(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	int		 p[2];

	imsgbuf_allow_fdpass(&c->a);
	imsgbuf_allow_fdpass(&c->b);
	make_pipe(p);
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, p[1], NULL, 0),
	    1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	receive(&c->b, &imsg);
	assert_false(pipe_closed(p[0]));
	imsg_free(&imsg);
	assert_true(pipe_closed(p[0]));
	close(p[0]);
}

static void
test_unfetched_fd_is_closed_by_imsgbuf_clear(void **state)
{
	struct channel	*c = *state;
	int		 p[2];

	imsgbuf_allow_fdpass(&c->a);
	imsgbuf_allow_fdpass(&c->b);
	make_pipe(p);
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, p[1], NULL, 0),
	    1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	assert_int_equal(imsgbuf_read(&c->b), 1);
	assert_false(pipe_closed(p[0]));
	imsgbuf_clear(&c->b);
	assert_true(pipe_closed(p[0]));
	close(p[0]);
}

static void
test_queued_fd_is_closed_by_imsgbuf_clear(void **state)
{
	struct channel	*c = *state;
	int		 p[2];

	imsgbuf_allow_fdpass(&c->a);
	make_pipe(p);
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, p[1], NULL, 0),
	    1);
	assert_false(pipe_closed(p[0]));
	imsgbuf_clear(&c->a);
	assert_true(pipe_closed(p[0]));
	close(p[0]);
}

static void
test_eof_makes_read_return_zero(void **state)
{
	struct channel	*c = *state;

	close(c->fds[0]);
	c->fds[0] = -1;
	assert_int_equal(imsgbuf_read(&c->b), 0);
}

static void
test_read_with_nothing_waiting_returns_one(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;

	assert_int_equal(imsgbuf_read(&c->b), 1);
	assert_int_equal(imsg_get(&c->b, &imsg), 0);
}

static void
test_write_to_closed_peer_fails_with_epipe(void **state)
{
	struct channel	*c = *state;

	close(c->fds[1]);
	c->fds[1] = open("/dev/null", O_RDONLY);
	assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, -1, NULL, 0), 1);
	errno = 0;
	assert_int_equal(imsgbuf_write(&c->a), -1);
	assert_int_equal(errno, EPIPE);
}

/* The read buffer holds one message of maxsize, and no more. */
static void
test_read_takes_at_most_one_maximum_message(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	char		 payload[64 - IMSG_HEADER_SIZE];
	int		 i;

	memset(payload, 'x', sizeof(payload));
	assert_int_equal(imsgbuf_set_maxsize(&c->a, 64), 0);
	assert_int_equal(imsgbuf_set_maxsize(&c->b, 64), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(imsg_compose(&c->a, TYPE_TEST, i, 0, -1,
		    payload, sizeof(payload)), 1);
	assert_int_equal(imsgbuf_flush(&c->a), 0);

	for (i = 0; i < 3; i++) {
		assert_int_equal(imsgbuf_read(&c->b), 1);
		assert_int_equal(imsg_get(&c->b, &imsg), 64);
		assert_int_equal(imsg_get_id(&imsg), i);
		imsg_free(&imsg);
		assert_int_equal(imsg_get(&c->b, &imsg), 0);
	}
}

static void
test_queuelen_counts_queued_messages(void **state)
{
	struct channel	*c = *state;
	int		 i;

	assert_int_equal(imsgbuf_queuelen(&c->a), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(imsg_compose(&c->a, TYPE_TEST, 0, 0, -1,
		    &i, sizeof(i)), 1);
	assert_int_equal(imsgbuf_queuelen(&c->a), 3);
	assert_int_equal(imsgbuf_write(&c->a), 0);
	assert_int_equal(imsgbuf_queuelen(&c->a), 0);
}

static void
test_flush_drains_everything_queued(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	char		 out[200], in[200];
	int		 i;

	for (i = 0; i < 50; i++) {
		memset(out, i, sizeof(out));
		assert_int_equal(imsg_compose(&c->a, TYPE_TEST, i, 0, -1,
		    out, sizeof(out)), 1);
	}
	assert_int_equal(imsgbuf_flush(&c->a), 0);
	assert_int_equal(imsgbuf_queuelen(&c->a), 0);

	for (i = 0; i < 50; i++) {
		receive(&c->b, &imsg);
		memset(out, i, sizeof(out));
		assert_int_equal(imsg_get_data(&imsg, in, sizeof(in)), 0);
		assert_memory_equal(in, out, sizeof(out));
		imsg_free(&imsg);
	}
	assert_int_equal(imsg_get(&c->b, &imsg), 0);
}

/*
 * Far more than the socket holds: writes stop part way through a
 * message, and what is left must still arrive whole and in order.
 */
static void
test_partial_writes_deliver_every_message_intact(void **state)
{
	struct channel	*c = *state;
	struct imsg	 imsg;
	unsigned char	*out, *in;
	uint32_t	 i, got = 0, total = 200;
	ssize_t		 n;
	int		 rounds;

	out = malloc(MAXPAYLOAD);
	in = malloc(MAXPAYLOAD);
	assert_non_null(out);
	assert_non_null(in);
	for (i = 0; i < total; i++) {
		memset(out, i, MAXPAYLOAD);
		assert_int_equal(imsg_compose(&c->a, TYPE_TEST, i, 0, -1, out,
		    MAXPAYLOAD), 1);
	}
	/* A full socket is not an error: the rest stays queued. */
	assert_int_equal(imsgbuf_write(&c->a), 0);
	assert_int_equal(imsgbuf_write(&c->a), 0);
	assert_true(imsgbuf_queuelen(&c->a) > 0);

	for (rounds = 0; got < total && rounds < 100000; rounds++) {
		assert_int_equal(imsgbuf_write(&c->a), 0);
		assert_int_equal(imsgbuf_read(&c->b), 1);
		while ((n = imsg_get(&c->b, &imsg)) > 0) {
			assert_int_equal(imsg_get_id(&imsg), got);
			memset(out, got, MAXPAYLOAD);
			assert_int_equal(imsg_get_data(&imsg, in, MAXPAYLOAD),
			    0);
			assert_memory_equal(in, out, MAXPAYLOAD);
			imsg_free(&imsg);
			got++;
		}
		assert_int_equal(n, 0);
	}
	assert_int_equal(got, total);
	assert_int_equal(imsgbuf_queuelen(&c->a), 0);
	free(out);
	free(in);
}

static void
test_ibuf_dynamic_grows_only_to_max(void **state)
{
	struct ibuf	*buf;

	(void)state;
	assert_non_null(buf = ibuf_dynamic(2, 8));
	assert_int_equal(ibuf_add(buf, "abcdefgh", 8), 0);
	assert_int_equal(ibuf_size(buf), 8);
	assert_int_equal(ibuf_left(buf), 0);
	assert_int_equal(ibuf_add(buf, "i", 1), -1);
	assert_int_equal(errno, ERANGE);
	assert_memory_equal(ibuf_data(buf), "abcdefgh", 8);
	ibuf_free(buf);
}

static void
test_ibuf_open_never_grows(void **state)
{
	struct ibuf	*buf;

	(void)state;
	assert_non_null(buf = ibuf_open(4));
	assert_int_equal(ibuf_left(buf), 4);
	assert_int_equal(ibuf_add(buf, "abc", 3), 0);
	assert_int_equal(ibuf_left(buf), 1);
	assert_int_equal(ibuf_add(buf, "de", 2), -1);
	assert_int_equal(ibuf_size(buf), 3);
	ibuf_free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_round_trip_keeps_header_and_payload, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pid_zero_sends_own_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_many_messages_arrive_in_one_read, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_message_split_byte_by_byte_waits_until_complete,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_partial_header_waits_for_more, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_message_of_exactly_maxsize_is_accepted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compose_of_oversized_payload_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_imsg_add_beyond_maxsize_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_header_claiming_more_than_maxsize_is_rejected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_header_claiming_less_than_a_header_is_rejected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_set_maxsize_lowers_the_limit_on_receive,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_set_maxsize_below_a_header_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_get_data_requires_exact_length, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_get_ibuf_reads_payload_piecewise, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_add_close_builds_one_message, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fd_passing_delivers_a_working_descriptor,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fds_go_with_their_own_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_received_fd_refused_without_allow_fdpass,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compose_with_fd_refused_without_allow_fdpass,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unclaimed_fd_is_closed_by_imsg_free, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unfetched_fd_is_closed_by_imsgbuf_clear,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_queued_fd_is_closed_by_imsgbuf_clear,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_eof_makes_read_return_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_with_nothing_waiting_returns_one,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_to_closed_peer_fails_with_epipe,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_takes_at_most_one_maximum_message,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_queuelen_counts_queued_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_flush_drains_everything_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_partial_writes_deliver_every_message_intact,
		    setup, teardown),
		cmocka_unit_test(test_ibuf_dynamic_grows_only_to_max),
		cmocka_unit_test(test_ibuf_open_never_grows),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
