#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The benchmarks still run: bench/run --smoke runs every part at 10 peers
# with 1 s measurements (in a temporary directory, RESULTS.md untouched)
# and says per part whether it produced its figures.  A part that bench/run
# skips fails here: everything it needs is in the repository (the Flask
# baseline in bench/baseline) or installed by tools/install-deps (wrk,
# nginx, gunicorn, python3-flask, gnuplot).

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOP" || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - bench smoke # SKIP needs root"
	exit 0
fi
for f in wgmond build/bench/cycle; do
	if [ ! -x "$f" ]; then
		echo "not ok - bench smoke: $f is built"
		exit 1
	fi
done

T=$(mktemp -d /tmp/wgmond-test.XXXXXX) || exit 1
trap wgm_cleanup EXIT

# bench/run names the commit with git describe --dirty, which rewrites
# .git/index: as root (make check through sudo) in a user's checkout, that
# would leave the index root's.  The smoke run's RESULTS.md is thrown away,
# so it gets no repository.
out=$(GIT_DIR=/dev/null BENCH_OUT=$T/out timeout 180 bench/run --smoke 2>&1)
rc=$?
n=0
while read -r tag name status why; do
	[ "$tag" = RESULT ] || continue
	n=$((n + 1))
	case "$status" in
	ok)	echo "ok - bench smoke: $name" ;;
	skip)	echo "not ok - bench smoke: $name: skipped: $why" ;;
	*)	echo "not ok - bench smoke: $name: $why" ;;
	esac
done <<<"$out"
if [ "$n" -eq 0 ] || [ "$rc" -ne 0 ]; then
	echo "not ok - bench smoke: bench/run --smoke exited $rc"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	exit 1
fi

# The report bench/report.py made of the run: every section of
# bench/RESULTS.md (which may predate a new one), and the plot.
sections() {
	grep '^## ' "$1" | sed 's/[0-9][0-9]*/N/g'
}
check "bench smoke: RESULTS.md has the sections of bench/RESULTS.md" \
    eval '[ -z "$(comm -23 <(sections bench/RESULTS.md |
    grep -v "^## Profile" | sort) <(sections "$T/out/RESULTS.md" | sort))" ]'

# The cycle with churn: the sequence's figures at 10 peers, in the table
# and beside each target of issue 12; no timing is asserted.
churn_row() {
	sed -n '/^## Cycle with churn/,/^## [^C]/p' "$T/out/RESULTS.md" |
	    grep -F "| 10 | $1"
}
# Every cell of the figures' row holds a number, none a "-" (no figure).
churn_numbers() {
	churn_row "" | head -n 1 | awk -F'|' '
	    { n++; for (i = 2; i < NF; i++) {
		c = $i; gsub(/[ *]/, "", c)
		if (c !~ /[0-9]/ || c ~ /(^|[\/(])-($|[\/)])/) bad++ } }
	    END { exit !(n == 1 && NF == 18 && !bad) }'
}
check "bench smoke: RESULTS.md has a section Cycle with churn" \
    grep -q '^## Cycle with churn$' "$T/out/RESULTS.md"
check "bench smoke: churn: every figure of the 10-peer row is a number" \
    churn_numbers
for t in "peak RSS of both <= 1/3" "steady RSS of both <= 1/4"; do
	check "bench smoke: churn: $t: a figure and a verdict" \
	    eval 'churn_row "$t" |
	    grep -Eq "\| [0-9.]+ x \([0-9.]+ MiB vs [0-9.]+ MiB\) \| \*\*(met|missed)\*\* \|\$"'
done
# A process's CPU may be under one clock tick over the smoke's few runs:
# then its ratio is a bound ("< x", "> x"), its verdict maybe "no figure".
for t in "collector CPU per cycle <= 2x" "frontend CPU per cycle <= 1x" \
    "both processes >= 3x faster"; do
	check "bench smoke: churn: $t: a figure or a bound, a verdict" \
	    eval 'churn_row "$t" |
	    grep -Eq "\| ([<>] )?[0-9.]+ x \([0-9.]+ ms vs [0-9.]+ ms\) \| (\*\*met\*\*|\*\*missed\*\*|no figure) \|\$"'
done
check "bench smoke: results.png is a plot" \
    eval '[ "$(head -c 4 "$T/out/results.png" | tail -c 3)" = PNG ]'
wgm_done
