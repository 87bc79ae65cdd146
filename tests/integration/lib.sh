# shellcheck shell=bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shared by the integration tests: a private temporary directory, fixture
# scripts, the daemon started in the foreground (-d -v) on a free loopback
# port, its log read as the events it wrote, and cleanup of all of it.
# Each case prints "ok - name" or "not ok - name" (tests/run counts them).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WGMOND=${WGMOND:-$TOP/wgmond}
T=
PID=
PORT=
LOG=
CHROOT=
FAILS=0

wgm_cleanup() {
	local p
	if [ -n "$PID" ]; then
		for p in $(pgrep -P "$PID" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	[ -n "$T" ] && rm -rf "$T"
}

# The directory is root's and 0755, so scripts in it pass the daemon's
# ownership and mode check (/tmp itself is sticky).
wgm_setup() {
	T=$(mktemp -d /tmp/wgmond-test.XXXXXX) || exit 1
	chmod 0755 "$T"
	CHROOT=$T/empty
	mkdir -m 0755 "$CHROOT"
	LOG=$T/log
	trap wgm_cleanup EXIT
	if [ "$(id -u)" -ne 0 ]; then
		echo "ok - all # SKIP needs root"
		exit 0
	fi
	[ -x "$WGMOND" ] || { echo "not ok - $WGMOND is built"; exit 1; }
}

wgm_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wgm_script NAME: the script's body on stdin, written to $T/NAME.
wgm_script() {
	cat > "$T/$1"
	chmod 0755 "$T/$1"
}

# wgm_json NAME: what the script "$T/NAME" prints next (see wgm_script_cat).
wgm_json() {
	cat > "$T/$1.tmp" && mv "$T/$1.tmp" "$T/$1"
}

# A script that prints the file $T/NAME.json as it is at each run.
wgm_script_cat() {
	wgm_script "$1" <<-EOS
	#!/bin/sh
	cat "$T/$1.json"
	EOS
}

# wgm_start [flags]: start the daemon, wait for its start line.
wgm_start() {
	PORT=$(wgm_free_port)
	: > "$LOG"
	"$WGMOND" -d -v -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" "$@" \
	    >>"$LOG" 2>&1 &
	PID=$!
	wgm_wait_log 'listening on' 10
}

# wgm_stop: SIGTERM, and the daemon's exit status.
wgm_stop() {
	local rc
	kill -TERM "$PID" 2>/dev/null
	wait "$PID"
	rc=$?
	PID=
	return $rc
}

# wgm_wait_log PATTERN [SECONDS] [COUNT]: until the log has COUNT lines
# matching the extended regular expression.
wgm_wait_log() {
	local i n=$(( ${2:-10} * 10 ))
	for ((i = 0; i < n; i++)); do
		[ "$(grep -cE -- "$1" "$LOG")" -ge "${3:-1}" ] && return 0
		if [ -n "$PID" ] && ! kill -0 "$PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# wgm_events NAME: the event lines of that name, in order.
wgm_events() {
	grep -E "^\{\"event\":\"$1\"" "$LOG"
}

# A test that counts events defines evq COND... (how many events in the
# log have every KEY=VALUE given); these wait for and assert on it.

# wgm_wait_ev SECONDS COND...: until at least one such event.
wgm_wait_ev() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		[ "$(evq "$@")" -ge 1 ] && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wgm_is N COND...: exactly N such events.
wgm_is() {
	local n=$1 got
	shift
	got=$(evq "$@")
	[ "$got" = "$n" ] && return 0
	echo "#   $got events with $*, expected $n"
	return 1
}

wgm_runs() {
	grep -c 'run done' "$LOG"
}

# wgm_gone PID: the process no longer exists, or is a zombie nobody reaped.
wgm_gone() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	[ "${s%% *}" = Z ] || [ "${s%% *}" = X ]
}

# wgm_wait_gone PID SECONDS: wgm_gone within SECONDS.
wgm_wait_gone() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		wgm_gone "$1" && return 0
		sleep 0.1
	done
	return 1
}

wgm_frontend_pid() {
	pgrep -P "$PID" -f -- '-F' | head -n 1
}

wgm_curl() {
	curl -s --max-time 5 "$@"
}

ok() {
	echo "ok - $1"
}

not_ok() {
	echo "not ok - $1"
	FAILS=$((FAILS + 1))
	[ -n "$LOG" ] && [ -f "$LOG" ] && sed 's/^/#   /' "$LOG" | tail -n 15
}

# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
	fi
}

# json_get EXPR: evaluates a Python expression on the JSON on stdin (as d).
json_get() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

wgm_done() {
	[ "$FAILS" -eq 0 ]
}
