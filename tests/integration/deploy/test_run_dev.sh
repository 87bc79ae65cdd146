#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make run (tools/run-dev) from a checkout as a user with sudo makes it:
# the user's, group-writable (Debian's umask 002 for such a user).  wgmond
# refuses such a script and such a chroot, and must go on refusing them;
# make run stages both in /run/wgmond-dev and says so first.  Prints one
# `ok - NAME` / `not ok - NAME` line per case.  The staging directory is
# the test's own (WGMOND_DEV_DIR), so that a make run or another test
# running meanwhile does not change it underneath.
#
#	bash tests/integration/deploy/test_run_dev.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup

RUN_PID=
wgm_atexit 'wgm_end "$RUN_PID"'
export WGMOND_DEV_DIR=$T/dev
DEV=$WGMOND_DEV_DIR

# The files make run uses.
wgm_clone tools/run-dev tools/dev-stage tools/wg-json

# make run's own words, then wgmond's, in the log.
PORT=$(wgm_free_port)
URL=http://127.0.0.1:$PORT
: > "$LOG"
env -u WIREGUARD_MONITOR_WG_JSON_SCRIPT -u WIREGUARD_MONITOR_CHROOT \
    -u WIREGUARD_MONITOR_USER "$CLONE/tools/run-dev" \
    -l "127.0.0.1:$PORT" -i 1 >>"$LOG" 2>&1 &
RUN_PID=$!
PID=$RUN_PID		# run-dev execs wgmond: the same process

check "make run from a user's group-writable checkout starts wgmond" \
    wgm_wait_log 'listening on' 30
check "its first lines say what it staged, and where" \
    eval 'head -n 1 "$LOG" | grep -q "staged in $DEV (root:root 0755)" &&
    head -n 4 "$LOG" | grep -q "$DEV/wg-json, a copy of tools/wg-json" &&
    head -n 4 "$LOG" | grep -q "$DEV/empty, the empty directory"'
check "the daemon runs the staged copy of tools/wg-json" \
    grep -q "collector started: script $DEV/wg-json" "$LOG"

# /raw after the first good run (any content: this machine's WireGuard).
raw_is_object() {
	wgm_get /raw "$T/raw" &&
	    json_get 'type(d).__name__' <"$T/raw" | grep -qx dict
}
raw_ok() {
	wgm_wait 20 raw_is_object
}
check "curl gets /raw from it: a JSON object" raw_ok

owner_mode() {
	stat -c '%U:%G %a' "$1"
}
check "the staged script, chroot and directory are root:root 0755" \
    eval '[ "$(owner_mode "$DEV")" = "root:root 755" ] &&
    [ "$(owner_mode "$DEV/wg-json")" = "root:root 755" ] &&
    [ "$(owner_mode "$DEV/empty")" = "root:root 755" ]'
check "the staged script is tools/wg-json as it is now" \
    cmp -s "$CLONE/tools/wg-json" "$DEV/wg-json"

kill -TERM "$RUN_PID" 2>/dev/null
wait "$RUN_PID" 2>/dev/null
RUN_PID=
PID=

# The daemon's own variables win over make run's choices.
wgm_script env.sh <<'EOS'
#!/bin/sh
echo '{}'
EOS
: > "$LOG"
WIREGUARD_MONITOR_WG_JSON_SCRIPT=$T/env.sh WIREGUARD_MONITOR_CHROOT=$CHROOT \
    WIREGUARD_MONITOR_USER=daemon "$CLONE/tools/run-dev" \
    -l "127.0.0.1:$PORT" -i 1 >>"$LOG" 2>&1 &
RUN_PID=$!
PID=$RUN_PID
frontend_is_daemon() {
	local f
	wgm_wait 5 eval 'f=$(wgm_frontend_pid); [ -n "$f" ]'
	[ -n "$f" ] && [ "$(awk '/^Uid:/ { print $2 }' "/proc/$f/status")" = \
	    "$(id -u daemon)" ] &&
	    [ "$(readlink "/proc/$f/root")" = "$CHROOT" ]
}
check "WIREGUARD_MONITOR_WG_JSON_SCRIPT, _CHROOT and _USER are used instead of make run's choices" \
    eval 'wgm_wait_log "listening on" 30 &&
    grep -q "collector started: script $T/env.sh" "$LOG" &&
    ! grep -q "^make run: ./wgmond.* -[sru] " "$LOG" && frontend_is_daemon'
kill -TERM "$RUN_PID" 2>/dev/null
wait "$RUN_PID" 2>/dev/null
RUN_PID=
PID=

# wgmond's own check is as strict as ever: the checkout's script refused.
: > "$LOG"
"$CLONE/wgmond" -d -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" \
    -s "$CLONE/tools/wg-json" >>"$LOG" 2>&1 </dev/null
rc=$?
check "wgmond still refuses the checkout's own tools/wg-json (exit 1, unsafe script)" \
    eval '[ "$rc" -eq 1 ] && grep -q "unsafe script: $CLONE/tools/wg-json" "$LOG"'

wgm_done
