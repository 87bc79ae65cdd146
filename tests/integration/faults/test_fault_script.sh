#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The script replaced while a run is in progress (wgmond(8), FAULTS).
# Moved over by rename, the run in progress goes on with the file it
# opened and the next run is the new one's.  Rewritten in place, the run
# in progress reads the rest from the new content, as bash reads a script
# as it goes.  Either way no run is lost and the daemon goes on.  A
# replacement that others may write is refused at the next run.
#	bash tests/integration/faults/test_fault_script.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

# version V: the script printing peer pV after 4 s; every version is the
# same length, so that only the letter differs.
version() {
	cat <<-EOF
	#!/bin/sh
	echo started >> "$T/started"
	sleep 4
	echo $1 >> "$T/printed"
	cat "$T/$1.json"
	EOF
}

for v in A B C; do
	key=$(printf 'p%s' "$v" | python3 -c 'import base64, sys; print(base64.b64encode(sys.stdin.read().ljust(32, ".").encode()).decode())')
	printf '{"wg0": {"listenPort": 51820, "peers": {"%s": {"latestHandshake": 4000000000, "allowedIps": ["10.0.0.1/32"]}}}}\n' \
	    "$key" > "$T/$v.json"
	eval "KEY_$v=\$key"
done

started() {
	[ -f "$T/started" ] && wc -l < "$T/started" || echo 0
}

# started_at_least N: the script has started N times.
started_at_least() {
	[ "$(started)" -ge "$1" ]
}

# printed N: what run N printed (A, B...).
printed() {
	sed -n "${1}p" "$T/printed" 2>/dev/null
}

has_printed() {
	[ -n "$(printed "$1")" ]
}

version A > "$T/script.new"
chmod 0755 "$T/script.new"
mv "$T/script.new" "$T/script"
wgm_start -s "$T/script" -i 1 -t 10 || { not_ok "the daemon starts"; exit 1; }
wgm_wait_log '^run done' 20 || not_ok "the first run is done"

# --- By rename, during run 2's sleep.
wgm_wait 20 started_at_least 2
version B > "$T/script.new"
chmod 0755 "$T/script.new"
mv "$T/script.new" "$T/script"
wgm_wait 20 has_printed 3
check "replaced by rename: the run in progress is the old script's" \
    test "$(printed 2)" = A
check "the next run is the new script's" test "$(printed 3)" = B
check "its changes are logged: new_peer for the new one's peer" \
    wgm_wait_log "\"event\":\"new_peer\".*\"peer\":\"$KEY_B\"" 10

# --- In place, in one write, during a run's sleep.
n=$(( $(started) + 1 ))
wgm_wait 20 started_at_least "$n"
version C 1<> "$T/script"
wgm_wait 20 has_printed $((n + 1))
check "rewritten in place: the run in progress reads the rest from the new content" \
    test "$(printed "$n")" = C
check "and the next run is the new one's" test "$(printed $((n + 1)))" = C
check "its changes are logged" \
    wgm_wait_log "\"event\":\"new_peer\".*\"peer\":\"$KEY_C\"" 10
check "no run failed meanwhile" test "$(grep -c collect_error "$LOG")" = 0

# --- An unsafe replacement: world-writable, by rename, during a run.
n=$(( $(started) + 1 ))
wgm_wait 20 started_at_least "$n"
version A > "$T/script.new"
chmod 0757 "$T/script.new"
mv "$T/script.new" "$T/script"
check "unsafe replacement: the next run is refused, collect_error \"unsafe\"" \
    wgm_wait_log '"event":"collect_error".*"error":"unsafe".*writable' 20
check "and that run did not start the script" \
    test "$(started)" = "$n"
check "the run in progress still ended as it was" \
    test "$(printed "$n")" = C
chmod 0755 "$T/script"
check "made safe again, the next run succeeds" \
    wgm_wait_log '"event":"collect_recovered"' 10
check "the daemon still runs" kill -0 "$PID"
wgm_stop
check "SIGTERM: exit 0" test $? -eq 0

wgm_done
