#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of the events (docs/DESIGN.md §4, §5): the daemon runs in
# the foreground with -C 3 -D 6 -i 1 and a script that prints a fixture the
# test rewrites between runs; its log lines are read as the events it wrote.
# Handshakes are computed from the clock when the fixture is written; every
# wait is bounded and waits for a state or an event, never for a time.
# Prints one `ok - NAME` / `not ok - NAME` line per case.  Run from anywhere:
#	bash tests/integration/daemon/test_events.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

# Peers.  S is on both interfaces: the same key, two peers.
KA='QUFBQWNvbm5lY3RlZGFnZXMrL0FBQUFBQUFBQUFBQUE='
KB='QkJCQm5ldmVyY29ubmVjdGVkKy9CQkJCQkJCQkJCQkI='
KI='SUlJSWluYWN0aXZlKy9JSUlJSUlJSUlJSUlJSUlJSUk='
KX='WFhYWGp1bXBzcGFzdGQrL1hYWFhYWFhYWFhYWFhYWFg='
KE='RUVFRXJlY29ubmVjdHMrL0VFRUVFRUVFRUVFRUVFRUU='
KR='UlJSUnJlbW92ZWQrL1JSUlJSUlJSUlJSUlJSUlJSUlI='
KS='U1NTU29uYm90aGlmYWNlcysvU1NTU1NTU1NTU1NTU1M='
KW='V1dXV29ud2cxKy9XV1dXV1dXV1dXV1dXV1dXV1dXV1c='
KN='Tk5OTm5ld2Nvbm5lY3RlZCsvTk5OTk5OTk5OTk5OTk4='
KM='TU1NTW5ld25ldmVyKy9NTU1NTU1NTU1NTU1NTU1NTU0='

# The fixture's variable parts: handshakes (empty: none) and which peers
# and interfaces are there.
HS_A= HS_B= HS_I= HS_X= HS_E= HS_S=
WITH_R=1 WITH_WG1=1 WITH_N=0 WITH_M=0

# peer KEY ENDPOINT HANDSHAKE ALLOWEDIPS: one peer's member.
peer() {
	local s="\"$1\": {"
	[ -n "$2" ] && s+="\"endpoint\": \"$2\", "
	[ -n "$3" ] && s+="\"latestHandshake\": $3, "
	echo "$s\"transferRx\": 1, \"transferTx\": 2, \"allowedIps\": $4}"
}

write_fixture() {
	local p0 p1
	p0=$(
		peer "$KA" 192.0.2.10:51820 "$HS_A" '["10.0.0.10/32"]'
		peer "$KB" "" "$HS_B" '["10.0.0.11/32", "fd00::11/128"]'
		peer "$KI" 192.0.2.12:1 "$HS_I" '["10.0.0.12/32"]'
		peer "$KX" 192.0.2.13:2 "$HS_X" '[]'
		peer "$KE" 192.0.2.14:3 "$HS_E" '["10.0.0.14/32"]'
		[ "$WITH_R" = 1 ] && peer "$KR" 192.0.2.15:4 "" '["10.0.0.15/32"]'
		peer "$KS" "" "$HS_S" '["10.0.0.16/32"]'
		[ "$WITH_N" = 1 ] && peer "$KN" 192.0.2.19:6 "$(date +%s)" '["10.0.0.19/32"]'
		[ "$WITH_M" = 1 ] && peer "$KM" "" "" '["10.0.0.20/32"]'
	)
	p1=$(
		peer "$KS" '[2001:db8::17]:51820' "" '["10.1.0.17/32"]'
		peer "$KW" 192.0.2.18:5 "" '["10.1.0.18/32"]'
	)
	{
		echo '{"wg0": {"privateKey": "cHJpdmF0ZQ==", "listenPort": 51820, "peers": {'
		echo "$p0" | paste -sd,
		echo '}}'
		if [ "$WITH_WG1" = 1 ]; then
			echo ', "wg1": {"listenPort": 51821, "peers": {'
			echo "$p1" | paste -sd,
			echo '}}'
		fi
		echo '}'
	} | wgm_json ev.json
}

wgm_script_cat ev
T_START=$(date +%s)

# ---- Phase 0: the first run.
now=$(date +%s)
HS_A=$now HS_I=$((now - 1000)) HS_X=$now HS_E=$now HS_S=$now
write_fixture
if ! wgm_start -s "$T/ev" -i 1 -C 3 -D 6 || ! wgm_wait_log 'run done' 10; then
	not_ok "daemon starts and runs the script"
	exit 1
fi

# ---- Phase 1, right after the first run: X jumps past D, wg1 vanishes.
HS_X=$(( $(date +%s) - 100 ))
WITH_WG1=0
write_fixture

# /status as the first run left it (the next run is a second away).
wgm_wait 2 wgm_get /status "$T/status.json"

# The initial events of the first run (8 peers shown in /status).
wgm_wait_ev 5 -n 8 event=initial_status

initial_ok() {
	wgm_is 1 event=initial_status interface=wg0 peer="$KA" status=connected \
	    endpoint=192.0.2.10:51820 'allowedIps=["10.0.0.10/32"]' &&
	wgm_is 1 event=initial_status interface=wg0 peer="$KB" \
	    status=never_connected endpoint=null \
	    'allowedIps=["10.0.0.11/32","fd00::11/128"]' &&
	wgm_is 1 event=initial_status interface=wg0 peer="$KX" status=connected \
	    endpoint=192.0.2.13:2 'allowedIps=[]' &&
	wgm_is 1 event=initial_status interface=wg0 peer="$KE" status=connected \
	    endpoint=192.0.2.14:3 'allowedIps=["10.0.0.14/32"]' &&
	wgm_is 1 event=initial_status interface=wg0 peer="$KR" \
	    status=never_connected endpoint=192.0.2.15:4 \
	    'allowedIps=["10.0.0.15/32"]' &&
	wgm_is 1 event=initial_status interface=wg0 peer="$KS" status=connected \
	    endpoint=null 'allowedIps=["10.0.0.16/32"]' &&
	wgm_is 1 event=initial_status interface=wg1 peer="$KS" \
	    status=never_connected 'endpoint=[2001:db8::17]:51820' \
	    'allowedIps=["10.1.0.17/32"]' &&
	wgm_is 1 event=initial_status interface=wg1 peer="$KW" \
	    status=never_connected endpoint=192.0.2.18:5 \
	    'allowedIps=["10.1.0.18/32"]' &&
	wgm_is 8 event=initial_status
}
check "initial_status once for each peer with its status, endpoint (null when absent) and allowedIps" \
    initial_ok
check "no initial_status for a peer that is already inactive" \
    wgm_is 0 event=initial_status peer="$KI"
check "a peer key on two interfaces gets an initial_status on each" \
    wgm_is 2 event=initial_status peer="$KS"

initial_is_status() {
	python3 - "$LOG" "$T/status.json" <<'EOF'
import json, sys
shown = set()
for iface, peers in json.load(open(sys.argv[2])).items():
    for key in peers:
        shown.add((iface, key))
ev = set()
for line in open(sys.argv[1]):
    if line.startswith('{"event":"initial_status"'):
        e = json.loads(line)
        ev.add((e["interface"], e["peer"]))
if ev != shown:
    print("#   initial_status %s\n#   /status %s" % (sorted(ev), sorted(shown)))
    sys.exit(1)
EOF
}
check "initial_status is for exactly the peers in /status" initial_is_status

# ---- Phase 1's events.
wgm_wait_ev 15 event=status_change interface=wg0 peer="$KX"
check "a connected peer whose handshake jumps past D logs status_change new_status disconnected old_status connected" \
    wgm_is 1 event=status_change interface=wg0 peer="$KX" \
    new_status=disconnected old_status=connected
wgm_wait_ev 5 -n 2 event=peer_removed interface=wg1
removed_wg1() {
	wgm_is 1 event=peer_removed interface=wg1 peer="$KS" \
	    old_status=never_connected &&
	wgm_is 1 event=peer_removed interface=wg1 peer="$KW" \
	    old_status=never_connected &&
	wgm_is 2 event=peer_removed interface=wg1
}
check "an interface vanishing logs peer_removed for each of its peers" \
    removed_wg1
check "the same key on the remaining interface is not removed" \
    wgm_is 0 event=peer_removed interface=wg0 peer="$KS"

# ---- Phase 2: E ages past C; then E, I and B connect, N and M come, R goes.
wgm_wait_ev 15 event=status_change interface=wg0 peer="$KE" new_status=disconnected
check "a connected peer aging past C logs status_change connected -> disconnected" \
    wgm_is 1 event=status_change interface=wg0 peer="$KE" \
    new_status=disconnected old_status=connected
now=$(date +%s)
HS_E=$now HS_I=$now HS_B=$now
WITH_N=1 WITH_M=1 WITH_R=0
write_fixture
wgm_wait_ev 15 event=status_change interface=wg0 peer="$KE" new_status=connected
wgm_wait_ev 15 event=status_change interface=wg0 peer="$KI" new_status=connected
wgm_wait_ev 15 event=status_change interface=wg0 peer="$KB" new_status=connected
wgm_wait_ev 15 event=new_peer interface=wg0 peer="$KN"
wgm_wait_ev 15 event=new_peer interface=wg0 peer="$KM"
wgm_wait_ev 15 event=peer_removed interface=wg0 peer="$KR"

# ---- Phase 3: N, just connected, goes.
WITH_N=0
write_fixture

check "a disconnected peer that connects logs status_change connected (old_status disconnected)" \
    wgm_is 1 event=status_change interface=wg0 peer="$KE" \
    new_status=connected old_status=disconnected
check "an inactive peer that connects logs status_change connected (old_status disconnected: inactive is reported so)" \
    wgm_is 1 event=status_change interface=wg0 peer="$KI" \
    new_status=connected old_status=disconnected
check "a never_connected peer that connects logs status_change connected (old_status never_connected)" \
    wgm_is 1 event=status_change interface=wg0 peer="$KB" \
    new_status=connected old_status=never_connected
check "a peer added after the first run logs new_peer with status connected" \
    wgm_is 1 event=new_peer interface=wg0 peer="$KN" status=connected
check "a peer added after the first run logs new_peer with status never_connected" \
    wgm_is 1 event=new_peer interface=wg0 peer="$KM" status=never_connected
new_peer_only() {
	wgm_is 2 event=new_peer &&
	wgm_is 0 event=initial_status peer="$KN" &&
	wgm_is 0 event=initial_status peer="$KM"
}
check "peers added later get new_peer only (no initial_status, no other new_peer)" \
    new_peer_only
check "a removed never_connected peer logs peer_removed with old_status never_connected" \
    wgm_is 1 event=peer_removed interface=wg0 peer="$KR" old_status=never_connected
wgm_wait_ev 15 event=peer_removed interface=wg0 peer="$KN"
check "a removed connected peer logs peer_removed with old_status connected" \
    wgm_is 1 event=peer_removed interface=wg0 peer="$KN" old_status=connected

# ---- Phase 4: A, never refreshed, ages on to inactive; two runs more.
a_status() {
	wgm_curl "$URL/raw" |
	    json_get "d['wg0']['peers']['$KA']['status']" 2>/dev/null
}
a_inactive() {
	[ "$(a_status)" = inactive ]
}
wgm_wait 15 a_inactive
wgm_wait_log 'run done' 10 $(( $(wgm_runs) + 2 ))
a_ok() {
	[ "$(a_status)" = inactive ] &&
	wgm_is 1 event=status_change interface=wg0 peer="$KA" \
	    new_status=disconnected old_status=connected &&
	wgm_is 1 event=status_change interface=wg0 peer="$KA"
}
check "connected -> disconnected -> inactive logs exactly one status_change (disconnected -> inactive logs nothing)" \
    a_ok
check "a peer that jumped past D logs nothing more as it stays inactive" \
    wgm_is 1 event=status_change interface=wg0 peer="$KX"
check "peer_removed only for the peers that went" wgm_is 4 event=peer_removed

# Every peer's status_change events chain from its first status, with no
# repeat of a status: a duplicate breaks the chain.  KI starts inactive.
check "each peer's status_change events chain from its first status (no duplicates, no gaps)" \
    wgm_chain_ok "$KI"

T_END=$(date +%s)
lines_ok() {
	python3 - "$LOG" "$T_START" "$T_END" <<'EOF'
import json, sys
t0, t1 = int(sys.argv[2]), int(sys.argv[3])
n, bad = 0, []
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    n += 1
    try:
        e = json.loads(line)
    except ValueError:
        bad.append("not JSON: " + line.strip())
        continue
    ts = e.get("timestamp") if isinstance(e, dict) else None
    if not isinstance(e, dict) or not isinstance(e.get("event"), str) or \
       type(ts) is not int or not t0 - 1 <= ts <= t1 + 1:
        bad.append(line.strip())
for b in bad:
    print("#  ", b)
sys.exit(0 if n > 0 and not bad else 1)
EOF
}
check "every event line is valid JSON with an integer timestamp" lines_ok

keys_in_order() {
	python3 - "$LOG" <<'EOF'
import json, sys
order = {
    "initial_status": ["status", "endpoint", "allowedIps"],
    "status_change": ["new_status", "old_status"],
    "new_peer": ["status"],
    "peer_removed": ["old_status"],
}
head = ["event", "timestamp", "interface", "peer"]
bad, seen = [], set()
for line in open(sys.argv[1]):
    if not line.startswith('{"event"'):
        continue
    keys = [k for k, v in json.loads(line, object_pairs_hook=lambda p: p)]
    name = json.loads(line)["event"]
    if name in order:
        seen.add(name)
        if keys != head + order[name]:
            bad.append(line.strip())
for b in bad:
    print("#   keys out of order:", b)
sys.exit(0 if not bad and len(seen) == 4 else 1)
EOF
}
check "event keys are in the docs/DESIGN.md §5 order (raw line text)" keys_in_order
wgm_stop

# ---- A first run that fails: initial_status comes with the first good run.
wgm_script late <<EOF
#!/bin/sh
if [ ! -e "$T/late.done" ]; then
	touch "$T/late.done"
	echo "first run fails" >&2
	exit 1
fi
cat "$T/ev.json"
EOF
now=$(date +%s)
HS_A=$now HS_B= HS_I=$((now - 1000)) HS_X=$now HS_E=$now HS_S=$now
WITH_R=1 WITH_WG1=1 WITH_N=0 WITH_M=0
write_fixture
if wgm_start -s "$T/late" -i 1 -C 3 -D 6 &&
    wgm_wait_ev 15 event=collect_error && wgm_wait_log 'run done' 10; then
	wgm_wait_ev 5 -n 8 event=initial_status
	late_ok() {
		wgm_is 8 event=initial_status && wgm_is 0 event=new_peer &&
		wgm_is 0 event=initial_status peer="$KI"
	}
	check "after a failed first run, the first good run logs initial_status (not new_peer)" \
	    late_ok
	wgm_stop
else
	not_ok "after a failed first run, the first good run logs initial_status (not new_peer)"
fi

wgm_done
