#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of peer names (docs/DESIGN.md §9): the daemon runs with -N on
# a plain names file and a WireGuard configuration, and a script that prints
# a fixture.  The names must show in /raw, /status and every event about a
# peer, right after its key, and come back exactly when the JSON is parsed,
# a hostile one too; a bad line is named file:line; a rewritten file shows
# in the next run; SIGHUP reads the files again; a file that cannot be read
# stops the start with exit 1, and later only warns, keeping the names.
# Prints one `ok - NAME` / `not ok - NAME` line per case.  Run from anywhere:
#	bash tests/integration/daemon/test_names.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

KA='xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
KB='TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0='
KC='HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw='
# Quotes, a backslash and markup: escaped wherever it is printed.
HOSTILE='Eve "the <script>alert(1)</script>" \ o'"'"'clock'

write_fixture() {
	now=$(date +%s)
	wgm_json fx.json <<-EOF
	{"wg0": {"listenPort": 51820, "peers": {
	  "$KA": {"latestHandshake": $now, "allowedIps": ["10.0.0.2/32"]},
	  "$KB": {"allowedIps": ["10.0.0.3/32"]},
	  "$KC": {"latestHandshake": $now, "allowedIps": ["10.0.0.4/32"]}}}}
	EOF
}

# put FILE: stdin becomes FILE, replaced whole, as a deployment would.
put() {
	cat > "$1.tmp" && mv "$1.tmp" "$1"
}

PLAIN=$T/peers.txt
WGCONF=$T/wg0.conf
printf '%s\n' "# key name" "$KA $HOSTILE" "not-a-key Mallory" | put "$PLAIN"
put "$WGCONF" <<EOF
[Interface]
PrivateKey = cHJpdmF0ZWtleXByaXZhdGVrZXlwcml2YXRla2V5eHg=
ListenPort = 51820

[Peer]
# friendly_name = Bob's phone
PublicKey = $KB
AllowedIPs = 10.0.0.3/32
EOF

wgm_script_cat fx
write_fixture

# get PATH: the body of PATH in $T/body, once it is served.
get() {
	wgm_wait 5 wgm_get "$1"
}

# name_in PATH KEY: the name the peer KEY of wg0 has in PATH, or None.
name_in() {
	get "$1" && json_get "d['wg0']$2.get('$3', {}).get('name')" < "$T/body"
}

if ! wgm_start -s "$T/fx" -i 1 -N "$PLAIN" -N "$WGCONF" ||
    ! wgm_wait_log 'run done' 10; then
	not_ok "daemon starts with two names files"
	exit 1
fi
ok "daemon starts with two names files"

check "/raw: a hostile name comes back exactly from the JSON" \
    test "$(name_in /raw "['peers']" "$KA")" = "$HOSTILE"
check "/status: a hostile name comes back exactly from the JSON" \
    test "$(name_in /status "" "$KA")" = "$HOSTILE"
check "/raw: a friendly_name of a WireGuard configuration names its peer" \
    test "$(name_in /raw "['peers']" "$KB")" = "Bob's phone"
check "/status: a friendly_name of a WireGuard configuration names its peer" \
    test "$(name_in /status "" "$KB")" = "Bob's phone"
check "/raw: a peer without a name has no name member" \
    test "$(name_in /raw "['peers']" "$KC")" = None
# The markup is there as text, inside a JSON string, not as a tag.
check "/raw: the quotes and backslash are escaped in the body" \
    grep -qF '"name":"Eve \"the <script>alert(1)</script>\" \\ o'"'"'clock"' \
    "$T/body"

# event_name KEY: the names of the initial_status events of KEY, and
# whether "name" came right after "peer" in each.
event_name() {
	python3 - "$LOG" "$1" <<-'PY'
	import json, sys
	for line in open(sys.argv[1], errors="replace"):
	    if not line.startswith('{"event":"initial_status"'):
	        continue
	    e = json.loads(line)
	    if e["peer"] != sys.argv[2]:
	        continue
	    keys = list(e)
	    after = "name" in e and keys.index("name") == keys.index("peer") + 1
	    print(e.get("name"), after)
	PY
}
check "events: the name right after the key, exactly" \
    test "$(event_name "$KA")" = "$HOSTILE True"
check "events: the WireGuard configuration's name too" \
    test "$(event_name "$KB")" = "Bob's phone True"
check "events: no name member for a peer without one" \
    test "$(event_name "$KC")" = "None False"

check "a bad line is skipped with a warning naming file:line" \
    grep -qF "$PLAIN:3: not a WireGuard public key; line skipped" "$LOG"
check "the files are absolute in the log" \
    grep -qF "names from $WGCONF: 1" "$LOG"

# ---- A rewritten file shows in the next run, and its new peer's event too.
printf '%s\n' "$KA Alice" "$KC Carol" | put "$PLAIN"
carol() {
	[ "$(name_in /raw "['peers']" "$KC")" = Carol ]
}
wgm_wait 10 carol
check "a rewritten names file shows in the next run (/raw)" \
    test "$(name_in /raw "['peers']" "$KC")" = Carol
check "a rewritten names file shows in the next run (/status)" \
    test "$(name_in /status "" "$KA")" = Alice
check "the rewritten file was read once, not before every run" \
    test "$(grep -cF "names from $PLAIN: 2" "$LOG")" = 1

# A peer that appears later: its new_peer event carries its name.
KD='ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ='
printf '%s\n' "$KA Alice" "$KC Carol" "$KD Dave" | put "$PLAIN"
sed -i "s|\"$KC\"|\"$KD\": {\"allowedIps\": []}, \"$KC\"|" "$T/fx.json"
NEW_PEER='^\{"event":"new_peer","timestamp":[0-9]+,"interface":"wg0",'
check "new_peer carries the name after the key" \
    wgm_wait_log "$NEW_PEER\"peer\":\"$KD\",\"name\":\"Dave\"," 10

# ---- A file gone later: a warning, once, and the names stay.
rm "$PLAIN"
wgm_wait_log "names file $PLAIN: No such file or directory; its previous" 10
runs=$(wgm_runs)
wgm_wait_log 'run done' 10 $((runs + 2))
check "a names file gone later: one warning, not one per run" \
    test "$(grep -cF "names file $PLAIN: No such" "$LOG")" = 1
check "a names file gone later: its names stay" \
    test "$(name_in /raw "['peers']" "$KC")" = Carol
wgm_stop

# ---- SIGHUP: read again, even with no run to notice the change.
printf '%s\n' "$KA One" | put "$PLAIN"
if ! wgm_start -s "$T/fx" -i 3600 -N "$PLAIN" ||
    ! wgm_wait_log 'run done' 10; then
	not_ok "daemon starts with -i 3600"
	exit 1
fi
printf '%s\n' "$KA One" "$KB Two" "bad" | put "$PLAIN"
kill -HUP "$PID"
check "SIGHUP reads the names files again" \
    wgm_wait_log "names from $PLAIN: 2" 10
check "SIGHUP: the bad line of the new file is named" \
    grep -qF "$PLAIN:3: not a WireGuard public key" "$LOG"
check "SIGHUP: the daemon keeps running" kill -0 "$PID"
wgm_stop

# ---- At start, a file that cannot be read is an error: exit 1.
# refused NAME PATTERN ARGS...: exit 1 with PATTERN on stderr.
refused() {
	local name=$1 pat=$2 rc
	shift 2
	timeout -s KILL 10 "$WGMOND" -d -u nobody -r "$CHROOT" \
	    -l "127.0.0.1:$(wgm_free_port)" -s "$T/fx" "$@" \
	    > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF -- "$pat" "$T/err"; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   exit status $rc: $(cat "$T/out" "$T/err")"
	fi
}
refused "start: a missing names file exits 1 naming it" \
    "names file $T/missing: No such file or directory" -N "$T/missing"
refused "-n: a missing names file exits 1 naming it" \
    "names file $T/missing: No such file or directory" -n -N "$PLAIN" \
    -N "$T/missing"
refused "start: a directory as names file exits 1" \
    "names file $T: not a regular file" -N "$T"
WIREGUARD_MONITOR_PEER_NAMES="$PLAIN:$T/missing" refused \
    "start: a missing file in WIREGUARD_MONITOR_PEER_NAMES exits 1" \
    "names file $T/missing: No such file or directory"

wgm_done
