#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The root collector stays bounded and stoppable whatever the frontend
# does (SECURITY.md): a frontend stopped for several runs at 10k peers
# costs the collector no memory per run, it says once that it skips
# snapshots and then how many, and the frontend catches up with the
# latest state and every event; a stopped frontend is killed at shutdown
# and when it closes the channel; the collector takes no descriptor from
# the frontend and opens one syslog socket per answer read, not per
# request.  A process of the test speaks for the frontend on its own end
# of the channel, taken with pidfd_getfd(2).
#	bash tests/integration/daemon/test_frontend_stalled.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

FPID=
TRACER=

wgm_atexit 'wgm_end "$FPID" KILL'
wgm_atexit 'wgm_end "$TRACER" KILL'

# Freed memory is reused at once, not held by AddressSanitizer's
# quarantine: the collector's own growth is what is measured.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"

PEERS=10000

# fixture [remove N] [add N] [inactive N] [aged 1] [grown N]: PEERS peers
# 0..PEERS-1, each connected (a handshake in the future); less, plus, or
# aged out peer N; or all of them aged out; or every counter N more.
fixture() {
	python3 - "$PEERS" "$@" <<-'EOF'
	import base64, hashlib, json, sys
	n = int(sys.argv[1])
	opts = dict(zip(sys.argv[2::2], map(int, sys.argv[3::2])))
	def key(i):
	    return base64.b64encode(hashlib.sha256(b"p%d" % i).digest()).decode()
	peers = {}
	for i in list(range(n)) + [opts.get("add", -1)]:
	    if i < 0 or i == opts.get("remove"):
	        continue
	    peers[key(i)] = {
	        "endpoint": "192.0.2.%d:%d" % (i % 250 + 1, 1024 + i),
	        "latestHandshake": 1 if i == opts.get("inactive") or
	            opts.get("aged") else 4000000000,
	        "transferRx": i + opts.get("grown", 0), "transferTx": 2 * i,
	        "allowedIps": ["10.%d.%d.%d/32" % (i >> 16, (i >> 8) & 255, i & 255)]}
	json.dump({"wg0": {"listenPort": 51820, "peers": peers}}, sys.stdout)
	EOF
}

key_of() {
	python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(b"p%d" % int(sys.argv[1])).digest()).decode())' "$1"
}

# fake_frontend PID CODE: runs CODE in Python with s, a socket on the
# frontend's end of the channel (fd 3 of PID), and imsg(type, ...) that
# builds a message of the project's header.
fake_frontend() {
	python3 - "$1" <<-EOF
	import ctypes, os, socket, struct, sys
	libc = ctypes.CDLL(None, use_errno=True)
	pidfd = os.pidfd_open(int(sys.argv[1]))
	fd = libc.syscall(438, pidfd, 3, 0)	# pidfd_getfd
	if fd < 0:
	    sys.exit("pidfd_getfd: %s" % os.strerror(ctypes.get_errno()))
	s = socket.socket(fileno=fd)
	def imsg(t, data=b"", peerid=0, pid=0, lenflags=0):
	    return struct.pack("=IIII", t, (16 + len(data)) | lenflags,
	        peerid, pid) + data
	IMSG_LOG_REQUEST = 10
	$2
	EOF
}

# broken CASE WHY: the collector ends a frontend that broke the protocol:
# it exits 1 (case CASE), logs WHY, and the frontend is gone.
broken() {
	local rc
	wgm_wait_exit 10
	rc=$?
	check "$1" test "$rc" -eq 1
	check "and says why" grep -q "$2" "$LOG"
	check "and the frontend is gone" wgm_gone "$FPID"
	kill -KILL "$FPID" 2>/dev/null
	FPID=
}

vmrss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

raw_has() {
	[ "$(wgm_curl "$URL/raw" | json_get "$1" 2>/dev/null)" = True ]
}

# wait_raw EXPR SECONDS: until EXPR (on /raw as d) is true.
wait_raw() {
	wgm_wait "$2" raw_has "$1"
}

start() {
	wgm_start -s "$T/wg-json" -i 1 -t 20 &&
	    FPID=$(wgm_frontend_pid) && [ -n "$FPID" ]
}

# The script prints wg-json.json; while there is a wg-json-b.json, every
# other run that one instead.
wgm_script wg-json <<-EOS
#!/bin/sh
if [ -e "$T/wg-json-b.json" ] && [ ! -e "$T/b" ]; then
	touch "$T/b"
	cat "$T/wg-json-b.json"
else
	rm -f "$T/b"
	cat "$T/wg-json.json"
fi
EOS
fixture 2>/dev/null | wgm_json wg-json.json
REMOVED=$(key_of 5)
ADDED=$(key_of "$PEERS")
AGED=$(key_of 7)

# --- Stopped for several runs at 10k peers, then continued.  Every
# counter changes from one run to the next: each run's delta, of every
# peer, is more than the socket holds, and a later one is skipped.
if ! start || ! wait_raw "len(d['wg0']['peers']) == $PEERS" 60; then
	not_ok "the daemon starts and serves $PEERS peers"
	exit 1
fi
fixture grown 1 2>/dev/null | wgm_json wg-json-b.json
kill -STOP "$FPID"
runs=$(wgm_runs)
wgm_wait_log 'run done' 30 $((runs + 3))
rss0=$(vmrss "$PID")
# The change the frontend must learn of once it reads again.
fixture remove 5 add "$PEERS" inactive 7 2>/dev/null | wgm_json wg-json.json
fixture remove 5 add "$PEERS" inactive 7 grown 1 2>/dev/null |
    wgm_json wg-json-b.json
runs=$(wgm_runs)
wgm_wait_log 'run done' 60 $((runs + 8))
rss1=$(vmrss "$PID")
echo "# collector VmRSS ${rss0} kB after 3 runs stopped, ${rss1} kB 8 runs later"
check "a stopped frontend: the collector's memory does not grow per run" \
    test $((rss1 - rss0)) -lt 8192
check "it says once, not per run, that it skips snapshots" \
    test "$(grep -c 'snapshots skipped until' "$LOG")" -eq 1
kill -CONT "$FPID"
check "continued, the frontend serves the latest state on /raw" \
    wait_raw "'$ADDED' in d['wg0']['peers'] and '$REMOVED' not in d['wg0']['peers'] and d['wg0']['peers']['$AGED']['status'] == 'inactive'" 30
check "the collector says how many snapshots it skipped" \
    wgm_wait_log 'frontend reads again: ([1-9][0-9]+|[3-9]) snapshots skipped, 0 events dropped' 10
wgm_wait_log "\"event\":\"new_peer\".*$ADDED" 10
check "the events of the stall reach the log, once each" \
    eval 'wgm_is 1 event=new_peer peer="$ADDED" &&
    wgm_is 1 event=peer_removed peer="$REMOVED" &&
    wgm_is 1 event=status_change peer="$AGED"'
check "initial_status was logged once for each peer" \
    test "$(wgm_events initial_status | wc -l)" -eq "$PEERS"
check "and the skipping was announced once in all" \
    test "$(grep -c 'snapshots skipped until' "$LOG")" -eq 1
wgm_stop
rm -f "$T/wg-json-b.json"
FPID=

# --- More events than the collector keeps for a stopped frontend: every
# peer changes status 8 times, 80000 events of about 150 bytes.  What is
# dropped is counted: logged and dropped add up to all of them.
fixture 2>/dev/null | wgm_json wg-json.json
if start && wait_raw "len(d['wg0']['peers']) == $PEERS" 60; then
	kill -STOP "$FPID"
	for k in 1 2 3 4 5 6 7 8; do
		if [ $((k % 2)) = 1 ]; then
			fixture aged 1
		else
			fixture
		fi 2>/dev/null | wgm_json wg-json.json
		# Two runs: the second starts after the change.
		runs=$(wgm_runs)
		wgm_wait_log 'run done' 30 $((runs + 2))
	done
	kill -CONT "$FPID"
	wgm_wait_log 'frontend reads again' 30
	dropped=$(sed -n 's/.*frontend reads again: .*, \([0-9]*\) events dropped.*/\1/p' "$LOG")
	all_counted() {
		[ $(($(wgm_events status_change | wc -l) + ${dropped:-0})) -ge \
		    $((8 * PEERS)) ]
	}
	wgm_wait 30 all_counted
	logged=$(wgm_events status_change | wc -l)
	echo "# $((8 * PEERS)) events: $logged logged, $dropped dropped"
	check "past the bound, events are dropped and counted" \
	    test "${dropped:-0}" -gt 0
	check "logged and dropped events add up to all of them" \
	    test $((logged + ${dropped:-0})) -eq $((8 * PEERS))
	check "the dropping is announced once" \
	    test "$(grep -c 'dropping events until' "$LOG")" -eq 1
	wgm_stop
else
	not_ok "the daemon starts and serves $PEERS peers (events case)"
fi
FPID=

# Small from here on: only the shutdown paths are looked at.
PEERS=3
fixture 2>/dev/null | wgm_json wg-json.json

# --- SIGTERM to the collector, and the frontend ignores SIGTERM.  A
# stopped process with SIGTERM's default action would die of it at once:
# held in a ptrace stop by the test instead, SIGTERM only waits, as if
# ignored, and SIGKILL still ends it.
if start; then
	python3 - "$FPID" > "$T/tracer" <<-'EOF' &
	import ctypes, os, sys
	libc = ctypes.CDLL(None, use_errno=True)
	pid = int(sys.argv[1])
	if libc.ptrace(ctypes.c_long(16), ctypes.c_long(pid), None, None) != 0:
	    sys.exit("PTRACE_ATTACH: %s" % os.strerror(ctypes.get_errno()))
	print("attached", flush=True)
	while True:	# every stop is left as it is: nothing is resumed
	    _, st = os.waitpid(pid, 0x40000000)	# __WALL
	    if os.WIFEXITED(st) or os.WIFSIGNALED(st):
	        break
	EOF
	TRACER=$!
	wgm_wait 5 grep -q attached "$T/tracer"
	kill -TERM "$PID"
	wgm_wait_exit $((2 + 5))
	rc=$?
	check "SIGTERM, the frontend ignoring it: the collector exits 0 in time" \
	    test "$rc" -eq 0
	check "and the frontend is gone" wgm_wait_gone "$FPID" 5
	check "and it said it killed it" \
	    grep -q 'frontend did not exit; killing it' "$LOG"
	kill -KILL "$TRACER" "$FPID" 2>/dev/null
	wait "$TRACER" 2>/dev/null
	TRACER=
	FPID=
else
	not_ok "the daemon starts (SIGTERM case)"
fi

# --- The channel closed by a frontend that then does not exit.
if start; then
	kill -STOP "$FPID"
	fake_frontend "$FPID" 's.shutdown(socket.SHUT_RDWR)'
	wgm_wait_exit $((2 + 5))
	rc=$?
	check "the channel closed, the frontend stopped: the collector exits 1" \
	    test "$rc" -eq 1
	check "and the frontend is gone, killed" wgm_gone "$FPID"
	check "and it logs the frontend's end" \
	    grep -q 'frontend terminated; status 137' "$LOG"
	kill -KILL "$FPID" 2>/dev/null
	FPID=
else
	not_ok "the daemon starts (closed channel case)"
fi

# --- A descriptor from the frontend is refused, never kept.
if start; then
	kill -STOP "$FPID"
	: > "$T/planted"
	fake_frontend "$FPID" '
f = os.open("'"$T"'/planted", os.O_RDONLY)
socket.send_fds(s, [imsg(IMSG_LOG_REQUEST)], [f])'
	held=no
	for ((i = 0; i < 30; i++)); do
		wgm_gone "$PID" && break
		ls -l "/proc/$PID/fd" 2>/dev/null | grep -q "$T/planted" &&
		    held=yes
		sleep 0.1
	done
	check "a descriptor sent to the collector is never among its own" \
	    test "$held" = no
	broken "the collector stops a frontend that sends one, exit 1" \
	    'frontend channel: sent a descriptor'
else
	not_ok "the daemon starts (descriptor case)"
fi

# --- Any other message: the same end.
if start; then
	kill -STOP "$FPID"
	fake_frontend "$FPID" 's.sendall(imsg(3, b"x" * 16))'
	broken "a message other than a syslog request: the collector exits 1" \
	    'frontend message: unexpected'
else
	not_ok "the daemon starts (unexpected message case)"
fi

# --- Syslog socket requests from a frontend that reads no answer.
if start; then
	kill -STOP "$FPID"
	fds0=$(ls "/proc/$PID/fd" | wc -l)
	fake_frontend "$FPID" '
s.settimeout(10)
s.sendall(imsg(IMSG_LOG_REQUEST) * 5000)'
	sleep 2
	fds1=$(ls "/proc/$PID/fd" | wc -l)
	n=$(grep -c 'send_log_socket' "$LOG")
	echo "# 5000 requests: $n sockets tried, descriptors $fds0 -> $fds1"
	# Answers go on while the kernel's socket buffer takes them (about
	# 20 here), then one waits in the collector's queue.
	check "5000 unread requests: a few syslog sockets opened, not 5000" \
	    test "$n" -le 200
	check "and the collector holds no more descriptors" \
	    test "$fds1" -le $((fds0 + 1))
	check "and it still runs" kill -0 "$PID"
	kill -CONT "$FPID"
	wgm_stop
	check "the frontend, continued, stops with it" wgm_wait_gone "$FPID" 5
	FPID=
else
	not_ok "the daemon starts (requests case)"
fi

wgm_done
