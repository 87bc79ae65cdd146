#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The deployment files (etc/), the man page and `make install`: each file
# parses with its own tool, they agree on the installed paths, the sudoers
# rule names one exact command, the environment file is accepted by the
# daemon, the systemd unit's capability set is enough to run the daemon,
# rsyslog writes events and nothing else as JSON lines, and the Prometheus
# probe's expectation matches what /healthz answers.  A case whose tool is
# missing is skipped.  Prints one `ok - NAME` / `not ok - NAME` line per
# case.  Run from anywhere:
#	bash tests/integration/deploy/test_deploy.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOP" || exit 1

PREFIX=/usr/local
SBIN=$PREFIX/sbin/wgmond
SCRIPT_PATH=$PREFIX/libexec/wgmond/wg-json
MAN_PATH=$PREFIX/share/man/man8/wgmond.8
UNIT=etc/wgmond.service
SUDOERS=etc/sudoers.d/wgmond
ENVFILE=etc/wgmond.env
RCD=etc/rc.d/wgmond
RSYSLOG=etc/rsyslog.d/wgmond.conf
PROM=etc/prometheus/wgmond.yml
# The interpreter the collector runs the script with (a build setting).
BASH_PATH=$(sed -n 's/^#define[[:space:]]*BASH_PATH[[:space:]]*"\(.*\)"$/\1/p' \
    collector/collector.h)
BASH_PATH=${BASH_PATH:-/usr/bin/bash}
RS_PID=
# The daemon under test (lib.sh: $WGMOND, ./wgmond by default).
DAEMON=$WGMOND

T=$(mktemp -d /tmp/wgmond-deploy.XXXXXX) || exit 1
chmod 0755 "$T"
CHROOT=$T/empty
mkdir -m 0755 "$CHROOT"
ROOT=$T/root

trap wgm_cleanup EXIT
wgm_atexit 'wgm_end "$RS_PID"'

skip() {
	echo "ok - $1 # SKIP $2"
}

have() {
	command -v "$1" >/dev/null 2>&1
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# Lines that are neither blank nor comments.
active() {
	grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1"
}

# unit_value KEY: the value of KEY= in the unit (the last one wins).
unit_value() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}

# ---- The man page.
if have mandoc; then
	mandoc -Tlint -Wwarning wgmond.8 > "$T/mandoc" 2>&1
	grep -v 'outdated mandoc.db' "$T/mandoc" > "$T/mandoc.real"
	if [ ! -s "$T/mandoc.real" ]; then
		ok "mandoc -Tlint -Wwarning wgmond.8 is clean"
	else
		not_ok "mandoc -Tlint -Wwarning wgmond.8 is clean"
		sed 's/^/#   /' "$T/mandoc.real"
	fi
else
	skip "mandoc -Tlint -Wwarning wgmond.8 is clean" "no mandoc"
fi

# ---- make install.
make --no-print-directory B="$T/build" DESTDIR="$ROOT" PREFIX="$PREFIX" \
    install > "$T/install.log" 2>&1
rc=$?
check "make install DESTDIR PREFIX succeeds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/install.log" | tail -n 20

# mode_is FILE MODE...: FILE's octal mode is one of MODE.
mode_is() {
	local f=$1 m
	shift
	[ -f "$f" ] || return 1
	m=$(stat -c %a "$f")
	for want; do
		[ "$m" = "$want" ] && return 0
	done
	echo "#   $f has mode $m"
	return 1
}

owned_by_root() {
	[ "$(stat -c %u:%g "$1" 2>/dev/null)" = 0:0 ]
}

check "install: $SBIN is mode 0555 (or 0755)" mode_is "$ROOT$SBIN" 555 755
check "install: $SCRIPT_PATH is mode 0555" mode_is "$ROOT$SCRIPT_PATH" 555
check "install: $MAN_PATH is mode 0444" mode_is "$ROOT$MAN_PATH" 444
if is_root; then
	check "install: the binary, the script and the man page are root's" \
	    eval 'owned_by_root "$ROOT$SBIN" && owned_by_root "$ROOT$SCRIPT_PATH" &&
	    owned_by_root "$ROOT$MAN_PATH"'
else
	skip "install: the binary, the script and the man page are root's" \
	    "not root"
fi
writable=$(find "$ROOT" -mindepth 1 -perm /022 2>/dev/null)
check "install: no file or directory is writable by group or others" \
    test -d "$ROOT" -a -z "$writable"
[ -n "$writable" ] && sed 's/^/#   /' <<<"$writable"
setid=$(find "$ROOT" -perm /6000 2>/dev/null)
check "install: nothing is setuid or setgid" test -d "$ROOT" -a -z "$setid"
check "install: the installed wgmond defaults to the installed script" \
    eval 'env -i "$ROOT$SBIN" -n 2>&1 | grep -qx "script $SCRIPT_PATH"'

# ---- sudoers.
if have visudo; then
	check "visudo -cf $SUDOERS parses" eval 'visudo -cf "$SUDOERS" >/dev/null'
else
	skip "visudo -cf $SUDOERS parses" "no visudo"
fi
check "sudoers: no wildcard outside comments" \
    eval '! active "$SUDOERS" | grep -q "[*?[]"'
check "sudoers: names the exact command the collector runs ($BASH_PATH $SCRIPT_PATH)" \
    eval 'active "$SUDOERS" | grep -qE "[=:][[:space:]]*$BASH_PATH $SCRIPT_PATH\$"'
check "sudoers: no rule allows ALL commands" \
    eval '! active "$SUDOERS" | grep -qE ":[[:space:]]*ALL[[:space:]]*(,|\$)"'
check "sudoers: a Defaults! line resets the environment for the command" \
    eval 'active "$SUDOERS" | grep -qE "^Defaults!.*env_reset"'

# ---- The systemd unit.
check "unit: ExecStart runs the installed binary in the foreground (-d)" \
    test "$(unit_value ExecStart)" = "$SBIN -d"
check "unit: reads /etc/default/wgmond, optional" \
    test "$(unit_value EnvironmentFile)" = "-/etc/default/wgmond"
check "unit: the collector runs as root" test "$(unit_value User)" = root
if have systemd-analyze; then
	# The binary checked is the one just installed.
	sed "s|^ExecStart=$SBIN|ExecStart=$ROOT$SBIN|" "$UNIT" > "$T/wgmond.service"
	out=$(systemd-analyze verify --man=no "$T/wgmond.service" 2>&1)
	rc=$?
	check "systemd-analyze verify $UNIT is clean" \
	    test "$rc" -eq 0 -a -z "$out"
	[ -n "$out" ] && sed 's/^/#   /' <<<"$out"
	if have man; then
		check "systemd-analyze verify: Documentation=man:wgmond(8) resolves" \
		    eval 'MANPATH="$ROOT$PREFIX/share/man" systemd-analyze verify \
		    "$T/wgmond.service" >/dev/null 2>&1'
	else
		skip "systemd-analyze verify: Documentation=man:wgmond(8) resolves" \
		    "no man"
	fi
	score=$(systemd-analyze security --offline=yes "$T/wgmond.service" \
	    2>/dev/null | sed -n 's/.*Overall exposure level[^:]*: *//p')
	[ -n "$score" ] && echo "# systemd-analyze security: $score"
else
	skip "systemd-analyze verify $UNIT is clean" "no systemd-analyze"
fi

# ---- The OpenBSD rc.d script.
check "sh -n $RCD parses" sh -n "$RCD"
if have ksh; then
	check "ksh -n $RCD parses" ksh -n "$RCD"
fi
check "rc.d: daemon is the installed binary" \
    grep -qx "daemon=\"$SBIN\"" "$RCD"

# ---- The environment file.
# Plain VARIABLE=value lines: no quotes, spaces, backslashes, $ or `, which
# systemd's EnvironmentFile= and sh(1) would read differently.
env_lines_plain() {
	local re
	re='^WIREGUARD_MONITOR_[A-Z_]+=[^[:space:]"'\''\\$`]+$'
	! active "$ENVFILE" | grep -vqE -- "$re"
}
check "env file: only plain VARIABLE=value lines (systemd and sh read them alike)" \
    env_lines_plain
grep -o 'WIREGUARD_MONITOR_[A-Z_]*' collector/config.c | sort -u > "$T/vars.daemon"
# A variable without a default (the names files) is there commented out.
{ active "$ENVFILE"; sed -n 's/^#\(WIREGUARD_MONITOR_[A-Z_]*=\)/\1/p' \
    "$ENVFILE"; } | sed 's/=.*//' | sort -u > "$T/vars.env"
check "env file: sets every variable the daemon reads, and no other" \
    cmp -s "$T/vars.daemon" "$T/vars.env"
[ -x "$DAEMON" ] || make --no-print-directory wgmond > "$T/make.log" 2>&1
env -i PATH=/usr/bin:/bin bash -c 'set -a; . "$1" && exec "$2" -n' \
    sh "$ENVFILE" "$DAEMON" > "$T/n.out" 2>&1
rc=$?
check "env file: set -a; . $ENVFILE; wgmond -n accepts every value" \
    test "$rc" -eq 0
envval() {
	sed -n "s/^$1=//p" "$ENVFILE"
}
check "env file: wgmond -n shows the file's script and listen address" \
    eval 'grep -qx "script $(envval WIREGUARD_MONITOR_WG_JSON_SCRIPT)" "$T/n.out" &&
    grep -qx "listen $(envval WIREGUARD_MONITOR_HOST):$(envval WIREGUARD_MONITOR_PORT)" "$T/n.out"'
check "env file, sudoers and install agree on the script's path" \
    test "$(envval WIREGUARD_MONITOR_WG_JSON_SCRIPT)" = "$SCRIPT_PATH"

# ---- rsyslog.
EV1='{"event":"status_change","timestamp":1765189500,"interface":"wg0","peer":"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=","new_status":"disconnected","old_status":"connected"}'
# An initial_status with 700 allowed IPs: larger than rsyslog's default
# 8 KiB message.
EV2=$(python3 -c 'print("{\"event\":\"initial_status\",\"timestamp\":1,\"interface\":\"wg0\",\"peer\":\"k\",\"status\":\"connected\",\"endpoint\":null,\"allowedIps\":[" + ",".join("\"10.0.%d.%d/32\"" % (i // 256, i % 256) for i in range(700)) + "]}")')

rsyslog_run() {
	local i
	mkdir -m 0700 "$T/rs"
	sed "s|/var/log/wgmond.json.log|$T/rs/out.log|" "$RSYSLOG" > "$T/rs/wgmond.conf"
	# As Debian's rsyslog.conf: inputs first, then the drop-ins, then
	# the catch-all rules.
	cat > "$T/rs/main.conf" <<-EOF
	module(load="imuxsock" SysSock.Use="off")
	input(type="imuxsock" Socket="$T/rs/log.sock")
	global(workDirectory="$T/rs")
	include(file="$T/rs/wgmond.conf")
	*.* action(type="omfile" file="$T/rs/rest.log")
	EOF
	if ! rsyslogd -N1 -f "$T/rs/main.conf" > "$T/rs/n1" 2>&1; then
		not_ok "rsyslogd -N1 accepts $RSYSLOG"
		sed 's/^/#   /' "$T/rs/n1"
		return
	fi
	ok "rsyslogd -N1 accepts $RSYSLOG"
	rsyslogd -n -f "$T/rs/main.conf" -i "$T/rs/pid" > "$T/rs/err" 2>&1 &
	RS_PID=$!
	wgm_wait 5 test -S "$T/rs/log.sock"
	logger -u "$T/rs/log.sock" -t wgmond -i -- "$EV1"
	logger -u "$T/rs/log.sock" -t wgmond -i -- "listening on 127.0.0.1:5000"
	logger -u "$T/rs/log.sock" -t other -i -- '{"event":"not_wgmond"}'
	logger -u "$T/rs/log.sock" -t wgmond -i --size 65536 -- "$EV2"
	logger -u "$T/rs/log.sock" -t wgmond -i -- "last"
	wgm_wait 5 grep -qs 'last$' "$T/rs/rest.log"
	kill -TERM "$RS_PID" 2>/dev/null
	wait "$RS_PID" 2>/dev/null
	RS_PID=
	check "rsyslog: an event is written as the bare JSON line" \
	    test "$(sed -n 1p "$T/rs/out.log" 2>/dev/null)" = "$EV1"
	check "rsyslog: an event above 8 KiB is written whole" \
	    test "$(sed -n 2p "$T/rs/out.log" 2>/dev/null)" = "$EV2"
	check "rsyslog: nothing else is written to the JSON log" \
	    test "$(wc -l < "$T/rs/out.log" 2>/dev/null)" = 2
	check "rsyslog: wgmond's other lines still reach the other logs" \
	    grep -q 'wgmond\[[0-9]*\]: listening on' "$T/rs/rest.log"
}
if have rsyslogd && have logger && have python3; then
	rsyslog_run
else
	skip "rsyslogd -N1 accepts $RSYSLOG" "no rsyslogd, logger or python3"
fi

# ---- Prometheus: the scrape job (test_prometheus_rules.sh runs promtool
# on it and on the rules).
if have python3 && python3 -c 'import yaml' 2>/dev/null; then
	python3 - "$PROM" > "$T/prom" 2>&1 <<-'EOF'
	import sys, yaml
	conf = yaml.safe_load(open(sys.argv[1]))
	job = conf["scrape_configs"][0]
	assert job["job_name"] == "wgmond"
	assert job.get("metrics_path", "/metrics") == "/metrics"
	assert job["static_configs"][0]["targets"] == ["127.0.0.1:5000"]
	assert conf["rule_files"] == ["wgmond.rules.yml"]
	EOF
	check "prometheus: the scrape job reads /metrics on wgmond's default address, with the rules" \
	    test $? -eq 0
else
	skip "prometheus: the scrape job reads /metrics on wgmond's default address, with the rules" \
	    "no python3 yaml"
fi

# ---- The daemon under the unit's capability bounding set and
# NoNewPrivileges=, which setpriv applies as systemd would.  (The unit's
# other settings need systemd itself.)
#
# capset: CapabilityBoundingSet= as setpriv's --bounding-set.
capset() {
	local c out=-all
	for c in $(unit_value CapabilityBoundingSet); do
		c=${c#CAP_}
		out="$out,+${c,,}"
	done
	echo "$out"
}

daemon_run() {
	local i rc code nnp=
	LOG=$T/daemon.log
	case $(unit_value NoNewPrivileges) in
	yes|true|on|1)
		nnp=--no-new-privs
		;;
	esac
	cat > "$T/capwrap" <<-EOF
	#!/bin/sh
	exec setpriv $nnp --bounding-set $(capset) -- "$DAEMON" "\$@"
	EOF
	chmod 0755 "$T/capwrap"
	wgm_script status <<-'EOF'
	#!/bin/sh
	echo '{}'
	EOF
	WGMOND=$T/capwrap
	if ! wgm_start -i 1 -s "$T/status" || ! wgm_wait_log 'run done' 10 2; then
		not_ok "under the unit's CapabilityBoundingSet= and NoNewPrivileges= wgmond starts and runs the script through sudo"
		LOG=
		return
	fi
	ok "under the unit's CapabilityBoundingSet= and NoNewPrivileges= wgmond starts and runs the script through sudo"
	code=$(wgm_curl -o "$T/healthz" -w '%{http_code}' "$URL/healthz")
	check "/healthz answers 200" test "$code" = 200
	code=$(wgm_curl -o /dev/null -w '%{http_code}' "$URL/metrics")
	check "/metrics, which the Prometheus job scrapes, answers 200" \
	    test "$code" = 200
	# CAP_KILL: the collector signals the frontend, another user.
	kill -TERM "$PID"
	if ! wgm_wait_gone "$PID" 5; then
		not_ok "under the unit's CapabilityBoundingSet= and NoNewPrivileges= SIGTERM stops wgmond within 5 s, exit 0"
	else
		wait "$PID"
		rc=$?
		PID=
		check "under the unit's CapabilityBoundingSet= and NoNewPrivileges= SIGTERM stops wgmond within 5 s, exit 0" \
		    test "$rc" -eq 0
	fi
	LOG=
}
if is_root && have setpriv && have sudo && have curl && [ -x "$DAEMON" ]; then
	daemon_run
else
	skip "under the unit's CapabilityBoundingSet= and NoNewPrivileges= wgmond starts and runs the script through sudo" \
	    "needs root, setpriv, sudo, curl and $DAEMON"
fi

# ---- Documentation.
check "SECURITY.md exists" test -s SECURITY.md
missing=
for f in $(grep -oE 'tests/[A-Za-z0-9_./-]+\.(sh|c)' SECURITY.md 2>/dev/null | sort -u); do
	[ -e "$f" ] || missing="$missing $f"
done
check "every test file SECURITY.md names exists" test -z "$missing"
[ -n "$missing" ] && echo "#   missing:$missing"
check "README.md links SECURITY.md" grep -q 'SECURITY\.md' README.md
check "README.md mentions wgmond.8" grep -q 'wgmond\.8' README.md

wgm_done
