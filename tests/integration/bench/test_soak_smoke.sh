#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The soak still runs and still catches a lost event: bench/soak for 40
# seconds (runs 10, 20 and 30 fail by timeout, garbage and exit status),
# its report says PASS with every kind of event expected and logged alike;
# then bench/soak_report.py, run again on copies of that run's files, says
# FAIL when the record holds one change more than the script emitted, and
# when one event line is missing from the log.
#
# The soak's daemon is built without sanitizers, or RSS would be ASan's:
# build/nosan/wgmond when make soak left it up to date, else a build in
# the test's temporary directory (the checkout is left as it was).

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Not wgm_setup: bench/soak starts its own daemon, from its own build.
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - soak smoke # SKIP needs root"
	exit 0
fi
wgm_tmpdir
cd "$TOP" || exit 1

BIN=build/nosan/wgmond
if ! make -q --no-print-directory B=build/nosan SANITIZE=0 "$BIN" \
    2>/dev/null; then
	BIN=$T/nosan/wgmond
	if ! make --no-print-directory B="$T/nosan" SANITIZE=0 "$BIN" \
	    > "$T/build.log" 2>&1; then
		not_ok "soak smoke: the daemon builds without sanitizers"
		tail -n 15 "$T/build.log" | sed 's/^/#   /'
		exit 1
	fi
fi

# git describe --dirty would rewrite a user's index as root.
out=$(SOAK_SECONDS=40 SOAK_OUT="$T/out" SOAK_WGMOND="$BIN" GIT_DIR=/dev/null \
    timeout 300 bench/soak 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$(tail -n 1 <<<"$out")" = PASS ] &&
    grep -q '^# wgmond soak: PASS' "$T/out/REPORT.md"; then
	ok "soak smoke: 40 s, PASS"
else
	not_ok "soak smoke: 40 s, PASS (exit $rc)"
	sed 's/^/#   /' <<<"$out" | tail -n 20
fi

# report_events FILE: "kind expected logged" per row of the events table.
report_events() {
	sed -n 's/^| \([a-z_]*\) | \([0-9]*\) | \([0-9]*\) |$/\1 \2 \3/p' "$1"
}

events_match() {
	local kind want got n=0 bad=0
	while read -r kind want got; do
		n=$((n + 1))
		[ "$want" = "$got" ] || bad=1
		case $kind in
		status_change|new_peer|peer_removed|collect_recovered)
			[ "$want" -gt 0 ] || bad=1 ;;
		collect_error)
			[ "$want" -ge 3 ] || bad=1 ;;
		esac
	done < <(report_events "$T/out/REPORT.md")
	[ "$n" -eq 7 ] && [ "$bad" -eq 0 ]
}
check "soak smoke: events expected and logged alike, every kind seen" \
    events_match

# refail NAME: the report on $T/NAME says FAIL, for the events only.
refail() {
	local o
	o=$(python3 bench/soak_report.py "$T/$1")
	[ "$(tail -n 1 <<<"$o")" = FAIL ] &&
	    grep -q '^FAIL: no event lost or extra' <<<"$o"
}

# One peer more in a good run than the script printed: a new_peer and a
# peer_removed the daemon could not log.
cp -r "$T/out" "$T/extra"
awk '/^ok / && !done { $0 = $0 " wg0:c29hay1leHRyYS4uLi4uLi4uLi4uLi4uLi4uLi4uLi4=:connected"; done = 1 } { print }' \
    "$T/out/record" > "$T/extra/record"
check "soak smoke: a record with one change more fails" refail extra

cp -r "$T/out" "$T/lost"
awk '/^\{"event":"status_change"/ && !done { done = 1; next } { print }' \
    "$T/out/daemon.log" > "$T/lost/daemon.log"
check "soak smoke: a log with one event less fails" refail lost

wgm_done
