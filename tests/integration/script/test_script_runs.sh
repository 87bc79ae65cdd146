#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What a run of the script gets and how it ends (docs/DESIGN.md §3): the
# script and sudo hold no descriptor of the daemon's but stdin, stdout
# and stderr, and the script does not inherit the daemon's ignored
# signals.  A run whose script ignores SIGTERM and leaves a process
# outside its group holding stdout still ends, with collect_error
# "timeout", and the next runs happen.
#	bash tests/integration/script/test_script_runs.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

wgm_atexit 'for p in $(cat "$T"/escaped.pid 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done'

SCRIPT=$T/wg-json
echo '{"wg0": {"peers": {}}}' > "$T/good.json"
sed "s|@T@|$T|g" <<-'EOS' | wgm_script wg-json
#!/usr/bin/bash
T=@T@
case $(cat "$T/mode") in
good)
	cat "$T/good.json"
	;;
inherit)
	ls -l "/proc/$PPID/fd" > "$T/sudo.fds.tmp"
	mv "$T/sudo.fds.tmp" "$T/sudo.fds"
	grep SigIgn "/proc/$$/status" > "$T/sigign.tmp"
	mv "$T/sigign.tmp" "$T/sigign"
	cat "$T/good.json"
	;;
escape)
	setsid sleep 300 &
	echo $! >> "$T/escaped.pid"
	trap '' TERM
	while :; do
		sleep 1
	done
	;;
esac
EOS


# A descriptor of the daemon's, open across exec, that no run may see.
: > "$T/marker"
exec 7< "$T/marker"
wgm_mode inherit
wgm_start -s "$SCRIPT" -i 1 -t 2 || { not_ok "the daemon starts"; exit 1; }
exec 7<&-
wgm_wait 10 test -s "$T/sigign"

# sudo's own descriptors are its pipes, sockets and sudoers files; one
# more on /dev/null, or on the marker, came from the daemon.
if [ -s "$T/sudo.fds" ] &&
    ! grep -E ' [0-9]+ -> (/dev/null|.*/marker)$' "$T/sudo.fds" |
    grep -vq ' 0 -> /dev/null$'; then
	ok "sudo holds no descriptor of the daemon's but 0, 1 and 2"
else
	not_ok "sudo holds no descriptor of the daemon's but 0, 1 and 2"
	sed 's/^/#   /' "$T/sudo.fds"
fi

# SigIgn is a hexadecimal mask: bit 0 is SIGHUP, bit 12 SIGPIPE.
ign=$(awk '{ print $2 }' "$T/sigign" 2>/dev/null)
if [ -n "$ign" ] && (( (0x$ign & 0x1001) == 0 )); then
	ok "the script does not inherit ignored SIGHUP or SIGPIPE"
else
	not_ok "the script does not inherit ignored SIGHUP or SIGPIPE"
	echo "#   SigIgn: $ign"
fi

wgm_mode good
wgm_wait_log '^run done' 10 $(($(wgm_count '^run done') + 1))

# The timeout is 2 s, SIGKILL 2 s later: well within 15 s an outcome.
ce0=$(wgm_count '^\{"event":"collect_error"')
rec0=$(wgm_count '^\{"event":"collect_recovered"')
wgm_mode escape
if wgm_wait_log '^\{"event":"collect_error"' 15 $((ce0 + 1)) &&
    [ "$(wgm_events collect_error | sed -n "$((ce0 + 1))p" |
    json_get 'd["error"]')" = timeout ]; then
	ok "a script that ignores SIGTERM, stdout held outside its group: collect_error timeout"
else
	not_ok "a script that ignores SIGTERM, stdout held outside its group: collect_error timeout"
fi
if wgm_wait_log '^\{"event":"collect_error"' 15 $((ce0 + 2)); then
	ok "and the next run happens, and ends the same way"
else
	not_ok "and the next run happens, and ends the same way"
fi
wgm_mode good
check "back to a good script, the next run recovers" \
    wgm_wait_log '^\{"event":"collect_recovered"' 20 $((rec0 + 1))
if [ "$(wgm_count '^\{"event":"collect_error"')" -eq \
    "$(wgm_count '^run failed: ')" ]; then
	ok "every failed run logged one collect_error"
else
	not_ok "every failed run logged one collect_error"
fi
check "the daemon still runs" kill -0 "$PID"
if wgm_stop; then
	ok "SIGTERM: exit 0"
else
	not_ok "SIGTERM: exit 0"
fi

wgm_done
