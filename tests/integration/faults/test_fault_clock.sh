#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fault: the wall clock stepped an hour forward, then two hours back (to an
# hour behind), while the daemon runs (wgmond.8, "Clock steps").  Statuses
# must not flap, a peer that stops handshaking after the step back must
# still age out after -C seconds of real time, the snapshot's age in /raw
# and /healthz must stay small, and /status must give handshake ages in
# real seconds.
#
# The collector runs under libfaketime (LD_PRELOAD), its wall clock the
# real one plus the offset in $T/offset, re-read at each call; its
# monotonic clock stays real.  The frontend is re-executed with no
# environment, so libfaketime does not reach it: its wall clock stays real,
# which is what a step between the collector's stamp and the frontend's
# reading looks like, held for the whole phase instead of one run.  The
# script runs through sudo without LD_PRELOAD, so it plays the kernel
# itself: it reads the same offset and stamps a handshake it makes now
# with the stepped clock, while older handshakes keep their values.
# Every wait is bounded and waits for a state or an event.
#	bash tests/integration/faults/test_fault_clock.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Debian's faketime package puts it under the multiarch directory.
if [ -z "${FAKETIME_LIB:-}" ]; then
	for FAKETIME_LIB in /usr/lib/*/faketime/libfaketime.so.1 \
	    /usr/lib/faketime/libfaketime.so.1; do
		[ -r "$FAKETIME_LIB" ] && break
	done
fi
C=45		# -C: each band is tens of seconds wide
D=600

wgm_setup
if [ ! -r "$FAKETIME_LIB" ]; then
	echo "ok - fault_clock # SKIP no libfaketime (tools/install-deps installs faketime)"
	exit 0
fi

# Peers: R handshakes at every run, O handshook a few seconds before the
# start, G (gone quiet) long ago but within D, S handshakes at every run
# until the step back, then stops.
KR='cmVoYW5kc2hha2VzLWVhY2gtcnVuKysrKysrKysrKys='
KO='aGFuZHNob29rLTIwcy1hZ28rKysrKysrKysrKysrKys='
KG='ZGlzY29ubmVjdGVkLXBlZXIrKysrKysrKysrKysrKys='
KS='c3RvcHMtYXQtc3RlcC1iYWNrKysrKysrKysrKysrKys='

echo "+0" > "$T/offset"
now=$(date +%s)
HS_O=$((now - 5))
HS_G=$((now - 300))

wgm_script clock <<EOS
#!/usr/bin/bash
off=\$(cat "$T/offset")
now=\$(( \$(date +%s) + \${off#+} ))
if [ -e "$T/s_stop" ]; then
	hs_s=\$(cat "$T/s_hs")
else
	hs_s=\$now
	echo "\$hs_s" > "$T/s_hs"
fi
peer() {
	echo "\"\$1\": {\"latestHandshake\": \$2, \"allowedIps\": []}"
}
echo '{"wg0": {"listenPort": 51820, "peers": {'
peer "$KR" "\$now"; echo ,
peer "$KO" "$HS_O"; echo ,
peer "$KG" "$HS_G"; echo ,
peer "$KS" "\$hs_s"
echo '}}}'
EOS

# wgm_start with the collector under libfaketime.  By hand: wgm_start
# cannot give the daemon alone an environment (LD_PRELOAD).
start_faked() {
	PORT=$(wgm_free_port)
	: > "$LOG"
	env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$T/offset" \
	    FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$WGMOND" -d -v -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" "$@" \
	    >>"$LOG" 2>&1 &
	PID=$!
	# libfaketime keeps a shared memory segment and a semaphore per
	# process that loads it first, named by its pid, and leaves them at
	# SIGKILL.
	wgm_atexit "rm -f /dev/shm/faketime_shm_$PID \
	    /dev/shm/sem.faketime_sem_$PID"
	wgm_wait_log 'listening on' 10
}

# raw_status KEY: the peer's status in /raw.
raw_status() {
	wgm_curl "http://127.0.0.1:$PORT/raw" |
	    json_get "d['wg0']['peers']['$1']['status']"
}

statuses_are() {
	local r o g s
	r=$(raw_status "$KR") o=$(raw_status "$KO")
	g=$(raw_status "$KG") s=$(raw_status "$KS")
	[ "$r $o $g $s" = "$1" ] && return 0
	echo "#   /raw statuses R O G S: $r $o $g $s, expected $1"
	return 1
}

# stepped OFFSET: the collector's wall clock is the real one plus OFFSET
# seconds (within a few): libfaketime works on it.
stepped() {
	local last
	last=$(wgm_curl "http://127.0.0.1:$PORT/healthz" |
	    json_get "d['lastSuccess']")
	[[ "$last" =~ ^[0-9]+$ ]] &&
	    [ "$(( last - $(date +%s) - $1 ))" -ge -10 ] &&
	    [ "$(( last - $(date +%s) - $1 ))" -le 10 ] && return 0
	echo "#   lastSuccess $last, now $(date +%s), offset $1"
	return 1
}

no_status_change() {
	wgm_is 0 event=status_change
}

# small AGE: an age in seconds, 0 up to a few check intervals.
small() {
	[[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -le 10 ] && return 0
	echo "#   age '$1', expected 0 to 10"
	return 1
}

ages_small() {
	local a h
	a=$(wgm_curl -D - -o /dev/null "http://127.0.0.1:$PORT/raw" |
	    tr -d '\r' | sed -n 's/^X-Snapshot-Age: //ip')
	h=$(wgm_curl "http://127.0.0.1:$PORT/healthz")
	small "$a" && small "$(echo "$h" | json_get "d['snapshotAge']")" &&
	    [ "$(echo "$h" | json_get "d['status']")" = ok ] ||
	    { echo "#   /healthz: $h"; return 1; }
}

# status_age KEY: the peer's lastHandshakeSecondsAgo in /status.
status_age() {
	wgm_curl "http://127.0.0.1:$PORT/status" |
	    json_get "d['wg0']['$1']['lastHandshakeSecondsAgo']"
}

# o_age_real: /status gives O's age in real seconds, not moved by the
# step: O handshook 5 s before the start, which was T0.  Whole seconds
# on two clocks (the wall clock's handshake, the monotonic age) may make
# it one more than date(1)'s whole seconds say: seen on a loaded machine.
o_age_real() {
	local a real=$(( $(date +%s) - HS_O ))
	a=$(status_age "$KO")
	[[ "$a" =~ ^[0-9]+$ ]] && [ "$a" -le $((real + 1)) ] &&
	    [ "$a" -ge $((real - 15)) ] && return 0
	echo "#   /status age of O: '$a', real age $real"
	return 1
}

if ! start_faked -s "$T/clock" -i 1 -C "$C" -D "$D" ||
    ! wgm_wait_ev 20 event=initial_status peer="$KS"; then
	not_ok "daemon starts under libfaketime and runs the script"
	exit 1
fi
check "initial statuses" statuses_are "connected connected disconnected connected"

# ---- a) An hour forward.
echo "+3600" > "$T/offset"
if ! wgm_wait_runs 30 4; then
	not_ok "runs go on after the step forward"
	exit 1
fi
check "forward: the collector's clock is an hour ahead" stepped 3600
check "forward: no status_change" no_status_change
check "forward: statuses kept" \
    statuses_are "connected connected disconnected connected"
check "forward: snapshot age small in /raw and /healthz" ages_small
check "forward: /status gives O's handshake age in real seconds" o_age_real

# ---- b) Two hours back, to an hour behind; S stops handshaking.
touch "$T/s_stop"
echo "-3600" > "$T/offset"
t_back=$(date +%s)
wgm_wait_runs 30 4
check "back: the collector's clock is an hour behind" stepped -3600
check "back: no status_change while no age crossed -C" no_status_change
check "back: snapshot age small in /raw and /healthz" ages_small
check "back: /status gives O's handshake age in real seconds" o_age_real
if wgm_wait_ev $((C + 75)) event=status_change peer="$KS" \
    new_status=disconnected old_status=connected; then
	ok "back: a peer that stopped is disconnected after -C of real time"
	echo "# S disconnected $(( $(date +%s) - t_back )) s after the step back (-C $C)"
else
	not_ok "back: a peer that stopped is disconnected after -C of real time"
fi
check "back: R never changed" \
    wgm_is 0 event=status_change peer="$KR"
check "back: G never changed" wgm_is 0 event=status_change peer="$KG"
check "back: snapshot age still small" ages_small

wgm_stop
wgm_done
