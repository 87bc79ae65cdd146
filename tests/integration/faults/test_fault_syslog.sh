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
#	bash tests/integration/test_fault_syslog.sh

set -u

skip() {
	echo "ok - syslog faults # SKIP $1"
	exit 0
}

if [ -z "${WGM_SYSLOG_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	unshare --mount --propagation private true 2>/dev/null ||
	    skip "unshare --mount is not permitted here"
	WGM_SYSLOG_NS=1 exec unshare --mount --propagation private \
	    bash "${BASH_SOURCE[0]}" "$@"
fi

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

DOWN=60		# seconds the receiver is away in the first case
SLOW=12		# events made meanwhile
MANY=1500	# events made at once in the second case
DEV_MOUNTED=
RX_PID=
RX_N=0

fault_cleanup() {
	local _
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		for _ in $(seq 50); do
			wgm_gone "$PID" && break
			sleep 0.1
		done
	fi
	[ -n "$RX_PID" ] && kill -TERM "$RX_PID" 2>/dev/null
	if [ -n "$DEV_MOUNTED" ]; then
		umount -l /dev/pts 2>/dev/null
		umount -l /dev/shm 2>/dev/null
		umount -l /dev || T=	# never remove an upper layer in use
	fi
	wgm_cleanup
}
trap fault_cleanup EXIT

mkdir "$T/dev.upper" "$T/dev.work"
mount -t overlay wgm-dev \
    -o "lowerdir=/dev,upperdir=$T/dev.upper,workdir=$T/dev.work" /dev ||
    skip "cannot mount an overlayfs on /dev"
DEV_MOUNTED=1
mount -t tmpfs -o mode=1777 wgm-shm /dev/shm 2>/dev/null
mount -t devpts -o newinstance,ptmxmode=0666 wgm-pts /dev/pts 2>/dev/null

# rx_start: a receiver on a new /dev/log, one line per message in
# $T/rx.N; LOG names that file.
rx_start() {
	local _
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
	for _ in $(seq 100); do
		[ -S /dev/log ] && return 0
		sleep 0.1
	done
	return 1
}

rx_stop() {
	kill -TERM "$RX_PID"
	wait "$RX_PID" 2>/dev/null
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

runs() {
	[ -f "$T/runs" ] && wc -l < "$T/runs" || echo 0
}

wait_runs() {
	local _ target=$(( $(runs) + $1 ))
	for _ in $(seq 200); do
		[ "$(runs)" -ge "$target" ] && return 0
		wgm_gone "$PID" && return 1
		sleep 0.1
	done
	return 1
}

cat > "$T/fix" <<EOF
#!/bin/sh
echo run >> "$T/runs"
cat "$T/fix.json"
EOF
chmod 0755 "$T/fix"
fixture p0 | wgm_json fix.json

check "a receiver listens on the namespace's /dev/log" rx_start
PORT=$(wgm_free_port)
"$WGMOND" -v -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" -s "$T/fix" -i 1 \
    > "$T/start.out" 2>&1
for _ in $(seq 50); do
	PID=$(pgrep -f -- "-l 127.0.0.1:$PORT" | head -n 1)
	[ -n "$PID" ] && FPID=$(wgm_frontend_pid)
	[ -n "${FPID:-}" ] && break
	sleep 0.1
done
check "the daemon runs, detached, logging to the receiver" \
    wgm_wait_log '"event":"initial_status"' 15
[ -n "${FPID:-}" ] || exit 1

# --- Away for a minute, SLOW events spread over it.
rx_stop
t0=$(now)
names=p0
for ((k = 1; k <= SLOW; k++)); do
	names="$names q$k"
	# shellcheck disable=SC2086
	fixture $names | wgm_json fix.json
	wait_runs 2
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
all_arrived() {
	local _
	for _ in $(seq 150); do
		[ "$(new_peers "$LOG")" = "$expected" ] && return 0
		sleep 0.1
	done
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
wait_runs 3
check "both processes alive with $MANY lines for a queue of 1024" \
    test "$(wgm_frontend_pid)" = "$FPID"
rx_start
count_dropped() {
	sed -n 's/.*wgmond\[[0-9]*\]: \([0-9]*\) log lines dropped while syslog was unavailable.*/\1/p' "$LOG"
}
accounted() {
	local d m
	for _ in $(seq 150); do
		d=$(count_dropped)
		m=$(new_peers "$LOG" | grep -c '^m')
		[ -n "$d" ] && [ $((m + d)) -eq "$MANY" ] && break
		sleep 0.1
	done
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
