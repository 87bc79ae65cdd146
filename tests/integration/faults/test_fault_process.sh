#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Faults of the processes themselves (wgmond(8), FAULTS): the frontend
# killed, the collector killed, the listening address in use at start.
# Each time nothing of the daemon is left behind, a run in progress
# included, and the port is free for the next start (what systemd's
# Restart=on-failure does).  test_process.sh checks the exit status and
# the log line of the first two; this adds what an operator restarting
# the daemon relies on.
#	bash tests/integration/faults/test_fault_process.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

SCRIPT=$T/script
# Every run leaves a mark; from the second on, a run lasts 30 s, so that
# one is in progress when a process is killed.
wgm_script script <<EOF
#!/bin/sh
echo run >> "$T/runs"
[ "\$(wc -l < "$T/runs")" -ge 2 ] && sleep 30
echo '{"wg0": {"listenPort": 51820, "peers": {}}}'
EOF

FPID=
HOLDER=

wgm_atexit 'wgm_end "$HOLDER" KILL'

# leftovers: the processes of this test's daemon still there: by the
# frontend's root (the chroot directory) or by this test's directory
# in the command line (collector, sudo, the script and its sleep).
leftovers() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$CHROOT" ] ||
		    tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF "$T/" ||
		    continue
		wgm_gone "${p#/proc/}" || echo "${p#/proc/}"
	done 2>/dev/null
}

no_leftovers() {
	[ -z "$(leftovers)" ]
}

# wait_clean SECONDS: until none is left (whether the daemon is or not).
wait_clean() {
	local PID=
	wgm_wait "$1" no_leftovers && return 0
	echo "#   left: $(leftovers | tr '\n' ' ')"
	return 1
}

# second_run: the script's second run is in progress.
second_run() {
	[ "$(wc -l < "$T/runs" 2>/dev/null)" = 2 ]
}

# start_on PORT: the daemon on that port, its second run in progress.
start_on() {
	rm -f "$T/runs"
	wgm_start -l "127.0.0.1:$1" -s "$SCRIPT" -i 1 -t 40 || return 1
	FPID=$(wgm_frontend_pid)
	wgm_wait 15 second_run
}

# serves PORT: a new daemon starts on the port and answers /raw.
serves() {
	local code
	start_on "$1" || return 1
	code=$(wgm_curl -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$1/raw")
	wgm_stop
	wait_clean 10 || return 1
	[ "$code" = 200 ]
}

PORT=$(wgm_free_port)

# --- 1. The frontend killed.
if start_on "$PORT"; then
	kill -KILL "$FPID"
	wgm_wait_exit 15
	check "frontend SIGKILLed: the daemon exits 1" test $? -eq 1
	check "and logs that the frontend terminated, with its signal" \
	    grep -qE 'frontend terminated; status 137' "$LOG"
	check "and nothing of it is left, the run in progress included" \
	    wait_clean 10
	check "and its port is free: a new start on it serves /raw" \
	    serves "$PORT"
else
	not_ok "the daemon starts with a run in progress (frontend case)"
fi

# --- 3. The collector killed: the frontend reads EOF on its channel.
if start_on "$PORT"; then
	kill -KILL "$PID"
	wait "$PID" 2>/dev/null
	PID=
	check "collector SIGKILLed: the frontend exits on its own" \
	    wgm_wait_gone "$FPID" 10
	# Nobody is left to end the run in progress: it ends by itself
	# (under systemd, with the service's control group).
	check "and the run in progress is left to end by itself" \
	    test -n "$(leftovers)"
	for p in $(leftovers); do
		kill -KILL "$p" 2>/dev/null
	done
	check "and no process of the daemon holds the port: a new start serves /raw" \
	    serves "$PORT"
else
	not_ok "the daemon starts with a run in progress (collector case)"
fi

# --- 6. The address in use at start: refused before any run.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("ready", flush=True)
time.sleep(60)
' "$PORT" > "$T/holder" &
HOLDER=$!
wgm_wait 5 test -s "$T/holder"
for mode in -d ""; do
	rm -f "$T/runs"
	# shellcheck disable=SC2086
	timeout -s KILL 15 "$WGMOND" $mode -u nobody -r "$CHROOT" \
	    -l "127.0.0.1:$PORT" -s "$SCRIPT" -i 1 -t 40 > /dev/null 2> "$T/err"
	rc=$?
	name="address in use${mode:+ ($mode)}"
	check "$name: exit 1" test "$rc" -eq 1
	check "$name: the message names the address" \
	    grep -qE "127\\.0\\.0\\.1:$PORT: Address already in use" "$T/err"
	check "$name: the script never ran" test ! -e "$T/runs"
	check "$name: no process is left" wait_clean 5
done
wgm_end "$HOLDER" KILL
HOLDER=

wgm_done
