#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The two processes (docs/DESIGN.md §7): the frontend runs as the -u user,
# chrooted, with no_new_privs and a seccomp filter, the collector stays
# root; either dying ends the other; SIGTERM and SIGINT stop both; and
# what start-up must refuse (unknown user, bad chroot, not root, unsafe
# script, port in use) it refuses with exit 1 and a message.
#	bash tests/integration/daemon/test_process.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

FPID=
HOLDER=

wgm_atexit 'wgm_end "$HOLDER" KILL'
wgm_atexit 'wgm_end "$FPID" KILL'

NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

wgm_script_cat wg-json
wgm_json wg-json.json <<-'EOF'
{"wg0": {"listenPort": 51820, "peers": {"glN7kGle/RgjSpwHFze0/Pltrla7P9tPESf8kCNo4Ng=": {"latestHandshake": 4000000000, "allowedIps": ["10.0.0.2/32"]}}}}
EOF
SCRIPT=$T/wg-json

# status_field PID NAME: the value of a /proc/PID/status line, its fields
# still separated by tabs.
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

start() {
	wgm_start -s "$SCRIPT" -i 1 -t 2 "$@" && FPID=$(wgm_frontend_pid) &&
	    [ -n "$FPID" ]
}

# only_sanitizer_env PID: the process's environment holds nothing but
# what a sanitizer build needs.
only_sanitizer_env() {
	! tr '\0' '\n' < "/proc/$1/environ" |
	    grep -vE '^(ASAN|UBSAN)_OPTIONS=' | grep -q .
}

# --- The frontend's privileges.
export WGMOND_TEST_CANARY=frontend-must-not-see-this
if ! start; then
	not_ok "the daemon starts"
	exit 1
fi
unset WGMOND_TEST_CANARY

check "the collector has the caller's environment" \
    grep -qz '^WGMOND_TEST_CANARY=' "/proc/$PID/environ"
check "the frontend has no environment but the sanitizers' options" \
    only_sanitizer_env "$FPID"

check "the frontend's real, effective, saved and fs uid are nobody's" \
    test "$(status_field "$FPID" Uid)" = \
    "$NOBODY_UID	$NOBODY_UID	$NOBODY_UID	$NOBODY_UID"
check "the frontend's real, effective, saved and fs gid are nobody's" \
    test "$(status_field "$FPID" Gid)" = \
    "$NOBODY_GID	$NOBODY_GID	$NOBODY_GID	$NOBODY_GID"
check "the frontend's root is the chroot directory" \
    test "$(readlink "/proc/$FPID/root")" = "$CHROOT"
check "the frontend has no_new_privs" \
    test "$(status_field "$FPID" NoNewPrivs)" = 1
check "the frontend is under a seccomp filter" \
    test "$(status_field "$FPID" Seccomp)" = 2
check "the collector is still root" \
    test "$(status_field "$PID" Uid)" = "0	0	0	0"

# --- The frontend killed: the parent exits 1 and says so.
kill -KILL "$FPID"
wgm_wait_exit 10
rc=$?
if [ "$rc" -eq 1 ] && grep -qE 'frontend terminated; status [0-9]+' "$LOG"; then
	ok "SIGKILL to the frontend: the parent logs 'frontend terminated' and exits 1"
else
	not_ok "SIGKILL to the frontend: the parent logs 'frontend terminated' and exits 1"
	echo "#   exit status $rc"
fi
FPID=

# --- The parent killed: the frontend exits on its own.
if start; then
	kill -KILL "$PID"
	wait "$PID" 2>/dev/null
	PID=
	check "SIGKILL to the parent: the frontend exits on its own" \
	    wgm_wait_gone "$FPID" 5
	kill -KILL "$FPID" 2>/dev/null
	FPID=
else
	not_ok "SIGKILL to the parent: the frontend exits on its own"
fi

# --- SIGTERM and SIGINT stop both, exit 0.

# stops SIGNAL NAME: started, the signal to the parent stops both
# processes, and the parent exits 0.
stops() {
	local rc

	if ! start; then
		not_ok "$2"
		return
	fi
	kill -"$1" "$PID"
	wgm_wait_exit 10
	rc=$?
	if [ "$rc" -eq 0 ] && wgm_wait_gone "$FPID" 5; then
		ok "$2"
	else
		not_ok "$2"
		echo "#   exit status $rc"
	fi
	kill -KILL "$FPID" 2>/dev/null
	FPID=
}

for sig in TERM INT; do
	stops "$sig" "SIG$sig to the parent: both processes stop, exit 0"
done

# Without the sanitizers' options of tests/run too: a sanitizer build
# (make check's) must not run the leak check that its sandbox forbids,
# and spin at exit instead of exiting.
WGM_WRAP=(env -u ASAN_OPTIONS -u LSAN_OPTIONS)
stops TERM "SIGTERM with no ASAN_OPTIONS: both processes stop, exit 0"
WGM_WRAP=()

# --- Refused at start-up.

# refused NAME REGEX [runner...] -- args: the daemon must exit 1 within a
# few seconds with a message matching REGEX (extended, on stderr).
refused() {
	local name=$1 re=$2 rc out
	shift 2
	local runner=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		runner+=("$1")
		shift
	done
	shift
	out=$("${runner[@]}" timeout -s KILL 10 "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qE -- "$re" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   exit status $rc: $out"
	fi
}

port=$(wgm_free_port)
common=(-d -l "127.0.0.1:$port" -s "$SCRIPT" -i 1 -t 2)

refused "a missing user is refused, exit 1, naming it" 'nosuchuser_x' -- \
    "$WGMOND" "${common[@]}" -u nosuchuser_x -r "$CHROOT"

refused "a missing chroot directory is refused, exit 1, naming it" \
    "$T/nosuchdir" -- \
    "$WGMOND" "${common[@]}" -u nobody -r "$T/nosuchdir"

mkdir -m 0775 "$T/gw"
chmod 0775 "$T/gw"
refused "a group-writable chroot directory is refused, exit 1, naming it" \
    "$T/gw.*(writable|mode|group)" -- \
    "$WGMOND" "${common[@]}" -u nobody -r "$T/gw"

# A copy of the binary that nobody can reach whatever the checkout's modes.
cp "$WGMOND" "$T/wgmond"
chmod 0755 "$T/wgmond"
refused "a start as a user other than root is refused, exit 1, saying why" \
    'root|privilege|permitted' \
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    "$T/wgmond" "${common[@]}" -u nobody -r "$CHROOT"

wgm_script_cat unsafe
chown nobody "$T/unsafe"
refused "a script owned by nobody is refused at start-up, exit 1" \
    "$T/unsafe.*(owned|uid|unsafe)" -- \
    "$WGMOND" -d -l "127.0.0.1:$port" -s "$T/unsafe" -i 1 -t 2 \
    -u nobody -r "$CHROOT"

# A listener of our own on the port.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(60)
' > "$T/holder.port" &
HOLDER=$!
wgm_wait 5 test -s "$T/holder.port"
hport=$(cat "$T/holder.port")
refused "a listening port already in use is refused, exit 1" \
    "127\\.0\\.0\\.1:$hport.*(in use|EADDRINUSE)" -- \
    "$WGMOND" -d -l "127.0.0.1:$hport" -s "$SCRIPT" -i 1 -t 2 \
    -u nobody -r "$CHROOT"
kill -KILL "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
HOLDER=

wgm_done
