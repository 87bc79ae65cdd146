#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The frontend out of descriptors under a connection storm (wgmond(8),
# FAULTS): its RLIMIT_NOFILE lowered from outside to 32, then 200
# connections held open.  It stays alive, says once per pause of its
# listener (1 s) that the limit is reached rather than once per attempt,
# does not spin meanwhile, and serves /raw again once the storm ends.
# test_http_limits.sh covers the limit it sets itself (WGM_HTTP_MAXCONN).
#	bash tests/integration/faults/test_fault_fds.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

HOLD=6		# seconds the storm is held
NOFILE=32
STORM=200
STORM_PID=

wgm_atexit 'wgm_end "$STORM_PID"'

wgm_script good <<'EOF'
#!/bin/sh
echo '{"wg0": {"listenPort": 51820, "peers": {}}}'
EOF

wgm_start -s "$T/good" -i 5 || { not_ok "the daemon starts"; exit 1; }
FPID=$(wgm_frontend_pid)

check "/raw is served before the storm" wgm_wait 15 wgm_get /raw /dev/null

# cpu_ticks PID: user and system time of the process, in clock ticks.
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat") || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $(( ${12} + ${13} ))
}

# As the frontend's own user: root needs CAP_SYS_RESOURCE to change another
# user's limits, which a container may not give.
check "its descriptors lowered to $NOFILE from outside" \
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- \
    prlimit --pid "$FPID" --nofile="$NOFILE:$NOFILE"

# The storm: STORM connections, each held idle until the file "$T/release"
# exists; prints how many it opened.
python3 - "$PORT" "$STORM" "$T/release" > "$T/storm" <<'EOF' &
import os, socket, sys, time
port, n, release = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
held = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(s)
print(len(held), flush=True)
while not os.path.exists(release):
    time.sleep(0.1)
for s in held:
    s.close()
EOF
STORM_PID=$!
wgm_wait 10 test -s "$T/storm"
check "the storm is under way: $STORM connections" \
    test "$(cat "$T/storm")" = "$STORM"
check "the limit is reached and said" \
    wgm_wait_log 'connection limit reached' 10
before=$(grep -c 'connection limit reached' "$LOG")
t0=$(cpu_ticks "$FPID")
s0=$(date +%s%N)
sleep "$HOLD"
t1=$(cpu_ticks "$FPID")
s1=$(date +%s%N)
lines=$(( $(grep -c 'connection limit reached' "$LOG") - before ))
tick=$(getconf CLK_TCK)
cpu_ms=$(( (t1 - t0) * 1000 / tick ))
wall_ms=$(( (s1 - s0) / 1000000 ))
echo "# held ${wall_ms} ms: frontend CPU ${cpu_ms} ms, $lines limit lines"
check "during the storm the frontend is alive" kill -0 "$FPID"
check "it says so once per 1 s pause, not per attempt ($lines lines in ${wall_ms} ms)" \
    test "$lines" -ge 1 -a "$lines" -le $(( wall_ms / 1000 + 2 ))
check "it does not spin: CPU time under half the time held" \
    test $(( cpu_ms * 2 )) -lt "$wall_ms"
check "it logs no other accept error" \
    test -z "$(grep -E 'accept: ' "$LOG")"

touch "$T/release"
wait "$STORM_PID"
STORM_PID=
check "the storm released, /raw is served again" \
    wgm_wait 15 wgm_get /raw /dev/null
check "still the same frontend" test "$(wgm_frontend_pid)" = "$FPID"
wgm_stop
check "SIGTERM: exit 0" test $? -eq 0

wgm_done
