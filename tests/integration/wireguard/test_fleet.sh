#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A fleet, for real (README "A fleet of gateways"): three gateways, each a
# network namespace with its own wireguard-go interface and peers
# (tests/wireguard/fleet.sh), its own wgmond listening on the gateway's
# address and logging to syslog (no -d), and its own rsyslogd (private
# /dev/log, own host name) forwarding with etc/rsyslog.d/wgmond-forward.conf
# to a central rsyslogd configured by etc/rsyslog.d/wgmond-central.conf.
# One real Prometheus (Debian's), with its own data directory, runs
# etc/prometheus/wgmond-fleet.yml on the monitoring host's namespace and
# scrapes the three through a file_sd target list.  The test stops one
# peer's wireguard-go and sees, through Prometheus's HTTP API, that peer on
# that gateway only turn disconnected and the alert go pending, then
# firing; and the status_change in the central file, with the gateway's
# host name.  Prints one `ok - NAME` / `not ok - NAME` line per case, or
# `ok - fleet # SKIP reason`.
#
# Timing.  The peers keep a 10 s persistent keepalive, so WireGuard renews
# each running peer's handshake about every two minutes (when its session
# is 120 s old); a stopped peer's last handshake only ages.  With -C 150 a
# running peer stays connected throughout, and the stopped one turns
# disconnected 150 s after its first handshake: the test takes about three
# minutes.  -D 600 keeps it from going inactive meanwhile.  Prometheus
# scrapes and evaluates every second; the test's copy of the rules waits
# 20 s (not 5 minutes) before the alert fires.  Every wait is bounded and
# waits for a state; the times seen are printed as comments.
#
#	bash tests/integration/wireguard/test_fleet.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
. "$TOP/tests/wireguard/net.sh"
. "$TOP/tests/wireguard/fleet.sh"

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
wgm_skip_if fleet \
    "$(wgnet_skip_reason curl python3 sudo prometheus "$RSYSLOGD")"
wgm_setup

C=${FLEET_C:-150}
D=600
FOR=20s
WPORT=5000		# wgmond, on each gateway's address
SPORT=10514		# the central rsyslogd, on the monitoring host
PPORT=9090		# Prometheus, on the monitoring host's loopback
E=$TOP/etc
T_START=$(date +%s)
wgm_wgnet "three gateways with their peers, all handshaken"
T_HS=$(date +%s)
KA=${WGNET_PUB[g1a]}

host_of() {
	echo "gw${1#g}"
}

ms_since() {
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

# ---- The central rsyslogd, on the monitoring host, with the shipped
# receiver (port and file changed).
CENTRAL=$T/central.log
mkdir -p "$T/central.work"
sed -e "s|port=\"514\"|port=\"$SPORT\"|" \
    -e "s|/var/log/wgmond-fleet.log|$CENTRAL|" \
    "$E/rsyslog.d/wgmond-central.conf" > "$T/central.snippet"
cat > "$T/central.conf" <<EOF
global(workDirectory="$T/central.work")
include(file="$T/central.snippet")
EOF

# rs_start NODE NAME CONF [HOST]: rsyslogd in NODE, in a UTS namespace of
# its own named HOST when given; waits for it to take its socket.
rs_start() {
	local cmd=("$RSYSLOGD" -n -f "$3" -i "$T/$2.pid")
	if [ -n "${4:-}" ]; then
		wgnet_bg "$1" unshare --uts sh -c 'hostname "$0" && exec "$@"' \
		    "$4" "${cmd[@]}" </dev/null >"$T/$2.err" 2>&1
	else
		wgnet_bg "$1" "${cmd[@]}" </dev/null >"$T/$2.err" 2>&1
	fi
	wgnet_track "$WGNET_BG_PID"
}

central_listens() {
	ip netns exec "$(wgnet_ns mon)" ss -Hltn "sport = :$SPORT" | grep -q .
}

central_up() {
	wgm_wait 10 central_listens && return 0
	sed 's/^/#   /' "$T/central.err"
	return 1
}
rs_start mon central "$T/central.conf"
check "the central rsyslogd (etc/rsyslog.d/wgmond-central.conf) listens on TCP" \
    central_up

# ---- Each gateway: a private /dev, its rsyslogd named gwN forwarding to
# the central one (etc/rsyslog.d/wgmond-forward.conf, then wgmond.conf
# writing to a file of the test's), and wgmond without -d.
gw_syslog() {
	local g=$1
	fleet_devlog "$g" "$T/$g.dev" || return 1
	mkdir -p "$T/$g.work"
	sed -e "s|target=\"[^\"]*\"|target=\"$(fleet_mon_addr "$g")\"|" \
	    -e "s|port=\"514\"|port=\"$SPORT\"|" \
	    "$E/rsyslog.d/wgmond-forward.conf" > "$T/$g.forward"
	sed "s|/var/log/wgmond.json.log|$T/$g.json.log|" \
	    "$E/rsyslog.d/wgmond.conf" > "$T/$g.local"
	cat > "$T/$g.conf" <<-EOF
	global(workDirectory="$T/$g.work")
	module(load="imuxsock" sysSock.name="/dev/log" sysSock.unlink="on"
	    sysSock.rateLimit.interval="0")
	include(file="$T/$g.forward")
	include(file="$T/$g.local")
	EOF
	rs_start "$g" "$g.rs" "$T/$g.conf" "$(host_of "$g")"
	wgm_wait 10 wgnet_in "$g" test -S /dev/log && return 0
	sed 's/^/#   /' "$T/$g.rs.err"
	return 1
}

# The collector's pid, found by this run's chroot and the address it
# listens on (another run may use the same address in its own namespace).
gw_wgmond() {
	local g=$1 addr
	addr=$(fleet_gw_addr "$g"):$WPORT
	wgnet_in "$g" "$WGMOND" -u nobody -r "$CHROOT" -l "$addr" -i 1 \
	    -C "$C" -D "$D" -s "$WG_JSON" >"$T/$g.out" 2>&1 || return 1
	wgm_wait 5 track_wgmond "$addr"
}

# track_wgmond ADDR: the collector listening on ADDR, if it runs, tracked.
track_wgmond() {
	local pid
	pid=$(pgrep -o -f -- "-r $CHROOT -l $1 ")
	[ -n "$pid" ] && wgnet_track "$pid"
}

for g in "${FLEET_GWS[@]}"; do
	check "$(host_of "$g"): rsyslogd in a UTS namespace named $(host_of "$g"), with its own /dev/log" \
	    gw_syslog "$g"
done
# The machine's /dev/log, seen from pid 1: still as it was (the host
# has none here, or its own).
check "the machine's /dev is untouched (no /dev/log made there)" \
    eval '[ "$(stat -c %i /proc/1/root/dev/log 2>/dev/null)" = "$(stat -c %i /dev/log 2>/dev/null)" ] &&
    ! grep -q wgm-dev /proc/1/mountinfo'
for g in "${FLEET_GWS[@]}"; do
	check "$(host_of "$g"): wgmond detaches, listening on $(fleet_gw_addr "$g"):$WPORT" \
	    gw_wgmond "$g"
done

# ---- Prometheus, on the monitoring host, with the shipped fleet job
# (intervals of 1 s) and a copy of the rules whose peer alert waits $FOR.
P=$T/prom
mkdir -p "$P/wgmond-targets" "$P/data"
sed -e 's/^\(  [a-z_]*_interval:\).*/\1 1s/' "$E/prometheus/wgmond-fleet.yml" \
    > "$P/wgmond-fleet.yml"
python3 - "$E/prometheus/wgmond.rules.yml" "$P/wgmond.rules.yml" "$FOR" <<'EOF'
import re, sys
src, dst, wait = sys.argv[1:]
text = open(src).read()
# The first `for:` is WireguardPeerDisconnected's.
text = re.sub(r"(\n        for: )5m\n", r"\g<1>" + wait + "\n", text, count=1)
open(dst, "w").write(text)
EOF
{
	echo "- targets:"
	for g in "${FLEET_GWS[@]}"; do
		echo "    - $(fleet_gw_addr "$g"):$WPORT"
	done
	echo "  labels:"
	echo "    site: test"
} > "$P/wgmond-targets/fleet.yml"
quiet() {
	local out
	out=$("$@" 2>&1) && return 0
	echo "$out" | sed 's/^/#   /' | head -n 20
	return 1
}
check "the test's Prometheus configuration passes promtool check config" \
    quiet promtool check config "$P/wgmond-fleet.yml"
check "the test's rules differ from the shipped ones by the peer alert's for: only" \
    eval '[ "$(diff "$E/prometheus/wgmond.rules.yml" "$P/wgmond.rules.yml" |
    grep -c "^[<>]")" = 2 ] && grep -q "for: $FOR" "$P/wgmond.rules.yml"'

wgnet_bg mon prometheus --config.file="$P/wgmond-fleet.yml" \
    --storage.tsdb.path="$P/data" --web.listen-address="127.0.0.1:$PPORT" \
    </dev/null >"$P/log" 2>&1
wgnet_track "$WGNET_BG_PID"

# promq QUERY: the instant query's result, as JSON, on stdout.
promq() {
	ip netns exec "$(wgnet_ns mon)" curl -s --max-time 5 \
	    "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"
}

# pq PYEXPR QUERY: the expression holds on the query's result vector (r:
# a list of (labels, value)); g1.. are the instances, KA.. the keys.
pq() {
	promq "$2" | python3 -c '
import json, sys
expr, insts, keys = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
g1, g2, g3 = insts
KA, KB, K2, K3 = keys
try:
    d = json.load(sys.stdin)
    r = [(s["metric"], float(s["value"][1])) for s in d["data"]["result"]]
except (ValueError, KeyError, TypeError):
    sys.exit(1)
sys.exit(0 if eval(expr) else 1)' "$1" \
	    "$(for g in "${FLEET_GWS[@]}"; do echo "$(fleet_gw_addr "$g"):$WPORT"; done)" \
	    "${WGNET_PUB[g1a]} ${WGNET_PUB[g1b]} ${WGNET_PUB[g2a]} ${WGNET_PUB[g3a]}"
}

# wait_pq SECONDS PYEXPR QUERY: until it holds.
wait_pq() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		pq "$2" "$3" && return 0
		sleep 0.5
	done
	return 1
}

# (instance, public_key) of the series in r.
IK='sorted((m["instance"], m["public_key"]) for m, v in r)'
ALL="[(g1, KA), (g1, KB), (g2, K2), (g3, K3)]"

check "Prometheus scrapes the three gateways listed in the file_sd file (up == 1, site label from the file)" \
    wait_pq 60 'sorted((m["instance"], m["site"]) for m, v in r) == [(g1, "test"), (g2, "test"), (g3, "test")]' \
    'up{job="wgmond"} == 1'
check "Prometheus sees the four peers connected, each on its own gateway" \
    wait_pq 30 "$IK == sorted($ALL)" 'wgmond_peer_status{status="connected"} == 1'
check "no peer is disconnected yet, and no alert" \
    eval 'pq "r == []" "wgmond_peer_status{status!=\"connected\"} == 1" &&
    pq "r == []" "ALERTS"'
echo "# Prometheus ready $(( $(date +%s) - T_HS )) s after the handshakes"

# ---- The events reach the central file from each gateway, named.
# central_has HOST PYEXPR: a line from HOST whose event (e) satisfies it.
central_has() {
	python3 - "$CENTRAL" "$1" "$2" "$KA" <<'EOF'
import json, sys
path, host, expr, KA = sys.argv[1:]
try:
    lines = open(path, errors="replace").read().splitlines()
except OSError:
    sys.exit(1)
for line in lines:
    h, _, msg = line.partition(" ")
    if h != host or not msg.startswith('{"event"'):
        continue
    e = json.loads(msg)
    if eval(expr):
        sys.exit(0)
sys.exit(1)
EOF
}

wait_central() {
	wgm_wait "$1" central_has "$2" "$3"
}

initial_central() {
	wait_central 20 gw1 'e["event"] == "initial_status" and e["peer"] == KA and e["status"] == "connected"' &&
	    wait_central 5 gw2 'e["event"] == "initial_status"' &&
	    wait_central 5 gw3 'e["event"] == "initial_status"' &&
	    [ "$(grep -c '{"event":"initial_status"' "$CENTRAL")" = 4 ]
}
check "the central file has the 4 initial_status events, each under its gateway's host name" \
    initial_central
check "each gateway's own file (etc/rsyslog.d/wgmond.conf) has its events too, as JSON lines" \
    eval '[ "$(cat "$T"/g*.json.log | grep -c "^{\"event\":\"initial_status\"")" = 4 ] &&
    grep -qF "\"peer\":\"$KA\"" "$T/g1.json.log"'

# ---- One peer stops.
t_stop=$(date +%s%N)
fleet_peer_stop g1a
check "g1a's wireguard-go is stopped" \
    eval '! ip -n "$(wgnet_ns g1a)" link show "${WGNET_RUN}g1a" >/dev/null 2>&1'
echo "# g1a stopped $(( $(date +%s) - T_HS )) s after the handshakes; -C $C"

check "Prometheus sees g1a disconnected on gateway 1, and only there" \
    wait_pq $((C + 60)) "$IK == [(g1, KA)]" \
    'wgmond_peer_status{status="disconnected"} == 1'
echo "# Prometheus saw it $(ms_since "$t_stop") ms after the stop"
check "the other three peers are still connected (each on its gateway)" \
    pq "$IK == sorted([(g1, KB), (g2, K2), (g3, K3)])" \
    'wgmond_peer_status{status="connected"} == 1'

check "the alert WireguardPeerDisconnected goes pending for g1a on gateway 1 only" \
    wait_pq 30 "[(m['alertname'], m['alertstate'], m['instance'], m['public_key']) for m, v in r] == [('WireguardPeerDisconnected', 'pending', g1, KA)]" \
    'ALERTS'
echo "# pending $(ms_since "$t_stop") ms after the stop"

check "the central file has g1a's status_change to disconnected, under gw1" \
    wait_central 30 gw1 'e["event"] == "status_change" and e["peer"] == KA and e["new_status"] == "disconnected" and e["old_status"] == "connected"'
echo "# in the central file $(ms_since "$t_stop") ms after the stop"
check "no other status_change in the central file" \
    eval '[ "$(grep -c "{\"event\":\"status_change\"" "$CENTRAL")" = 1 ]'

check "the alert fires after its for: ($FOR), still for g1a on gateway 1 only" \
    wait_pq 60 "[(m['alertstate'], m['instance'], m['public_key'], m['severity']) for m, v in r] == [('firing', g1, KA, 'warning')]" \
    'ALERTS{alertname="WireguardPeerDisconnected"}'
echo "# firing $(ms_since "$t_stop") ms after the stop"
check "still only g1a disconnected, the three others connected" \
    eval 'pq "$IK == [(g1, KA)]" "wgmond_peer_status{status=\"disconnected\"} == 1" &&
    pq "$IK == sorted([(g1, KB), (g2, K2), (g3, K3)])" "wgmond_peer_status{status=\"connected\"} == 1"'

# ---- Teardown, as the EXIT trap would do it.
wgnet_teardown
left=$(wgnet_leftovers)
# Every process of this run names its directory: another run's (a second
# checkout testing at the same time) is not this one's to count.
pgrep -af -- "$T/" | grep -v pgrep | sed 's/^/process /' > "$T/left"
left+=$(cat "$T/left")
if [ -z "$left" ]; then
	ok "teardown leaves no namespace, process (wireguard-go, wgmond, rsyslogd, Prometheus), mount or directory of this run"
else
	not_ok "teardown leaves no namespace, process (wireguard-go, wgmond, rsyslogd, Prometheus), mount or directory of this run"
	printf '#   left: %s\n' "$left"
fi
echo "# $(( $(date +%s) - T_START )) s"
wgm_done
