#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The gzip form of a body is made when a client first asks for it, not at
# every run: runs that nobody asks gzip of compress nothing (the frontend
# logs, with -v, each gzip form it makes); the first gzip request after a
# change gets a body that decodes to the plain one, the next ones the same
# body and ETag, made once.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup

# doc RX: 200 peers, every one's transferRx RX.
doc() {
	python3 - "$(date +%s)" "$1" <<'PY' | wgm_json wg-json.json
import json, sys
now, rx = int(sys.argv[1]), int(sys.argv[2])
peers = {("K%040d=" % i): {"endpoint": "10.0.0.%d:51820" % (i % 250),
    "latestHandshake": now, "transferRx": rx,
    "allowedIps": ["10.1.0.%d/32" % (i % 250)]} for i in range(200)}
print(json.dumps({"wg0": {"publicKey": "PUB", "listenPort": 51820,
    "peers": peers}}))
PY
}

made() {
	wgm_count "$1: gzip form made"
}

# raw_has RX: /raw, plain, shows the document of that counter.
raw_has() {
	wgm_get /raw && grep -q "\"transferRx\":$1," "$T/body"
}

doc 1
wgm_script_cat wg-json
wgm_start -s "$T/wg-json" -i 1 -C 3600 -D 7200 || not_ok "daemon starts"
wgm_wait 10 raw_has 1 || not_ok "/raw served"

wgm_wait_runs 20 3
for path in raw status metrics; do
	wgm_curl -o /dev/null "$URL/$path"
done
wgm_wait_runs 20 2
check "runs without a gzip request make no gzip form" \
    test "$(made /raw)$(made /status)$(made /metrics)" = 000

wgm_curl -D "$T/h1" -o "$T/b1" -H 'Accept-Encoding: gzip' "$URL/raw"
wgm_get /raw "$T/plain"
check "the first gzip request gets gzip" \
    grep -qi '^Content-Encoding: gzip' "$T/h1"
check "its body decodes to the plain body" \
    cmp -s "$T/plain" <(gzip -dc < "$T/b1")
check "curl --compressed gets the plain body" \
    cmp -s "$T/plain" <(wgm_curl --compressed "$URL/raw")
wgm_curl -D "$T/h2" -o "$T/b2" -H 'Accept-Encoding: gzip' "$URL/raw"
etag1=$(wgm_header "$T/h1" ETag)
etag2=$(wgm_header "$T/h2" ETag)
check "a second gzip request gets the same gzip ETag" \
    test -n "$etag1" -a "$etag1" = "$etag2" -a "${etag1%-gz\"}" != "$etag1"
check "and the same bytes" cmp -s "$T/b1" "$T/b2"
check "/raw's gzip form made once" test "$(made /raw)" = 1

# The same document: the body stays, and its gzip form with it.
wgm_wait_runs 20 2
wgm_curl -D "$T/h3" -o /dev/null -H 'Accept-Encoding: gzip' "$URL/raw"
check "an unchanged body keeps its gzip form across runs" \
    test "$(made /raw)" = 1
check "and its gzip ETag" \
    grep -qF "ETag: $etag1" "$T/h3"

# A new document: nothing compressed until a client asks again.
doc 2
wgm_wait 20 raw_has 2 || not_ok "/raw shows the new document"
wgm_wait_runs 20 2
check "a changed body is not compressed unasked" test "$(made /raw)" = 1
wgm_curl -D "$T/h4" -o "$T/b4" -H 'Accept-Encoding: gzip' "$URL/raw"
wgm_get /raw "$T/plain"
check "the first gzip request after the change decodes to the new body" \
    cmp -s "$T/plain" <(gzip -dc < "$T/b4")
check "and has a new ETag" bash -c "! grep -qF 'ETag: $etag1' '$T/h4'"
check "made on that request" test "$(made /raw)" = 2

wgm_curl -o "$T/m.gz" -H 'Accept-Encoding: gzip' "$URL/metrics"
check "/metrics in gzip decodes" \
    bash -c "gzip -dc < '$T/m.gz' | grep -q '^wgmond_build_info'"
check "/metrics's gzip part made on demand" test "$(made /metrics)" = 1

wgm_stop
check "SIGTERM: exit 0" test $? -eq 0
wgm_done
