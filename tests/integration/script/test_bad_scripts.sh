#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A status script that goes wrong in every way the collector knows of, and
# sudo that cannot be run
# (docs/DESIGN.md §3, §5, §6): each failed run logs exactly one collect_error
# with the right "error" and a useful "detail", the daemon keeps running,
# /raw keeps serving the last good snapshot (with a Warning header),
# /healthz turns 503 and names the error, and the first good run after it
# logs exactly one collect_recovered and /healthz is 200 again.  Then: no
# zombies, no leaked descriptors, and runs that never overlap.
#	bash tests/integration/script/test_bad_scripts.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

KEY1='glN7kGle/RgjSpwHFze0/Pltrla7P9tPESf8kCNo4Ng='
KEY2='eCk+H/jCOj8AX+KxoRZXVjmh6Ebyc5eTJIkrZqWlQ9Y='
SCRIPT=$T/wg-json

# The fixtures the script prints, one per mode.  The good one has statuses
# that do not change with the clock: a handshake in the future counts as
# age 0 (connected), a missing one is never_connected.
make_fixtures() {
	cat > "$T/good.json" <<-EOF
	{"wg0": {"privateKey": "EXq7gunagu9RNfN1IFokPfcTfF/HiReZYC5P4xrzXeE=",
	  "publicKey": "nJ9BY8qOviwltPILpxlLX4zOfa1krK/4GGu3ASUWCr8=",
	  "listenPort": 51820,
	  "peers": {"$KEY1": {"endpoint": "198.51.100.7:51820",
	      "latestHandshake": 4000000000, "transferRx": 1024,
	      "transferTx": 2048, "allowedIps": ["10.0.0.2/32"]},
	    "$KEY2": {"allowedIps": ["10.0.0.3/32"]}}}}
	EOF
	printf '{"wg0": {"peers": nope}}\n' > "$T/invalid.json"
	head -c 120 "$T/good.json" > "$T/truncated.json"
	printf '{"wg0": {"peers": {"%s": {"latestHandshake": "abc"}}}}\n' \
	    "$KEY1" > "$T/wrongtype.json"
	printf '{"wg0": {"peers": {"%s": {"transferRx": 18446744073709551616}}}}\n' \
	    "$KEY1" > "$T/bignum.json"
	python3 -c 'import sys; n = 10000
sys.stdout.write("{\"wg0\": {\"x\": " + "[" * n + "]" * n + "}}\n")' \
	    > "$T/deep.json"
	printf '{"wg0": {"publicKey": "\\udc00"}}\n' > "$T/surrogate.json"
	printf '{"w\\u0007g\\n0": {"listenPort": "x"}}\n' > "$T/control.json"
	# Tiny peers: 11 MB of output, gigabytes once parsed whole.
	python3 -c 'import sys; n = 1000000
sys.stdout.write("{\"wg0\": {\"peers\": {" +
    ",".join("\"%x\":{}" % i for i in range(n)) + "}}}\n")' \
	    > "$T/manypeers.json"
}

# The script reads its mode at each run and records it, with its pid,
# before doing what the mode says.  write_script [NAME]: written as
# $T/NAME, wg-json by default.
write_script() {
	sed "s|@T@|$T|g" <<-'EOS' | wgm_script "${1:-wg-json}"
	#!/usr/bin/bash
	T=@T@
	mode=$(cat "$T/mode")
	echo "$mode $$" >> "$T/runs"
	case $mode in
	good|invalid|truncated|wrongtype|bignum|deep|surrogate|control|manypeers)
		cat "$T/$mode.json"
		;;
	hang)
		read -r _ _ _ _ pgid _ < /proc/$$/stat
		echo "$$ $pgid" > "$T/hang.pid"
		sleep 100
		echo '{}'
		;;
	exit)
		echo '{"wg0": {}}'
		echo "wg: Unable to access interface: Operation not permitted" >&2
		exit 3
		;;
	signal)
		kill -KILL $$
		;;
	empty)
		;;
	large)
		printf '{"wg0": {"x": ['
		yes '"0123456789abcdef0123456789abcdef",' | head -c 70000000
		printf '""]}}\n'
		;;
	largestring)
		printf '{"wg0": {"x": "'
		head -c 70000000 /dev/zero | tr '\0' ' '
		printf '"}}\n'
		;;
	zeros)
		printf '{"wg0": {"x": ['
		yes '0,' | head -c 80000000
		printf '0]}}\n'
		;;
	esac
	EOS
}


# raw_fetch: the body of /raw in $T/raw.body, its headers in $T/raw.hdr;
# prints the status code.
raw_fetch() {
	wgm_curl -o "$T/raw.body" -D "$T/raw.hdr" -w '%{http_code}' \
	    "$URL/raw"
}

healthz_fetch() {
	wgm_curl -o "$T/healthz.body" -w '%{http_code}' \
	    "$URL/healthz"
}

collector_fds() {
	ls "/proc/$PID/fd" 2>/dev/null | wc -l
}

# The collector's descriptors between runs: the smallest count seen over
# two seconds (a run in progress holds two pipes more).
collector_fds_idle() {
	local i n min=100000
	for ((i = 0; i < 20; i++)); do
		n=$(collector_fds)
		[ "$n" -lt "$min" ] && min=$n
		sleep 0.1
	done
	echo "$min"
}

# Zombie children of the daemon: pid and state Z of every process whose
# parent is the daemon and whose state is Z.
zombies() {
	python3 - "$PID" <<-'EOF'
	import os, sys
	for p in os.listdir("/proc"):
	    if not p.isdigit():
	        continue
	    try:
	        s = open("/proc/%s/stat" % p).read()
	    except OSError:
	        continue
	    f = s[s.rindex(")") + 2:].split()
	    if f[0] == "Z" and f[1] == sys.argv[1]:
	        print(p)
	EOF
}

no_zombies() {
	wgm_wait 3 no_zombie_now
}

no_zombie_now() {
	[ -z "$(zombies)" ]
}

# The lines of the log from line $1 on, up to the first collect_recovered.
window() {
	tail -n +"$(($1 + 1))" "$LOG" | sed '/^{"event":"collect_recovered"/q'
}

daemon_alive() {
	kill -0 "$PID" 2>/dev/null && [ -n "$(wgm_frontend_pid)" ]
}

# bad_case NAME ERROR DETAIL_REGEX SCRIPTED BREAK RESTORE [MODE]
#   NAME: the behaviour; ERROR: the expected "error" (an extended regular
#   expression, matched whole); DETAIL_REGEX: what the detail must match;
#   SCRIPTED: 1 when the script runs and records itself (its mode is
#   MODE), 0 when the collector refuses it before running it; BREAK,
#   RESTORE: commands (eval'd).  A failed run is counted three ways: its
#   collect_error, the collector's "run failed" debug line and, when the
#   script ran, the script's own record of the run.
bad_case() {
	local name=$1 error=$2 re=$3 scripted=$4 brk=$5 restore=$6 mode=$7
	local l0 ce0 rec0 done0 runs0 line detail code n_err n_fail n_runs
	local n_other w

	l0=$(wc -l < "$LOG")
	ce0=$(wgm_count '^\{"event":"collect_error"')
	rec0=$(wgm_count '^\{"event":"collect_recovered"')
	runs0=$(wc -l < "$T/runs")
	eval "$brk"

	if wgm_wait_log '^\{"event":"collect_error"' 15 $((ce0 + 1)); then
		line=$(wgm_events collect_error | sed -n "$((ce0 + 1))p")
		detail=$(json_get 'd["detail"]' <<<"$line")
		if [[ $(json_get 'd["error"]' <<<"$line") =~ ^($error)$ ]] &&
		    grep -qE -- "$re" <<<"$detail"; then
			ok "$name: collect_error \"$error\" with a useful detail"
		else
			not_ok "$name: collect_error \"$error\" with a useful detail"
			echo "#   got: $line"
		fi
	else
		not_ok "$name: collect_error \"$error\" with a useful detail"
	fi

	check "$name: the daemon is still running" daemon_alive

	code=$(raw_fetch)
	if [ "$code" = 200 ] && cmp -s "$T/raw.body" "$T/good.raw" &&
	    grep -qi '^Warning:' "$T/raw.hdr"; then
		ok "$name: /raw serves the last good snapshot with a Warning"
	else
		not_ok "$name: /raw serves the last good snapshot with a Warning"
		echo "#   status $code"
		sed 's/^/#   /' "$T/raw.hdr"
	fi

	code=$(healthz_fetch)
	if [ "$code" = 503 ] && [[ $(json_get 'd["lastError"]["error"]' \
	    < "$T/healthz.body" 2>/dev/null) =~ ^($error)$ ]]; then
		ok "$name: /healthz is 503 and names the error"
	else
		not_ok "$name: /healthz is 503 and names the error"
		echo "#   status $code: $(cat "$T/healthz.body")"
	fi

	eval "$restore"
	if wgm_wait_log '^\{"event":"collect_recovered"' 20 $((rec0 + 1)); then
		done0=$(wgm_count '^run done')
		# One good run more, to see that it does not recover again.
		wgm_wait_log '^run done' 10 $((done0 + 1))
		w=$(window "$l0")
		n_err=$(grep -c '^{"event":"collect_error"' <<<"$w")
		n_other=$(grep '^{"event":"collect_error"' <<<"$w" |
		    grep -vcE "\"error\":\"($error)\"")
		n_fail=$(grep -c '^run failed' <<<"$w")
		if [ "$scripted" = 1 ]; then
			n_runs=$(tail -n +"$((runs0 + 1))" "$T/runs" |
			    grep -c "^$mode ")
		else
			n_runs=$n_fail
		fi
		if [ "$n_err" -ge 1 ] && [ "$n_other" -eq 0 ] &&
		    [ "$n_err" -eq "$n_fail" ] && [ "$n_err" -eq "$n_runs" ]; then
			ok "$name: exactly one collect_error per failed run"
		else
			not_ok "$name: exactly one collect_error per failed run"
			echo "#   $n_err collect_error ($n_other of another" \
			    "error), $n_fail failed runs, $n_runs script runs"
		fi
		if [ "$(wgm_count '^\{"event":"collect_recovered"')" -eq \
		    $((rec0 + 1)) ]; then
			ok "$name: back to good logs exactly one collect_recovered"
		else
			not_ok "$name: back to good logs exactly one collect_recovered"
		fi
	else
		not_ok "$name: exactly one collect_error per failed run"
		not_ok "$name: back to good logs exactly one collect_recovered"
	fi

	code=$(healthz_fetch)
	if [ "$code" = 200 ]; then
		ok "$name: /healthz is 200 again"
	else
		not_ok "$name: /healthz is 200 again"
		echo "#   status $code: $(cat "$T/healthz.body")"
	fi
}

# group_gone PID PGID: the process and its group are gone.
group_gone() {
	! pgrep -g "$2" > /dev/null && ! kill -0 "$1" 2>/dev/null
}

# The script's process group after a timeout: nothing left of it.
hang_group_gone() {
	local pid pgid
	read -r pid pgid < "$T/hang.pid" || return 1
	wgm_wait 3 group_gone "$pid" "$pgid" && return 0
	pgrep -a -g "$pgid" | sed 's/^/#   left: /'
	return 1
}

# sudo made impossible to run for the daemon alone: it runs in a mount
# namespace of its own (unshare execs it, so $PID is still the daemon's),
# where a file that is not executable is mounted over sudo and taken off
# again.  Entering a mount namespace puts a process at its root, which in
# a chroot is not the daemon's: -r puts it back at the daemon's, where
# $T and sudo are.  Where a mount namespace cannot be made, that case is
# skipped.
SUDO=/usr/bin/sudo
if wgm_can_mount_ns; then
	WGM_WRAP=(unshare --mount --propagation private)
fi
in_daemon_ns() {
	nsenter -t "$PID" -m -r "$@"
}
sudo_break() {
	: > "$T/not-sudo"
	chmod 0644 "$T/not-sudo"
	in_daemon_ns mount --bind "$T/not-sudo" "$SUDO"
}
sudo_mend() {
	in_daemon_ns umount "$SUDO"
}

make_fixtures
write_script
wgm_mode good
: > "$T/runs"

wgm_start -s "$SCRIPT" -i 1 -t 2 || { not_ok "the daemon starts"; exit 1; }

# The first good run.
if wgm_wait_log '^\{"event":"initial_status"' 10 2 &&
    [ "$(raw_fetch)" = 200 ] && ! grep -qi '^Warning:' "$T/raw.hdr" &&
    [ "$(healthz_fetch)" = 200 ]; then
	ok "a good run: /raw 200 without Warning, /healthz 200"
else
	not_ok "a good run: /raw 200 without Warning, /healthz 200"
fi
cp "$T/raw.body" "$T/good.raw"
fds0=$(collector_fds_idle)

# Deleted between two runs, not while sudo is starting bash on it: that
# would be a failure of bash (exit 127), not the collector's.  Put back
# whole, in one rename.
after_a_run() {
	wgm_wait_log '^run done' 5 $(($(wgm_count '^run done') + 1))
}
bad_case "script deleted" exec "$SCRIPT.*(No such file|not found)" 0 \
    'after_a_run; rm -f "$SCRIPT"' \
    'write_script wg-json.new && mv "$T/wg-json.new" "$SCRIPT"'
bad_case "script not executable" exec "$SCRIPT.*executable" 0 \
    'chmod 0644 "$SCRIPT"' 'chmod 0755 "$SCRIPT"'
if [ ${#WGM_WRAP[@]} -gt 0 ]; then
	bad_case "sudo cannot be run" exec \
	    "spawn $SUDO: (Permission denied|Exec format error)" 0 \
	    'after_a_run; sudo_break' 'sudo_mend'
else
	echo "ok - sudo cannot be run # SKIP unshare --mount is not permitted here"
fi
bad_case "script hangs" timeout '2 ?s' 1 \
    'wgm_mode hang' 'wgm_mode good' hang
check "script hangs: its process group is gone after the timeout" \
    hang_group_gone
bad_case "script exits 3" exit \
    '3.*Unable to access interface: Operation not permitted' 1 \
    'wgm_mode exit' 'wgm_mode good' exit
bad_case "script killed by a signal" signal '9|KILL|Killed' 1 \
    'wgm_mode signal' 'wgm_mode good' signal
bad_case "script prints nothing" parse 'empty|no output|nothing|EOF' 1 \
    'wgm_mode empty' 'wgm_mode good' empty
bad_case "invalid JSON" parse 'JSON|invalid|parse' 1 \
    'wgm_mode invalid' 'wgm_mode good' invalid
bad_case "truncated JSON" parse 'JSON|premature|EOF|incomplete|truncated' 1 \
    'wgm_mode truncated' 'wgm_mode good' truncated
bad_case "latestHandshake of the wrong type" parse \
    "wg0\\.peers\\.$(sed 's/[+/.]/\\&/g' <<<"$KEY1")\\.latestHandshake" 1 \
    'wgm_mode wrongtype' 'wgm_mode good' wrongtype
bad_case "nesting 10000 levels deep" parse 'nest|deep|depth' 1 \
    'wgm_mode deep' 'wgm_mode good' deep
bad_case "a number beyond 64 bits" parse 'transferRx.*(range|large|overflow)' 1 \
    'wgm_mode bignum' 'wgm_mode good' bignum
bad_case "more than 64 MiB of output" too_large \
    '64 MiB|67108864|exceeds|too large' 1 \
    'wgm_mode large' 'wgm_mode good' large
# The same in one JSON string: still rejected as the output that it is (or
# as a string no document has), within the timeout.
bad_case "more than 64 MiB of output in one JSON string" 'too_large|parse' \
    '64 MiB|67108864|exceeds|too large|long' 1 \
    'wgm_mode largestring' 'wgm_mode good' largestring
# A valid document, only too long: neither a long value nor a parse error.
bad_case "80 MB of 0, in one array" too_large '64 MiB|67108864|exceeds' 1 \
    'wgm_mode zeros' 'wgm_mode good' zeros
# yajl makes \udc00 bytes that are not UTF-8: never stored, never in /raw.
bad_case "a lone low surrogate" parse 'publicKey.*UTF-8' 1 \
    'wgm_mode surrogate' 'wgm_mode good' surrogate
l0=$(wc -l < "$LOG")
bad_case "an interface name with control characters" parse \
    '^w\\x07g\\x0a0\.listenPort: expected an integer$' 1 \
    'wgm_mode control' 'wgm_mode good' control
if ! tail -n +"$((l0 + 1))" "$LOG" | LC_ALL=C grep -q '[[:cntrl:]]'; then
	ok "an interface name with control characters: none of them in the log"
else
	not_ok "an interface name with control characters: none of them in the log"
fi
# The collector's peak memory (VmHWM, under ASan here) stays well below
# what a million peers would cost it.
bad_case "a million tiny peers" too_large 'more than 256 MiB' 1 \
    'wgm_mode manypeers' 'wgm_mode good' manypeers
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
if [ -n "$hwm" ] && [ "$hwm" -lt $((1024 * 1024)) ]; then
	ok "a million tiny peers: the collector's peak RSS stays under 1 GiB"
else
	not_ok "a million tiny peers: the collector's peak RSS stays under 1 GiB"
fi
echo "# collector VmHWM after a million tiny peers: $hwm kB"
bad_case "script group-writable" unsafe "$SCRIPT.*writable" 0 \
    'chmod 0775 "$SCRIPT"' 'chmod 0755 "$SCRIPT"'
bad_case "script owned by nobody" unsafe "$SCRIPT.*(owned|uid|root)" 0 \
    'chown nobody "$SCRIPT"' 'chown root "$SCRIPT"'

check "after all failures: no zombie children of the daemon" no_zombies
fds1=$(collector_fds_idle)
if [ "$fds1" -eq "$fds0" ]; then
	ok "after all failures: the collector holds as many descriptors as after the first good run"
else
	not_ok "after all failures: the collector holds as many descriptors as after the first good run"
	echo "#   $fds0 after the first run, $fds1 now"
fi

if wgm_stop; then
	ok "SIGTERM after the failures: exit 0"
else
	not_ok "SIGTERM after the failures: exit 0"
fi

# Runs never overlap: a script that takes 2.5 s, checked every second.  Each
# run takes a lock directory; finding it taken is an overlap.
sed "s|@T@|$T|g" <<-'EOS' | wgm_script slow
#!/usr/bin/bash
T=@T@
if ! mkdir "$T/slow.lock" 2>/dev/null; then
	echo "overlap $$" >> "$T/slow.overlap"
fi
echo "start $$" >> "$T/slow.runs"
sleep 2.5
echo "end $$" >> "$T/slow.runs"
rmdir "$T/slow.lock" 2>/dev/null
cat "$T/good.json"
EOS
: > "$T/slow.runs"
wgm_start -s "$T/slow" -i 1 -t 5 || { not_ok "the daemon starts"; exit 1; }
three_ends() {
	[ "$(grep -c '^end' "$T/slow.runs")" -ge 3 ]
}
wgm_wait 15 three_ends
if [ "$(grep -c '^end' "$T/slow.runs")" -ge 3 ] &&
    [ ! -e "$T/slow.overlap" ] && [ -z "$(wgm_events collect_error)" ]; then
	ok "a 2.5 s script checked every 1 s: runs never overlap"
else
	not_ok "a 2.5 s script checked every 1 s: runs never overlap"
	sed 's/^/#   /' "$T/slow.runs" "$T/slow.overlap" 2>/dev/null
fi
wgm_stop

wgm_done
