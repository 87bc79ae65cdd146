#!/usr/bin/env python3
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/soak's HTTP clients, until SIGTERM: three request loops over every
# endpoint, with and without gzip, /raw and /status also with the ETag of
# their last answer in If-None-Match; and one /events stream, dropped and
# reconnected with Last-Event-ID every 5 to 30 seconds.  At most 4
# connections at once, each request on a connection of its own.
#
# The frontend closes a finished connection at its next sweep, once a
# second (frontend/conn.c), so a sample of its fds counts those of the
# last second's requests too.  The request loops therefore pause in the
# last QUIET of every PERIOD seconds of wall time, and the stream is
# replaced only outside the pause: a sample taken late in a pause sees
# the frontend's own fds and the one stream (soak_report.py).  On exit,
# the counts go to OUTFILE as JSON: answers per endpoint and status, bodies
# that did not decompress, transport errors, events and gaps streamed.
#
#   soak_clients.py PORT OUTFILE

import gzip
import http.client
import json
import random
import signal
import socket
import sys
import threading
import time

PATHS = ["/raw", "/status", "/metrics", "/healthz", "/", "/app.js",
         "/app.css"]
LOOPS = 3
PAUSE = 0.05        # between two requests of a loop: about 60 req/s
TIMEOUT = 30        # generous: the machine may be loaded
PERIOD = 10.0
QUIET = 2.5


def phase():
    return time.time() % PERIOD


def quiet():
    return phase() >= PERIOD - QUIET

stop = threading.Event()
lock = threading.Lock()
counts = {"period": PERIOD, "quiet": QUIET, "answers": {}, "bad_gzip": 0, "errors": 0, "error_kinds": {},
          "sse_events": 0, "sse_gaps": 0, "sse_connects": 0,
          "sse_errors": 0}


def count(key, sub):
    with lock:
        d = counts[key]
        d[sub] = d.get(sub, 0) + 1


def request(port, path, gz, etag):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        h = {"Connection": "close"}
        if gz:
            h["Accept-Encoding"] = "gzip"
        if etag:
            h["If-None-Match"] = etag
        c.request("GET", path, headers=h)
        r = c.getresponse()
        body = r.read()
        if r.getheader("Content-Encoding") == "gzip":
            try:
                gzip.decompress(body)
            except (OSError, EOFError):
                with lock:
                    counts["bad_gzip"] += 1
        return r.status, r.getheader("ETag")
    finally:
        c.close()


def loop(port, seed):
    rnd = random.Random(seed)
    etags = {}
    while not stop.is_set():
        if quiet():
            stop.wait(PERIOD - phase() + 0.01)
            continue
        path = rnd.choice(PATHS)
        gz = rnd.random() < 0.5
        cond = path in ("/raw", "/status") and rnd.random() < 0.5
        try:
            st, et = request(port, path, gz, etags.get(path) if cond
                             else None)
            if et:
                etags[path] = et
            tag = "%s %s%s" % (path, "gzip " if gz else "",
                               "inm " if cond else "")
            count("answers", "%s%d" % (tag, st))
        except (OSError, http.client.HTTPException) as e:
            with lock:
                counts["errors"] += 1
            count("error_kinds", type(e).__name__)
        stop.wait(PAUSE)


def sse_once(port, rnd, last):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        req = "GET /events HTTP/1.1\r\nHost: soak\r\n"
        if last:
            req += "Last-Event-ID: %d\r\n" % last
        s.sendall((req + "\r\n").encode())
        with lock:
            counts["sse_connects"] += 1
        hold = rnd.uniform(5, 30)
        # Not replaced during a pause: moved to just after it.
        p = (phase() + hold) % PERIOD
        if p >= PERIOD - QUIET:
            hold += PERIOD - p + 0.5
        end = time.monotonic() + hold
        f = s.makefile("rb")
        while not stop.is_set() and time.monotonic() < end:
            s.settimeout(max(0.1, end - time.monotonic()))
            try:
                line = f.readline()
            except socket.timeout:
                break       # the file is unusable after it: reconnect
            if not line:
                break
            if line.startswith(b"id: "):
                last = int(line[4:])
            elif line == b"event: gap\n":
                with lock:
                    counts["sse_gaps"] += 1
            elif line.startswith(b"event: "):
                with lock:
                    counts["sse_events"] += 1
    finally:
        s.close()
    return last


def sse(port):
    rnd = random.Random(99)
    last = 0
    while not stop.is_set():
        try:
            last = sse_once(port, rnd, last)
        except (OSError, ValueError):
            with lock:
                counts["sse_errors"] += 1
            stop.wait(1)


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGTERM, lambda s, f: stop.set())
    signal.signal(signal.SIGINT, lambda s, f: stop.set())
    ts = [threading.Thread(target=loop, args=(port, i)) for i in
          range(LOOPS)]
    for t in ts:
        t.start()
    # The stream blocks in a read for up to 30 s: not waited for.
    threading.Thread(target=sse, args=(port,), daemon=True).start()
    while not stop.is_set():
        stop.wait(1)
    for t in ts:
        t.join()
    with open(out, "w") as f:
        json.dump(counts, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
