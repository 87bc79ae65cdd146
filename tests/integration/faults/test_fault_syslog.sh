#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The syslog receiver stopped, then started again (wgmond(8), FAULTS).
# While it is away the frontend keeps its lines, up to 1024 (frontend/
# logger.c, LOGGER_QUEUE_MAX), and asks the collector for a new socket
# every second.  Stopped for a minute while 12 events happen, none is
# lost: all arrive once it is back, in order.  Past 1024 the oldest are
# dropped and counted: the count logged is exactly what did not arrive.
# test_syslog.sh does this with rsyslogd; here the receiver is a plain
# datagram socket on /dev/log that records each message as it came.
#
# As test_syslog.sh, the test runs in a private mount namespace with an
# overlayfs on /dev, so that its /dev/log is its own (see there).
#	bash tests/integration/faults/test_fault_syslog.sh

set -u

skip() {
	echo "ok - syslog faults # SKIP $1"
	exit 0
}

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_mount_ns "syslog faults" "$@"

wgm_setup

DOWN=60		# seconds the receiver is away in the first case
SLOW=12		# events made meanwhile
MANY=1500	# events made at once in the second case
RX_PID=
RX_N=0
FPID=
# The script marks each run (wgm_runs counts them): the collector's
# "run done" lines are lost while the receiver is away.
# shellcheck disable=SC2034
RUNS=$T/runs


# Last given, first run: the daemon (detached, so not ours to reap)
# ended, then the receiver, then /dev unmounted.
wgm_atexit wgm_dev_unmount
wgm_atexit 'wgm_end "$RX_PID"'
wgm_atexit 'wgm_end "$PID"; wgm_wait_gone "$PID" 5'

wgm_private_dev || skip "cannot mount an overlayfs on /dev"

# rx_start: a receiver on a new /dev/log, one line per message in
# $T/rx.N; LOG names that file.
rx_start() {
	RX_N=$((RX_N + 1))
	LOG=$T/rx.$RX_N
	: > "$LOG"
	rm -f /dev/log
	python3 - "$LOG" <<-'EOF' &
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
	s.bind("/dev/log")
	os.chmod("/dev/log", 0o666)
	with open(sys.argv[1], "a") as f:
	    while True:
	        f.write(s.recv(65536).decode(errors="replace") + "\n")
	        f.flush()
	EOF
	RX_PID=$!
	wgm_wait 10 test -S /dev/log
}

rx_stop() {
	wgm_end "$RX_PID"
	RX_PID=
	rm -f /dev/log
}

# fixture N...: peers named by the arguments, all connected.
fixture() {
	python3 - "$@" <<-'EOF'
	import base64, json, sys
	peers = {}
	for name in sys.argv[1:]:
	    key = base64.b64encode(name.ljust(32, ".").encode()).decode()
	    peers[key] = {"latestHandshake": 4000000000,
	        "allowedIps": ["10.0.0.1/32"]}
	json.dump({"wg0": {"listenPort": 51820, "peers": peers}}, sys.stdout)
	EOF
}

# new_peers FILE: the peer names of the new_peer events in it, in order.
new_peers() {
	grep -o '{"event":"new_peer".*' "$1" | python3 -c '
import base64, json, sys
for l in sys.stdin:
    print(base64.b64decode(json.loads(l)["peer"]).decode().rstrip("."))'
}

# now: seconds since boot, which no clock step changes.
now() {
	cut -d. -f1 /proc/uptime
}

cat > "$T/fix" <<EOF
#!/bin/sh
echo run >> "$T/runs"
cat "$T/fix.json"
EOF
chmod 0755 "$T/fix"
fixture p0 | wgm_json fix.json

check "a receiver listens on the namespace's /dev/log" rx_start
# By hand: wgm_start keeps the daemon in the foreground (-d), logging to
# a file; this one detaches and logs to syslog.
PORT=$(wgm_free_port)
"$WGMOND" -v -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" -s "$T/fix" -i 1 \
    > "$T/start.out" 2>&1

# daemon_found: PID and FPID, the detached daemon's two processes.
daemon_found() {
	PID=$(pgrep -f -- "-l 127.0.0.1:$PORT" | head -n 1)
	[ -n "$PID" ] && FPID=$(wgm_frontend_pid) && [ -n "$FPID" ]
}
wgm_wait 5 daemon_found
check "the daemon runs, detached, logging to the receiver" \
    wgm_wait_log '"event":"initial_status"' 15
[ -n "$FPID" ] || exit 1

# --- Away for a minute, SLOW events spread over it.
rx_stop
t0=$(now)
names=p0
for ((k = 1; k <= SLOW; k++)); do
	names="$names q$k"
	# shellcheck disable=SC2086
	fixture $names | wgm_json fix.json
	wgm_wait_runs 20 2
	# The rest of this event's share of the minute.
	left=$(( t0 + k * DOWN / SLOW - $(now) ))
	[ "$left" -gt 0 ] && sleep "$left"
done
check "the receiver was away for $DOWN s" \
    test $(( $(now) - t0 )) -ge "$DOWN"
check "both processes alive meanwhile" \
    test "$(wgm_frontend_pid)" = "$FPID"
t_back=$(date +%s)
rx_start
expected=$(seq -f 'q%g' 1 "$SLOW")
arrived() {
	[ "$(new_peers "$LOG")" = "$expected" ]
}
all_arrived() {
	wgm_wait 15 arrived && return 0
	echo "#   arrived: $(new_peers "$LOG" | tr '\n' ' ')"
	return 1
}
check "back after a minute: the $SLOW events arrive, once each, in order" \
    all_arrived
check "none was dropped" test -z "$(grep -F 'dropped' "$LOG")"
from_before() {
	grep -o '{"event":"new_peer".*' "$LOG" | python3 -c '
import json, sys
t = [json.loads(l)["timestamp"] for l in sys.stdin]
sys.exit(0 if t == sorted(t) and t[-1] <= int(sys.argv[1]) else 1)' "$t_back"
}
check "they carry the times they happened at, before it was back" from_before

# --- Past the queue: MANY events at once while the receiver is away.
rx_stop
many=$(seq -f 'm%04g' 1 "$MANY")
# shellcheck disable=SC2086
fixture $names $many | wgm_json fix.json
wgm_wait_runs 20 3
check "both processes alive with $MANY lines for a queue of 1024" \
    test "$(wgm_frontend_pid)" = "$FPID"
rx_start
count_dropped() {
	sed -n 's/.*wgmond\[[0-9]*\]: \([0-9]*\) log lines dropped while syslog was unavailable.*/\1/p' "$LOG"
}
# all_counted: what arrived and the count dropped make MANY, in d and m
# (accounted's).
all_counted() {
	d=$(count_dropped)
	m=$(new_peers "$LOG" | grep -c '^m')
	[ -n "$d" ] && [ $((m + d)) -eq "$MANY" ]
}
accounted() {
	local d m
	wgm_wait 15 all_counted
	echo "# $MANY events: $m arrived, the daemon says ${d:-none} dropped"
	[ -n "$d" ] && [ "$m" -eq 1024 ] && [ "$d" -eq $((MANY - m)) ]
}
check "$MANY events past the queue: the dropped count is what did not arrive" \
    accounted
check "what arrived are 1024 distinct events" \
    test "$(new_peers "$LOG" | grep '^m' | sort -u | grep -c .)" = 1024
# <28>: facility daemon, priority warning.
count_first() {
	grep -m 1 -e 'lines dropped' -e '"event":"new_peer"' "$LOG" |
	    grep -q '^<28>.*lines dropped'
}
check "the count comes before them, at daemon.warning" count_first
check "the dropped count is logged once" \
    test "$(grep -c 'lines dropped' "$LOG")" = 1
check "both processes alive after it" test "$(wgm_frontend_pid)" = "$FPID"

wgm_done
