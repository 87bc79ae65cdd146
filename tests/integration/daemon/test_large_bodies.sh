#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A body of 64 KiB or more is kept in a memfd and sent with sendfile(2)
# (wgmond(8), HTTP): here a 2,000-peer /raw.  Every way of asking for it
# gets the same bytes (HTTP/1.1, HTTP/1.0, gzip, HEAD's length, 304), a
# response begun before the body changed ends whole with the old bytes,
# a 12,000-peer body has a huge page in its memfd, and out of descriptors
# the frontend keeps a new body in memory and serves it all the same.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup
wgm_need strace || exit 1

# doc MARK [PEERS]: 2,000 peers, or PEERS; MARK is the interface's public
# key.
doc() {
	python3 - "$1" "${2:-2000}" <<-'PY'
	import json, sys
	peers = {("K%040d=" % i): {"endpoint": "10.0.%d.%d:51820" % (i // 250,
	    i % 250), "latestHandshake": 0, "transferRx": i, "transferTx": i,
	    "allowedIps": ["10.1.%d.%d/32" % (i // 250, i % 250)]}
	    for i in range(int(sys.argv[2]))}
	print(json.dumps({"wg0": {"publicKey": sys.argv[1], "listenPort": 51820,
	    "peers": peers}}))
	PY
}

doc PUB1 | wgm_json big.json
wgm_script_cat big
wgm_start -s "$T/big" -i 1 || { not_ok "daemon starts"; exit 1; }
wgm_wait 30 wgm_get /raw "$T/raw.1" || not_ok "/raw is served"
FPID=$(wgm_frontend_pid)
url=$URL/raw

size=$(stat -c %s "$T/raw.1")
echo "# /raw is $size bytes"
check "the body is over 64 KiB" test "$size" -ge 65536
check "it holds the 2,000 peers" test "$(json_get \
    'len(d["wg0"]["peers"])' < "$T/raw.1")" = 2000
check "the frontend holds it in a memfd" \
    grep -q 'memfd:wgmond-body' <(ls -l "/proc/$FPID/fd")

wgm_curl -D "$T/h.11" -o "$T/raw.11" "$url"
wgm_curl --http1.0 -o "$T/raw.10" "$url"
wgm_curl -H 'Accept-Encoding: gzip' -o "$T/raw.gz" "$url"
wgm_curl -I -o /dev/null -D "$T/h.head" "$url"
len=$(wgm_header "$T/h.11" Content-Length)
etag=$(wgm_header "$T/h.11" ETag)
check "HTTP/1.1: Content-Length is the body's length" \
    test "$len" = "$(stat -c %s "$T/raw.11")"
check "HTTP/1.0: the same bytes" cmp -s "$T/raw.11" "$T/raw.10"
check "gzip: the same bytes once decoded" \
    cmp -s "$T/raw.11" <(gzip -dc "$T/raw.gz")
check "HEAD: the same Content-Length" \
    grep -qi "^content-length: $len" "$T/h.head"
check "If-None-Match with its ETag: 304" test "$(wgm_curl -o /dev/null \
    -w '%{http_code}' -H "If-None-Match: $etag" "$url")" = 304

# Sent from the file, not copied: the frontend's sendfile(2) calls, seen
# by strace attached to it while a client fetches the body (again until
# strace, attaching meanwhile, has seen one).
strace -q -f -p "$FPID" -e trace=sendfile -o "$T/strace" &
tracer=$!
wgm_atexit 'wgm_end "$tracer"'
wgm_wait 10 eval 'wgm_curl -o "$T/raw.traced" "$url" &&
    grep -q "sendfile(" "$T/strace"'
kill -INT "$tracer" 2>/dev/null
wait "$tracer" 2>/dev/null
tracer=
check "the body goes out with sendfile(2)" grep -q 'sendfile(' "$T/strace"
check "and arrives whole" cmp -s "$T/raw.11" "$T/raw.traced"

# A slow reader's response outlives the body it began with: it asks,
# reads 4 KiB, waits while the document and so the body change, then
# reads the rest.
python3 - "$PORT" "$T/slow" "$T/go" <<'PY' &
import os, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
b = s.recv(4096)
open(sys.argv[3], "w").close()
while os.path.exists(sys.argv[3]):
    time.sleep(0.1)
while True:
    d = s.recv(65536)
    if not d:
        break
    b += d
open(sys.argv[2], "wb").write(b.split(b"\r\n\r\n", 1)[1])
PY
reader=$!
wgm_atexit 'wgm_end "$reader"'
wgm_wait 10 test -e "$T/go" || not_ok "the slow reader has begun"
doc PUB2 | wgm_json big.json
wgm_wait 10 eval 'wgm_get /raw "$T/raw.2" && grep -q PUB2 "$T/raw.2"' ||
    not_ok "the next body is served"
rm -f "$T/go"
wait "$reader"
reader=
check "the slow reader gets the old body whole" cmp -s "$T/raw.1" "$T/slow"

# A body of 2 MiB or more: its memfd's first 2 MiB are one huge page
# (MADV_COLLAPSE), which sendfile(2) takes as one folio.  A kernel that
# makes none (before 6.1, or no huge page free) is told, and logged.
doc PUB4 12000 | wgm_json big.json
wgm_wait 20 eval 'wgm_get /raw "$T/raw.4" && grep -q PUB4 "$T/raw.4"' ||
    not_ok "the 12,000-peer body is served"
echo "# /raw is $(stat -c %s "$T/raw.4") bytes"
check "the body is over 2 MiB" test "$(stat -c %s "$T/raw.4")" -ge 2097152
huge() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { m = /memfd:wgmond-body/ }
	    m && $1 == "ShmemPmdMapped:" && $2 >= 2048 { f = 1 }
	    END { exit !f }' "/proc/$FPID/smaps"
}
if ! huge && why=$(grep -o 'no huge page: .*' "$LOG" | tail -n 1) &&
    [ -n "$why" ]; then
	echo "ok - its memfd holds a huge page # SKIP the kernel made none: $why"
else
	check "its memfd holds a huge page" huge
fi
check "it goes out whole" test "$(wgm_curl "$url" |
    json_get 'd["wg0"]["publicKey"] + " " + str(len(d["wg0"]["peers"]))')" = \
    "PUB4 12000"

# Out of descriptors: a connection made before the limit asks for a body
# made after it; memfd_create fails, the body is kept in memory.
python3 - "$PORT" "$T/keep" "$T/next" > "$T/keeper.out" <<'PY' &
import os, socket, sys, time
def get(s, path):
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    b = b""
    while b"\r\n\r\n" not in b:
        d = s.recv(65536)
        if not d:
            sys.exit("closed before the headers")
        b += d
    head, body = b.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n")
        if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        d = s.recv(65536)
        if not d:
            sys.exit("closed after %d bytes of %d" % (len(body), n))
        body += d
    return head.split(b"\r\n")[0], body
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
get(s, b"/healthz")
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
status, body = get(s, b"/raw")
open(sys.argv[3] + ".out", "wb").write(body)
print(status.decode())
PY
keeper=$!
wgm_atexit 'wgm_end "$keeper"'
wgm_wait 10 test -e "$T/keep" || not_ok "the connection is made"
# Descriptors 0 to 3 are always open (stdio, the imsg socket): with the
# limit at 4 the frontend can open none, whatever it closes meanwhile.
# As its own user: root needs CAP_SYS_RESOURCE to change another user's
# limits, which a container may not give.
check "its descriptors limited to 4" \
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- \
    prlimit --pid "$FPID" --nofile=4:4
runs=$(wgm_count 'run done')
doc PUB3 | wgm_json big.json
wgm_wait_log 'run done' 10 $((runs + 2)) || not_ok "two runs are done"
touch "$T/next"
wait "$keeper"
keeper=
check "the body made out of descriptors is served whole" \
    test "$(json_get 'd["wg0"]["publicKey"] + " " + str(len(d["wg0"]["peers"]))' \
    < "$T/next.out")" = "PUB3 2000"
check "and its keeping in memory is said" \
    wgm_wait_log 'body of [0-9]+ bytes kept in memory' 5
check "the frontend is alive" kill -0 "$FPID"

wgm_stop
check "SIGTERM: exit 0" test $? -eq 0
wgm_done
