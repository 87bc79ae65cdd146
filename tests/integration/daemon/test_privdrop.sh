#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The frontend is never root while its event loop runs (docs/DESIGN.md §7):
# traced from its exec on, it chroots, becomes the -u user and loads its
# seccomp filter before its first wait for events, both with -d and
# without (where it also waits for its syslog socket first).  And a
# chroot directory of / is refused.
#	bash tests/integration/daemon/test_privdrop.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

if ! command -v strace >/dev/null; then
	echo "ok - all # SKIP needs strace"
	exit 0
fi

wgm_script_cat wg-json
wgm_json wg-json.json <<-'EOF'
{"wg0": {"listenPort": 51820, "peers": {}}}
EOF
SCRIPT=$T/wg-json
TRACE=$T/trace
CALLS=execve,chroot,setresuid,seccomp,epoll_wait,epoll_pwait

# traced_start [-d]: the daemon under strace, every process followed,
# until the frontend listens (-d: its log line; else: curl is answered).
traced_start() {
	PORT=$(wgm_free_port)
	: > "$LOG"
	strace -f -qq -o "$TRACE" -e trace="$CALLS" -e signal=none \
	    "$WGMOND" "$@" -v -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" \
	    -s "$SCRIPT" -i 1 -t 2 >>"$LOG" 2>&1 &
	PID=$!
	wgm_wait 10 wgm_curl -o /dev/null "http://127.0.0.1:$PORT/healthz"
}

# The daemon's processes are strace's children: stop them all, then it.
traced_stop() {
	local p
	for p in $(pgrep -f -- "-r $CHROOT -l 127.0.0.1:$PORT"); do
		[ "$p" != "$PID" ] && kill -TERM "$p" 2>/dev/null
	done
	wait "$PID" 2>/dev/null
	PID=
}

# frontend_order: the frontend's calls of interest, one name a line, from
# its exec of -F on.  strace writes "PID call(...", the PID padded to five
# columns, and a call interrupted by another process's line as
# "PID call(... <unfinished ...>" then "PID <... call resumed>...".
frontend_order() {
	local fpid
	fpid=$(sed -n 's/^\([0-9]*\) *execve("[^"]*", \["wgmond", "-F".*/\1/p' \
	    "$TRACE" | head -n 1)
	[ -n "$fpid" ] || return 1
	awk -v p="$fpid" '$1 == p && /"-F"/ { on = 1 }
	    on && $1 == p && $2 != "<..." { sub(/\(.*/, "", $2); print $2 }' \
	    "$TRACE"
}

# dropped_before_loop: chroot, then setresuid, then seccomp, each before
# the first epoll_wait, which must come.
dropped_before_loop() {
	local order
	order=$(frontend_order | awk '/^epoll_(p)?wait$/ { print; exit }
	    !seen[$0]++ { print }' | tr '\n' ' ')
	[ "$order" = "execve chroot setresuid seccomp epoll_wait " ] ||
	    [ "$order" = "execve chroot setresuid seccomp epoll_pwait " ] &&
	    return 0
	echo "#   the frontend's calls, in order: $order"
	return 1
}

for mode in -d ""; do
	name="frontend${mode:+ with $mode}: chroot, setresuid and seccomp before its first epoll_wait"
	# strace's output is whole once it has exited.
	if traced_start $mode; then
		traced_stop
		check "$name" dropped_before_loop
	else
		traced_stop
		not_ok "$name (it never answered)"
	fi
done

# refused_root DIR: -r DIR must be refused as the root directory.
refused_root() {
	local out rc port
	port=$(wgm_free_port)
	out=$(timeout -s KILL 10 "$WGMOND" -d -l "127.0.0.1:$port" \
	    -s "$SCRIPT" -i 1 -t 2 -u nobody -r "$1" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 1 ] && grep -qE 'chroot directory / .*root directory' \
	    <<<"$out" && return 0
	echo "#   exit status $rc: $out"
	return 1
}

check "a chroot directory of / is refused, exit 1, saying why" \
    refused_root /
ln -s / "$T/rootlink"
check "a chroot directory that is a symbolic link to / is refused" \
    refused_root "$T/rootlink"

wgm_done
