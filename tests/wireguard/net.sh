# shellcheck shell=bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A small real WireGuard network in network namespaces, for the tests in
# tests/integration/wireguard/test_wireguard.sh and for `make demo` (tools/demo).
# Sourced by bash; needs root, /dev/net/tun, iproute2 (ip netns),
# util-linux (unshare, nsenter), wireguard-go and wireguard-tools.
#
#	hub  (netns RUN-hub)  wireguard-go RUNa  10.10.0.1/24 fd00:10::1/64  :51820
#	                      wireguard-go RUNb  10.20.0.1/24 fd00:20::1/64  :51821
#	p1   (netns RUN-p1)   on RUNa, underlay IPv4 172.16.1.0/24, fd00:16:1::/64
#	p2   (netns RUN-p2)   on RUNa, underlay IPv6 (endpoint [fd00:16:2::1]:51820),
#	                      preshared key
#	p3   (netns RUN-p3)   on RUNb, underlay IPv4 172.16.3.0/24, fd00:16:3::/64
#	ghosta, ghostb        peers of RUNa and RUNb that exist only as keys: no
#	                      namespace, no endpoint, never a handshake
#
# Each peer namespace is joined to the hub by a veth pair (hub side "to-pN",
# peer side "eth0") with IPv4 and IPv6 (ULA) addresses.  Every address lives
# only inside these namespaces.  RUN is WGNET_PREFIX (wgmn) and the pid of
# the shell that sourced this file, so concurrent runs never collide.
#
# Every node also has its own mount namespace with a private tmpfs on
# /run/wireguard.  wireguard-go's control socket is /run/wireguard/IF.sock
# and `wg show all` lists every socket there: without that, `wg` in the hub
# would list the peers' interfaces, and those of any other run, too.  So
# commands that talk to WireGuard run as `wgnet_in NODE cmd...` (nsenter
# into both namespaces); plain `ip netns exec RUN-hub cmd` is fine for
# everything else (curl, the probes).
#
# API:
#	wgnet_skip_reason [CMD...]
#				prints why this, and CMD..., cannot run here
#				(nothing: it can)
#	wgnet_setup		builds the network, all peers handshaken; installs
#				the EXIT/INT/TERM trap that tears it down
#	wgnet_in NODE CMD...	runs CMD in node hub, p1, p2 or p3
#	wgnet_bg NODE CMD...	the same in the background; pid in WGNET_BG_PID
#	wgnet_ns NODE		the node's netns name
#	wgnet_peer_start P	starts P's wireguard-go and configures it (link down)
#	wgnet_peer_up P		brings P's link up and pings the hub (handshake)
#	wgnet_peer_stop P	stops P's wireguard-go (by its pid)
#	wgnet_ping P		round trips from P to the hub's tunnel addresses
#				(retried until answered, bounded)
#	wgnet_traffic P		the same, once, answered or not
#	wgnet_probe NODE ADDR	one TCP round trip (an answered connect)
#	wgnet_wg_pid IF		the pid of the wireguard-go of IF
#	wgnet_track PID		a process to be ended at teardown (before the rest)
#	wgnet_teardown		ends every process, deletes namespaces and mounts
#	wgnet_leftovers		prints what of this run is still there
#	wgnet_describe		prints the network for a human
# Variables after wgnet_setup: WGNET_RUN, WGNET_DIR, WGNET_HUB (the hub's
# netns), WGNET_IFA, WGNET_IFB, WGNET_PEERS (p1 p2 p3), and per peer or ghost
# X: WGNET_PUB[X], WGNET_ON[X] (a or b), WGNET_AIPS[X] (on the hub),
# WGNET_KEEPALIVE[X] (on the hub, 0 = off); WGNET_PRIV[a|b] and WGNET_PSK
# (files holding the secrets).

WGNET_PREFIX=${WGNET_PREFIX:-wgmn}
WGNET_RUN=
WGNET_DIR=
WGNET_HUB=
WGNET_IFA=
WGNET_IFB=
WGNET_PSK=
WGNET_PEERS=(p1 p2 p3)
WGNET_GHOSTS=(ghosta ghostb)
declare -A WGNET_PUB WGNET_PRIV WGNET_ON WGNET_AIPS WGNET_KEEPALIVE
WGNET_PREV_EXIT=

# The plan.  Peer N: underlay 172.16.N.0/24 and fd00:16:N::/64 (hub .1,
# peer .2), listen port 51900+N, tunnel address .N+1 of its hub interface.
declare -A WGNET_PORT=([a]=51820 [b]=51821)
declare -A WGNET_NET4=([a]=10.10.0 [b]=10.20.0)
declare -A WGNET_NET6=([a]=fd00:10: [b]=fd00:20:)

wgnet_skip_reason() {
	local c
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root"
		return
	fi
	if [ ! -c /dev/net/tun ]; then
		echo "no /dev/net/tun"
		return
	fi
	for c in ip wg wireguard-go nsenter unshare mount umount mountpoint \
	    timeout; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "no $c"
			return
		fi
	done
	if ! ip netns list >/dev/null 2>&1; then
		echo "ip netns does not work"
		return
	fi
	for c; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "no $c"
			return
		fi
	done
}

wgnet_ns() {
	echo "$WGNET_RUN-$1"
}

# The pid of the process that holds NODE's mount namespace (wgnet__node):
# commands enter it with its root directory (nsenter --root), which is the
# caller's own root where that is a chroot, too.
wgnet__holder() {
	cat "$WGNET_DIR/holders/$1"
}

wgnet_in() {
	local node=$1
	shift
	nsenter --net="/run/netns/$WGNET_RUN-$node" \
	    --target="$(wgnet__holder "$node")" --mount --root --wd="$PWD" \
	    -- "$@"
}

# wgnet_bg NODE CMD...: CMD in the background in NODE; its pid (CMD's own:
# nsenter execs it) in WGNET_BG_PID.  Redirections on the call apply to CMD.
# `wgnet_in NODE CMD &` would give the pid of a subshell instead.
wgnet_bg() {
	local node=$1
	shift
	nsenter --net="/run/netns/$WGNET_RUN-$node" \
	    --target="$(wgnet__holder "$node")" --mount --root --wd="$PWD" \
	    -- "$@" &
	WGNET_BG_PID=$!
}

# A process's start time (clock ticks since boot), to tell a live owner from
# a reused pid.
wgnet__starttime() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	set -- $s
	echo "${20}"
}

# Is the run named $1 (PREFIX<pid>) still owned by a live process?
wgnet__alive() {
	local pid=${1#"$WGNET_PREFIX"} owner st
	[ -d "/proc/$pid" ] || return 1
	[ -r "/run/$1/owner" ] || return 0
	read -r owner st < "/run/$1/owner"
	[ "$owner" = "$pid" ] && [ "$(wgnet__starttime "$pid")" = "$st" ]
}

# Ends the processes in netns $1 (ours: they run in our namespace).
wgnet__kill_ns() {
	local pids p i
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] || return 0
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for ((i = 0; i < 30; i++)); do
		pids=$(ip netns pids "$1" 2>/dev/null)
		[ -n "$pids" ] || return 0
		sleep 0.1
	done
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
}

# Removes what a run left: its processes, namespaces, mounts, directory.
wgnet__remove_run() {
	local run=$1 ns m
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $ns in
		"$run"-*)
			wgnet__kill_ns "$ns"
			ip netns delete "$ns" 2>/dev/null
			;;
		esac
	done
	if [ -d "/run/$run" ]; then
		# Mounts made by earlier versions of this file.
		for m in "/run/$run"/*.mnt; do
			[ -e "$m" ] && umount "$m" 2>/dev/null
		done
		mountpoint -q "/run/$run" && umount "/run/$run" 2>/dev/null
		rm -rf -- "/run/$run"
	fi
}

# Leftovers of dead runs of this prefix (never those of a live run).
wgnet__remove_stale() {
	local run ns d
	{
		ip netns list 2>/dev/null | awk '{ print $1 }' |
		    sed -n "s/^\($WGNET_PREFIX[0-9][0-9]*\)-.*/\1/p"
		for d in /run/"$WGNET_PREFIX"[0-9]*; do
			[ -d "$d" ] && echo "${d#/run/}"
		done
	} | sort -u | while read -r run; do
		[[ $run =~ ^$WGNET_PREFIX[0-9]+$ ]] || continue
		wgnet__alive "$run" || wgnet__remove_run "$run"
	done
}

wgnet_track() {
	echo "$1" >> "$WGNET_DIR/tracked"
}

wgnet__on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	wgnet_teardown
	eval "$WGNET_PREV_EXIT"
	exit "$rc"
}

# wgnet__each FUNC ARG...: FUNC ARG for each ARG, up to the first failure.
wgnet__each() {
	local f=$1 x
	shift
	for x; do
		"$f" "$x" || return 1
	done
}

# wgnet__await PID CMD...: CMD retried for up to 5 s, while PID lives.
wgnet__await() {
	local pid=$1 i
	shift
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# The run's directories, and /run/wireguard, where wg looks for sockets.
wgnet__dirs() {
	mkdir -p "$WGNET_DIR/keys" "$WGNET_DIR/pids" "$WGNET_DIR/log" \
	    "$WGNET_DIR/holders" &&
	    chmod 0700 "$WGNET_DIR/keys" || return 1
	[ -d /run/wireguard ] || mkdir -m 0755 /run/wireguard
}

wgnet__sleeping() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = sleep ]
}

# A node: its netns with lo up, and its mount namespace with a private
# /run/wireguard, held by a process that sleeps in both (pid in
# $WGNET_DIR/holders/NODE; ended with the netns's other processes).
# Commands enter through the holder (nsenter --target) rather than a
# namespace file: entering a mount namespace by file sets the root to the
# namespace's, which in a chroot (a fresh Debian root made by debootstrap)
# is the host's, where the files of this run are not.
wgnet__node() {
	local pid
	ip netns add "$WGNET_RUN-$1" || return 1
	ip -n "$WGNET_RUN-$1" link set lo up || return 1
	nsenter --net="/run/netns/$WGNET_RUN-$1" \
	    unshare --mount --propagation private \
	    sh -c 'mount -t tmpfs -o mode=0755,size=1m "$0" /run/wireguard &&
	    exec sleep infinity' "$WGNET_RUN" </dev/null >/dev/null \
	    2>>"$WGNET_DIR/log/$1.holder" &
	pid=$!
	echo "$pid" > "$WGNET_DIR/holders/$1"
	# Ready once it sleeps: the mount is done.
	wgnet__await "$pid" wgnet__sleeping "$pid" && return 0
	echo "wgnet: the mount namespace of $1 could not be made" >&2
	return 1
}

wgnet__key() {
	(umask 077 && wg genkey > "$WGNET_DIR/keys/$1") || return 1
	WGNET_PUB[$1]=$(wg pubkey < "$WGNET_DIR/keys/$1")
}

# wgnet__wg_start NODE IF: wireguard-go for IF in NODE, in the foreground
# of a background job of this shell, its pid recorded; waits for its socket.
wgnet__wg_start() {
	local node=$1 ifname=$2 pid
	WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 LOG_LEVEL=verbose \
	    wgnet_bg "$node" wireguard-go -f "$ifname" \
	    </dev/null >>"$WGNET_DIR/log/$ifname" 2>&1
	pid=$WGNET_BG_PID
	echo "$pid" > "$WGNET_DIR/pids/$ifname"
	wgnet__await "$pid" wgnet__wg_ready "$node" "$ifname" && return 0
	echo "wgnet: wireguard-go $ifname did not start" >&2
	return 1
}

# wgnet__wg_ready NODE IF: IF's control socket answers.
wgnet__wg_ready() {
	wgnet_in "$1" test -S "/run/wireguard/$2.sock" &&
	    wgnet_in "$1" wg show "$2" >/dev/null 2>&1
}

wgnet_wg_pid() {
	cat "$WGNET_DIR/pids/$1" 2>/dev/null
}

# Is pid $1 the wireguard-go of interface $2 (and not a zombie)?
wgnet__is_wg() {
	local st
	st=$(wgnet__state "$1") && [ "$st" != Z ] &&
	    tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null |
	    grep -q "^wireguard-go -f $2 "
}

# A process's state letter (Z: a zombie, as good as gone); fails if none.
wgnet__state() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	echo "${s%% *}"
}

# wgnet__end PID: SIGTERM, up to 3 s, then SIGKILL; reaped if ours.
wgnet__end() {
	local pid=$1 i st
	for ((i = 0; i < 30; i++)); do
		st=$(wgnet__state "$pid") && [ "$st" != Z ] || break
		[ "$i" -eq 0 ] && kill -TERM "$pid" 2>/dev/null
		sleep 0.1
	done
	[ "$i" -eq 30 ] && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wgnet__wg_stop IF: ends IF's wireguard-go if it still runs.
wgnet__wg_stop() {
	local pid
	pid=$(wgnet_wg_pid "$1")
	[ -n "$pid" ] || return 0
	if wgnet__is_wg "$pid" "$1"; then
		wgnet__end "$pid"
	elif ! wgnet__state "$pid" >/dev/null; then
		wait "$pid" 2>/dev/null		# gone: only reaps
	fi
	rm -f "$WGNET_DIR/pids/$1"
}

# wgnet_wg_wait_exit IF [SECONDS]: until IF's wireguard-go has ended.
wgnet_wg_wait_exit() {
	local pid i
	pid=$(wgnet_wg_pid "$1")
	for ((i = 0; i < ${2:-5} * 10; i++)); do
		[ -z "$pid" ] || wgnet__is_wg "$pid" "$1" || return 0
		sleep 0.1
	done
	return 1
}

# wgnet__addr NODE DEV ADDR...: addresses without duplicate address
# detection, so IPv6 is usable at once.
wgnet__addr() {
	local node=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$WGNET_RUN-$node" -6 addr add "$a" dev "$dev" nodad ;;
		*) ip -n "$WGNET_RUN-$node" addr add "$a" dev "$dev" ;;
		esac || return 1
	done
}

wgnet__hub_if() {
	local x=$1 ifname
	ifname=$WGNET_RUN$x
	wgnet__wg_start hub "$ifname" &&
	    wgnet_in hub wg set "$ifname" listen-port "${WGNET_PORT[$x]}" \
	    private-key "$WGNET_DIR/keys/$x" &&
	    wgnet__addr hub "$ifname" "${WGNET_NET4[$x]}.1/24" \
	    "${WGNET_NET6[$x]}:1/64" &&
	    ip -n "$WGNET_HUB" link set "$ifname" up
}

# wgnet__hub_peer X: X's entry on its hub interface.
wgnet__hub_peer() {
	local x=$1 args
	args=(peer "${WGNET_PUB[$x]}" allowed-ips "${WGNET_AIPS[$x]}")
	[ "${WGNET_KEEPALIVE[$x]}" != 0 ] &&
	    args+=(persistent-keepalive "${WGNET_KEEPALIVE[$x]}")
	[ "$x" = p2 ] && args+=(preshared-key "$WGNET_PSK")
	wgnet_in hub wg set "$WGNET_RUN${WGNET_ON[$x]}" "${args[@]}"
}

wgnet__peer_n() {
	echo "${1#p}"
}

# The hub's address as peer P dials it: p2 over IPv6, the others IPv4.
wgnet__hub_endpoint() {
	local n x
	n=$(wgnet__peer_n "$1")
	x=${WGNET_ON[$1]}
	if [ "$1" = p2 ]; then
		echo "[fd00:16:$n::1]:${WGNET_PORT[$x]}"
	else
		echo "172.16.$n.1:${WGNET_PORT[$x]}"
	fi
}

wgnet_peer_start() {
	local p=$1 n x ifname args
	n=$(wgnet__peer_n "$p")
	x=${WGNET_ON[$p]}
	ifname=$WGNET_RUN$p
	args=(peer "${WGNET_PUB[$x]}" endpoint "$(wgnet__hub_endpoint "$p")"
	    allowed-ips "${WGNET_NET4[$x]}.0/24,${WGNET_NET6[$x]}:/64")
	[ "$p" != p2 ] && args+=(persistent-keepalive 25)
	[ "$p" = p2 ] && args+=(preshared-key "$WGNET_PSK")
	wgnet__wg_start "$p" "$ifname" &&
	    wgnet_in "$p" wg set "$ifname" listen-port $((51900 + n)) \
	    private-key "$WGNET_DIR/keys/$p" "${args[@]}" &&
	    wgnet__addr "$p" "$ifname" "${WGNET_NET4[$x]}.$((n + 1))/24" \
	    "${WGNET_NET6[$x]}:$((n + 1))/64"
}

# The hub's tunnel addresses, as peer P reaches them.
wgnet__hub_tunnel() {
	local x=${WGNET_ON[$1]}
	echo "${WGNET_NET4[$x]}.1 ${WGNET_NET6[$x]}:1"
}

# wgnet_probe NODE ADDR: a TCP connection attempt to port 9 of ADDR; the
# answer (a reset: "Connection refused") proves a round trip.  No ping: it
# is not installed everywhere.
wgnet_probe() {
	ip netns exec "$WGNET_RUN-$1" timeout 2 bash -c \
	    'exec 3<>"/dev/tcp/$0/9"' "$2" 2>&1 | grep -q 'Connection refused'
}

# wgnet_ping P: a round trip from P to each tunnel address of its hub
# interface (the first one starts a handshake; retried, bounded).
wgnet_ping() {
	local a i
	for a in $(wgnet__hub_tunnel "$1"); do
		for ((i = 0; i < 5; i++)); do
			wgnet_probe "$1" "$a" && break
			sleep 0.2
		done
		[ "$i" -lt 5 ] || return 1
	done
}

# wgnet_traffic P: one round trip from P to each tunnel address of its hub
# interface, no retry (a little traffic, as a user would make).
wgnet_traffic() {
	local a rc=0
	for a in $(wgnet__hub_tunnel "$1"); do
		wgnet_probe "$1" "$a" || rc=1
	done
	return $rc
}

wgnet_peer_up() {
	ip -n "$WGNET_RUN-$1" link set "$WGNET_RUN$1" up && wgnet_ping "$1"
}

wgnet_peer_stop() {
	wgnet__wg_stop "$WGNET_RUN$1"
}

wgnet__veth() {
	local p=$1 n
	n=$(wgnet__peer_n "$p")
	ip -n "$WGNET_HUB" link add "to-$p" type veth peer name eth0 \
	    netns "$WGNET_RUN-$p" &&
	    wgnet__addr hub "to-$p" "172.16.$n.1/24" "fd00:16:$n::1/64" &&
	    wgnet__addr "$p" eth0 "172.16.$n.2/24" "fd00:16:$n::2/64" &&
	    ip -n "$WGNET_HUB" link set "to-$p" up &&
	    ip -n "$WGNET_RUN-$p" link set eth0 up
}

wgnet__plan() {
	WGNET_ON=([p1]=a [p2]=a [p3]=b [ghosta]=a [ghostb]=b)
	WGNET_AIPS=(
	    [p1]=10.10.0.2/32,fd00:10::2/128,192.168.11.0/24
	    [p2]=10.10.0.3/32,fd00:10::3/128
	    [p3]=10.20.0.4/32,fd00:20::4/128,192.168.13.0/24,fd00:13::/64
	    [ghosta]=10.10.0.9/32,fd00:10::9/128
	    [ghostb]=10.20.0.9/32)
	WGNET_KEEPALIVE=([p1]=25 [p2]=0 [p3]=21 [ghosta]=0 [ghostb]=30)
}

wgnet__build() {
	local x p
	wgnet__plan
	wgnet__dirs &&
	    wgnet__each wgnet__node hub "${WGNET_PEERS[@]}" || return 1
	for x in a b "${WGNET_PEERS[@]}" "${WGNET_GHOSTS[@]}"; do
		wgnet__key "$x" || return 1
		WGNET_PRIV[$x]=$WGNET_DIR/keys/$x
	done
	WGNET_PSK=$WGNET_DIR/keys/psk
	(umask 077 && wg genpsk > "$WGNET_PSK") || return 1
	wgnet__each wgnet__veth "${WGNET_PEERS[@]}" &&
	    wgnet__hub_if a && wgnet__hub_if b &&
	    wgnet__each wgnet__hub_peer \
	    "${WGNET_PEERS[@]}" "${WGNET_GHOSTS[@]}" &&
	    wgnet__each wgnet_peer_start "${WGNET_PEERS[@]}" || return 1
	# Last and together, so that the first handshakes are close in time.
	for p in "${WGNET_PEERS[@]}"; do
		wgnet_peer_up "$p" || {
			echo "wgnet: $p does not reach the hub" >&2
			return 1
		}
	done
}

wgnet_setup() {
	local prev
	WGNET_RUN=$WGNET_PREFIX$$
	WGNET_DIR=/run/$WGNET_RUN
	WGNET_HUB=$WGNET_RUN-hub
	WGNET_IFA=${WGNET_RUN}a
	WGNET_IFB=${WGNET_RUN}b
	if [ ${#WGNET_RUN} -gt 12 ]; then
		echo "wgnet: run name $WGNET_RUN too long for interface names" >&2
		return 1
	fi
	wgnet__remove_stale
	wgnet__remove_run "$WGNET_RUN"	# a dead run with our pid

	# Chain the caller's EXIT trap after the teardown (not our own, from
	# an earlier setup in this shell).
	prev=$(trap -p EXIT)
	prev=${prev#trap -- }
	prev=${prev% EXIT}
	[ -n "$prev" ] && [ "$prev" != "'wgnet__on_exit'" ] &&
	    eval "WGNET_PREV_EXIT=$prev"
	trap wgnet__on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	mkdir -m 0700 "$WGNET_DIR" || return 1
	echo "$$ $(wgnet__starttime $$)" > "$WGNET_DIR/owner"
	: > "$WGNET_DIR/tracked"
	wgnet__build
}

wgnet_teardown() {
	local p f node
	[ -n "$WGNET_RUN" ] || return 0
	if [ -d "$WGNET_DIR" ]; then
		for p in $(cat "$WGNET_DIR/tracked" 2>/dev/null); do
			wgnet__end "$p"
		done
		for f in "$WGNET_DIR"/pids/*; do
			[ -e "$f" ] && wgnet__wg_stop "${f##*/}"
		done
	fi
	for node in hub "${WGNET_PEERS[@]}"; do
		wgnet__kill_ns "$WGNET_RUN-$node"
	done
	wgnet__remove_run "$WGNET_RUN"
	WGNET_LAST_RUN=$WGNET_RUN
	WGNET_RUN=
}

# What of the run (default: the last torn down) is still there, one line
# each; nothing when all is gone.
wgnet_leftovers() {
	local run=${1:-${WGNET_RUN:-$WGNET_LAST_RUN}}
	[ -n "$run" ] || return 0
	ip netns list 2>/dev/null | awk -v r="$run-" \
	    'index($1, r) == 1 { print "netns " $1 }'
	pgrep -a -f "^wireguard-go -f $run" | sed 's/^/process /'
	[ -e "/run/$run" ] && echo "directory /run/$run"
	grep -F "/run/$run" /proc/self/mountinfo | awk '{ print "mount " $5 }'
	return 0
}

wgnet_describe() {
	local p x
	cat <<-EOF
	hub      netns $WGNET_HUB
	         $WGNET_IFA  ${WGNET_NET4[a]}.1/24 ${WGNET_NET6[a]}:1/64  port ${WGNET_PORT[a]}  key ${WGNET_PUB[a]}
	         $WGNET_IFB  ${WGNET_NET4[b]}.1/24 ${WGNET_NET6[b]}:1/64  port ${WGNET_PORT[b]}  key ${WGNET_PUB[b]}
	EOF
	for p in "${WGNET_PEERS[@]}"; do
		x=${WGNET_ON[$p]}
		printf '%-8s netns %s, on %s via %s, key %s\n' "$p" \
		    "$WGNET_RUN-$p" "$WGNET_RUN$x" "$(wgnet__hub_endpoint "$p")" \
		    "${WGNET_PUB[$p]}"
	done
	for p in "${WGNET_GHOSTS[@]}"; do
		printf '%-8s no namespace, on %s, never connects, key %s\n' \
		    "$p" "$WGNET_RUN${WGNET_ON[$p]}" "${WGNET_PUB[$p]}"
	done
}
