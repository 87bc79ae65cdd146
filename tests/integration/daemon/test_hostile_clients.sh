#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Clients that try to make the frontend hold what they send, against a
# daemon serving a 10,000-peer /raw: bytes that never form a request, and
# a request for /raw read slowly while more bytes are streamed at the
# server.  The frontend's memory grows by less than the bound the README
# states, it stays alive, and /raw is served whole afterwards.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup

# Growth of the frontend's RSS allowed during an attack, in KiB: the
# README's bound with room for ASan's own bookkeeping.
BOUND=$((32 * 1024))
# Bytes one connection may get the server to take while its response is
# not read: the frontend's read limit plus the kernel's socket buffers.
SENDMAX=$((16 * 1024 * 1024))

python3 - > "$T/big.json" <<'PY'
import json
peers = {("K%040d=" % i): {"endpoint": "10.0.%d.%d:51820" % (i // 250, i % 250),
    "latestHandshake": 1765189500 - i, "transferRx": i * 1000,
    "transferTx": i * 2000, "allowedIps": ["10.1.%d.%d/32" % (i // 250, i % 250)]}
    for i in range(10000)}
print(json.dumps({"wg0": {"publicKey": "PUB", "listenPort": 51820, "peers": peers}}))
PY
wgm_script_cat big

# One run for the whole test: no snapshot rendered during an attack.
wgm_start -s "$T/big" -i 3600 || not_ok "daemon starts"
wgm_wait_log 'run done' 30 || not_ok "the 10,000-peer run is done"
wgm_wait 30 wgm_get /raw /dev/null || not_ok "/raw is served"
FPID=$(wgm_frontend_pid)
url=$URL/raw
wgm_curl -o "$T/raw.0" -w '%{http_code}' "$url" > "$T/code.0"
wgm_curl -o /dev/null -H 'Accept-Encoding: gzip' "$url"
check "a 10,000-peer /raw is served" test "$(cat "$T/code.0")" = 200
check "it holds the 10,000 peers" test "$(json_get \
    'len(d["wg0"]["peers"])' < "$T/raw.0")" = 10000

# attack MODE N SECONDS: N connections for SECONDS, each reconnected when
# the server closes it; prints the frontend's largest RSS growth (KiB),
# the most bytes one connection got the server to take, and how many
# connections the server closed.
attack() {
	python3 - "$PORT" "$FPID" "$@" <<-'PY'
	import socket, sys, time
	port, fpid, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	n, secs = int(sys.argv[4]), float(sys.argv[5])
	junk = b"X" * 65536
	def rss():
	    with open("/proc/%s/status" % fpid) as f:
	        for l in f:
	            if l.startswith("VmRSS:"):
	                return int(l.split()[1])
	def conn():
	    s = socket.socket()
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	    s.settimeout(2)
	    s.connect(("127.0.0.1", port))
	    if mode == "slow":
	        s.sendall(b"GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
	    s.setblocking(False)
	    return [s, 0]
	rss0 = rss()
	grow, most, closed, t0, last = 0, 0, 0, time.time(), 0
	socks = [conn() for _ in range(n)]
	while time.time() - t0 < secs:
	    for c in socks:
	        try:
	            c[1] += c[0].send(junk)
	        except BlockingIOError:
	            pass
	        except OSError:
	            c[0] = None
	        most = max(most, c[1])
	        # The slow reader takes 1 KiB every 0.2 s of its response.
	        if c[0] is not None and mode == "slow" and time.time() - last > 0.2:
	            try:
	                if c[0].recv(1024) == b"":
	                    c[0] = None
	            except BlockingIOError:
	                pass
	            except OSError:
	                c[0] = None
	        if c[0] is None:
	            closed += 1
	            try:
	                c[:] = conn()
	            except OSError:
	                c[:] = [socket.socket(), 0]
	    if time.time() - last > 0.2:
	        last = time.time()
	        grow = max(grow, rss() - rss0)
	    time.sleep(0.001)
	print(grow, most, closed)
	PY
}

for mode in junk slow; do
	attack "$mode" 16 8 > "$T/res.$mode" 2>"$T/err.$mode"
	read -r grow most closed < "$T/res.$mode"
	echo "# $mode: RSS grew by ${grow:-?} KiB; one connection sent at" \
	    "most ${most:-?} bytes; $closed connections closed"
	check "$mode clients: the frontend is alive" kill -0 "$FPID"
	check "$mode clients: the frontend grows by less than $BOUND KiB" \
	    test "${grow:-$BOUND}" -lt "$BOUND"
	code=$(curl -s -m 20 -o "$T/raw.$mode" -w '%{http_code}' "$url")
	check "$mode clients: /raw is 200 afterwards" test "$code" = 200
	check "$mode clients: /raw is whole afterwards" \
	    cmp -s "$T/raw.0" "$T/raw.$mode"
done
check "a slow reader gets the server to take less than $SENDMAX bytes" \
    test "${most:-$SENDMAX}" -lt "$SENDMAX"

wgm_stop
check "SIGTERM: exit 0" test $? -eq 0

# A reader too slow to take its body before two newer ones replace it
# would keep every body alive: the frontend closes it instead.  The body
# changes at each run here, and is larger than the 4 MiB a socket's send
# buffer may take on Linux (tcp_wmem), so that part of it stays in the
# frontend.  The reader takes 128 KiB every half second: often enough
# for the server's writes to progress (else evhttp's own timeout ends it),
# too slowly to finish before two runs.  A body is put together when
# asked for: another client asks for /raw meanwhile, as a dashboard would.
python3 - > "$T/wide.json" <<'PY'
import json
peers = {("K%040d=" % i): {"endpoint": "10.0.%d.%d:51820" % (i // 250, i % 250),
    "allowedIps": ["10.%d.%d.%d/32" % (j, i // 250, i % 250) for j in range(40)]}
    for i in range(10000)}
print(json.dumps({"wg0": {"publicKey": "PUB", "listenPort": 51820, "peers": peers}}))
PY
wgm_script change <<EOS
#!/bin/sh
sed "s/\"PUB\"/\"PUB\$(date +%s%N)\"/" "$T/wide.json"
EOS
wgm_start -s "$T/change" -i 1 -v || not_ok "daemon starts"
wgm_wait_log 'run done' 30 || not_ok "the first run is done"
wgm_wait 30 wgm_get /raw /dev/null || not_ok "/raw is served"
( while :; do curl -s -o /dev/null "$URL/raw"; sleep 0.5; done ) &
poller=$!
wgm_atexit 'wgm_end "$poller"'
python3 - "$PORT" > "$T/cut" <<'PY'
import re, socket, sys, time
# short(reply): how many bytes of its body are missing; -1: no headers yet.
def short(b):
    end = b.find(b"\r\n\r\n")
    m = re.search(rb"\r\nContent-Length: (\d+)\r\n", b[:end + 2], re.I)
    return -1 if end == -1 or m is None else int(m.group(1)) - len(b) + end + 4
socks = []
for _ in range(2):
    s = socket.socket()
    s.connect(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(0.1)
    socks.append([s, b"", False])
t0 = time.time()
while time.time() - t0 < 90 and not all(c[2] for c in socks):
    for c in socks:
        if c[2]:
            continue
        try:
            d = c[0].recv(131072)
            c[1] += d
            c[2] = d == b"" or short(c[1]) == 0
        except socket.timeout:
            pass
        except OSError:
            c[2] = True
    time.sleep(0.5)
# Cut: a 200 whose body ended before its Content-Length.
print(sum(c[1].startswith(b"HTTP/1.1 200") and short(c[1]) > 0
    for c in socks), max(len(c[1]) for c in socks))
PY
wgm_end "$poller"
read -r cut got < "$T/cut"
echo "# slow readers cut: ${cut:-?} of 2, after at most ${got:-?} bytes"
check "a 200 read too slowly for two runs is cut short" \
    test "${cut:-0}" -eq 2
# The frontend's log lines reach the log through the collector: a while
# after the close the client saw.
check "because it still held a body two changes old" \
    wgm_wait_log 'closing a connection still sending a body two changes old' 10
url=$URL/raw
code=$(curl -s -m 20 -o "$T/raw.1" -w '%{http_code}' "$url")
check "a reader that keeps up gets /raw whole meanwhile" test "$code" = 200
check "with its 10,000 peers" test "$(json_get \
    'len(d["wg0"]["peers"])' < "$T/raw.1")" = 10000
wgm_stop
check "SIGTERM: exit 0" test $? -eq 0
wgm_done
