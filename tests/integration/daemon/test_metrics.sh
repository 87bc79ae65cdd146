#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of GET /metrics (docs/DESIGN.md §9): the daemon runs in the
# foreground with a fixture script, curl scrapes it, promtool (Debian's
# prometheus package) checks the text, and a few series are compared with
# the values the fixture and the runs must give.  Prints one
# `ok - NAME` / `not ok - NAME` line per case.  Run from anywhere:
#	bash tests/integration/daemon/test_metrics.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

wgm_need promtool || exit 1

K1=Y29ubmVjdGVkKy9wZWVyMDAwMDAwMDAwMDAwMDAwMDA=
K2=bmV2ZXJjb25uZWN0ZWRwZWVyMDAwMDAwMDAwMDAwMDA=
K3=ZGlzY29ubmVjdGVkcGVlcjAwMDAwMDAwMDAwMDAwMDA=
SRV=c2VydmVyMHB1YmxpY2tleTAwMDAwMDAwMDAwMDAwMDA=

# fixture HANDSHAKE_OF_K1: wg0 with three peers, wg1 with none.
fixture() {
	wgm_json s.json <<-EOF
	{"wg0": {"privateKey": "PRIVATE_SENTINEL_x", "publicKey": "$SRV",
	         "listenPort": 51820,
	         "peers": {
	           "$K1": {"endpoint": "192.0.2.1:51820", "latestHandshake": $1,
	             "transferRx": 1024, "transferTx": 18446744073709551615,
	             "allowedIps": ["10.0.0.2/32", "fd00::2/128"]},
	           "$K2": {"allowedIps": ["10.0.0.3/32"]},
	           "$K3": {"endpoint": "[2001:db8::1]:51820",
	             "latestHandshake": $(($(date +%s) - 500)),
	             "transferRx": 7, "allowedIps": []}}},
	 "wg1": {"peers": {}}}
	EOF
}

# The script fails while $T/fail exists, as a broken `wg` would.
wgm_script s <<EOF
#!/bin/sh
if [ -e "$T/fail" ]; then
	echo "wg: boom" >&2
	exit 3
fi
cat "$T/s.json"
EOF

# scrape [curl args]: status code on stdout, headers in $T/h, body in $T/m.
scrape() {
	wgm_curl -D "$T/h" -o "$T/m" -w '%{http_code}' "$@" \
	    "$URL/metrics"
}

# val SERIES: the value of the series written exactly so, or "none".
# (From the environment: awk -v would undo the backslashes.)
val() {
	S=$1 awk 'BEGIN { s = ENVIRON["S"] }
	    substr($0, 1, length(s) + 1) == s " " {
	    print substr($0, length(s) + 2); f = 1 } END { if (!f) print "none" }' \
	    "$T/m"
}

# is SERIES VALUE: the series has that value in the last scrape.
is() {
	local got
	got=$(val "$1")
	[ "$got" = "$2" ] && return 0
	echo "#   $1 is $got, expected $2"
	return 1
}

# promtool_silent: promtool check metrics exits 0 and says nothing.
promtool_silent() {
	local out
	out=$(promtool check metrics < "$T/m" 2>&1)
	[ $? -eq 0 ] && [ -z "$out" ] && return 0
	echo "#   promtool: $out"
	return 1
}

# wait_series SERIES VALUE: scrapes until the series has that value (15 s).
wait_series() {
	wgm_wait 15 series_is "$1" "$2" || is "$1" "$2"
}

series_is() {
	scrape >/dev/null
	[ "$(val "$1")" = "$2" ]
}

# Every family of docs/DESIGN.md §9, with its type, has HELP and TYPE lines.
families_ok() {
	local f t rc=0
	while read -r f t; do
		grep -qx "# TYPE $f $t" "$T/m" && grep -q "^# HELP $f " "$T/m" ||
		    { echo "#   no HELP/TYPE $t for $f"; rc=1; }
	done <<-EOF
	wireguard_device_info gauge
	wireguard_peer_info gauge
	wireguard_peer_allowed_ips_info gauge
	wireguard_peer_receive_bytes_total counter
	wireguard_peer_transmit_bytes_total counter
	wireguard_peer_last_handshake_seconds gauge
	wgmond_peer_status gauge
	wgmond_peers gauge
	wgmond_status_threshold_seconds gauge
	wgmond_events_total counter
	wgmond_collect_errors_total counter
	wgmond_last_collect_success gauge
	wgmond_last_collect_duration_seconds gauge
	wgmond_last_success_timestamp_seconds gauge
	wgmond_build_info gauge
	EOF
	return $rc
}

P1="device=\"wg0\",public_key=\"$K1\""
P2="device=\"wg0\",public_key=\"$K2\""
P3="device=\"wg0\",public_key=\"$K3\""

# ---- Before the first good run: the wgmond_* part, no peers.
touch "$T/fail"
fixture "$(date +%s)"
if ! wgm_start -s "$T/s" -i 1 -C 100 -D 1000 ||
    ! wgm_wait_log '"event":"collect_error"' 10; then
	not_ok "daemon starts with a failing script"
	exit 1
fi
wait_series 'wgmond_collect_errors_total{error="exit"}' 1 >/dev/null
code=$(scrape)
check "GET /metrics before the first good run is 200" test "$code" = 200
check "a failed run counts in wgmond_collect_errors_total{error=\"exit\"}" \
    is 'wgmond_collect_errors_total{error="exit"}' 1
check "a failed run counts in wgmond_events_total{event=\"collect_error\"}" \
    is 'wgmond_events_total{event="collect_error"}' 1
check "wgmond_last_collect_success is 0 after a failed run" \
    is wgmond_last_collect_success 0
check "wgmond_last_success_timestamp_seconds is 0 before any good run" \
    is wgmond_last_success_timestamp_seconds 0
check "every event name and every error has its series from the start" eval \
    'test "$(grep -c "^wgmond_events_total{" "$T/m")" = 6 &&
     test "$(grep -c "^wgmond_collect_errors_total{" "$T/m")" = 7'
check "no peer series before the first good run" \
    test "$(grep -c '^wireguard_peer_info{' "$T/m")" = 0
check "promtool check metrics is silent before the first good run" \
    promtool_silent

# ---- The run recovers: the snapshot's series and the counters.
before=$(date +%s)
rm -f "$T/fail"
wait_series wgmond_last_collect_success 1 >/dev/null
code=$(scrape)
ctype=$(grep -i '^Content-Type:' "$T/h" | sed -e 's/^[^:]*: *//' -e 's/\r$//')
check "GET /metrics is 200 with Content-Type text/plain; version=0.0.4; charset=utf-8" \
    test "$code" = 200 -a "$ctype" = "text/plain; version=0.0.4; charset=utf-8"
check "promtool check metrics is silent" promtool_silent
check "every family of docs/DESIGN.md §9 has HELP and TYPE with its type" families_ok
check "the thresholds are those of -C and -D" eval \
    'is "wgmond_status_threshold_seconds{threshold=\"connected\"}" 100 &&
     is "wgmond_status_threshold_seconds{threshold=\"disconnected\"}" 1000'
check "wgmond_events_total counts the recovery and the initial statuses" eval \
    'is "wgmond_events_total{event=\"collect_recovered\"}" 1 &&
     is "wgmond_events_total{event=\"initial_status\"}" 3 &&
     is "wgmond_events_total{event=\"status_change\"}" 0'
ts=$(val wgmond_last_success_timestamp_seconds)
check "wgmond_last_success_timestamp_seconds is the time of the good run" \
    test "$ts" -ge "$before" -a "$ts" -le "$(date +%s)"
dur=$(val wgmond_last_collect_duration_seconds)
check "wgmond_last_collect_duration_seconds is a run's time in seconds" \
    python3 -c 'import sys; v = float(sys.argv[1]); sys.exit(not 0 < v < 10)' \
    "$dur"
check "wireguard_device_info: a device without a public key has \"\"" eval \
    "is 'wireguard_device_info{device=\"wg0\",public_key=\"$SRV\"}' 1 &&
     is 'wireguard_device_info{device=\"wg1\",public_key=\"\"}' 1"
check "wireguard_peer_info has the endpoint, \"\" when none, and name \"\"" eval \
    "is 'wireguard_peer_info{$P1,endpoint=\"192.0.2.1:51820\",name=\"\"}' 1 &&
     is 'wireguard_peer_info{$P2,endpoint=\"\",name=\"\"}' 1"
check "wireguard_peer_allowed_ips_info: one per allowed IP, with its family" eval \
    "is 'wireguard_peer_allowed_ips_info{$P1,allowed_ips=\"10.0.0.2/32\",family=\"IPv4\"}' 1 &&
     is 'wireguard_peer_allowed_ips_info{$P1,allowed_ips=\"fd00::2/128\",family=\"IPv6\"}' 1 &&
     test \$(grep -c \"^wireguard_peer_allowed_ips_info{$P3\" \"$T/m\") = 0"
check "the byte counters are transferRx and transferTx, 0 when absent" eval \
    "is 'wireguard_peer_receive_bytes_total{$P1}' 1024 &&
     is 'wireguard_peer_transmit_bytes_total{$P1}' 18446744073709551615 &&
     is 'wireguard_peer_transmit_bytes_total{$P3}' 0"
check "wireguard_peer_last_handshake_seconds is 0 for a peer never seen" \
    is "wireguard_peer_last_handshake_seconds{$P2}" 0
check "wgmond_peer_status is 1 for the status, 0 for the other three" eval \
    "is 'wgmond_peer_status{$P1,status=\"connected\"}' 1 &&
     is 'wgmond_peer_status{$P1,status=\"disconnected\"}' 0 &&
     is 'wgmond_peer_status{$P1,status=\"never_connected\"}' 0 &&
     is 'wgmond_peer_status{$P1,status=\"inactive\"}' 0 &&
     is 'wgmond_peer_status{$P3,status=\"disconnected\"}' 1"
check "wgmond_peers has four series per device, zeros included" eval \
    "is 'wgmond_peers{device=\"wg0\",status=\"connected\"}' 1 &&
     is 'wgmond_peers{device=\"wg0\",status=\"never_connected\"}' 1 &&
     is 'wgmond_peers{device=\"wg0\",status=\"disconnected\"}' 1 &&
     is 'wgmond_peers{device=\"wg0\",status=\"inactive\"}' 0 &&
     test \$(grep -c '^wgmond_peers{device=\"wg1\"' \"$T/m\") = 4"
check "wgmond_build_info has the version" \
    test "$(grep -c '^wgmond_build_info{version="[^"]*"} 1$' "$T/m")" = 1
check "/metrics has no private key" \
    test "$(grep -c PRIVATE_SENTINEL_x "$T/m")" = 0

# ---- A status change: K1's handshake ages past C.
fixture $(($(date +%s) - 500))
wait_series "wgmond_peer_status{$P1,status=\"disconnected\"}" 1 >/dev/null
check "a status change shows in wgmond_peer_status and wgmond_peers" eval \
    "is 'wgmond_peer_status{$P1,status=\"connected\"}' 0 &&
     is 'wgmond_peers{device=\"wg0\",status=\"disconnected\"}' 2"
check "a status change counts in wgmond_events_total{event=\"status_change\"}" \
    is 'wgmond_events_total{event="status_change"}' 1

# ---- A failed run: the last good run's peers stay, success is 0.
touch "$T/fail"
wait_series wgmond_last_collect_success 0 >/dev/null
check "after a failed run, the peers of the last good run are still there" eval \
    "is 'wgmond_last_collect_success' 0 &&
     is 'wireguard_peer_receive_bytes_total{$P1}' 1024 &&
     is 'wgmond_collect_errors_total{error=\"exit\"}' 2"
rm -f "$T/fail"
wait_series wgmond_last_collect_success 1 >/dev/null

# ---- HEAD: the headers of a GET, no body.
head_ok() {
	local len
	len=$(wgm_curl -I "$URL/metrics" |
	    tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
	[ -n "$len" ] && [ "$len" -gt 1000 ]
}
check "HEAD /metrics is 200 with a Content-Length" head_ok

# ---- gzip: one member (curl reads only the first of several), the same
# text.  A run each second changes only the wgmond_last_* series.
gz_same() {
	wgm_curl -o "$T/plain" "$URL/metrics" &&
	    wgm_curl --compressed -D "$T/h" -o "$T/gz" \
	    "$URL/metrics" &&
	    grep -qi '^Content-Encoding: gzip' "$T/h" &&
	    cmp <(grep -v '^wgmond_last_' "$T/plain") \
	    <(grep -v '^wgmond_last_' "$T/gz")
}
check "GET /metrics with gzip: curl --compressed gets the same text" gz_same
one_member() {
	wgm_curl -H 'Accept-Encoding: gzip' -o "$T/m.gz" \
	    "$URL/metrics" &&
	python3 -c '
import sys, zlib
d = open(sys.argv[1], "rb").read()
o = zlib.decompressobj(31)
t = o.decompress(d)
sys.exit(not (o.eof and o.unused_data == b"" and b"wgmond_build_info" in t))
' "$T/m.gz"
}
check "GET /metrics with gzip is a single gzip member, its CRC and length right" \
    one_member
code=$(wgm_curl -X POST -o /dev/null -w '%{http_code}' \
    "$URL/metrics")
check "POST /metrics is 405" test "$code" = 405
wgm_stop

# ---- Label values: backslash, double quote and line feed escaped, in
# names from the script and in a peer's name from a names file (-N).
wgm_json s.json <<EOF
{"a\"b\\\\c\nd": {"publicKey": "k\\\\\"\n",
  "peers": {"$K1": {"endpoint": "e\"\\\\\n:1", "allowedIps": ["x\"y"]}}}}
EOF
printf '%s %s\n' "$K1" 'Bob "the" \admin' > "$T/names"
if ! wgm_start -s "$T/s" -i 1 -C 100 -D 1000 -N "$T/names" ||
    ! wgm_wait_log 'run done' 10; then
	not_ok "daemon starts with names that need escaping"
	exit 1
fi
wait_series 'wgmond_last_collect_success' 1 >/dev/null
D='device="a\"b\\c\nd"'
check "an interface name's \\, \" and newline are escaped" \
    is "wireguard_device_info{$D,public_key=\"k\\\\\\\"\\n\"}" 1
check "an endpoint's \\, \" and newline, and a peer name's \\ and \", are escaped" \
    is "wireguard_peer_info{$D,public_key=\"$K1\",endpoint=\"e\\\"\\\\\\n:1\",name=\"Bob \\\"the\\\" \\\\admin\"}" 1
check "promtool check metrics is silent with escaped label values" \
    promtool_silent
wgm_stop

# ---- A reader too slow to take /metrics before two newer snapshots
# replace it would keep every one alive: the frontend closes it instead.
# 10,000 peers make the text larger than the 4 MiB a socket's send buffer
# may take on Linux; the interface's key changes at each run, and so does
# the text.  The reader takes 128 KiB every half second.  A body is put
# together when asked for, so another client asks for /metrics meanwhile,
# as a Prometheus scraping it would.
"$TOP/bench/gen" -p 10000 -j "$T/big.json" >/dev/null
wgm_script change <<EOS
#!/bin/sh
sed "1s/\"publicKey\": *\"[^\"]*\"/\"publicKey\": \"K\$(date +%s%N)\"/" "$T/big.json"
EOS
if ! wgm_start -s "$T/change" -i 1 || ! wgm_wait_log 'run done' 30; then
	not_ok "daemon starts with 10,000 peers"
	exit 1
fi
wait_series 'wgmond_last_collect_success' 1 >/dev/null
( while :; do curl -s -o /dev/null "http://127.0.0.1:$PORT/metrics"; \
    sleep 0.5; done ) &
scraper=$!
wgm_atexit 'wgm_end "$scraper"'
python3 - "$PORT" > "$T/cut" <<'PY'
import re, socket, sys, time
# short(reply): how many bytes of its body are missing; -1: no headers yet.
def short(b):
    end = b.find(b"\r\n\r\n")
    m = re.search(rb"\r\nContent-Length: (\d+)\r\n", b[:end + 2], re.I)
    return -1 if end == -1 or m is None else int(m.group(1)) - len(b) + end + 4
s = socket.socket()
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(0.1)
got, done, t0 = b"", False, time.time()
while time.time() - t0 < 120 and not done:
    try:
        d = s.recv(131072)
        got += d
        done = d == b"" or short(got) == 0
    except socket.timeout:
        pass
    except OSError:
        done = True
    time.sleep(0.5)
print(int(got.startswith(b"HTTP/1.1 200") and short(got) > 0), len(got))
PY
wgm_end "$scraper"
read -r cut got < "$T/cut"
echo "# slow /metrics reader: cut ${cut:-?}, after ${got:-?} bytes"
check "a /metrics read too slowly for two snapshots is cut short" \
    test "${cut:-0}" -eq 1
check "because it still held a body two changes old" \
    grep -q 'closing a connection still sending a body two changes old' "$LOG"
code=$(curl -s -m 20 -o "$T/m" -w '%{http_code}' "$URL/metrics")
check "a reader that keeps up gets /metrics whole meanwhile, 10,000 peers" eval \
    'test "$code" = 200 &&
     test "$(grep -c "^wireguard_peer_info{" "$T/m")" = 10000'
wgm_stop

wgm_done
