#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of docs/DESIGN.md §5 at every size: each event line reaches
# stderr (-d) and syslog whole and valid JSON; past the limit its allowed
# IPs are cut between entries and marked "allowedIpsTruncated":true.
# Two fixtures: big.json has a peer with 700 allowed IPs (about 11 KiB of
# JSON) and one with 3; all.json adds a peer whose 200 allowed IPs are 47
# bytes of control characters, quotes and backslashes each (six times as
# long escaped), on wg0 and again on an interface whose 63-byte name is
# made of the same.  The daemon must stay up through several runs and
# serve them all in /raw.
#
# The syslog part runs a real rsyslogd with its default message size
# (8096 bytes: it cuts longer datagrams there) in a private mount
# namespace, as tests/integration/daemon/test_syslog.sh does: the script
# re-executes itself under `unshare --mount --propagation private`, then
# mounts an overlayfs on /dev (lower layer the real /dev, upper layer in
# the test's directory), so that /dev/log is the test's own and the
# machine's is never touched.  Without root, rsyslogd or unshare that part
# is skipped; the stderr part still runs.
# Prints one `ok - NAME` / `not ok - NAME` line per case.  Run from anywhere:
#	bash tests/integration/daemon/test_event_lines.sh

set -u

if [ -z "${WGM_EVL_NS:-}" ]; then
	WGM_EVL_NS=none
	if [ "$(id -u)" -eq 0 ] &&
	    { command -v rsyslogd || [ -x /usr/sbin/rsyslogd ]; } \
	    >/dev/null 2>&1 &&
	    unshare --mount --propagation private true 2>/dev/null; then
		WGM_EVL_NS=1 exec unshare --mount --propagation private \
		    bash "${BASH_SOURCE[0]}" "$@"
	fi
fi

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

DEV_MOUNTED=
RS_PID=

unmount_dev() {
	if [ -n "$DEV_MOUNTED" ]; then
		umount -l /dev/pts 2>/dev/null
		umount -l /dev/shm 2>/dev/null
		# Never remove an upper layer still in use.
		umount -l /dev || T=
	fi
}

wgm_setup
wgm_atexit unmount_dev
wgm_atexit 'wgm_end "$RS_PID"'

python3 - "$T/big.json" "$T/all.json" <<'EOF'
import base64, json, sys, time
now = int(time.time())
def key(name):
    return base64.b64encode(name.ljust(32, ".").encode()).decode()
odd = [chr(c) for c in range(1, 32)] + ['"', "\\"]
def oddstr(i, n):
    return "".join(odd[(i + j) % len(odd)] for j in range(n))
def peer(aips):
    return {"endpoint": "192.0.2.1:51820", "latestHandshake": now,
            "transferRx": 1, "transferTx": 2, "allowedIps": aips}
wg0 = {key("many"): peer(["10.%d.%d.%d/32" % (i >> 16, (i >> 8) & 255,
                          i & 255) for i in range(1, 701)]),
       key("few"): peer(["10.9.0.1/32", "fd00:9::1/128", "10.9.1.0/24"])}
json.dump({"wg0": {"listenPort": 51820, "peers": wg0}},
          open(sys.argv[1], "w"))
wg0[key("odd")] = peer([oddstr(i, 47) for i in range(200)])
json.dump({"wg0": {"listenPort": 51820, "peers": wg0},
           oddstr(5, 63): {"listenPort": 51821, "peers": {
               key("oddif"): peer([oddstr(i, 47) for i in range(100, 300)])}}},
          open(sys.argv[2], "w"))
EOF
wgm_script_cat ev

# lines_ok FILE PREFIX: every line of FILE that holds an event is PREFIX
# then one JSON object, whole; each peer of the fixture ($T/ev.json) has
# its initial_status, with its whole list, unmarked, or with a marked
# prefix of it made of whole entries; only the 3-IP list is whole.
# Prints the longest event's size.
lines_ok() {
	python3 - "$1" "$2" "$T/ev.json" <<'EOF'
import json, re, sys
path, prefix, doc = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
lists = {k: p["allowedIps"] for i in doc.values()
         for k, p in i["peers"].items()}
events, longest = [], 0
for raw in open(path, "rb"):
    line = raw.rstrip(b"\n").decode("utf-8")
    if '"event"' not in line:
        continue
    m = re.match(prefix, line)
    if m is None or not line[m.end():].startswith('{"event":'):
        sys.exit("# not an event line: %.120r" % line)
    text = line[m.end():]
    try:
        events.append(json.loads(text))
    except ValueError as e:
        sys.exit("# not JSON (%s, %d bytes): ...%.80r" %
                 (e, len(text), text[-80:]))
    longest = max(longest, len(text.encode()))
initial = [e for e in events if e["event"] == "initial_status"]
if sorted(e["peer"] for e in initial) != sorted(lists):
    sys.exit("# initial_status for %d peers, not %d" %
             (len(initial), len(lists)))
for e in initial:
    want, got = lists[e["peer"]], e["allowedIps"]
    cut = e.get("allowedIpsTruncated", False)
    if got != want[:len(got)] or cut != (len(got) < len(want)) or \
       (len(want) == 3) != ("allowedIpsTruncated" not in e):
        sys.exit("# peer %s: %d of %d entries, truncated %r" %
                 (e["peer"], len(got), len(want), cut))
print(longest)
EOF
}

# /raw and /status keep every allowed IP, whatever the events cut.
raw_ok() {
	wgm_curl -o "$T/raw.json" "http://127.0.0.1:$PORT/raw" &&
	    wgm_curl -o "$T/status.json" "http://127.0.0.1:$PORT/status" &&
	    python3 - "$T/raw.json" "$T/status.json" "$T/ev.json" <<'EOF'
import json, sys
raw, status, doc = [json.load(open(f)) for f in sys.argv[1:4]]
for i, ifc in doc.items():
    for k, p in ifc["peers"].items():
        if raw[i]["peers"][k]["allowedIps"] != p["allowedIps"] or \
           status[i][k]["allowedIps"] != p["allowedIps"]:
            sys.exit(1)
EOF
}

up() {
	kill -0 "$PID" 2>/dev/null && [ -n "$(wgm_frontend_pid)" ] && raw_ok
}

# stderr_case FIXTURE WHAT: the daemon with -d on that fixture, through 3
# runs: its event lines on stderr, /raw, no fatal error.
stderr_case() {
	local longest
	cp "$T/$1.json" "$T/ev.json"
	if wgm_start -s "$T/ev" -i 1 && wgm_wait_log 'run done' 15 3; then
		ok "$2: the daemon starts and runs the script 3 times"
	else
		not_ok "$2: the daemon starts and runs the script 3 times"
	fi
	longest=$(lines_ok "$LOG" '')
	check "$2: with -d every event line is whole JSON, cut lists marked" \
	    test -n "$longest"
	echo "# $2: longest event on stderr: ${longest:-?} bytes"
	check "$2: the longest event on stderr is over 8000 bytes" \
	    test "${longest:-0}" -gt 8000
	check "$2: collector and frontend stay up; /raw and /status serve every allowed IP" \
	    up
	check "$2: no fatal line on stderr" test -z "$(grep -e 'fatal' "$LOG")"
	wgm_stop
}

# ---- Part 1: -d, the events on stderr.
stderr_case big "700 allowed IPs"
stderr_case all "control characters"

# ---- Part 2: without -d, the events through the frontend to rsyslogd.
if [ "$WGM_EVL_NS" != 1 ]; then
	echo "ok - syslog # SKIP needs root, rsyslogd and unshare --mount"
	wgm_done
	exit
fi

mkdir "$T/dev.upper" "$T/dev.work"
if ! mount -t overlay wgm-dev \
    -o "lowerdir=/dev,upperdir=$T/dev.upper,workdir=$T/dev.work" /dev; then
	echo "ok - syslog # SKIP cannot mount an overlayfs on /dev"
	wgm_done
	exit
fi
DEV_MOUNTED=1
# The overlay hides /dev's own mounts: fresh, private ones in their place.
mount -t tmpfs -o mode=1777 wgm-shm /dev/shm 2>/dev/null
mount -t devpts -o newinstance,ptmxmode=0666 wgm-pts /dev/pts 2>/dev/null

# rsyslogd with its default maxMessageSize, each message as it came.
RSLOG=$T/syslog
cat > "$T/rsyslog.conf" <<EOF
global(workDirectory="$T/rsyslog.work")
module(load="imuxsock" sysSock.use="on" sysSock.name="/dev/log"
    sysSock.unlink="on" sysSock.rateLimit.interval="0")
template(name="wgmraw" type="string" string="%rawmsg%\n")
*.* action(type="omfile" file="$RSLOG" template="wgmraw")
EOF
mkdir "$T/rsyslog.work"
"$(command -v rsyslogd || echo /usr/sbin/rsyslogd)" -n -f "$T/rsyslog.conf" \
    -i "$T/rsyslog.pid" > "$T/rsyslog.err" 2>&1 &
RS_PID=$!
rs_ready() {
	[ -S /dev/log ] && grep -qs 'rsyslogd.*start' "$RSLOG"
}
rs_up() {
	wgm_wait 10 rs_ready
}
check "syslog: rsyslogd starts in the namespace with its own /dev/log" rs_up

# Detached: the collector is found by its unique listening address.
PORT=$(wgm_free_port)
"$WGMOND" -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" -s "$T/ev" -i 1 \
    > "$T/start.out" 2>&1
collector_found() {
	PID=$(pgrep -f -- "-l 127.0.0.1:$PORT" | head -n 1)
	[ -n "$PID" ]
}
wgm_wait 5 collector_found
LOG=$RSLOG
wgm_wait_log '\{"event":"initial_status"' 15 4
# The datagram is "<pri>Mmm dd hh:mm:ss wgmond[pid]: " and the event.
HDR='<[0-9]+>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} wgmond\[[0-9]+\]: '
longest=$(lines_ok "$RSLOG" "$HDR")
check "syslog: rsyslogd (8096-byte messages) gets every event whole JSON, cut lists marked" \
    test -n "$longest"
echo "# syslog: longest event: ${longest:-?} bytes"
check "syslog: the longest event is over 8000 bytes, near rsyslogd's limit" \
    test "${longest:-0}" -gt 8000
check "syslog: collector and frontend stay up; /raw and /status serve every allowed IP" up
check "syslog: no fatal line" test -z "$(grep -e 'fatal in' "$RSLOG")"
kill -TERM "$PID" 2>/dev/null
wgm_wait_gone "$PID" 5
PID=

wgm_done
