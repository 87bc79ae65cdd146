#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The command line and the environment (docs/DESIGN.md §2): -h prints the
# synopsis, every bad value exits 1 with one line naming the flag or the
# variable and the value, -n prints the effective configuration, a flag
# overrides the environment and the environment overrides the default.
#	bash tests/integration/daemon/test_cli.sh
#
# Every run but -h has -n: a value that is wrongly accepted must not
# start a daemon.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

# Nothing of the caller's environment counts.
for v in ${!WIREGUARD_MONITOR_@}; do
	unset "$v"
done

SYNOPSIS='usage: wgmond [-dnv] [-C connected] [-D disconnected] [-i check] [-l address:port] [-N names] [-r chroot] [-s script] [-t timeout] [-u user]'

# run [VAR=value...] -- args: runs the daemon with that environment; its
# stdout in $T/out, stderr in $T/err, exit status in $RC.
run() {
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	env "${envs[@]}" timeout -s KILL 10 "$WGMOND" "$@" \
	    > "$T/out" 2> "$T/err"
	RC=$?
}

# --- -h

# usage_asked args...: the usage on stdout alone, exit 0.
usage_asked() {
	run -- "$@"
	if [ "$RC" -eq 0 ] && [ "$(tr -s ' \n' '  ' < "$T/out" |
	    sed 's/ $//')" = "$SYNOPSIS" ] && [ ! -s "$T/err" ]; then
		ok "$* prints the usage on stdout and exits 0"
	else
		not_ok "$* prints the usage on stdout and exits 0"
		echo "#   exit status $RC: $(cat "$T/out" "$T/err")"
	fi
}

usage_asked -h
if [ -s "$T/out" ] && [ "$(tail -c 1 "$T/out" | od -An -c | tr -d ' ')" = '\n' ]
then
	ok "-h: the usage ends with a newline"
else
	not_ok "-h: the usage ends with a newline"
	echo "#   last byte: $(tail -c 1 "$T/out" | od -An -c)"
fi

# -h with other flags before it: still the usage asked for.
usage_asked -d -h

# --- Bad values.

# bad NAME WHAT VALUE [VAR=value...] -- args: exit 1, nothing on stdout,
# and on stderr one line that names WHAT (a flag or a variable) and VALUE.
bad() {
	local name=$1 what=$2 value=$3 lines first
	shift 3
	run "$@"
	lines=$(wc -l < "$T/err")
	first=$(head -n 1 "$T/err")
	if [ "$RC" -eq 1 ] && [ ! -s "$T/out" ] && [ "$lines" -eq 1 ] &&
	    [ "$(tail -c 1 "$T/err" | od -An -c | tr -d ' ')" = '\n' ] &&
	    [[ $first == *"$what"* ]] && [[ $first == *"$value"* ]]; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   exit status $RC, $lines lines:"
		sed 's/^/#   | /' "$T/err" "$T/out"
		echo
	fi
}

bad "-i not a number exits 1 naming -i and the value" -i abc -- -n -i abc
bad "-i zero exits 1 naming -i and the value" -i 0 -- -n -i 0
bad "-i negative exits 1 naming -i and the value" -i -5 -- -n -i -5
bad "-i overflow exits 1 naming -i and the value" -i 99999999999999999999 \
    -- -n -i 99999999999999999999
bad "-t zero exits 1 naming -t and the value" -t 0 -- -n -t 0
bad "-t not a number exits 1 naming -t and the value" -t 1.5 -- -n -t 1.5
bad "-C negative exits 1 naming -C and the value" -C -1 -- -n -C -1
bad "-D overflow exits 1 naming -D and the value" -D 18446744073709551617 \
    -- -n -D 18446744073709551617
bad "-D below -C exits 1 naming -D and its value" -D 100 \
    -- -n -C 200 -D 100
bad "-D below -C exits 1 naming -C and its value" -C 200 \
    -- -n -C 200 -D 100
bad "-l unparsable address exits 1 naming -l and the value" -l 999.1.1.1:5000 \
    -- -n -l 999.1.1.1:5000
bad "-l port not a number exits 1 naming -l and the value" -l 127.0.0.1:http \
    -- -n -l 127.0.0.1:http
bad "-l port overflow exits 1 naming -l and the value" -l 127.0.0.1:70000 \
    -- -n -l 127.0.0.1:70000
bad "-l port zero exits 1 naming -l and the value" -l 127.0.0.1:0 \
    -- -n -l 127.0.0.1:0
bad "-l IPv6 without brackets exits 1 naming -l and the value" -l ::1:5000 \
    -- -n -l ::1:5000

bad "WIREGUARD_MONITOR_CHECK_INTERVAL not a number exits 1 naming it" \
    WIREGUARD_MONITOR_CHECK_INTERVAL ten WIREGUARD_MONITOR_CHECK_INTERVAL=ten \
    -- -n
bad "WIREGUARD_MONITOR_SCRIPT_TIMEOUT zero exits 1 naming it" \
    WIREGUARD_MONITOR_SCRIPT_TIMEOUT 0 WIREGUARD_MONITOR_SCRIPT_TIMEOUT=0 \
    -- -n
bad "WIREGUARD_MONITOR_CONNECTED_INTERVAL negative exits 1 naming it" \
    WIREGUARD_MONITOR_CONNECTED_INTERVAL -30 \
    WIREGUARD_MONITOR_CONNECTED_INTERVAL=-30 -- -n
bad "WIREGUARD_MONITOR_DISCONNECTED_INTERVAL overflow exits 1 naming it" \
    WIREGUARD_MONITOR_DISCONNECTED_INTERVAL 4294967297 \
    WIREGUARD_MONITOR_DISCONNECTED_INTERVAL=4294967297 -- -n
bad "WIREGUARD_MONITOR_CONNECTED_INTERVAL above the default D exits 1 naming it" \
    WIREGUARD_MONITOR_CONNECTED_INTERVAL 300 \
    WIREGUARD_MONITOR_CONNECTED_INTERVAL=300 -- -n
bad "WIREGUARD_MONITOR_PORT not a number exits 1 naming it" \
    WIREGUARD_MONITOR_PORT http WIREGUARD_MONITOR_PORT=http -- -n
bad "WIREGUARD_MONITOR_PORT overflow exits 1 naming it" \
    WIREGUARD_MONITOR_PORT 65536 WIREGUARD_MONITOR_PORT=65536 -- -n
bad "WIREGUARD_MONITOR_HOST unparsable address exits 1 naming it" \
    WIREGUARD_MONITOR_HOST 127.0.0.256 WIREGUARD_MONITOR_HOST=127.0.0.256 \
    -- -n
# A variable is checked even when a flag overrides it.
bad "a bad WIREGUARD_MONITOR_CHECK_INTERVAL is refused under -i too" \
    WIREGUARD_MONITOR_CHECK_INTERVAL 0 WIREGUARD_MONITOR_CHECK_INTERVAL=0 \
    -- -n -i 5

# An unknown flag: the line that names it may be followed by the usage.
run -- -n -x
first=$(head -n 1 "$T/err")
if [ "$RC" -eq 1 ] && [ ! -s "$T/out" ] && [[ $first == *-x* ]] &&
    [[ $first == *unknown* ]]; then
	ok "an unknown flag exits 1 with a line naming it"
else
	not_ok "an unknown flag exits 1 with a line naming it"
	echo "#   exit status $RC:"
	sed 's/^/#   | /' "$T/err"
	echo
fi

# --- -n: the effective configuration.

# conf KEY: the value of KEY in the -n output of the last run.
conf() {
	awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' \
	    "$T/out"
}

# expect NAME KEY VALUE [VAR=value...] -- args
expect() {
	local name=$1 key=$2 value=$3
	shift 3
	run WIREGUARD_MONITOR_WG_JSON_SCRIPT="$T/wg-json" "$@"
	if [ "$RC" -eq 0 ] && [ "$(conf "$key")" = "$value" ]; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   exit status $RC, $key is \"$(conf "$key")\":"
		sed 's/^/#   | /' "$T/out" "$T/err"
	fi
}

# -n checks the script as a start would (docs/DESIGN.md §3). The default is
# this checkout's tools/wg-json, safe only where the checkout and every
# directory above it are root's and writable by nobody else (a user's
# clone is not): the expected verdict is worked out here, by the rule.
safe_path() {
	local p=$1 st
	st=$(stat -c '%u %a' "$p") || return 1
	[ "${st%% *}" = 0 ] && [ $((8#${st#* } & 8#022)) = 0 ] || return 1
	while [ "$p" != / ]; do
		p=$(dirname "$p")
		st=$(stat -c '%u %a' "$p") || return 1
		[ "${st%% *}" = 0 ] || return 1
		[ $((8#${st#* } & 8#1000)) != 0 ] && continue
		[ $((8#${st#* } & 8#022)) = 0 ] || return 1
	done
}
defaults_ok() {
	[ "$(conf connected)" = 180 ] && [ "$(conf disconnected)" = 240 ] &&
	    [ "$(conf check)" = 10 ] && [ "$(conf timeout)" = 10 ] &&
	    [ "$(conf listen)" = 127.0.0.1:5000 ] &&
	    [ "$(conf user)" = _wgmon ] && [ "$(conf chroot)" = /var/empty ]
}
DEFAULT_SCRIPT=$(cd "$TOP/tools" && pwd -P)/wg-json
run -- -n
if safe_path "$DEFAULT_SCRIPT"; then
	if [ "$RC" -eq 0 ] && defaults_ok &&
	    [[ $(conf script) == *wg-json ]]; then
		ok "-n prints the defaults and exits 0"
	else
		not_ok "-n prints the defaults and exits 0"
		sed 's/^/#   | /' "$T/out" "$T/err"
	fi
elif [ "$RC" -eq 1 ] && grep -q '^wgmond: unsafe script: .*/wg-json ' "$T/err"
then
	ok "-n refuses the default script of a checkout that is not root's"
	echo "#   $(head -n 1 "$T/err")"
else
	not_ok "-n refuses the default script of a checkout that is not root's"
	sed 's/^/#   | /' "$T/out" "$T/err"
fi

# From here on a safe copy of the script, so that what is checked is the
# configuration, wherever the checkout is.
cp "$TOP/tools/wg-json" "$T/wg-json"
chmod 0755 "$T/wg-json"
run WIREGUARD_MONITOR_WG_JSON_SCRIPT="$T/wg-json" -- -n
if [ "$RC" -eq 0 ] && defaults_ok; then
	ok "-n prints the defaults of everything but the script and exits 0"
else
	not_ok "-n prints the defaults of everything but the script and exits 0"
	sed 's/^/#   | /' "$T/out" "$T/err"
fi

expect "-n: the environment overrides the default (check)" check 20 \
    WIREGUARD_MONITOR_CHECK_INTERVAL=20 -- -n
expect "-n: a flag overrides the environment (check)" check 30 \
    WIREGUARD_MONITOR_CHECK_INTERVAL=20 -- -n -i 30
expect "-n: the environment overrides the default (user)" user wgtest \
    WIREGUARD_MONITOR_USER=wgtest -- -n
expect "-n: a flag overrides the environment (user)" user other \
    WIREGUARD_MONITOR_USER=wgtest -- -n -u other
expect "-n: the environment overrides the default (script)" script /x/y \
    WIREGUARD_MONITOR_WG_JSON_SCRIPT=/x/y -- -n
expect "-n: a flag overrides the environment (script)" script /x/z \
    WIREGUARD_MONITOR_WG_JSON_SCRIPT=/x/y -- -n -s /x/z
expect "-n: the environment overrides the default (connected, disconnected)" \
    disconnected 600 WIREGUARD_MONITOR_CONNECTED_INTERVAL=300 \
    WIREGUARD_MONITOR_DISCONNECTED_INTERVAL=600 -- -n
expect "-n: a flag overrides the environment (timeout)" timeout 3 \
    WIREGUARD_MONITOR_SCRIPT_TIMEOUT=7 -- -n -t 3
expect "-n: a flag overrides the environment (chroot)" chroot /srv/b \
    WIREGUARD_MONITOR_CHROOT=/srv/a -- -n -r /srv/b
expect "-n: WIREGUARD_MONITOR_HOST and WIREGUARD_MONITOR_PORT are honoured" \
    listen 127.0.0.2:5055 WIREGUARD_MONITOR_HOST=127.0.0.2 \
    WIREGUARD_MONITOR_PORT=5055 -- -n
expect "-n: WIREGUARD_MONITOR_PORT alone keeps the default host" \
    listen 127.0.0.1:6000 WIREGUARD_MONITOR_PORT=6000 -- -n
expect "-n: an IPv6 WIREGUARD_MONITOR_HOST is shown in brackets" \
    listen '[::1]:5000' WIREGUARD_MONITOR_HOST=::1 -- -n
expect "-n: -l overrides WIREGUARD_MONITOR_HOST and WIREGUARD_MONITOR_PORT" \
    listen 127.0.0.3:6001 WIREGUARD_MONITOR_HOST=127.0.0.2 \
    WIREGUARD_MONITOR_PORT=5055 -- -n -l 127.0.0.3:6001
expect "-n: -l with an address only keeps WIREGUARD_MONITOR_PORT" \
    listen 127.0.0.3:5055 WIREGUARD_MONITOR_PORT=5055 -- -n -l 127.0.0.3

wgm_done
