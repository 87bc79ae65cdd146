#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A run reaches the frontend as a delta and is rendered only when a client
# asks: runs nobody asks about render nothing (with -v the frontend logs
# the peers it renders, "N of M peers rendered"); after a run that
# changed one peer, the next request renders that peer alone, and the body
# equals what a fresh daemon serves of the same document.  The peers are
# rendered once a run, by the first body asked for: the other two use
# the same parts.  Only the parts of the bodies asked for are made: a
# body asked for the first time renders every peer again, with its parts.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup

# doc RX: 300 peers; peer 7's transferRx is RX, the others' 5.
doc() {
	python3 - "$NOW" "$1" <<'PY' | wgm_json wg-json.json
import json, sys
now, rx = int(sys.argv[1]), int(sys.argv[2])
peers = {("K%040d=" % i): {"endpoint": "10.0.0.%d:51820" % (i % 250),
    "latestHandshake": now - 30, "transferRx": rx if i == 7 else 5,
    "allowedIps": ["10.1.0.%d/32" % (i % 250)]} for i in range(300)}
print(json.dumps({"wg0": {"publicKey": "PUB", "listenPort": 51820,
    "peers": peers}}))
PY
}

rendered() {
	wgm_count "peers rendered"
}

raw_has() {
	wgm_get /raw && grep -q "\"transferRx\":$1," "$T/body"
}

NOW=$(date +%s)
doc 100
wgm_script_cat wg-json
wgm_start -s "$T/wg-json" -i 1 -C 3600 -D 7200 || not_ok "daemon starts"
wgm_wait 10 raw_has 100 || not_ok "/raw served"
check "the first request rendered all 300 peers" \
    grep -q "300 of 300 peers rendered" "$LOG"
check "and only that: /raw asked again renders nothing" \
    eval 'wgm_get /raw && [ "$(rendered)" -eq 1 ]'
wgm_get /status "$T/status-first"
check "/status, never asked for, renders the 300 peers again, with its parts" \
    test "$(rendered)" -eq 2
wgm_curl -o "$T/metrics-first" "$URL/metrics"
check "/metrics too, once" \
    eval 'wgm_get /status && [ "$(rendered)" -eq 3 ]'

n=$(rendered)
wgm_wait_runs 20 3
check "runs that no client asks about render nothing" \
    test "$(rendered)" -eq "$n"

doc 200
wgm_wait 10 raw_has 200 || not_ok "/raw shows the changed peer"
check "after one peer changed, /raw renders it alone" \
    test "$(grep "peers rendered" "$LOG" | tail -n 1 |
        grep -c "1 of 300 peers rendered")" -eq 1
cp "$T/body" "$T/raw-delta"
n=$(rendered)
wgm_get /status "$T/status-delta"
wgm_curl -o "$T/metrics-delta" "$URL/metrics"
check "the three bodies of a run render its changed peer once" \
    test "$(rendered)" -eq "$n"
wgm_stop

# The same document, now the first a fresh daemon reads.
wgm_start -s "$T/wg-json" -i 3600 -C 3600 -D 7200 || not_ok "daemon restarts"
wgm_wait 10 raw_has 200 || not_ok "fresh /raw served"
check "/raw after the delta equals a fresh daemon's" \
    cmp -s "$T/raw-delta" "$T/body"
wgm_get /status "$T/status-fresh"
# The handshakes' ages differ by the seconds between the two daemons.
ages() {
	sed 's/"lastHandshakeSecondsAgo":[0-9]*//g' "$1"
}
check "/status after the delta equals a fresh daemon's, ages aside" \
    cmp -s <(ages "$T/status-delta") <(ages "$T/status-fresh")
wgm_curl -o "$T/metrics-fresh" "$URL/metrics"
check "/metrics' peer series after the delta equal a fresh daemon's" \
    cmp -s <(grep '^wireguard_' "$T/metrics-delta") \
    <(grep '^wireguard_' "$T/metrics-fresh")
# One run (-i 3600), its three bodies asked for, each a first time.
check "a fresh daemon renders its peers once for each body asked for" \
    test "$(rendered)" -eq 3
wgm_stop
wgm_done
