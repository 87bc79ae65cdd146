#!/usr/bin/env python3
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/run's many clients:
#	bench/clients.py idle|slow COUNT HOLD PORT
# COUNT connections to 127.0.0.1:PORT held HOLD seconds: idle (connect,
# send nothing) or slow (a request header, a byte a second, never
# finished).  Each second a line t=... open=... closed=...; at the end a
# line of totals.

import errno, resource, select, socket, sys, time
mode, count, hold, port = sys.argv[1], int(sys.argv[2]), \
    float(sys.argv[3]), int(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = count + 64
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (want, max(hard, want)))
head = (b"GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        + b"a" * 8192)
socks, state, refused = {}, {}, 0
for i in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    e = s.connect_ex(("127.0.0.1", port))
    if e not in (0, errno.EINPROGRESS):
        refused += 1
        s.close()
        continue
    socks[s.fileno()] = s
    state[s.fileno()] = "pending"
sent, closed_at = 0, []
t0 = time.monotonic()
tick = 0
while True:
    p = select.poll()
    for fd, st in state.items():
        if st != "closed":
            p.register(fd, select.POLLIN | select.POLLOUT)
    for fd, ev in p.poll(0):
        s = socks[fd]
        if state[fd] == "pending" and ev & select.POLLOUT:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            state[fd] = "open" if err == 0 else "closed"
        if state[fd] == "open" and ev & (select.POLLIN | select.POLLHUP |
                                         select.POLLERR):
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                state[fd] = "closed"
                closed_at.append(time.monotonic() - t0)
    now = time.monotonic() - t0
    if now >= tick:
        if mode == "slow" and tick < len(head):
            for fd, st in state.items():
                if st == "open":
                    try:
                        socks[fd].send(head[tick:tick + 1])
                        sent += 1
                    except OSError:
                        state[fd] = "closed"
                        closed_at.append(now)
        n = {"pending": 0, "open": 0, "closed": 0}
        for st in state.values():
            n[st] += 1
        print("t=%d pending=%d open=%d closed=%d" % (
            tick, n["pending"], n["open"], n["closed"]), flush=True)
        tick += 1
    if now >= hold:
        break
    time.sleep(0.05)
n = {"pending": 0, "open": 0, "closed": 0}
for st in state.values():
    n[st] += 1
first = "%.1f" % min(closed_at) if closed_at else "-"
print("clients mode=%s count=%d refused=%d pending=%d open=%d "
      "closed=%d first_close_s=%s bytes_sent=%d" % (
          mode, count, refused, n["pending"], n["open"], n["closed"],
          first, sent), flush=True)
