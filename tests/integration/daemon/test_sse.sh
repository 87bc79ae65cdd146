#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of GET /events (docs/DESIGN.md §9): the daemon runs in the
# foreground with a fixture the test rewrites, curl -N holds streams open,
# and what each stream got is compared with the event lines of the log:
# the same lines, in the same order, with ids from 1.  Resuming with
# Last-Event-ID, the gap event, 64 streams and the 65th refused, a client
# that stops reading, heartbeats and streams outliving the request
# deadline.  Every wait is bounded.  Run from anywhere:
#	bash tests/integration/daemon/test_sse.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup
# A small quarantine, so that what ASan keeps of freed memory does not
# hide what the frontend holds (the bound checked below).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}:quarantine_size_mb=1

CURLS=()
wgm_atexit 'for p in "${CURLS[@]}"; do kill "$p" 2>/dev/null; done'

# fixture N CONNECTED: N peers on wg0, the first CONNECTED of them with a
# handshake now (connected), the others 150 s ago (disconnected with
# -C 100 -D 200).
fixture() {
	python3 - "$1" "$2" <<'EOF' | wgm_json fx.json
import base64, json, sys, time
n, up = int(sys.argv[1]), int(sys.argv[2])
now = int(time.time())
peers = {}
for i in range(n):
    k = base64.b64encode(i.to_bytes(32, "big")).decode()
    peers[k] = {"latestHandshake": now if i < up else now - 150,
                "endpoint": "192.0.2.1:%d" % (i + 1),
                "allowedIps": ["10.%d.%d.1/32" % (i // 250, i % 250)]}
print(json.dumps({"wg0": {"listenPort": 51820, "peers": peers}}))
EOF
}

# stream NAME [curl args]: a stream into $T/NAME, its curl's pid in $CP.
stream() {
	local name=$1
	shift
	curl -s -N "$@" "$URL/events" > "$T/$name" &
	CP=$!
	CURLS+=("$CP")
}

# resume NAME ID SECONDS: a stream from Last-Event-ID ID into $T/NAME,
# ended after SECONDS.
resume() {
	curl -s -N --max-time "$3" -H "Last-Event-ID: $2" \
	    "$URL/events" > "$T/$1"
}

# nevents: how many event lines the log has.
nevents() {
	grep -c '^{"event":' "$LOG"
}

has_id() {
	grep -qx "id: $2" "$T/$1"
}

# sse NAME MODE ARGS: checks the stream captured in $T/NAME against the log.
#   same FIRST LAST   its messages are the log's events FIRST..LAST, ids too
#   gap FIRST LAST MISSED   the same after a first gap event of MISSED
#   comments          at least one comment line (a heartbeat)
sse() {
	python3 - "$LOG" "$T/$1" "${@:2}" <<'EOF'
import json, sys
log, path, mode, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
msgs, comments, cur = [], 0, {}
for line in open(path, errors="replace").read().split("\n"):
    if line == "":
        if cur:
            msgs.append(cur)
        cur = {}
    elif line.startswith(":"):
        comments += 1
    else:
        f, _, v = line.partition(":")
        cur[f] = v[1:] if v.startswith(" ") else v
events = [l.rstrip("\n") for l in open(log, errors="replace")
          if l.startswith('{"event":')]
msgs = [m for m in msgs if "retry" not in m]
def fail(why):
    print("#   " + why)
    sys.exit(1)
if mode == "comments":
    if comments < 1:
        fail("no comment line in %d messages" % len(msgs))
    sys.exit(0)
if mode not in ("same", "gap"):
    fail("unknown mode " + mode)
if mode == "gap":
    if not msgs or msgs[0].get("event") != "gap" or "id" in msgs[0]:
        fail("first message is not an event: gap without id: %r" %
             (msgs[:1],))
    d = json.loads(msgs[0]["data"])
    if d.get("event") != "gap" or d.get("missed") != int(args[2]):
        fail("gap data %r, expected missed %s" % (d, args[2]))
    msgs = msgs[1:]
first, last = int(args[0]), int(args[1])
want = [(str(i), json.loads(events[i - 1])["event"], events[i - 1])
        for i in range(first, last + 1)]
got = [(m.get("id"), m.get("event"), m.get("data")) for m in msgs]
if got != want:
    fail("got %d messages (ids %s..%s), expected ids %d..%d; first "
         "difference: %r" % (len(got), got[0][0] if got else None,
         got[-1][0] if got else None, first, last,
         next(((g, w) for g, w in zip(got, want) if g != w), None)))
EOF
}

fixture 3 3
wgm_script_cat fx
if ! wgm_start -s "$T/fx" -i 1 -C 100 -D 200 ||
    ! wgm_wait_log 'initial_status' 10 3; then
	not_ok "daemon starts and logs its initial events"
	exit 1
fi

# ---- A stream from the start, held open to the end of the test.
stream all -H 'Last-Event-ID: 0'
ALLPID=$CP
T_ALL=$(date +%s)

# ---- Live: plain curl -N, no Last-Event-ID, then a status change.
stream live
LIVEPID=$CP
wgm_wait 5 grep -q '^retry:' "$T/live"
n0=$(nevents)
fixture 3 2
wgm_wait 10 grep -q '^event: status_change' "$T/live"
check "curl -N gets status_change as the collector finds it, with id and event" \
    sse live same $((n0 + 1)) $((n0 + 1))

# ---- Resume: the stream that went away gets exactly what it missed.
k=$(sed -n 's/^id: //p' "$T/live" | tail -n 1)
kill "$LIVEPID"
fixture 3 1
wgm_wait_log 'status_change' 10 2
fixture 3 0
wgm_wait_log 'status_change' 10 3
n1=$(nevents)
resume resume "$k" 2
check "Last-Event-ID: N gets exactly the events after N, then the live ones" \
    sse resume same $((k + 1)) "$n1"
resume future 999999 2
check "an id from before a restart (above the last) gets all that is held" \
    sse future same 1 "$n1"

# ---- 64 streams at once, the 65th refused, every one gets every event.
# The three streams above have ended.
wgm_wait_log 'a stream closed, 1 left' 10 3
for i in $(seq 2 64); do
	stream "sub$i"
done
wgm_wait_log 'from id -1, 64 open' 20
code=$(wgm_curl -o "$T/65" -w '%{http_code}' "$URL/events")
refused() {
	[ "$code" = 503 ] && json_get 'd["error"]' < "$T/65" | grep -q stream
}
check "the 65th stream gets 503 with a JSON error" refused
n2=$(nevents)
fixture 3 3
wgm_wait_log 'status_change' 10 6
n3=$(nevents)
all_got() {
	local i
	for i in $(seq 2 64); do
		wgm_wait 10 has_id "sub$i" "$n3" &&
		    sse "sub$i" same $((n2 + 1)) "$n3" >/dev/null || {
			echo "#   stream $i: $(sse "sub$i" same $((n2 + 1)) "$n3")"
			return 1
		}
	done
}
check "64 streams each get every event" all_got
for p in "${CURLS[@]:2}"; do
	kill "$p" 2>/dev/null
done
wgm_wait_log 'a stream closed, 1 left' 10 4

# ---- More events than the ring holds: a gap, then what it holds.
fixture 1100 1100
wgm_wait_log 'new_peer' 20 1097
n4=$(nevents)
resume gap 1 3
check "a client that missed more than the ring holds gets a gap with the count" \
    sse gap gap $((n4 - 1023)) "$n4" $((n4 - 1023 - 2))

# ---- A client that stops reading is closed; the frontend stays bounded.
# The kernel takes some 4 MiB of a connection's output before the
# frontend holds any, so 5000 peers change status a few times over.
# The baseline is taken with 5000 peers in place and one round done.
wgm_wait_log 'a stream closed, 1 left' 10 5
events_past() {
	[ "$(nevents)" -ge "$1" ]
}
# toggle CONNECTED NEW: 5000 peers, CONNECTED of them connected, NEW of
# them new; waits for the events of the change.
toggle() {
	local m
	m=$(nevents)
	fixture 5000 "$1"
	wgm_wait 30 events_past $((m + 5000 - $2))
}
toggle 5000 3900
toggle 0 0
FPID=$(wgm_frontend_pid)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$FPID/status"; }
rss0=$(rss)
python3 - "$PORT" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(120)
EOF
SLOWPID=$!
CURLS+=("$SLOWPID")
wgm_wait_log 'from id -1, 2 open' 10
for up in 5000 0 5000 0 5000 0 5000 0; do
	grep -q 'closing a stream: over 1 MiB unsent' "$LOG" && break
	toggle "$up" 0
done
check "a stream that is not read is closed past 1 MiB unsent" \
    grep -q 'closing a stream: over 1 MiB unsent' "$LOG"
toggle 5000 0
toggle 0 0
rss1=$(rss)
bounded() {
	echo "#   frontend RSS ${rss0} KiB before, ${rss1} KiB after"
	[ "$rss1" -lt $((rss0 + 16384)) ]
}
check "the frontend's memory stays bounded" bounded
kill "$SLOWPID" 2>/dev/null

# ---- A client that sends on its stream has the frontend keep none of it.
rss0=$(rss)
python3 - "$PORT" <<'EOF'
import socket, sys, time
s = socket.socket()
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(5)
junk = b"x" * 65536
try:
    for i in range(512):
        s.sendall(junk)
except OSError:
    pass
time.sleep(2)
EOF
rss1=$(rss)
flood_bounded() {
	echo "#   frontend RSS ${rss0} KiB before, ${rss1} KiB after"
	[ "$rss1" -lt $((rss0 + 16384)) ]
}
check "32 MiB sent on a stream do not grow the frontend" flood_bounded

# ---- The first stream: every event, in order, and kept past the deadline.
n5=$(nevents)
wgm_wait 10 has_id all "$n5"
check "a stream gets every event in order, whoever else reads slowly" \
    sse all same 1 "$n5"
# Past the 15-second request deadline of the first stream.
past_deadline() {
	[ $(($(date +%s) - T_ALL)) -gt 16 ]
}
wgm_wait 30 past_deadline
check "a stream with nothing to send gets a heartbeat comment" \
    wgm_wait 5 sse all comments
check "a stream outlives the request deadline" kill -0 "$ALLPID"

# ---- Methods.
code=$(wgm_curl -o /dev/null -w '%{http_code}' -X POST \
    "$URL/events")
check "POST /events is 405" test "$code" = 405
ctype=$(wgm_curl -I -o /dev/null -w '%{content_type}' \
    "$URL/events")
check "HEAD /events is text/event-stream" test "$ctype" = text/event-stream

wgm_done
