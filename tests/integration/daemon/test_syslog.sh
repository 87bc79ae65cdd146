#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of docs/DESIGN.md §5 and §7 without -d: events go to a real
# syslog daemon and survive its restart.  The chrooted, sandboxed frontend
# cannot open /dev/log: the collector hands it a connected socket
# (IMSG_LOG_SOCKET) and a new one whenever sending fails; the frontend
# queues up to 1024 lines meanwhile and logs how many it dropped.  The
# collector logs its own lines with syslog(3).
#
# The test runs rsyslogd (Debian's rsyslog package) in a private mount
# namespace, so that its /dev/log is the test's own: the script re-executes
# itself under `unshare --mount --propagation private`, then mounts an
# overlayfs on /dev whose lower layer is the real /dev and whose upper
# layer is a directory in the test's temporary directory.  Device nodes
# (/dev/null, /dev/urandom...) stay reachable through the lower layer;
# /dev/log is created, and removed, in the upper layer only.  The mount is
# private to the namespace, which ends with this script: the machine's /dev
# and its own logging are never touched.  (A tmpfs on /dev would need every
# device node bound back; a bind of /dev itself inside the temporary
# directory would let the final `rm -rf` reach the real /dev.)
#
# rsyslogd runs in the foreground with its own configuration, pid file and
# output file per instance; the daemon is started without -d, so it
# detaches, and is found by its unique listening port.
# Prints one `ok - NAME` / `not ok - NAME` line per case.  Run from anywhere:
#	bash tests/integration/daemon/test_syslog.sh

set -u

skip() {
	echo "ok - syslog # SKIP $1"
	exit 0
}

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

if [ -z "${WGM_MOUNT_NS:-}" ]; then
	command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] ||
	    skip "rsyslogd is not installed (Debian: apt-get install rsyslog)"
	# How the machine's /dev/log looks now, to compare with at the end.
	WGM_HOST_DEVLOG=$(stat -c '%F %i' /dev/log 2>/dev/null || echo none)
	export WGM_HOST_DEVLOG
fi
wgm_mount_ns syslog "$@"
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)

wgm_setup

RS_PID=
RS_N=0
FPID=

# The daemon ended first (SIGTERM, 5 s), then rsyslogd; SIGKILL for what
# is left, then the temporary directory.
syslog_cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		wgm_wait_gone "$PID" 5
	fi
	wgm_end "$RS_PID"
	wgm_dev_unmount
}

wgm_atexit syslog_cleanup

wgm_private_dev || skip "cannot mount an overlayfs on /dev"

# rs_start: a new rsyslogd, writing to $T/syslog.N; LOG names that file.
# Each line is "facility.severity RAWMSG", the message as it came.
rs_start() {
	local i
	RS_N=$((RS_N + 1))
	LOG=$T/syslog.$RS_N
	cat > "$T/rsyslog.$RS_N.conf" <<-EOF
	global(workDirectory="$T/rsyslog.work")
	module(load="imuxsock" sysSock.use="on" sysSock.name="/dev/log"
	    sysSock.unlink="on" sysSock.rateLimit.interval="0")
	template(name="wgmraw" type="string"
	    string="%syslogfacility-text%.%syslogseverity-text% %rawmsg%\n")
	*.* action(type="omfile" file="$LOG" template="wgmraw")
	EOF
	mkdir -p "$T/rsyslog.work"
	"$RSYSLOGD" -n -f "$T/rsyslog.$RS_N.conf" -i "$T/rsyslog.$RS_N.pid" \
	    > "$T/rsyslog.$RS_N.err" 2>&1 &
	RS_PID=$!
	wgm_wait 10 rs_ready && return 0
	sed 's/^/#   rsyslogd: /' "$T/rsyslog.$RS_N.err"
	return 1
}

rs_ready() {
	[ -S /dev/log ] && grep -qs 'rsyslogd.*start' "$LOG"
}

rs_stop() {
	kill -TERM "$RS_PID"
	wait "$RS_PID"
	RS_PID=
	wgm_wait 5 test ! -S /dev/log
}

# The runs, counted by the script itself: the collector's "run done"
# lines are lost while syslog is down.
runs() {
	[ -f "$T/runs" ] && wc -l < "$T/runs" || echo 0
}

wait_runs() {
	wgm_wait 20 runs_reached $(( $(runs) + $1 ))
}

runs_reached() {
	[ "$(runs)" -ge "$1" ]
}

# fixture NAME...: the document with these peers on wg0.  A peer's key is
# its name, padded, in base64; "conn*" peers are connected, "disc*"
# disconnected, the others have never connected.
fixture() {
	python3 - "$@" <<-'EOF'
	import base64, json, sys, time
	now = int(time.time())
	peers = {}
	for name in sys.argv[1:]:
	    key = base64.b64encode(name.ljust(32, ".").encode()).decode()
	    p = {"allowedIps": ["10.0.0.1/32"]}
	    if name.startswith("conn"):
	        p.update(latestHandshake=now, endpoint="192.0.2.1:51820")
	    elif name.startswith("disc"):
	        p.update(latestHandshake=now - 500, endpoint="192.0.2.2:51820")
	    peers[key] = p
	json.dump({"wg0": {"listenPort": 51820, "peers": peers}}, sys.stdout)
	EOF
}

key() {
	printf '%s' "$1" | python3 -c 'import base64, sys; print(base64.b64encode(sys.stdin.read().ljust(32, ".").encode()).decode())'
}

# events FILE NAME: the JSON of the events of that name in an rsyslog file.
events() {
	grep -o "{\"event\":\"$2\".*" "$1"
}

# has_event FILE NAME PEER: one line of that event for that peer name.
has_event() {
	[ "$(events "$1" "$2" | grep -cF "\"peer\":\"$(key "$3")\"")" -eq 1 ]
}

# wait_event NAME PEER: until it is in the current file ($LOG).
wait_event() {
	wgm_wait 15 has_event "$LOG" "$1" "$2"
}

# Both processes alive, the frontend the one that started.
alive() {
	! wgm_gone "$PID" && [ -n "$FPID" ] && ! wgm_gone "$FPID" &&
	    [ "$(wgm_frontend_pid)" = "$FPID" ]
}

# from_frontend FILE: the file's lines tagged with the frontend's pid.
from_frontend() {
	grep -F " wgmond[$FPID]: " "$1"
}

cat > "$T/fix" <<EOF
#!/bin/sh
echo run >> "$T/runs"
cat "$T/fix.json"
EOF
chmod 0755 "$T/fix"
fixture connA discB never0 | wgm_json fix.json

# ---- rsyslogd and the daemon, detached.
check "rsyslogd starts in the namespace with its own /dev/log" rs_start
# The machine's /dev/log, seen from pid 1's mount namespace.
host_devlog_ok() {
	test "$(stat -c '%F %i' /proc/1/root/dev/log 2>/dev/null || echo none)" = \
	    "${WGM_HOST_DEVLOG:-none}"
}
check "the machine's /dev/log is untouched by the namespace's rsyslogd" \
    host_devlog_ok

PORT=$(wgm_free_port)
"$WGMOND" -v -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" -s "$T/fix" \
    -i 1 -C 100 -D 1000 > "$T/start.out" 2>&1
rc=$?
both_found() {
	PID=$(pgrep -f -- "-l 127.0.0.1:$PORT" | head -n 1)
	[ -n "$PID" ] && FPID=$(wgm_frontend_pid)
	[ -n "$FPID" ]
}
wgm_wait 5 both_found
check "wgmond without -d detaches: the command exits 0, collector and frontend run" \
    test "$rc" = 0 -a -n "$PID" -a -n "$FPID"
[ -n "$FPID" ] || exit 1

wgm_wait_log '"event":"initial_status"' 15 3
initial_ok() {
	local p
	for p in connA discB never0; do
		has_event "$LOG" initial_status "$p" || return 1
	done
	# ident wgmond, facility daemon, LOG_INFO, sent by the frontend.
	[ "$(from_frontend "$LOG" | grep -c '^daemon\.info .*{"event":"initial_status"')" = 3 ]
}
check "the 3 initial_status events reach syslog, from the frontend, daemon.info" \
    initial_ok
check "the frontend's listening line reaches syslog" \
    grep -qF "wgmond[$FPID]: listening on 127.0.0.1:$PORT" "$LOG"
check "the collector's own lines reach syslog through syslog(3)" \
    wgm_wait_log "wgmond\\[$PID\\]: collector started" 5
check "the collector's debug lines (-v without -d) reach syslog" \
    wgm_wait_log "wgmond\\[$PID\\]: run done" 5

# ---- Restart: the frontend's socket now leads nowhere; its next line
# fails and it asks for a new one.
ino1=$(stat -c %i /dev/log)
check "rsyslogd stops and removes /dev/log" rs_stop
check "rsyslogd starts again with a new /dev/log" rs_start
check "the new /dev/log is a new socket" test "$(stat -c %i /dev/log)" != "$ino1"
fixture connA discB never0 new1 | wgm_json fix.json
check "after the restart, new_peer reaches the new syslog" \
    wait_event new_peer new1
check "after the restart, the collector's lines reach the new syslog" \
    wgm_wait_log "wgmond\\[$PID\\]: run done" 10
check "collector and frontend alive after the restart" alive

# ---- Down: events made while no syslog runs are queued, then sent.
check "rsyslogd stops again" rs_stop
fixture discB never0 new1 new2 | wgm_json fix.json
check "the daemon runs the script 3 times while syslog is down" wait_runs 3
check "collector and frontend alive while syslog is down" alive
t_restart=$(date +%s)
check "rsyslogd starts for the third time" rs_start
check "new_peer made while syslog was down arrives after the restart" \
    wait_event new_peer new2
check "peer_removed made while syslog was down arrives after the restart" \
    wait_event peer_removed connA
made_before_restart() {
	events "$LOG" '[a-z_]*' | python3 -c '
import json, sys
t = [json.loads(l)["timestamp"] for l in sys.stdin
     if json.loads(l)["event"] in ("new_peer", "peer_removed")]
sys.exit(0 if len(t) == 2 and max(t) <= int(sys.argv[1]) else 1)' "$t_restart"
}
check "those 2 events carry times from before the restart" made_before_restart
check "nothing was dropped for them" \
    test -z "$(grep -F 'log lines dropped' "$LOG")"
check "collector and frontend alive after the second restart" alive

# ---- Overflow: 1100 events while syslog is down, 1024 kept; the count of
# the others is logged.  Every event arrives or is counted.
check "rsyslogd stops a third time" rs_stop
many=$(seq -f 'bulk%04g' 0 1099)
# shellcheck disable=SC2086
fixture discB never0 new1 new2 $many | wgm_json fix.json
check "the daemon runs the script 3 times while syslog is down (1100 new peers)" \
    wait_runs 3
check "collector and frontend alive with 1100 lines waiting" alive
check "rsyslogd starts for the fourth time" rs_start
# received + dropped == 1100, each bulk peer at most once.
accounted() {
	local d n u
	d=$(sed -n 's/.*wgmond\[[0-9]*\]: \([0-9]*\) log lines dropped while syslog was unavailable.*/\1/p' "$LOG" | head -n 1)
	n=$(events "$LOG" new_peer | grep -c .)
	u=$(events "$LOG" new_peer | sort -u | grep -c .)
	echo "# overflow: ${n} new_peer received, ${d:-no} dropped count"
	[ -n "$d" ] && [ "$n" = "$u" ] && [ $((n + d)) -eq 1100 ]
}
acc_wait() {
	wgm_wait 15 accounted > /dev/null
	accounted
}
check "1100 events while syslog was down: each arrived or is in the dropped count" \
    acc_wait
check "the dropped count comes from the frontend, daemon.warning" \
    test -n "$(from_frontend "$LOG" | grep '^daemon\.warning .*log lines dropped')"
check "collector and frontend alive after the overflow" alive

# ---- No event lost across the whole run: each expected one is in a file.
all_accounted() {
	local f=$T/syslog.1 g=$T/syslog.2 h=$T/syslog.3
	has_event "$f" initial_status connA && has_event "$f" initial_status discB &&
	    has_event "$f" initial_status never0 && has_event "$g" new_peer new1 &&
	    has_event "$h" new_peer new2 && has_event "$h" peer_removed connA &&
	    [ "$(cat "$T"/syslog.* | grep -c '{"event"')" -eq \
	    "$((3 + 1 + 2 + $(events "$LOG" new_peer | grep -c .)))" ]
}
check "every event made is in syslog exactly once (the dropped ones counted)" \
    all_accounted
check "no fatal or frontend-terminated line in any syslog file" \
    test -z "$(grep -h -e 'fatal in' -e 'frontend terminated' "$T"/syslog.*)"

# ---- SIGTERM to the collector stops both.
kill -TERM "$PID"
stopped() {
	wgm_wait_gone "$PID" 10 && wgm_wait_gone "$FPID" 10
}
check "SIGTERM to the collector ends collector and frontend" stopped
cpid=$PID
PID=
check "the collector's terminating line reaches syslog" \
    wgm_wait_log "wgmond\\[$cpid\\]: terminating" 5
rs_stop
check "the machine's /dev/log is still untouched after 4 rsyslogd runs" \
    host_devlog_ok

wgm_done
