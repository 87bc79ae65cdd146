#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make demo (tools/demo) from a checkout of a user's, group-writable (as
# Debian's umask 002 makes it), as make run is tested in test_run_dev.sh:
# it stages the script and the chroot, says so first, wgmond watches the
# network in the hub and answers there, and SIGTERM tears it all down.
# Prints one `ok - NAME` / `not ok - NAME` line per case, or one
# `ok - demo # SKIP reason` where a WireGuard network cannot be built.
#
#	bash tests/integration/deploy/test_demo.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
. "$TOP/tests/wireguard/net.sh"

wgm_skip_if demo "$(wgnet_skip_reason)"
wgm_setup

DEMO_PID=
HUB=
wgm_atexit 'wgm_end "$DEMO_PID"'
export WGMOND_DEV_DIR=$T/dev
DEV=$WGMOND_DEV_DIR

# The files make demo uses.
wgm_clone tools/demo tools/dev-stage tools/wg-json tests/wireguard/net.sh

: > "$LOG"
"$CLONE/tools/demo" >>"$LOG" 2>&1 </dev/null &
DEMO_PID=$!

# demo_wait PATTERN: until the demo's output has it (the network takes
# a few seconds), while the demo runs.
demo_wait() {
	PID=$DEMO_PID wgm_wait 60 grep -qE -- "$1" "$LOG"
}

check "make demo from a user's group-writable checkout starts wgmond in the hub" \
    demo_wait '^listening on 127.0.0.1:5000'
check "its first lines say what it staged, and where" \
    eval 'head -n 1 "$LOG" | grep -q "^demo: staged in $DEV (root:root 0755)" &&
    head -n 3 "$LOG" | grep -q "$DEV/wg-json, a copy of tools/wg-json"'
check "the daemon runs the staged copy of tools/wg-json" \
    grep -q "collector started: script $DEV/wg-json" "$LOG"

HUB=$(sed -n 's/^demo: *sudo ip netns exec \([^ ]*\) curl.*\/status$/\1/p' \
    "$LOG" | head -n 1)
three_connected() {
	ip netns exec "$HUB" curl -s --max-time 5 \
	    http://127.0.0.1:5000/status >"$T/status" 2>/dev/null &&
	    json_get 'sorted(s["status"] for i in d.values()
	    for s in i.values()).count("connected")' <"$T/status" |
	    grep -qx 3
}
status_ok() {
	wgm_wait 20 three_connected
}
check "curl in the hub, as the demo prints it, gets /status: three peers connected" \
    eval '[ -n "$HUB" ] && status_ok'

kill -TERM "$DEMO_PID" 2>/dev/null
wait "$DEMO_PID" 2>/dev/null
DEMO_PID=
check "on SIGTERM the demo says the network is torn down, and it is" \
    eval 'grep -q "^demo: wgmond stopped, network torn down" "$LOG" &&
    [ -n "$HUB" ] && ! ip netns list | grep -q "^$HUB\b"'

wgm_done
