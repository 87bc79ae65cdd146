#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Prometheus files of etc/prometheus/ (docs/DESIGN.md §9, README
# "Prometheus"): the scrape job and the alert rules pass promtool's checks, the
# rules' own tests (series that fire and series that must not) pass, and would
# fail if the rules fired at once or never.  Then the rules and the
# Grafana dashboard's join query are evaluated by promtool on what a real
# wgmond serves on /metrics.  Prints one `ok - NAME` / `not ok - NAME`
# line per case.  Run from anywhere:
#	bash tests/integration/deploy/test_prometheus_rules.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

wgm_need promtool || exit 1

E=$TOP/etc/prometheus

# quiet CMD...: runs it; its output only when it fails.
quiet() {
	local out
	out=$("$@" 2>&1) && return 0
	echo "$out" | sed 's/^/#   /' | head -n 20
	return 1
}

# fails CMD...: the command fails.
fails() {
	! "$@" >/dev/null 2>&1
}

check "promtool check config accepts the scrape job and its rule file" \
    quiet promtool check config "$E/wgmond.yml"
check "promtool check rules accepts the alert rules" \
    quiet promtool check rules "$E/wgmond.rules.yml"
check "promtool test rules: the rules fire and stay silent as their tests say" \
    quiet promtool test rules "$E/wgmond.rules.test.yml"

# mutant NAME SED: the rule tests run against rules changed by SED.
mutant() {
	mkdir -p "$T/$1"
	sed "$2" "$E/wgmond.rules.yml" > "$T/$1/wgmond.rules.yml"
	cp "$E/wgmond.rules.test.yml" "$T/$1/"
	promtool test rules "$T/$1/wgmond.rules.test.yml"
}
check "the rule tests fail for rules that fire at once (series that must not fire)" \
    fails mutant instant 's/for: .*/for: 0s/'
check "the rule tests fail for rules that never fire (series that must fire)" \
    fails mutant never 's/== [01]$/== 2/; s/) == 1$/) == 2/'

# ---- The rules on a real scrape.  With -C 100 -D 1000: A connected, B
# never connected, D disconnected, I inactive.
now=$(date +%s)
KA=QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=
KB=QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=
KD=RERERERERERERERERERERERERERERERERERERERERDQ=
KI=SUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUk=
wgm_script_cat s
wgm_json s.json <<EOF
{"wg0": {"publicKey": "c2VydmVyMHB1YmxpY2tleTAwMDAwMDAwMDAwMDAwMDA=",
  "peers": {
    "$KA": {"latestHandshake": $now, "transferRx": 100, "allowedIps": []},
    "$KB": {"transferRx": 200, "allowedIps": []},
    "$KD": {"latestHandshake": $((now - 500)), "transferRx": 300,
      "allowedIps": []},
    "$KI": {"latestHandshake": $((now - 5000)), "transferRx": 400,
      "allowedIps": []}}}}
EOF
if ! wgm_start -s "$T/s" -i 60 -C 100 -D 1000 ||
    ! wgm_wait_log 'run done' 10; then
	not_ok "daemon starts and runs the script"
	exit 1
fi
peer_info_scraped() {
	wgm_curl "$URL/metrics" > "$T/m" && grep -q '^wireguard_peer_info{' "$T/m"
}
wgm_wait 5 peer_info_scraped
wgm_stop

# Every series of the scrape, with the labels a scrape job adds, held
# for 20 minutes; then the alert and the dashboard's query on it.
python3 - "$T/m" "$E/wgmond.rules.yml" "$KD" "$KI" > "$T/real.test.yml" <<'EOF'
import json, re, sys
series = []
for line in open(sys.argv[1]):
    m = re.match(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$', line.rstrip("\n"))
    if m is None:
        continue
    labels = 'job="wgmond",instance="gw:5000"' + \
        ("," + m.group(2) if m.group(2) else "")
    series.append({"series": "%s{%s}" % (m.group(1), labels),
        "values": "%s+0x20" % m.group(3)})
def alert(key):
    return {"exp_labels": {"severity": "warning", "instance": "gw:5000",
        "device": "wg0", "public_key": key},
        "exp_annotations": {
        "summary": "WireGuard peer %s on wg0 disconnected" % key,
        "description": "No handshake with the peer for longer than "
        "wgmond's connected threshold (-C), for 5 minutes."}}
join = ("wireguard_peer_receive_bytes_total * on (public_key, device) "
    "group_left(name) wireguard_peer_info")
rx = {"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=": 100,
    "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=": 200,
    sys.argv[3]: 300, sys.argv[4]: 400}
print(json.dumps({"rule_files": [sys.argv[2]], "evaluation_interval": "1m",
    "tests": [{"interval": "1m", "input_series": series,
        "alert_rule_test": [
            {"eval_time": "10m", "alertname": "WireguardPeerDisconnected",
             "exp_alerts": [alert(sys.argv[3]), alert(sys.argv[4])]},
            {"eval_time": "10m", "alertname": "WgmondCollectionFailing",
             "exp_alerts": []}],
        "promql_expr_test": [
            {"expr": join, "eval_time": "10m", "exp_samples": [
                {"labels": '{job="wgmond",instance="gw:5000",device="wg0",'
                    'public_key="%s"}' % k, "value": v}
                for k, v in rx.items()]}]}]}))
EOF
check "on a real scrape, WireguardPeerDisconnected fires for the disconnected and inactive peers only, and the dashboard's join query gives each peer's bytes" \
    quiet promtool test rules "$T/real.test.yml"

wgm_done
