#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# /raw follows the script's document run after run (docs/DESIGN.md §7.6:
# after the first, each run reaches the frontend as what changed):
# counters that grow, an endpoint that roams or goes, a list of allowed
# IPs that grows past one message and shrinks back, a keepalive set, a
# preshared key gone, peers and an interface that come and go, and the
# first document again.  After each run /raw is the document, without
# the keys, with hasPresharedKey (statuses apart).
#	bash tests/integration/daemon/test_raw_runs.sh

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

# doc STEP: the document of step 1 to 4.
doc() {
	python3 - "$1" <<-'EOF'
	import base64, hashlib, json, sys
	step = int(sys.argv[1])
	def key(s):
	    return base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
	def peer(i):
	    return {"endpoint": "192.0.2.%d:%d" % (i + 1, 1024 + i),
	        "latestHandshake": 4000000000, "transferRx": i,
	        "transferTx": 2 * i, "allowedIps": ["10.0.0.%d/32" % i]}
	wg0 = {i: peer(i) for i in range(20)}
	wg0[7]["presharedKey"] = key("psk")
	doc = {"wg0": {"privateKey": key("priv"), "publicKey": key("pub"),
	    "listenPort": 51820, "peers": wg0},
	    "wg1": {"listenPort": 51821, "peers": {i: peer(100 + i)
	    for i in range(3)}}}
	if step in (2, 3):
	    for i in range(10):
	        wg0[i]["transferRx"] += 1000 * step
	    wg0[3]["endpoint"] = "[2001:db8::3]:4444"
	    del wg0[5]
	    wg0[20] = peer(20)
	    del doc["wg1"]
	    doc["wg2"] = {"listenPort": 51822, "fwmark": 9,
	        "peers": {0: peer(200)}}
	if step == 2:
	    # About 30 KB: past one 16 KiB message.
	    wg0[4]["allowedIps"] = ["10.%d.%d.0/24" % (i // 256, i % 256)
	        for i in range(2000)]
	if step == 3:
	    wg0[6]["persistentKeepalive"] = 25
	    del wg0[7]["presharedKey"]
	    wg0[8]["latestHandshake"] = 1
	    del wg0[9]["endpoint"]
	for ifc in doc.values():
	    ifc["peers"] = {key("p%d-%s" % (i, ifc.get("listenPort"))): p
	        for i, p in ifc["peers"].items()}
	json.dump(doc, sys.stdout)
	EOF
}

raw_is_doc() {
	wgm_curl -o "$T/raw.json" "$URL/raw" &&
	python3 - "$T/wg-json.json" "$T/raw.json" <<-'EOF'
	import json, sys
	want = json.load(open(sys.argv[1]))
	got = json.load(open(sys.argv[2]))
	for ifc in want.values():
	    ifc.pop("privateKey", None)
	    for p in ifc["peers"].values():
	        p["hasPresharedKey"] = p.pop("presharedKey", None) is not None
	for ifc in got.values():
	    for p in ifc.get("peers", {}).values():
	        p.pop("status", None)
	sys.exit(got != want)
	EOF
}

wgm_script_cat wg-json
doc 1 | wgm_json wg-json.json
if ! wgm_start -s "$T/wg-json" -i 1; then
	not_ok "the daemon starts"
	exit 1
fi
check "run 1, whole: /raw is the document" wgm_wait 30 raw_is_doc
doc 2 | wgm_json wg-json.json
check "run 2: counters, a roam, 2000 allowed IPs, peers and interfaces come and go" \
    wgm_wait 30 raw_is_doc
doc 3 | wgm_json wg-json.json
check "run 3: the list back to one, a keepalive, a key and an endpoint gone" \
    wgm_wait 30 raw_is_doc
doc 1 | wgm_json wg-json.json
check "run 4: the first document again" wgm_wait 30 raw_is_doc
check "the frontend took every run: it still runs" \
    test -n "$(wgm_frontend_pid)"
wgm_stop

wgm_done
