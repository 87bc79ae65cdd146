#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The frontend stays bounded and keeps serving /raw whatever the clients
# do: more connections than it allows, all idle, or all sending their
# request a byte a second (which evhttp's own timeout never ends).

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup

wgm_script good <<'EOS'
#!/bin/sh
echo '{"wg0":{"publicKey":"PUB","peers":{"A":{"latestHandshake":0,"allowedIps":[]}}}}'
EOS
wgm_start -s "$T/good" -i 5 || not_ok "daemon starts"
wgm_wait_log 'run done' 10
FPID=$(wgm_frontend_pid)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$FPID/status"; }
rss0=$(rss)

# clients MODE N SECONDS: N connections held for SECONDS, idle or
# trickling a header; prints how many the server closed.
clients() {
	python3 - "$PORT" "$@" <<-'PY'
	import socket, sys, time
	port, mode, n, secs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
	socks = []
	for _ in range(n):
	    try:
	        s = socket.socket(); s.settimeout(2); s.connect(("127.0.0.1", port)); socks.append(s)
	    except OSError:
	        break
	closed, t0 = 0, time.time()
	while time.time() - t0 < secs:
	    for s in list(socks):
	        try:
	            if mode == "slow":
	                s.send(b"G")
	            else:
	                s.setblocking(False)
	                if s.recv(1) == b"":
	                    raise OSError
	        except BlockingIOError:
	            pass
	        except OSError:
	            socks.remove(s); closed += 1
	    time.sleep(1)
	print(closed)
	PY
}

for mode in idle slow; do
	clients "$mode" 600 14 > "$T/closed.$mode" &
	cpid=$!
	sleep 4
	code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' \
	    "$URL/raw")
	check "600 $mode clients: /raw is still served" test "$code" = 200
	wait "$cpid"
	check "600 $mode clients: the frontend closed them in time" \
	    test "$(cat "$T/closed.$mode")" -gt 0
	check "600 $mode clients: the frontend is alive" kill -0 "$FPID"
	check "600 $mode clients: the frontend's memory stays bounded" \
	    test "$(rss)" -lt $((rss0 + 16384))
done

wgm_stop
check "SIGTERM: exit 0" test $? -eq 0
wgm_done
