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
URL=
LOG=
CHROOT=
RUNS=
FAILS=0

WGM_ATEXIT=()
# A command the daemon is started under by wgm_start (unshare and the
# like), with its arguments; none by default.
WGM_WRAP=()

# wgm_atexit COMMAND: a command (evaluated then, with the variables as they
# are then) for the cleanup, which runs them last given first, before it
# kills the daemon and removes $T.
wgm_atexit() {
	WGM_ATEXIT+=("$1")
}

# wgm_end PID [SIGNAL]: a process of the test's own ended (SIGTERM) and
# reaped; nothing for an empty PID.
wgm_end() {
	[ -n "$1" ] || return 0
	kill -"${2:-TERM}" "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

wgm_cleanup() {
	local p i
	for ((i = ${#WGM_ATEXIT[@]} - 1; i >= 0; i--)); do
		eval "${WGM_ATEXIT[i]}"
	done
	if [ -n "$PID" ]; then
		for p in $(pgrep -P "$PID" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	[ -n "$T" ] && rm -rf "$T"
}

# wgm_tmpdir: $T, the test's private directory, which wgm_cleanup
# removes at exit.  It is root's and 0755, so scripts in it pass the
# daemon's ownership and mode check (/tmp itself is sticky).
wgm_tmpdir() {
	T=$(mktemp -d /tmp/wgmond-test.XXXXXX) || exit 1
	chmod 0755 "$T"
	trap wgm_cleanup EXIT
}

wgm_setup() {
	wgm_tmpdir
	CHROOT=$T/empty
	mkdir -m 0755 "$CHROOT"
	LOG=$T/log
	if [ "$(id -u)" -ne 0 ]; then
		echo "ok - all # SKIP needs root"
		exit 0
	fi
	[ -x "$WGMOND" ] || { echo "not ok - $WGMOND is built"; exit 1; }
}

# wgm_free_port [HOST]: a port free on HOST (127.0.0.1, or [::1] and the
# like for IPv6).
wgm_free_port() {
	python3 - "${1:-127.0.0.1}" <<-'EOF'
	import socket, sys
	h = sys.argv[1]
	f = socket.AF_INET6 if h.startswith("[") else socket.AF_INET
	s = socket.socket(f)
	s.bind((h.strip("[]"), 0))
	print(s.getsockname()[1])
	EOF
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

# wgm_mode MODE: what the fixture scripts that read $T/mode do next.
wgm_mode() {
	echo "$1" | wgm_json mode
}

# wgm_wg_json: $WG_JSON, a copy of tools/wg-json that is root's and 0755,
# as the daemon wants its script (a user's checkout need not be).
wgm_wg_json() {
	WG_JSON=$T/wg-json
	install -o root -g root -m 0755 "$TOP/tools/wg-json" "$WG_JSON"
}

# A script that prints the file $T/NAME.json as it is at each run.
wgm_script_cat() {
	wgm_script "$1" <<-EOS
	#!/bin/sh
	cat "$T/$1.json"
	EOS
}

# wgm_start [-l HOST[:PORT]] [flags]: start the daemon listening on HOST
# (127.0.0.1 by default; [::1] for IPv6) and PORT (a free one by default),
# wait for its start line.  Sets PORT and URL (http://HOST:PORT).
wgm_start() {
	local host=127.0.0.1
	if [ "${1:-}" = -l ]; then
		host=$2
		shift 2
	fi
	case $host in
	*]:[0-9]*|[!\[]*:[0-9]*)
		PORT=${host##*:}
		host=${host%:*} ;;
	*)	PORT=$(wgm_free_port "$host") ;;
	esac
	URL="http://$host:$PORT"
	: > "$LOG"
	"${WGM_WRAP[@]}" "$WGMOND" -d -v -u nobody -r "$CHROOT" \
	    -l "$host:$PORT" "$@" >>"$LOG" 2>&1 &
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

# wgm_wait SECONDS COMMAND...: until the command succeeds, or at once
# not if the daemon was started and is gone.  Tried every 0.1 s for
# SECONDS (to SECONDS + 1) of real time, however long each try takes on
# a loaded machine: a count of tries would stretch with them.
wgm_wait() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ -n "$PID" ] && wgm_gone "$PID" && return 1
		[ "$SECONDS" -le "$end" ] || return 1
		sleep 0.1
	done
}

# wgm_wait_log PATTERN [SECONDS] [COUNT]: until the log has COUNT lines
# matching the extended regular expression.
wgm_wait_log() {
	wgm_wait "${2:-10}" wgm_has_log "$1" "${3:-1}"
}

wgm_has_log() {
	[ "$(wgm_count "$1")" -ge "$2" ]
}

# wgm_count PATTERN: how many lines of the log match the extended regular
# expression.
wgm_count() {
	grep -cE -- "$1" "$LOG"
}

# wgm_wait_exit SECONDS: the daemon's exit status once it has exited (and
# is reaped); 255 after killing it when it has not within SECONDS.
wgm_wait_exit() {
	local rc
	if ! wgm_wait_gone "$PID" "$1"; then
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=
		return 255
	fi
	wait "$PID"
	rc=$?
	PID=
	return $rc
}

# wgm_events NAME: the event lines of that name, in order.
wgm_events() {
	grep -E "^\{\"event\":\"$1\"" "$LOG"
}

# wgm_evq COND...: how many events in the log have every KEY=VALUE of the
# conditions (a VALUE that is not a string is compared as compact JSON,
# e.g. null).  A test whose log is elsewhere sets LOG.
wgm_evq() {
	python3 - "$LOG" "$@" <<-'EOF'
	import json, sys
	conds = [c.split("=", 1) for c in sys.argv[2:]]
	def text(v):
	    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
	n = 0
	for line in open(sys.argv[1], errors="replace"):
	    i = line.find('{"event"')
	    if i < 0:
	        continue
	    try:
	        e = json.loads(line[i:])
	    except ValueError:
	        continue
	    if all(k in e and text(e[k]) == v for k, v in conds):
	        n += 1
	print(n)
	EOF
}

# wgm_wait_ev SECONDS [-n COUNT] COND...: until at least COUNT (1) such
# events.
wgm_wait_ev() {
	local secs=$1 n=1
	shift
	if [ "${1:-}" = -n ]; then
		n=$2
		shift 2
	fi
	wgm_wait "$secs" wgm_has_ev "$n" "$@"
}

wgm_has_ev() {
	local n=$1
	shift
	[ "$(wgm_evq "$@")" -ge "$n" ]
}

# wgm_is N COND...: exactly N such events.
wgm_is() {
	local n=$1 got
	shift
	got=$(wgm_evq "$@")
	[ "$got" = "$n" ] && return 0
	echo "#   $got events with $*, expected $n"
	return 1
}

# wgm_runs: how many runs are done: the collector's "run done" lines in
# the log, or, where the test sets RUNS, the lines of that file (its
# script adds one at each run, as when the log is not the daemon's).
wgm_runs() {
	if [ -z "${RUNS:-}" ]; then
		grep -c 'run done' "$LOG"
	elif [ -f "$RUNS" ]; then
		wc -l < "$RUNS"
	else
		echo 0
	fi
}

# wgm_wait_runs SECONDS N: until N more runs than now are done.
wgm_wait_runs() {
	wgm_wait "$1" wgm_has_runs $(($(wgm_runs) + $2))
}

wgm_has_runs() {
	[ "$(wgm_runs)" -ge "$1" ]
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
	local p=$1 PID=
	wgm_wait "$2" wgm_gone "$p"
}

# wgm_clone FILE...: the files (paths in the checkout) and the daemon in
# $CLONE, a checkout of nobody's written with umask 002 (group-writable),
# as a user's may be.
wgm_clone() {
	local f
	CLONE=$T/clone
	(
		umask 002
		for f; do
			mkdir -p "$CLONE/$(dirname "$f")"
			cp "$TOP/$f" "$CLONE/$f"
		done
		cp "$WGMOND" "$CLONE/wgmond"
		chmod -R g+w "$CLONE"
	)
	chown -R nobody: "$CLONE"
}

wgm_frontend_pid() {
	pgrep -P "$PID" -f -- '-F' | head -n 1
}

wgm_curl() {
	curl -s --max-time 5 "$@"
}

# wgm_header FILE NAME: the value of header NAME (any case) in FILE, the
# headers curl -D or -I wrote ("-": stdin); a line each if it is there
# several times, so that a header sent twice fails a comparison.
wgm_header() {
	grep -i "^$2:" "$1" | sed -e 's/^[^:]*: *//' -e 's/\r$//'
}

# wgm_get PATH [FILE]: GET $URL/PATH, the body in FILE ($T/body); succeeds
# on 200.  Until it is served: wgm_wait SECONDS wgm_get PATH.
wgm_get() {
	[ "$(wgm_curl -o "${2:-$T/body}" -w '%{http_code}' "$URL$1")" = 200 ]
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

# wgm_need COMMAND: the command is there (tools/install-deps installs
# it), or the test fails.
wgm_need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "not ok - $1 is installed (tools/install-deps)"
	return 1
}

wgm_done() {
	[ "$FAILS" -eq 0 ]
}

# wgm_skip_if NAME REASON: where there is a REASON, the test ends here as
# skipped.
wgm_skip_if() {
	[ -z "$2" ] && return 0
	echo "ok - $1 # SKIP $2"
	exit 0
}

# wgm_wgnet NAME: $WG_JSON, and the network of tests/wireguard/net.sh (or
# of fleet.sh, where sourced) built, as case NAME; or the test ends.
wgm_wgnet() {
	wgm_wg_json || exit 1
	if ! wgnet_setup; then
		not_ok "$1"
		exit 1
	fi
	ok "$1"
}

# wgm_chain_ok [KEY...]: each peer's events in $LOG chain from its first
# status: no status_change that repeats a status or skips one, no peer
# announced twice, none removed unannounced.  Each KEY is a peer of wg0
# there from the start without an initial_status (inactive).  An inactive
# peer goes on from disconnected: disconnected -> inactive logs nothing.
wgm_chain_ok() {
	python3 - "$LOG" "$@" <<'EOF'
import json, sys
state = {("wg0", k): "disconnected" for k in sys.argv[2:]}
bad = []
for line in open(sys.argv[1]):
    if not line.startswith('{"event"'):
        continue
    e = json.loads(line)
    k = (e.get("interface"), e.get("peer"))
    if e["event"] in ("initial_status", "new_peer"):
        bad += [line] if k in state else []
        state[k] = "disconnected" if e["status"] == "inactive" else e["status"]
    elif e["event"] == "status_change":
        if e["old_status"] != state.get(k) or e["new_status"] == e["old_status"]:
            bad.append(line)
        state[k] = e["new_status"]
    elif e["event"] == "peer_removed":
        bad += [line] if k not in state else []
        state.pop(k, None)
for b in bad:
    print("#   out of chain:", b.strip())
sys.exit(1 if bad else 0)
EOF
}

# wgm_private_dev: in the test's private mount namespace, an overlay on
# /dev whose /dev/log is the test's own, with fresh /dev/shm and /dev/pts
# (daemon/test_syslog.sh says why an overlay); 1 if it cannot be mounted.
# wgm_dev_unmount undoes it.
wgm_private_dev() {
	mkdir "$T/dev.upper" "$T/dev.work" || return 1
	mount -t overlay wgm-dev \
	    -o "lowerdir=/dev,upperdir=$T/dev.upper,workdir=$T/dev.work" /dev ||
	    return 1
	WGM_DEV_MOUNTED=1
	mount -t tmpfs -o mode=1777 wgm-shm /dev/shm 2>/dev/null
	mount -t devpts -o newinstance,ptmxmode=0666 wgm-pts /dev/pts \
	    2>/dev/null
	return 0
}

wgm_dev_unmount() {
	[ -n "${WGM_DEV_MOUNTED:-}" ] || return 0
	umount -l /dev/pts 2>/dev/null
	umount -l /dev/shm 2>/dev/null
	umount -l /dev || T=	# never remove an upper layer still in use
	WGM_DEV_MOUNTED=
}

# wgm_can_mount_ns: whether a private mount namespace can be made here.
wgm_can_mount_ns() {
	unshare --mount --propagation private true 2>/dev/null
}

# wgm_mount_ns NAME [ARG...]: the test runs again, once, in a private
# mount namespace, so that what it mounts (wgm_private_dev) is gone with
# it; where that cannot be, it ends as skipped under NAME.
wgm_mount_ns() {
	local name=$1
	shift
	[ -z "${WGM_MOUNT_NS:-}" ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "ok - $name # SKIP needs root"
		exit 0
	fi
	if ! wgm_can_mount_ns; then
		echo "ok - $name # SKIP unshare --mount is not permitted here"
		exit 0
	fi
	WGM_MOUNT_NS=1 exec unshare --mount --propagation private \
	    bash "$0" "$@"
}
