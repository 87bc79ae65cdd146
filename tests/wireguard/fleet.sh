# shellcheck shell=bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A fleet of WireGuard gateways in network namespaces, for
# tests/integration/wireguard/test_fleet.sh.  Built on tests/wireguard/net.sh (its
# nodes, keys, wireguard-go, teardown): source net.sh, then this file, which
# replaces net.sh's plan with the one below; wgnet_setup then builds it and
# wgnet_teardown removes it, as for the hub.
#
#	mon  (netns RUN-mon)   the monitoring host: veth "to-gN" 172.30.N.1/24
#	gN   (netns RUN-gN)    gateway N (1-3): veth "mon0" 172.30.N.2/24,
#	                       wireguard-go RUNgN 10.N.0.1/24 :51820
#	gNx  (netns RUN-gNx)   peer x (a, b) of gateway N: underlay veth to gN,
#	                       172.16.N$k.0/24 (gN .1, peer .2), wireguard-go
#	                       RUNgNx 10.N.0.(k+1)/24 :5190k, keepalive 10 s
#
# k is 1 for peer a, 2 for b.  Gateway 1 has peers a and b, gateways 2 and
# 3 peer a.  The peers dial their gateway and keep a persistent keepalive,
# so WireGuard renews each session (a new handshake) about every two
# minutes for as long as the peer runs.
#
# API (besides net.sh's wgnet_in, wgnet_bg, wgnet_ns, wgnet_probe,
# wgnet_track, wgnet_teardown, wgnet_leftovers):
#	fleet_peer_stop P	stops peer P's wireguard-go
#	fleet_devlog G DIR	a private /dev in gateway G's mount namespace
#				(an overlay whose upper layer is DIR), where
#				G's rsyslogd makes its own /dev/log
#	fleet_mon_addr G	the monitoring host's address on G's link
#	fleet_gw_addr G		G's address on that link
# Variables: FLEET_GWS (g1 g2 g3), FLEET_PEERS (every peer), FLEET_GW[P]
# (P's gateway), WGNET_PUB[X] for every gateway and peer.

FLEET_GWS=(g1 g2 g3)
FLEET_PEERS=(g1a g1b g2a g3a)
declare -A FLEET_GW=([g1a]=g1 [g1b]=g1 [g2a]=g2 [g3a]=g3)
# net.sh's teardown ends the processes of these nodes' namespaces.
WGNET_PEERS=(mon "${FLEET_GWS[@]}" "${FLEET_PEERS[@]}")

fleet__n() {
	local g=${1:1:1}
	echo "$g"
}

fleet__k() {
	case $1 in
	*a) echo 1 ;;
	*) echo 2 ;;
	esac
}

fleet_mon_addr() {
	echo "172.30.$(fleet__n "$1").1"
}

fleet_gw_addr() {
	echo "172.30.$(fleet__n "$1").2"
}

# fleet__veth A AIF AADDR B BIF BADDR: a veth pair between two nodes.
fleet__veth() {
	ip -n "$(wgnet_ns "$1")" link add "$2" type veth peer name "$5" \
	    netns "$(wgnet_ns "$4")" &&
	    wgnet__addr "$1" "$2" "$3/24" && wgnet__addr "$4" "$5" "$6/24" &&
	    ip -n "$(wgnet_ns "$1")" link set "$2" up &&
	    ip -n "$(wgnet_ns "$4")" link set "$5" up
}

fleet__gateway() {
	local g=$1 n ifname
	n=$(fleet__n "$g")
	ifname=$WGNET_RUN$g
	wgnet__key "$g" &&
	    fleet__veth mon "to-$g" "$(fleet_mon_addr "$g")" \
	    "$g" mon0 "$(fleet_gw_addr "$g")" &&
	    wgnet__wg_start "$g" "$ifname" &&
	    wgnet_in "$g" wg set "$ifname" listen-port 51820 \
	    private-key "$WGNET_DIR/keys/$g" &&
	    wgnet__addr "$g" "$ifname" "10.$n.0.1/24" &&
	    ip -n "$(wgnet_ns "$g")" link set "$ifname" up
}

# The peer's entry on its gateway, then the peer's own wireguard-go.
fleet__peer() {
	local p=$1 g=${FLEET_GW[$1]} n k under
	n=$(fleet__n "$g")
	k=$(fleet__k "$p")
	under=172.16.$n$k
	wgnet__key "$p" &&
	    fleet__veth "$g" "to-$p" "$under.1" "$p" eth0 "$under.2" &&
	    wgnet_in "$g" wg set "$WGNET_RUN$g" peer "${WGNET_PUB[$p]}" \
	    allowed-ips "10.$n.0.$((k + 1))/32" &&
	    wgnet__wg_start "$p" "$WGNET_RUN$p" &&
	    wgnet_in "$p" wg set "$WGNET_RUN$p" listen-port $((51900 + k)) \
	    private-key "$WGNET_DIR/keys/$p" peer "${WGNET_PUB[$g]}" \
	    endpoint "$under.1:51820" allowed-ips "10.$n.0.0/24" \
	    persistent-keepalive 10 &&
	    wgnet__addr "$p" "$WGNET_RUN$p" "10.$n.0.$((k + 1))/24"
}

# Link up, and a round trip to the gateway's tunnel address (the first
# packet makes the handshake; retried, bounded).
fleet__peer_up() {
	local p=$1 i
	ip -n "$(wgnet_ns "$p")" link set "$WGNET_RUN$p" up || return 1
	for ((i = 0; i < 10; i++)); do
		wgnet_probe "$p" "10.$(fleet__n "${FLEET_GW[$p]}").0.1" &&
		    return 0
		sleep 0.2
	done
	echo "wgnet: $p does not reach its gateway" >&2
	return 1
}

fleet_peer_stop() {
	wgnet__wg_stop "$WGNET_RUN$1"
}

# Replaces net.sh's hub and peers (wgnet_setup calls it).
wgnet__build() {
	wgnet__dirs &&
	    wgnet__each wgnet__node "${WGNET_PEERS[@]}" &&
	    wgnet__each fleet__gateway "${FLEET_GWS[@]}" &&
	    wgnet__each fleet__peer "${FLEET_PEERS[@]}" &&
	    # Last and together, so that the first handshakes are close in time.
	    wgnet__each fleet__peer_up "${FLEET_PEERS[@]}"
}

# An overlay on /dev inside G's mount namespace (private to it: the
# machine's /dev is its lower layer, untouched), with fresh /dev/shm and
# /dev/pts, which the overlay hides.  It goes with the namespace.
fleet_devlog() {
	mkdir -p "$2/upper" "$2/work" &&
	    wgnet_in "$1" sh -c 'mount -t overlay wgm-dev \
	    -o "lowerdir=/dev,upperdir=$0/upper,workdir=$0/work" /dev &&
	    mount -t tmpfs -o mode=1777 wgm-shm /dev/shm &&
	    mount -t devpts -o newinstance,ptmxmode=0666 wgm-pts /dev/pts' "$2"
}
