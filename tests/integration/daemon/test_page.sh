#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of the page at / (docs/DESIGN.md §9) in a real browser:
# Debian's chromium, headless, driven over the DevTools protocol by cdp.py.  The
# daemon serves a fixture the test rewrites; the page must show every peer
# with its status, change a row when its status changes, show names and
# endpoints from the script as text (an interface named like an HTML tag,
# an endpoint holding a script), load nothing its Content-Security-Policy
# refuses, say when its data is stale, and come back by itself when the
# daemon restarts.  Every wait is bounded.  Run from anywhere:
#	bash tests/integration/daemon/test_page.sh
# WGM_PAGE_SHOT=FILE also saves a screenshot of the page.

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

BROWSER=$(command -v chromium || command -v chromium-browser)
if [ -z "$BROWSER" ] || ! /usr/bin/python3 -c 'import websocket' 2>/dev/null
then
	echo "ok - all # SKIP needs chromium and python3-websocket" \
	    "(tools/install-deps installs them)"
	exit 0
fi
CDP_DIR=$T/chrome
CHPID=
# chromium and its helpers: its process group.
wgm_atexit '[ -z "$CHPID" ] || kill -- -"$CHPID" 2>/dev/null; wgm_end "$CHPID"'

cdp() {
	/usr/bin/python3 "$TOP/tests/integration/cdp.py" "$CDP_DIR" "$@"
}

KA='QUFBQWNvbm5lY3RlZGFnZXMrL0FBQUFBQUFBQUFBQUE='
KB='QkJCQm5ldmVyY29ubmVjdGVkKy9CQkJCQkJCQkJCQkI='
KC='Q0NDQ3N0YXlzY29ubmVjdGVkKy9DQ0NDQ0NDQ0NDQ0M='
KD='RERERGhvc3RpbGVpZmFjZSsvREREREREREREREREREQ='
HOSTILE_IF='<img src=x onerror="window.pwned=1">'
HOSTILE_EP='<script>window.pwned=2</script>'

# fixture A B: the handshake of peers A and B: now, old (150 s ago, with
# -C 100 -D 200 disconnected) or never.
fixture() {
	/usr/bin/python3 - "$1" "$2" "$KA" "$KB" "$KC" "$KD" "$HOSTILE_IF" \
	    "$HOSTILE_EP" <<'EOF' | wgm_json page.json
import json, sys, time
a, b, ka, kb, kc, kd, hif, hep = sys.argv[1:]
now = int(time.time())
def peer(hs, ep, aips):
    p = {"allowedIps": aips}
    if hs != "never":
        p["latestHandshake"] = now if hs == "now" else now - 150
    if ep:
        p["endpoint"] = ep
    return p
print(json.dumps({
    "wg0": {"listenPort": 51820, "peers": {
        ka: peer(a, "192.0.2.10:51820", ["10.0.0.10/32"]),
        kb: peer(b, "", ["10.0.0.11/32", "fd00::11/128"]),
        kc: peer("now", "198.51.100.7:4500", ["10.0.0.12/32"])}},
    hif: {"listenPort": 51821, "peers": {
        kd: peer("now", hep, ["10.9.0.1/32"])}}}))
EOF
}

# The table as [interface, key, status shown, endpoint] rows, sorted.
TABLE='JSON.stringify([...document.querySelectorAll("#peers tbody tr")].map(
    tr => [...tr.querySelectorAll("td.iface, td.key, td.status, td.endpoint")]
    .map(td => td.textContent)).sort())'

# table_is ROWS...: the table is these rows, each "iface|key|status|endpoint".
table_is() {
	local want
	want=$(/usr/bin/python3 -c 'import json, sys
print(json.dumps(sorted(r.split("|") for r in sys.argv[1:])))' "$@")
	cdp wait 15 "$TABLE === JSON.stringify($want)"
}

# row_status KEY STATUS: the row of KEY says STATUS, in its data and text.
row_status() {
	cdp wait 15 "(r => r !== null && r.dataset.status === '$2' &&
	    r.querySelector('td.status').textContent === '${2/_/ }')(
	    document.querySelector('#peers tbody tr[data-key=\"$1\"]'))"
}

HOSTILE_NAME='<script>window.pwned=3</script>'
printf '%s Alice\n%s %s\n' "$KA" "$KD" "$HOSTILE_NAME" > "$T/names"
fixture now never
wgm_script_cat page
if ! wgm_start -s "$T/page" -i 1 -C 100 -D 200 -N "$T/names" ||
    ! wgm_wait_log 'initial_status' 10 4; then
	not_ok "daemon starts and logs its initial events"
	exit 1
fi

setsid "$BROWSER" --headless --no-sandbox --disable-gpu \
    --remote-debugging-port=0 --user-data-dir="$CDP_DIR" \
    --window-size=1280,520 --no-first-run about:blank \
    >"$T/chrome.log" 2>&1 &
CHPID=$!
if ! cdp open "$URL/"; then
	not_ok "chromium opens the page"
	exit 1
fi

check "the page shows every peer with its interface, key, status and endpoint" \
    table_is "wg0|$KA|connected|192.0.2.10:51820" \
    "wg0|$KB|never connected|" "wg0|$KC|connected|198.51.100.7:4500" \
    "$HOSTILE_IF|$KD|connected|$HOSTILE_EP"
as_text() {
	cdp wait 5 "(() => {
	    const r = document.querySelector('#peers tbody tr[data-key=\"$KD\"]');
	    return r.querySelector('td.iface').textContent ===
	        $(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$HOSTILE_IF") &&
	        r.querySelector('td.endpoint').textContent ===
	        $(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$HOSTILE_EP") &&
	        document.querySelectorAll('main img, main script').length === 0 &&
	        window.pwned === undefined; })()"
}
check "an interface name and an endpoint holding markup show as text and run nothing" \
    as_text
names_shown() {
	cdp wait 5 "(() => {
	    const name = k => document.querySelector(
	        '#peers tbody tr[data-key=\"' + k + '\"] td.name').textContent;
	    return name('$KA') === 'Alice' && name('$KB') === '' &&
	        name('$KD') === $(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$HOSTILE_NAME") &&
	        document.querySelectorAll('main script').length === 0 &&
	        window.pwned === undefined; })()"
}
check "peer names from -N show, and a name holding markup shows as text" \
    names_shown
check "the page says it is live" \
    cdp wait 10 'document.body.dataset.state === "live"'
no_errors() {
	local e
	e=$(cdp errors)
	[ "$e" = "[]" ] || { echo "#   $e"; return 1; }
}
check "no script error and nothing the Content-Security-Policy refused" \
    no_errors
csp=$(wgm_curl -D - -o /dev/null "$URL/" |
    wgm_header - Content-Security-Policy)
check "/ carries Content-Security-Policy default-src 'self'" \
    grep -q "^default-src 'self'" <<<"$csp"
etag=$(wgm_curl -I "$URL/app.js" | wgm_header - ETag)
code=$(wgm_curl -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" \
    "$URL/app.js")
check "/app.js has an ETag and answers If-None-Match with 304" \
    test -n "$etag" -a "$code" = 304

# A status change reaches the row through /events.
fixture old never
check "a row changes when its peer's status changes" \
    row_status "$KA" disconnected

if [ -n "${WGM_PAGE_SHOT:-}" ]; then
	cdp shot "$WGM_PAGE_SHOT"
fi

# The script fails: the page keeps the last good table and says why.
echo '{"wg0": ' | wgm_json page.json
check "the page says its data is stale when the last run failed" \
    cdp wait 15 'document.body.dataset.state === "stale" &&
	document.getElementById("health").textContent.includes("failed (parse")'
fixture old never
check "the page is live again when a run succeeds" \
    cdp wait 15 'document.body.dataset.state === "live"'

# The daemon stops: the page says so.  It comes back: so does the page.
wgm_stop
check "the page says its data is stale when the daemon is gone" \
    cdp wait 15 'document.body.dataset.state === "stale" &&
	document.getElementById("health").textContent.startsWith("Stale")'
fixture old now
wgm_start -l "127.0.0.1:$PORT" -s "$T/page" -i 1 -C 100 -D 200
reconnected() {
	cdp wait 20 'document.body.dataset.state === "live"' &&
	    row_status "$KB" connected
}
check "the page reconnects by itself when the daemon restarts" reconnected

wgm_done
