#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# wgmond against real WireGuard: tests/wireguard/net.sh builds a hub with
# two wireguard-go interfaces and three peers in network namespaces (see
# there), wgmond runs inside the hub with the real tools/wg-json through
# real sudo, and the test reads its HTTP answers (curl inside the hub) and
# its log.  Prints one `ok - NAME` / `not ok - NAME` line per case, or one
# `ok - wireguard suite # SKIP reason` where it cannot run.
#
# Timing.  WireGuard makes a new handshake only when a session is missing
# or about two minutes old and there is traffic; this file runs well
# within two minutes of the first handshakes, so after them no peer makes a
# new one by itself.  With -C 5 -D 10 every peer is connected for 5 s after
# its handshake, disconnected for 5 s more, then inactive: the test only
# has to watch.  A peer's wireguard-go started afresh has no session, so
# its first packet makes a new handshake at once.  5 s (not 3) leave room
# for a slow start (ASan) between the handshakes and the first run.  Every
# wait is bounded and waits for a state or an event.
#
#	bash tests/integration/wireguard/test_wireguard.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
. "$TOP/tests/wireguard/net.sh"

wgm_skip_if "wireguard suite" "$(wgnet_skip_reason curl python3 sudo)"
wgm_setup

C=5
D=10
PORT=5000		# the hub's own loopback
T_START=$(date +%s)
wgm_wgnet "the harness builds a hub with two interfaces and three peers that handshake"

IFA=$WGNET_IFA
IFB=$WGNET_IFB
K1=${WGNET_PUB[p1]}
K2=${WGNET_PUB[p2]}
K3=${WGNET_PUB[p3]}
KGA=${WGNET_PUB[ghosta]}
KGB=${WGNET_PUB[ghostb]}

# ---- Helpers.

# hub_get PATH FILE: GET from wgmond, inside the hub; prints the HTTP code.
hub_get() {
	wgnet_in hub curl -s --max-time 5 -o "$2" -w '%{http_code}' \
	    "http://127.0.0.1:$PORT$1"
}

# Python helpers, one file: status/raw queries.
cat > "$T/q.py" <<'EOF'
import json, sys

def text(v):
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))

cmd = sys.argv[1]
if cmd == "status":			# status FILE IF KEY: status or absent
    try:
        d = json.load(open(sys.argv[2]))
        print(d[sys.argv[3]][sys.argv[4]]["status"])
    except (ValueError, KeyError, TypeError):
        print("absent")
elif cmd == "raw":			# raw FILE IF KEY FIELD: a peer's field
    try:
        d = json.load(open(sys.argv[2]))
        print(text(d[sys.argv[3]]["peers"][sys.argv[4]][sys.argv[5]]))
    except (ValueError, KeyError, TypeError):
        print("absent")
EOF



# wait_runs N: until N more runs have been done.
wait_runs() {
	wgm_wait_log 'run done' 10 $(($(wgm_runs) + $1))
}

# jcheck FILE PYTHON-EXPR: the expression on the JSON in FILE (as d) holds;
# K1.. KGB, IFA, IFB, C, D and now are defined.
jcheck() {
	python3 - "$1" "$2" "$IFA" "$IFB" "$K1" "$K2" "$K3" "$KGA" "$KGB" \
	    "$C" "$D" <<'EOF'
import json, sys, time
d = json.load(open(sys.argv[1]))
IFA, IFB, K1, K2, K3, KGA, KGB = sys.argv[3:10]
C, D = int(sys.argv[10]), int(sys.argv[11])
now = int(time.time())
ok = eval("(" + sys.argv[2] + "\n)")
if not ok:
    print("#   does not hold: " + sys.argv[2])
    print("#   " + json.dumps(d)[:1500])
sys.exit(0 if ok else 1)
EOF
}

ms_since() {
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

# ---- wgmond in the hub.

: > "$LOG"
wgnet_bg hub "$WGMOND" -d -v -u nobody -r "$CHROOT" -l "127.0.0.1:$PORT" \
    -i 1 -C "$C" -D "$D" -s "$WG_JSON" >>"$LOG" 2>&1
PID=$WGNET_BG_PID
wgnet_track "$PID"
if ! wgm_wait_log 'listening on' 10 || ! wgm_wait_log 'run done' 10; then
	not_ok "wgmond starts in the hub and runs tools/wg-json through sudo"
	exit 1
fi
check "wgmond starts in the hub and runs tools/wg-json through sudo (2 interfaces, 5 peers)" \
    grep -q 'run done: 2 interfaces, 5 peers' "$LOG"

wgm_wait_ev 5 -n 5 event=initial_status
hub_get /status "$T/status0.json" >/dev/null
hub_get /raw "$T/raw0.json" >/dev/null
echo "# first run $(( $(date +%s) - T_START )) s after the harness started"

check "initial_status of p1 (IPv4 underlay): connected, endpoint 172.16.1.2:51901, its three allowed IPs" \
    wgm_is 1 event=initial_status interface="$IFA" peer="$K1" status=connected \
    endpoint=172.16.1.2:51901 \
    'allowedIps=["10.10.0.2/32","fd00:10::2/128","192.168.11.0/24"]'
check "initial_status of p2 (IPv6 underlay): connected, endpoint [fd00:16:2::2]:51902" \
    wgm_is 1 event=initial_status interface="$IFA" peer="$K2" status=connected \
    'endpoint=[fd00:16:2::2]:51902' 'allowedIps=["10.10.0.3/32","fd00:10::3/128"]'
check "initial_status of p3 on the second interface: connected, endpoint 172.16.3.2:51903, four allowed IPs" \
    wgm_is 1 event=initial_status interface="$IFB" peer="$K3" status=connected \
    endpoint=172.16.3.2:51903 \
    'allowedIps=["10.20.0.4/32","fd00:20::4/128","192.168.13.0/24","fd00:13::/64"]'
ghosts_initial() {
	wgm_is 1 event=initial_status interface="$IFA" peer="$KGA" \
	    status=never_connected endpoint=null \
	    'allowedIps=["10.10.0.9/32","fd00:10::9/128"]' &&
	wgm_is 1 event=initial_status interface="$IFB" peer="$KGB" \
	    status=never_connected endpoint=null 'allowedIps=["10.20.0.9/32"]'
}
check "initial_status never_connected, endpoint null, for the peer of each interface that never handshakes" \
    ghosts_initial
only_initial() {
	wgm_is 5 event=initial_status && wgm_is 5
}
check "exactly one initial_status per peer and no other event after the first run" \
    only_initial

check "/status: p1, p2, p3 connected with a handshake age <= C and their endpoints" \
    jcheck "$T/status0.json" '
all(d[i][k]["status"] == "connected" and
    0 <= d[i][k]["lastHandshakeSecondsAgo"] <= C and d[i][k]["endpoint"] == e
    for i, k, e in ((IFA, K1, "172.16.1.2:51901"),
                    (IFA, K2, "[fd00:16:2::2]:51902"),
                    (IFB, K3, "172.16.3.2:51903")))'
ghosts_never() {
	jcheck "$T/status0.json" '
all(d[i][k] == {"status": "never_connected", "endpoint": None,
                "allowedIps": a}
    for i, k, a in ((IFA, KGA, ["10.10.0.9/32", "fd00:10::9/128"]),
                    (IFB, KGB, ["10.20.0.9/32"])))' &&
	jcheck "$T/raw0.json" '
all(d[i]["peers"][k]["status"] == "never_connected" and
    not {"latestHandshake", "endpoint", "transferRx", "transferTx"} &
        set(d[i]["peers"][k]) for i, k in ((IFA, KGA), (IFB, KGB)))'
}
check "/status and /raw: the peers that never handshake are never_connected, without handshake, endpoint null" \
    ghosts_never
check "/raw: the two interfaces separately, each with its public key, listen port and exactly its peers" \
    jcheck "$T/raw0.json" "
set(d) == {IFA, IFB} and
d[IFA]['publicKey'] == '${WGNET_PUB[a]}' and d[IFA]['listenPort'] == 51820 and
d[IFB]['publicKey'] == '${WGNET_PUB[b]}' and d[IFB]['listenPort'] == 51821 and
set(d[IFA]['peers']) == {K1, K2, KGA} and set(d[IFB]['peers']) == {K3, KGB}"
check "/raw after traffic: transferRx and transferTx > 0, latestHandshake now, status connected for p1, p2, p3" \
    jcheck "$T/raw0.json" "
all(p['transferRx'] > 0 and p['transferTx'] > 0 and
    $T_START - 1 <= p['latestHandshake'] <= now + 1 and
    p['status'] == 'connected'
    for p in (d[IFA]['peers'][K1], d[IFA]['peers'][K2], d[IFB]['peers'][K3]))"
check "/raw: hasPresharedKey only for p2; persistentKeepalive as configured (25, 21, 30, else absent)" \
    jcheck "$T/raw0.json" "
[(p['hasPresharedKey'], p.get('persistentKeepalive'))
 for p in (d[IFA]['peers'][K1], d[IFA]['peers'][K2], d[IFA]['peers'][KGA],
           d[IFB]['peers'][K3], d[IFB]['peers'][KGB])] ==
[(False, 25), (True, None), (False, None), (False, 21), (False, 30)]"

# ---- tools/wg-json against wg itself, at the same moment.

wgnet_in hub env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C \
    sudo -n /usr/bin/bash "$WG_JSON" </dev/null >"$T/wg.json" 2>"$T/wg.err"
wgjson_rc=$?
wgnet_in hub wg show all dump > "$T/wg.dump"
for ifn in "$IFA" "$IFB"; do
	for f in public-key private-key listen-port fwmark peers endpoints \
	    allowed-ips latest-handshakes transfer persistent-keepalive \
	    preshared-keys; do
		wgnet_in hub wg show "$ifn" "$f" > "$T/wg.$ifn.$f"
	done
done
check "tools/wg-json on the hub exits 0 with nothing on stderr" \
    eval '[ "$wgjson_rc" = 0 ] && [ ! -s "$T/wg.err" ]'

# Field by field with `wg show all dump` taken just after: stable fields
# exactly; handshake and transfer may only have grown.
wgjson_vs_dump() {
	python3 - "$T/wg.json" "$T/wg.dump" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
bad = []
def expect(cond, what):
    if not cond:
        bad.append(what)
ifs, peers = {}, {}
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    if len(f) == 5:
        ifs[f[0]] = f
    elif len(f) == 9:
        peers.setdefault(f[0], {})[f[1]] = f
    else:
        bad.append("dump line " + line)
IKEYS = {"privateKey", "publicKey", "listenPort", "fwmark", "peers"}
PKEYS = {"presharedKey", "endpoint", "latestHandshake", "transferRx",
         "transferTx", "persistentKeepalive", "allowedIps"}
def opt(v, none):
    return None if v == none else v
expect(isinstance(doc, dict) and set(doc) == set(ifs), "interfaces")
for name, f in ifs.items():
    i = doc.get(name, {})
    expect(set(i) <= IKEYS, name + ": keys " + str(sorted(i)))
    expect(i.get("privateKey") == opt(f[1], "(none)"), name + ".privateKey")
    expect(i.get("publicKey") == opt(f[2], "(none)"), name + ".publicKey")
    expect(i.get("listenPort") == (int(f[3]) or None), name + ".listenPort")
    expect("fwmark" not in i if f[4] == "off" else i.get("fwmark") ==
           int(f[4], 16), name + ".fwmark")
    ps = i.get("peers", {})
    expect(set(ps) == set(peers.get(name, {})), name + ": peers")
    for key, g in peers.get(name, {}).items():
        p, w = ps.get(key, {}), name + "." + key[:8]
        expect(set(p) <= PKEYS, w + ": keys " + str(sorted(p)))
        expect(p.get("presharedKey") == opt(g[2], "(none)"), w + ".psk")
        expect(p.get("endpoint") == opt(g[3], "(none)"), w + ".endpoint")
        expect(p.get("allowedIps") == ([] if g[4] == "(none)" else
               g[4].split(",")), w + ".allowedIps")
        expect(p.get("persistentKeepalive") == (None if g[8] == "off" else
               int(g[8])), w + ".persistentKeepalive")
        # Moving: absent means 0, present means > 0; wg's later value
        # may only be larger.
        for k, v in (("latestHandshake", g[5]), ("transferRx", g[6]),
                     ("transferTx", g[7])):
            j = p.get(k)
            expect(j is None or (type(j) is int and j > 0), w + "." + k)
            expect((j or 0) <= int(v), w + "." + k + " ahead of wg")
for b in bad:
    print("#   differs:", b)
sys.exit(1 if bad or not ifs else 0)
EOF
}
check "tools/wg-json matches wg show all dump field by field (handshake and transfer loosely)" \
    wgjson_vs_dump

# With each `wg show IF FIELD`.
wgjson_vs_show() {
	python3 - "$T/wg.json" "$T" "$IFA" "$IFB" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
bad = []
def show(ifn, field):
    return open("%s/wg.%s.%s" % (sys.argv[2], ifn, field)).read().split("\n")[:-1]
def table(ifn, field):
    return dict(l.split("\t", 1) for l in show(ifn, field))
for ifn in sys.argv[3:]:
    i = doc[ifn]
    ps = i["peers"]
    checks = [
        ("public-key", show(ifn, "public-key") == [i["publicKey"]]),
        ("private-key", show(ifn, "private-key") == [i["privateKey"]]),
        ("listen-port", show(ifn, "listen-port") == [str(i["listenPort"])]),
        ("fwmark", show(ifn, "fwmark") == ["off"] and "fwmark" not in i),
        ("peers", sorted(show(ifn, "peers")) == sorted(ps)),
        ("endpoints", table(ifn, "endpoints") ==
            {k: p.get("endpoint", "(none)") for k, p in ps.items()}),
        ("allowed-ips", table(ifn, "allowed-ips") ==
            {k: " ".join(p["allowedIps"]) or "(none)" for k, p in ps.items()}),
        ("persistent-keepalive", table(ifn, "persistent-keepalive") ==
            {k: str(p.get("persistentKeepalive", "off")) for k, p in ps.items()}),
        ("preshared-keys", table(ifn, "preshared-keys") ==
            {k: p.get("presharedKey", "(none)") for k, p in ps.items()}),
        ("latest-handshakes", all(
            int(v) >= p.get("latestHandshake", 0)
            for k, v in table(ifn, "latest-handshakes").items()
            for p in [ps[k]])),
        ("transfer", all(
            int(rx) >= p.get("transferRx", 0) and int(tx) >= p.get("transferTx", 0)
            for k, v in table(ifn, "transfer").items()
            for rx, tx in [v.split("\t")] for p in [ps[k]])),
    ]
    bad += [ifn + " " + name for name, ok in checks if not ok]
for b in bad:
    print("#   differs from wg show:", b)
sys.exit(1 if bad else 0)
EOF
}
check "tools/wg-json matches wg show IF public-key, private-key, listen-port, fwmark, peers, endpoints, allowed-ips, persistent-keepalive, preshared-keys, latest-handshakes, transfer" \
    wgjson_vs_show
secrets_in_wgjson() {
	grep -qF -- "$(cat "${WGNET_PRIV[a]}")" "$T/wg.json" &&
	grep -qF -- "$(cat "${WGNET_PRIV[b]}")" "$T/wg.json" &&
	grep -qF -- "$(cat "$WGNET_PSK")" "$T/wg.json"
}
check "tools/wg-json prints the hub's private keys and p2's preshared key (what wgmond must drop)" \
    secrets_in_wgjson

# ---- Aging.  p1's wireguard-go is stopped; p2 and p3 keep running, with
# no traffic.  All three were connected at the first run.

t0=$(date +%s%N)
wgnet_peer_stop p1
echo "# p1 stopped in $(ms_since "$t0") ms"
check "p1's wireguard-go is stopped (its interface is gone)" \
    eval '! ip -n "$(wgnet_ns p1)" link show "${WGNET_RUN}p1" >/dev/null 2>&1'
wgnet_probe hub 10.10.0.2 &
probe=$!

# Watch /status until p1, p2 and p3 are gone from it (inactive); the
# sequence starts with /status as the first run left it.
statuses() {
	local kk line=
	for kk in "$IFA $K1" "$IFA $K2" "$IFB $K3"; do
		line+="$(python3 "$T/q.py" status "$1" $kk) "
	done
	echo "$line"
}
statuses "$T/status0.json" > "$T/seq"
for ((i = 0; i < (D + 10) * 4; i++)); do
	hub_get /status "$T/s.json" >/dev/null
	line=$(statuses "$T/s.json")
	echo "$line" >> "$T/seq"
	[ "$line" = "absent absent absent " ] && break
	sleep 0.25
done
# seq_of N: peer N's statuses as seen, each run of repeats collapsed.
seq_of() {
	awk -v n="$1" '{ print $n }' "$T/seq" | uniq | paste -sd ' '
}
echo "# /status seen, p1: $(seq_of 1); p2: $(seq_of 2); p3: $(seq_of 3)"
raw_status() {
	hub_get /raw "$T/r.json" >/dev/null
	python3 "$T/q.py" raw "$T/r.json" "$1" "$2" status
}
wait_runs 2
check "traffic to the stopped p1 gets no answer" eval '! wait "$probe"'
check "p1 (stopped) is seen connected, then disconnected, then gone from /status" \
    eval '[ "$(seq_of 1)" = "connected disconnected absent" ]'
check "p1 is then inactive in /raw" eval '[ "$(raw_status "$IFA" "$K1")" = inactive ]'
check "p1 logs exactly one status_change: new_status disconnected, old_status connected (none for disconnected -> inactive)" \
    eval 'wgm_is 1 event=status_change peer="$K1" && wgm_is 1 event=status_change \
    interface="$IFA" peer="$K1" new_status=disconnected old_status=connected'
aged_running() {
	[ "$(seq_of 2)" = "connected disconnected absent" ] &&
	[ "$(seq_of 3)" = "connected disconnected absent" ] &&
	[ "$(raw_status "$IFA" "$K2")" = inactive ] &&
	[ "$(raw_status "$IFB" "$K3")" = inactive ] &&
	wgm_is 1 event=status_change peer="$K2" &&
	wgm_is 1 event=status_change interface="$IFA" peer="$K2" \
	    new_status=disconnected old_status=connected &&
	wgm_is 1 event=status_change peer="$K3" &&
	wgm_is 1 event=status_change interface="$IFB" peer="$K3" \
	    new_status=disconnected old_status=connected
}
check "p2 and p3, running but idle, make no new handshake and age the same way: one status_change each, inactive in /raw" \
    aged_running
check "the peers that never handshake stay never_connected, with no event" \
    eval '[ "$(raw_status "$IFA" "$KGA")" = never_connected ] &&
    [ "$(raw_status "$IFB" "$KGB")" = never_connected ] &&
    wgm_is 1 peer="$KGA" && wgm_is 1 peer="$KGB"'

# ---- p1 comes back: a fresh wireguard-go has no session, so its first
# packet (its persistent keepalive, then the probe) starts a handshake.
hs_before=$(python3 "$T/q.py" raw "$T/raw0.json" "$IFA" "$K1" latestHandshake)
rx_before=$(python3 "$T/q.py" raw "$T/raw0.json" "$IFA" "$K1" transferRx)
t0=$(date +%s%N)
if wgnet_peer_start p1 && wgnet_peer_up p1; then
	echo "# p1 restarted and answered through the tunnel in $(ms_since "$t0") ms"
	ok "p1's wireguard-go restarted: it handshakes again and traffic flows"
else
	not_ok "p1's wireguard-go restarted: it handshakes again and traffic flows"
fi
wgm_wait_ev 10 event=status_change peer="$K1" new_status=connected
echo "# status_change connected logged $(ms_since "$t0") ms after the restart"
check "p1 restarted logs status_change new_status connected, old_status disconnected (inactive is reported as disconnected)" \
    wgm_is 1 event=status_change interface="$IFA" peer="$K1" \
    new_status=connected old_status=disconnected
hub_get /status "$T/status1.json" >/dev/null
hub_get /raw "$T/raw1.json" >/dev/null
p1_back() {
	jcheck "$T/status1.json" '
d[IFA][K1]["status"] == "connected" and
d[IFA][K1]["lastHandshakeSecondsAgo"] <= C and
d[IFA][K1]["endpoint"] == "172.16.1.2:51901"' &&
	jcheck "$T/raw1.json" "
d[IFA]['peers'][K1]['latestHandshake'] > $hs_before and
d[IFA]['peers'][K1]['transferRx'] > $rx_before"
}
check "/status shows p1 connected again, with its endpoint and a fresh handshake; /raw counts the new traffic" \
    p1_back

# ---- Peers added and removed with wg set while wgmond runs.
KN=$(wg genkey | wg pubkey)
wgnet_in hub wg set "$IFA" peer "$KN" allowed-ips 10.10.0.50/32,fd00:10::50/128
wgm_wait_ev 10 event=new_peer peer="$KN"
check "a peer added with wg set logs new_peer, status never_connected, on its interface" \
    eval 'wgm_is 1 event=new_peer interface="$IFA" peer="$KN" \
    status=never_connected && wgm_is 1 event=new_peer'
hub_get /raw "$T/raw2.json" >/dev/null
check "the added peer is in /raw, never_connected, with its allowed IPs" \
    jcheck "$T/raw2.json" "
d[IFA]['peers']['$KN']['status'] == 'never_connected' and
d[IFA]['peers']['$KN']['allowedIps'] == ['10.10.0.50/32', 'fd00:10::50/128']"
wgnet_in hub wg set "$IFA" peer "$KN" remove
wgm_wait_ev 10 event=peer_removed peer="$KN"
check "a peer removed with wg set ... remove logs peer_removed, old_status never_connected" \
    wgm_is 1 event=peer_removed interface="$IFA" peer="$KN" \
    old_status=never_connected
hub_get /raw "$T/raw3.json" >/dev/null
check "the removed peer is gone from /raw, the others stay" \
    jcheck "$T/raw3.json" "set(d[IFA]['peers']) == {K1, K2, KGA}"

# ---- The hub's second interface deleted while wgmond runs.
wgnet_in hub ip link del "$IFB"
check "deleting the hub's second interface ends its wireguard-go" \
    wgnet_wg_wait_exit "$IFB" 5
wgm_wait_ev 10 -n 2 event=peer_removed interface="$IFB"
wait_runs 1
removed_ifb() {
	wgm_is 1 event=peer_removed interface="$IFB" peer="$K3" \
	    old_status=inactive &&
	wgm_is 1 event=peer_removed interface="$IFB" peer="$KGB" \
	    old_status=never_connected &&
	wgm_is 2 event=peer_removed interface="$IFB" &&
	wgm_is 1 event=peer_removed interface="$IFA"
}
check "the deleted interface logs peer_removed for each of its peers (p3 inactive, its ghost never_connected), nothing more" \
    removed_ifb
hub_get /raw "$T/raw4.json" >/dev/null
hub_get /status "$T/status4.json" >/dev/null
only_ifa() {
	jcheck "$T/raw4.json" "set(d) == {IFA} and
set(d[IFA]['peers']) == {K1, K2, KGA}" &&
	jcheck "$T/status4.json" "set(d) == {IFA}"
}
check "/raw and /status then have the first interface only" only_ifa

# ---- Secrets, and the log as a whole.
hub_get /healthz "$T/healthz.json" >/dev/null
no_secrets() {
	local s f rc=0
	for s in "${WGNET_PRIV[a]}" "${WGNET_PRIV[b]}" "$WGNET_PSK"; do
		s=$(cat "$s")
		[ ${#s} -eq 44 ] || { echo "#   empty secret"; return 1; }
		for f in "$T"/raw*.json "$T"/status*.json "$T/healthz.json" \
		    "$LOG"; do
			if grep -qF -- "$s" "$f"; then
				echo "#   a secret is in ${f##*/}"
				rc=1
			fi
		done
	done
	return $rc
}
check "the hub's private keys and the preshared key appear nowhere in /raw, /status, /healthz or the daemon's log" \
    no_secrets
check "no collect_error while the network changed under wgmond" \
    wgm_is 0 event=collect_error

check "each peer's events chain from its first status (no duplicate, no gap)" \
    wgm_chain_ok

if wgm_stop; then
	ok "wgmond exits 0 on SIGTERM"
else
	not_ok "wgmond exits 0 on SIGTERM"
fi

# ---- Teardown, as the EXIT trap would do it.
wgnet_teardown
left=$(wgnet_leftovers)
if [ -z "$left" ]; then
	ok "teardown leaves no namespace, wireguard-go, mount or directory of this run"
else
	not_ok "teardown leaves no namespace, wireguard-go, mount or directory of this run"
	printf '#   left: %s\n' "$left"
fi
echo "# $(( $(date +%s) - T_START )) s"
wgm_done
