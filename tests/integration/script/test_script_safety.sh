#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The script check (docs/DESIGN.md §3): a directory on the way to the script
# that another user owns, or that is writable by a group (root's too), is
# refused with a message naming it: -n and start-up exit 1, a running
# daemon logs collect_error "unsafe" for each run and does not run the
# script, and recovers once it is put right.  A sticky directory of
# root's is accepted.
#	bash tests/integration/script/test_script_safety.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

D=$T/a/b/c
SCRIPT=$D/wg-json
LEVELS=("$T" "$T/a" "$T/a/b" "$D")

mkdir -p "$D"
chmod 0755 "$T/a" "$T/a/b" "$D"
echo '{"wg0": {"peers": {}}}' > "$T/good.json"
sed "s|@T@|$T|g" > "$SCRIPT" <<-'EOS'
#!/usr/bin/bash
echo run >> @T@/runs
cat @T@/good.json
EOS
chmod 0755 "$SCRIPT"

# nstart ARGS...: the daemon started with ARGS (and -n or not), which
# must refuse to start; its stderr in $T/err, its exit status in $RC.
nstart() {
	timeout -s KILL 10 "$WGMOND" -d -u nobody -r "$CHROOT" \
	    -l "127.0.0.1:$(wgm_free_port)" -s "$SCRIPT" "$@" \
	    > "$T/out" 2> "$T/err"
	RC=$?
}

# refused NAME PATH_REGEX ARGS...: exit 1, one line naming the path.
refused() {
	local name=$1 re=$2
	shift 2
	nstart "$@"
	if [ "$RC" -eq 1 ] && [ ! -s "$T/out" ] &&
	    grep -qE -- "unsafe script: $re\$" "$T/err"; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   exit status $RC: $(cat "$T/out" "$T/err")"
	fi
}

for dir in "${LEVELS[@]}"; do
	chown nobody "$dir"
	refused "-n: $dir owned by another user: exit 1 naming it" \
	    "$dir is owned by uid [0-9]+, not root" -n
	refused "start-up: $dir owned by another user: exit 1 naming it" \
	    "$dir is owned by uid [0-9]+, not root"
	chown root "$dir"
done

chmod 0775 "$T/a/b"
refused "-n: a directory writable by group root: exit 1 naming it" \
    "$T/a/b is writable by group 0" -n
chmod 0755 "$T/a/b"
chmod 0775 "$SCRIPT"
refused "-n: the script writable by group root: exit 1 naming it" \
    "$SCRIPT is writable by group 0" -n
chmod 0755 "$SCRIPT"

chmod 1777 "$D"
nstart -n
if [ "$RC" -eq 0 ]; then
	ok "-n: a sticky directory of root's is accepted"
else
	not_ok "-n: a sticky directory of root's is accepted"
	echo "#   exit status $RC: $(cat "$T/err")"
fi
chmod 0755 "$D"

# A symbolic link to the script is resolved once, at start-up: what it
# points into is checked.
ln -s "$T/a" "$T/link"
chown nobody "$T/a"
timeout -s KILL 10 "$WGMOND" -n -s "$T/link/b/c/wg-json" > /dev/null \
    2> "$T/err"
RC=$?
if [ "$RC" -eq 1 ] && grep -q "$T/a is owned by uid" "$T/err"; then
	ok "-n: through a symbolic link, the directory it leads to is checked"
else
	not_ok "-n: through a symbolic link, the directory it leads to is checked"
	echo "#   exit status $RC: $(cat "$T/err")"
fi
chown root "$T/a"

# While running: each change is found at the next run.
# unsafe_run NAME DETAIL_REGEX BREAK RESTORE
unsafe_run() {
	local name=$1 re=$2 brk=$3 restore=$4 ce0 rec0 line runs0
	ce0=$(wgm_count '^\{"event":"collect_error"')
	rec0=$(wgm_count '^\{"event":"collect_recovered"')
	eval "$brk"
	runs0=$(wc -l < "$T/runs")
	if wgm_wait_log '^\{"event":"collect_error"' 10 $((ce0 + 2)); then
		line=$(wgm_events collect_error | sed -n "$((ce0 + 1))p")
		if [ "$(json_get 'd["error"]' <<<"$line")" = unsafe ] &&
		    json_get 'd["detail"]' <<<"$line" | grep -qE -- "$re"; then
			ok "$name: collect_error \"unsafe\" naming it"
		else
			not_ok "$name: collect_error \"unsafe\" naming it"
			echo "#   got: $line"
		fi
	else
		not_ok "$name: collect_error \"unsafe\" naming it"
	fi
	# One run may have started before the change; none after it.
	if [ "$(wc -l < "$T/runs")" -le $((runs0 + 1)) ]; then
		ok "$name: the script is not run"
	else
		not_ok "$name: the script is not run"
	fi
	eval "$restore"
	check "$name: put right, the next run recovers" \
	    wgm_wait_log '^\{"event":"collect_recovered"' 10 $((rec0 + 1))
}

: > "$T/runs"
wgm_start -s "$SCRIPT" -i 1 -t 5 || { not_ok "the daemon starts"; exit 1; }
wgm_wait_log '^run done' 10 || not_ok "the first run succeeds"
for dir in "${LEVELS[@]}"; do
	unsafe_run "a run: $dir owned by another user" \
	    "^$dir is owned by uid [0-9]+, not root$" \
	    "chown nobody '$dir'" "chown root '$dir'"
done
unsafe_run "a run: a directory writable by group root" \
    "^$T/a is writable by group 0$" \
    "chmod 0775 '$T/a'" "chmod 0755 '$T/a'"
check "the daemon still runs" kill -0 "$PID"
wgm_stop

wgm_done
