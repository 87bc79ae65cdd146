#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Integration test of docs/DESIGN.md §3 and §7: private and preshared keys
# never reach the frontend.  The fixture's keys are random 32-byte values made
# for this run (base64, 44 characters, as WireGuard prints them), so a
# match can only come from this run.  After several runs, new and removed
# peers and rejected documents, the frontend's whole memory is read through
# /proc/PID/mem and searched for every key, as base64 text and as the 32
# decoded bytes.  The scanner is proven to work on the same process (it
# must find the public keys the frontend serves) and on a helper process
# that holds a key's raw bytes.  The keys must also be absent from /raw,
# /status, /healthz and the whole -vv log.
# Prints one `ok - NAME` / `not ok - NAME` line per case.  Run from anywhere:
#	bash tests/integration/daemon/test_keys_memory.sh

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

wgm_setup

runs() {
	grep -c 'run done' "$LOG"
}

# wait_runs N: until N more runs than now have finished.
wait_runs() {
	wgm_wait_log 'run done' 20 $(( $(runs) + $1 ))
}

# ere STRING: STRING as an extended regular expression (base64 has '+').
ere() {
	printf '%s' "$1" | sed 's/[+]/\\+/g'
}

newkey() {
	python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'
}

# The secrets: one private key per interface, a preshared key for most
# peers, and some that only ever appear in documents the daemon rejects.
PRIV0=$(newkey); PRIV1=$(newkey)
PSK_A=$(newkey); PSK_B=$(newkey); PSK_C=$(newkey); PSK_D=$(newkey)
PSK_NEW=$(newkey)
PSK_BAD1=$(newkey); PSK_BAD2=$(newkey); PSK_BAD3=$(newkey)
PRIV_BAD=$(newkey)
# Public keys, which the frontend must hold (the scanner's control).
IPUB0=$(newkey); IPUB1=$(newkey)
PA=$(newkey); PB=$(newkey); PC=$(newkey); PD=$(newkey); PE=$(newkey)
PNEW=$(newkey)

: > "$T/secrets"
for v in PRIV0 PRIV1 PSK_A PSK_B PSK_C PSK_D PSK_NEW PSK_BAD1 PSK_BAD2 \
    PSK_BAD3 PRIV_BAD; do
	printf '%s\t%s\n' "$v" "${!v}" >> "$T/secrets"
done
printf 'peer-A\t%s\ninterface-wg0\t%s\n' "$PA" "$IPUB0" > "$T/publics"

now=$(date +%s)

# fixture [EXTRA_PEER]: the good document, wg0 with EXTRA_PEER when given.
fixture() {
	local extra=
	[ -n "${1:-}" ] && extra=",
	   \"$PNEW\": {\"presharedKey\": \"$PSK_NEW\", \"endpoint\": \"192.0.2.9:9\",
	     \"latestHandshake\": $now, \"allowedIps\": [\"10.0.0.9/32\"]}"
	cat <<-EOF
	{"wg0": {"privateKey": "$PRIV0", "publicKey": "$IPUB0", "listenPort": 51820,
	  "peers": {
	   "$PA": {"presharedKey": "$PSK_A", "endpoint": "192.0.2.1:51820",
	     "latestHandshake": $now, "transferRx": 1, "transferTx": 2,
	     "persistentKeepalive": 25, "allowedIps": ["10.0.0.2/32"]},
	   "$PB": {"presharedKey": "$PSK_B", "latestHandshake": $((now - 500)),
	     "allowedIps": ["10.0.0.3/32"]},
	   "$PC": {"allowedIps": ["10.0.0.4/32"]}$extra}},
	 "wg1": {"privateKey": "$PRIV1", "publicKey": "$IPUB1", "listenPort": 51821,
	  "peers": {
	   "$PD": {"presharedKey": "$PSK_C", "endpoint": "[2001:db8::1]:1",
	     "latestHandshake": $now, "allowedIps": ["0.0.0.0/0"]},
	   "$PE": {"presharedKey": "$PSK_D", "allowedIps": []}}}}
	EOF
}

wgm_script_cat fix
fixture | wgm_json fix.json

# scan PID NEEDLES: searches the process's readable memory for each
# needle (lines "label<TAB>base64") as text and as decoded bytes; prints
# "found LABEL (form) at ADDR" for each hit and a summary line.
# Regions with nothing resident or swapped (only zeros, or file pages never
# read) are skipped, and so are regions over 64 GiB: only a sanitizer's
# shadow is that large, and it holds no data (without ASan there is none).
cat > "$T/scan.py" <<'EOF'
import base64, os, re, sys

pid, needle_file = sys.argv[1], sys.argv[2]
needles = []
for line in open(needle_file):
    label, b64 = line.rstrip("\n").split("\t")
    needles.append((label + " (base64)", b64.encode()))
    needles.append((label + " (raw)", base64.b64decode(b64)))
longest = max(len(n) for _, n in needles)

regions, cur = [], None
for line in open("/proc/%s/smaps" % pid):
    m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
    if m:
        cur = {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
               "perms": m.group(3), "resident": 0, "name": line.strip()}
        regions.append(cur)
    elif line.startswith(("Rss:", "Swap:")) and cur is not None:
        cur["resident"] += int(line.split()[1])

CHUNK = 1 << 22
found, scanned, nregions, skipped, errors = set(), 0, 0, 0, 0
fd = os.open("/proc/%s/mem" % pid, os.O_RDONLY)

def search(buf, base):
    for label, n in needles:
        i = buf.find(n)
        if i != -1 and label not in found:
            found.add(label)
            print("found %s at %#x" % (label, base + i))

def read_region(start, end):
    global scanned, errors
    off, tail = start, b""
    while off < end:
        n = min(CHUNK, end - off)
        try:
            buf = os.pread(fd, n, off)
        except OSError:
            # Page by page, so one unreadable page loses only itself.
            buf = b""
            for p in range(off, off + n, 4096):
                try:
                    buf += os.pread(fd, 4096, p)
                except OSError:
                    errors += 1
                    buf += b"\0" * 4096
        scanned += len(buf)
        search(tail + buf, off - len(tail))
        tail = buf[-(longest - 1):]
        off += n

for r in regions:
    if "r" not in r["perms"]:
        continue
    if r["resident"] == 0 or r["end"] - r["start"] > (64 << 30):
        skipped += 1
        continue
    nregions += 1
    read_region(r["start"], r["end"])
os.close(fd)
print("scanned %d bytes in %d regions (%d skipped, %d unreadable pages)"
      % (scanned, nregions, skipped, errors))
EOF

scan() {
	python3 "$T/scan.py" "$@"
}

if ! wgm_start -v -s "$T/fix" -i 1 -C 100 -D 1000 ||
    ! wgm_wait_log 'run done' 15 5; then
	not_ok "daemon starts and runs the script 5 times"
	exit 1
fi
ok "daemon starts and runs the script 5 times"
FPID=$(wgm_frontend_pid)

# A peer with a preshared key appears, then goes again.
fixture extra | wgm_json fix.json
check "a new peer with a preshared key logs new_peer" \
    wgm_wait_log "\"event\":\"new_peer\".*\"peer\":\"$(ere "$PNEW")\"" 15
wait_runs 2
fixture | wgm_json fix.json
check "the removed peer logs peer_removed" \
    wgm_wait_log "\"event\":\"peer_removed\".*\"peer\":\"$(ere "$PNEW")\"" 15

# Documents rejected right at, inside and after a key: an error message
# must not carry the document's text.
errors() {
	grep -c '"event":"collect_error"' "$LOG"
}
reject() {
	local name=$1 n
	n=$(errors)
	wgm_json fix.json
	check "$name is rejected with collect_error" \
	    wgm_wait_log '"event":"collect_error"' 15 $((n + 1))
}
reject "a document cut right after a private key" <<EOF
{"wg0": {"privateKey": "$PRIV_BAD" "peers": {"$PA": {"presharedKey": "$PSK_BAD1"
EOF
reject "a preshared key with a control character inside" <<EOF
{"wg0": {"peers": {"$PA": {"presharedKey": "${PSK_BAD2:0:20}$(printf '\001')${PSK_BAD2:20}"}}}}
EOF
reject "a wrong type right after a preshared key" <<EOF
{"wg0": {"peers": {"$PA": {"presharedKey": "$PSK_BAD3", "latestHandshake": "x"}}}}
EOF
fixture | wgm_json fix.json
check "the good document is taken again (collect_recovered)" \
    wgm_wait_log '"event":"collect_recovered"' 15
wait_runs 5

# HTTP answers, kept whole.
for p in raw status healthz; do
	wgm_curl -D - "$URL/$p" > "$T/http.$p"
done
psk_flags_ok() {
	sed '1,/^\r$/d' "$T/http.raw" | python3 -c '
import json, sys
d = json.load(sys.stdin)
want = {sys.argv[1]: True, sys.argv[2]: True, sys.argv[3]: False,
        sys.argv[4]: True, sys.argv[5]: True}
got = {k: p.get("hasPresharedKey") for i in d.values()
       for k, p in i.get("peers", {}).items()}
sys.exit(0 if got == want else 1)' "$PA" "$PB" "$PC" "$PD" "$PE"
}
check "GET /raw shows hasPresharedKey for the fixture's peers" psk_flags_ok

# The scanner, first on a helper that holds the raw bytes of one key and
# the base64 text of another (its own argv has them only as hex).
CTL_RAW=$(newkey); CTL_TXT=$(newkey)
printf 'ctl-raw\t%s\nctl-text\t%s\n' "$CTL_RAW" "$CTL_TXT" > "$T/ctl.needles"
python3 -c '
import base64, sys, time
raw = bytes(bytearray.fromhex(sys.argv[1]))
txt = bytes(bytearray.fromhex(sys.argv[2]))
sys.stdout.write("ready\n"); sys.stdout.flush()
time.sleep(30)' \
    "$(printf %s "$CTL_RAW" | base64 -d | od -An -tx1 | tr -d ' \n')" \
    "$(printf %s "$CTL_TXT" | od -An -tx1 | tr -d ' \n')" > "$T/ctl.out" &
CTL=$!
wgm_wait 5 grep -qs ready "$T/ctl.out"
scan "$CTL" "$T/ctl.needles" > "$T/ctl.scan"
kill "$CTL" 2>/dev/null
wait "$CTL" 2>/dev/null
check "the scanner finds raw key bytes in another process's memory" \
    grep -q '^found ctl-raw (raw)' "$T/ctl.scan"
check "the scanner finds base64 key text in another process's memory" \
    grep -q '^found ctl-text (base64)' "$T/ctl.scan"

# The frontend's whole memory.
check "the frontend is the one that started, still running" \
    test -n "$FPID" -a "$FPID" = "$(wgm_frontend_pid)"
scan "$FPID" "$T/publics" > "$T/front.pub"
sed 's/^/# frontend control: /' "$T/front.pub"
check "the scanner finds a peer's public key in the frontend's memory" \
    grep -q '^found peer-A (base64)' "$T/front.pub"
check "the scanner finds the interface's public key in the frontend's memory" \
    grep -q '^found interface-wg0 (base64)' "$T/front.pub"
scan "$FPID" "$T/secrets" > "$T/front.sec"
sed 's/^/# frontend: /' "$T/front.sec"
check "the scan of the frontend's memory ran to its end" \
    grep -q '^scanned [1-9]' "$T/front.sec"
check "no private or preshared key, as base64 or as raw bytes, is in the frontend's memory" \
    test -z "$(grep '^found' "$T/front.sec")"

# For information only: the collector parses the keys, and yajl's and the
# pipe's buffers may still hold the text.
scan "$PID" "$T/secrets" | sed 's/^/# collector (informational): /'

for p in raw status healthz; do
	check "no private or preshared key appears in /$p" \
	    test -s "$T/http.$p" -a -z "$(cut -f2 "$T/secrets" | grep -F -f - "$T/http.$p")"
done
wgm_stop
check "the daemon exits 0 on SIGTERM" test $? = 0
check "no private or preshared key appears in the daemon's -vv log" \
    test -z "$(cut -f2 "$T/secrets" | grep -F -f - "$LOG")"
check "the log has events and debug lines (it is the -vv log)" \
    test -n "$(wgm_events initial_status)" -a "$(runs)" -ge 10

wgm_done
