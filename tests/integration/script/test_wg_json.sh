#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Test of tools/wg-json, the default status script: a fake `wg` first on
# PATH prints a fixture dump from tests/fixtures/wg-dump (or fails), and the
# output is compared, as parsed JSON, with the fixture's expected .json.
# Prints one `ok - NAME` / `not ok - NAME` line per case; exits non-zero if
# any case failed.
#	bash tests/integration/script/test_wg_json.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOP" || exit 2
set -u

script=tools/wg-json
fixtures=tests/fixtures/wg-dump

tmp=$(mktemp -d) || exit 2
trap 'rm -rf -- "$tmp"' EXIT
mkdir "$tmp/bin"

# The fake wg.  FAKE_WG_MODE: dump (print FAKE_WG_DUMP), fail (message on
# stderr, exit 1), partial (first 3 lines of FAKE_WG_DUMP, then fail).
# Each run appends a line to FAKE_WG_CALLS.
cat > "$tmp/bin/wg" <<'EOF'
#!/usr/bin/bash
echo "$*" >> "$FAKE_WG_CALLS"
if [[ $* != "show all dump" ]]; then
	echo "fake wg: unexpected arguments: $*" >&2
	exit 2
fi
case $FAKE_WG_MODE in
dump)
	cat -- "$FAKE_WG_DUMP"
	;;
fail)
	echo "Unable to access interface: Operation not permitted" >&2
	exit 1
	;;
partial)
	head -n 3 -- "$FAKE_WG_DUMP"
	echo "Unable to read peers: Interrupted system call" >&2
	exit 1
	;;
esac
EOF
chmod 755 "$tmp/bin/wg"

failures=0

# run MODE DUMP: run the script as the collector does (clean environment,
# stdin from /dev/null); sets $rc, output in $tmp/out and $tmp/err.
run() {
	: > "$tmp/calls"
	env -i PATH="$tmp/bin:/usr/bin:/bin" LANG=C \
	    FAKE_WG_MODE="$1" FAKE_WG_DUMP="$2" FAKE_WG_CALLS="$tmp/calls" \
	    bash "$script" < /dev/null > "$tmp/out" 2> "$tmp/err"
	rc=$?
}

report() {			# report NAME STATUS [WHY]
	if (($2 == 0)); then
		echo "ok - $1"
	else
		echo "not ok - $1"
		[[ -n ${3-} ]] && echo "#   $3"
		failures=$((failures + 1))
	fi
}

# same_json ACTUAL EXPECTED: equal as parsed JSON, integers as integers
# (1024.0 != 1024), no duplicate keys, output strictly valid UTF-8.
same_json() {
	python3 -c '
import json, sys

def strict(pairs):
	keys = [k for k, _ in pairs]
	if len(keys) != len(set(keys)):
		sys.exit("duplicate key in %r" % keys)
	return dict(pairs)

def load(path):
	with open(path, "rb") as f:
		return json.loads(f.read().decode("utf-8"), object_pairs_hook=strict)

try:
	got, want = load(sys.argv[1]), load(sys.argv[2])
except ValueError as e:
	sys.exit("%s: %s" % (sys.argv[1], e))
canon = lambda v: json.dumps(v, sort_keys=True)
if canon(got) != canon(want):
	sys.exit("got %s\n#   want %s" % (canon(got), canon(want)))
' "$1" "$2" 2>&1
}

# check_dump NAME FIXTURE: wg prints FIXTURE.dump; expect FIXTURE.json.
check_dump() {
	local why
	run dump "$fixtures/$2.dump"
	if ((rc != 0)); then
		report "$1" 1 "exit status $rc: $(head -c 300 "$tmp/err")"
	elif [[ -s $tmp/err ]]; then
		report "$1" 1 "stderr: $(head -c 300 "$tmp/err")"
	elif [[ $(wc -l < "$tmp/calls") -ne 1 ]]; then
		report "$1" 1 "wg ran $(wc -l < "$tmp/calls") times"
	elif ! why=$(same_json "$tmp/out" "$fixtures/$2.json"); then
		report "$1" 1 "$why"
	else
		report "$1" 0
	fi
}

check_dump "two interfaces, IPv4/IPv6 endpoints, psk, no handshake, keepalive off, no allowed IPs, fwmark" normal
check_dump "empty dump gives {}" empty
check_dump "interface without peers" nopeers
check_dump "name and strings that need escaping" escape

# 64-bit counters: equal as parsed integers (above) and copied digit for digit.
check_dump "64-bit counters exact" counters
if grep -q '"transferRx":[[:space:]]*18446744073709551615[,}[:space:]]' "$tmp/out" &&
    grep -q '"transferTx":[[:space:]]*18446744073709551614[,}[:space:]]' "$tmp/out"; then
	report "64-bit counters copied as text" 0
else
	report "64-bit counters copied as text" 1 "$(head -c 300 "$tmp/out")"
fi

# wg fails: non-zero exit, wg's message on stderr, no valid JSON on stdout.
# check_fail NAME MODE MESSAGE
check_fail() {
	run "$2" "$fixtures/normal.dump"
	if ((rc == 0)); then
		report "$1" 1 "exit status 0"
	elif ! grep -qF -- "$3" "$tmp/err"; then
		report "$1" 1 "stderr lacks wg's message: $(head -c 300 "$tmp/err")"
	elif python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
	    "$tmp/out" 2> /dev/null; then
		report "$1" 1 "stdout is valid JSON: $(head -c 300 "$tmp/out")"
	else
		report "$1" 0
	fi
}

check_fail "wg fails: non-zero exit, wg's message, no JSON" fail \
    "Unable to access interface: Operation not permitted"
if [[ -s $tmp/out ]]; then
	report "wg fails: nothing on stdout" 1 "$(head -c 300 "$tmp/out")"
else
	report "wg fails: nothing on stdout" 0
fi
check_fail "wg fails after part of the dump: output left incomplete" partial \
    "Unable to read peers: Interrupted system call"

# wg not installed: the shell's "not found" message, non-zero exit.
mkdir "$tmp/nowg"
ln -s "$(command -v awk)" "$tmp/nowg/awk"
rc=0
env -i PATH="$tmp/nowg" LANG=C "$BASH" "$script" < /dev/null \
    > "$tmp/out" 2> "$tmp/err" || rc=$?
if ((rc != 0)) && grep -q 'wg: .*not found' "$tmp/err" && [[ ! -s $tmp/out ]]; then
	report "wg not found: non-zero exit, message" 0
else
	report "wg not found: non-zero exit, message" 1 "rc=$rc, stderr: $(head -c 300 "$tmp/err")"
fi

# A line that is not in wg's dump format is an error, not broken JSON.
printf 'wg0\tonly\tthree\n' > "$tmp/bad.dump"
run dump "$tmp/bad.dump"
if ((rc != 0)) && [[ -s $tmp/err ]]; then
	report "malformed dump line rejected" 0
else
	report "malformed dump line rejected" 1 "rc=$rc, stderr: $(head -c 300 "$tmp/err")"
fi

exit $((failures != 0))
