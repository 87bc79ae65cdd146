#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The frontend stopped (SIGSTOP) for several runs while peers change, then
# continued (wgmond(8), FAULTS): the collector goes on running the script
# meanwhile, the events of the stall are all logged once the frontend
# reads again, in the order they happened, none dropped, and /raw shows
# the latest state.  test_frontend_stalled.sh does the same at 10,000
# peers, and past the collector's bound, where events are dropped and
# counted.
#	bash tests/integration/faults/test_fault_stopped.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

# fixture N: peers p1..pN on wg0, all connected.
fixture() {
	python3 - "$1" <<-'EOF'
	import base64, json, sys
	peers = {}
	for i in range(1, int(sys.argv[1]) + 1):
	    key = base64.b64encode(("p%d" % i).ljust(32, ".").encode()).decode()
	    peers[key] = {"latestHandshake": 4000000000,
	        "endpoint": "192.0.2.%d:51820" % i,
	        "allowedIps": ["10.0.0.%d/32" % i]}
	json.dump({"wg0": {"listenPort": 51820, "peers": peers}}, sys.stdout)
	EOF
}

key() {
	printf 'p%s' "$1" | python3 -c 'import base64, sys; print(base64.b64encode(sys.stdin.read().ljust(32, ".").encode()).decode())'
}

# new_peers: the peers of the new_peer events logged, in order.
new_peers() {
	wgm_events new_peer | json_lines
}

json_lines() {
	python3 -c '
import json, sys
for l in sys.stdin:
    print(json.loads(l)["peer"])'
}

fixture 1 | wgm_json fix.json
wgm_script_cat fix
wgm_start -s "$T/fix" -i 1 -t 5 || { not_ok "the daemon starts"; exit 1; }
FPID=$(wgm_frontend_pid)
wgm_wait_log '"event":"initial_status"' 20 ||
    not_ok "the first run's event is logged"

kill -STOP "$FPID"
# Five runs, each adding a peer: p2..p6, one new_peer event each.
stalled=1
for i in 2 3 4 5 6; do
	fixture "$i" | wgm_json fix.json
	wgm_wait_runs 20 2 || stalled=0
done
check "frontend stopped: the collector goes on, a run every interval" \
    test "$stalled" = 1
check "while it is stopped, none of those events is logged" \
    test -z "$(new_peers)"
kill -CONT "$FPID"

expected=$(for i in 2 3 4 5 6; do key "$i"; done)
logged() {
	[ "$(new_peers)" = "$expected" ]
}
wait_logged() {
	wgm_wait 20 logged && return 0
	echo "#   logged: $(new_peers | tr '\n' ' ')"
	return 1
}
check "continued: the 5 events of the stall are logged, once each, in order" \
    wait_logged
check "none was dropped" test -z "$(grep -E 'dropp' "$LOG")"
raw_current() {
	[ "$(wgm_curl "$URL/raw" |
	    json_get 'len(d["wg0"]["peers"])' 2>/dev/null)" = 6 ]
}
check "/raw is current again: the 6 peers" wgm_wait 10 raw_current
check "both processes still run, the frontend the same" \
    test "$(wgm_frontend_pid)" = "$FPID"
wgm_stop
check "SIGTERM: exit 0" test $? -eq 0

wgm_done
