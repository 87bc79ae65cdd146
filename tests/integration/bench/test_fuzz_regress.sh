#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The fuzz targets (tests/fuzz/, make fuzz) over their corpora, each
# input once, under ASan and UBSan: every input that once crashed stays
# fixed, and every seed still runs clean.  No mutation, no timing: the
# same inputs on every run, a few seconds in all.
#	bash tests/integration/bench/test_fuzz_regress.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
FB=$TOP/build/fuzz

if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	echo "ok - fuzz_regress # SKIP no clang (make deps installs it)"
	exit 0
fi
# make check builds them as its caller; alone, this does.
if ! out=$(make -s -C "$TOP" fuzz-build 2>&1); then
	printf '%s\n' "$out" | tail -20
	echo "not ok - fuzz_build"
	exit 1
fi
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$TOP/tests/fuzz/regress" "$FB"
