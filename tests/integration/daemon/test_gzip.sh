#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# /raw and /status in gzip for a client that asks: the same content, its
# own ETag, compressed once per snapshot; none for one that refuses it.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup

now=$(date +%s)
python3 - "$now" > "$T/wg-json.json" <<'PY'
import json, sys
now = int(sys.argv[1])
peers = {("K%040d=" % i): {"endpoint": "10.0.%d.%d:51820" % (i // 250, i % 250),
    "latestHandshake": now - i, "allowedIps": ["10.1.%d.%d/32" % (i // 250, i % 250)]}
    for i in range(300)}
print(json.dumps({"wg0": {"publicKey": "PUB", "listenPort": 51820, "peers": peers}}))
PY
wgm_script_cat wg-json
wgm_start -s "$T/wg-json" -i 1 -C 100 -D 200 || not_ok "daemon starts"
wgm_wait_log '"event":"initial_status"' 10

url=$URL

# pair PATH: the plain and the gzip form of one body.  /status holds each
# peer's age, so a run in a later second between the two requests makes a
# new body: asked again, up to three times, until the gzip form's ETag is
# the plain one's with -gz.
pair() {
	local i e
	for i in 1 2 3; do
		wgm_curl -D "$T/h.plain" -o "$T/b.plain" "$url/$1"
		wgm_curl -D "$T/h.gz" -o "$T/b.gz" \
		    -H 'Accept-Encoding: gzip' "$url/$1"
		e=$(wgm_header "$T/h.plain" ETag)
		[ "$(wgm_header "$T/h.gz" ETag)" = "${e%\"}-gz\"" ] && return
	done
}

# gz_304 PATH: If-None-Match with the gzip form's ETag is 304, asked
# right after that form (three tries, as pair).
gz_304() {
	local i e
	for i in 1 2 3; do
		wgm_curl -D "$T/h.gz" -o /dev/null \
		    -H 'Accept-Encoding: gzip' "$url/$1"
		e=$(wgm_header "$T/h.gz" ETag)
		[ "$(wgm_curl -o /dev/null -w '%{http_code}' \
		    -H 'Accept-Encoding: gzip' -H "If-None-Match: $e" \
		    "$url/$1")" = 304 ] && return 0
	done
	return 1
}

for path in raw status; do
	pair "$path"
	check "/$path: gzip asked, Content-Encoding: gzip" \
	    grep -qi '^Content-Encoding: gzip' "$T/h.gz"
	check "/$path: gzip body decodes to the plain body" \
	    cmp -s "$T/b.plain" <(gzip -dc < "$T/b.gz")
	check "/$path: gzip body is smaller" \
	    test "$(wc -c < "$T/b.gz")" -lt "$(wc -c < "$T/b.plain")"
	check "/$path: Vary: Accept-Encoding on both" \
	    grep -qi '^Vary: Accept-Encoding' "$T/h.plain" "$T/h.gz"
	etag_plain=$(wgm_header "$T/h.plain" ETag)
	etag_gz=$(wgm_header "$T/h.gz" ETag)
	check "/$path: the two forms have different ETags" \
	    test -n "$etag_gz" -a "$etag_plain" != "$etag_gz"
	check "/$path: If-None-Match with the gzip ETag gives 304" \
	    gz_304 "$path"
done

wgm_curl -D "$T/h.q0" -o /dev/null -H 'Accept-Encoding: gzip;q=0' "$url/raw"
check "gzip;q=0 gets the plain body" \
    bash -c "! grep -qi '^Content-Encoding' '$T/h.q0'"
wgm_curl -D "$T/h.none" -o /dev/null "$url/raw"
check "no Accept-Encoding gets the plain body" \
    bash -c "! grep -qi '^Content-Encoding' '$T/h.none'"

wgm_stop
check "SIGTERM: exit 0" test $? -eq 0
wgm_done
