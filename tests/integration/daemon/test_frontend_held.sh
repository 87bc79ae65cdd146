#!/usr/bin/env bash
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The frontend holds a run's snapshot messages until the run's end
# (docs/DESIGN.md §8): a collector that sends messages without end cannot
# make it hold more than SNAP_HELD_MAX (64 MiB).  The frontend is started
# here as the collector starts it (wgmond -F, the channel on descriptor
# 3) and fed by a hostile sender: its configuration and socket, a run's
# beginning, then 80 MiB of peer messages and no end.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
wgm_setup

python3 - "$WGMOND" "$CHROOT" "$T" > "$T/out" 2>&1 <<'PY'
import os, socket, struct, subprocess, sys, time
wgmond, chroot, tmp = sys.argv[1:4]
FD_MARK = 0x80000000
CONFIG, LISTEN, BEGIN, PEERS = 1, 2, 3, 5

def msg(kind, body, gen=0, fd=False):
    n = 16 + len(body)
    return struct.pack("=IIII", kind, n | (FD_MARK if fd else 0), gen,
        0) + body

ours, theirs = socket.socketpair()
lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen(8)
port = lsock.getsockname()[1]
err = open(os.path.join(tmp, "frontend.err"), "w")
def child():
    os.dup2(theirs.fileno(), 3)
    os.set_inheritable(3, True)
p = subprocess.Popen([wgmond, "-F", "-d"], executable=wgmond,
    preexec_fn=child, pass_fds=(3,), stderr=err, stdout=err)
theirs.close()
conf = struct.pack("=IIIII256s128s", 65534, 65534, 10, 180, 240,
    chroot.encode(), ("127.0.0.1:%d" % port).encode())
ours.sendall(msg(CONFIG, conf))
socket.send_fds(ours, [msg(LISTEN, b"", fd=True)], [lsock.fileno()])
ours.sendall(msg(BEGIN, struct.pack("=qIIII", int(time.time()), 1, 1, 1,
    0), gen=1))
body = b"\x01" * (16384 - 16)
sent, hwm = 0, 0
ours.settimeout(10)
try:
    while sent < 80 * 1024 * 1024 and p.poll() is None:
        ours.sendall(msg(PEERS, body, gen=1))
        sent += 16384
        with open("/proc/%d/status" % p.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
except (OSError, socket.timeout):
    pass
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
print("sent", sent, "rc", rc, "hwm_kb", hwm)
PY
cat "$T/out" | sed 's/^/# /'
read -r _ sent _ rc _ hwm < "$T/out"
check "the frontend ends itself when a run's messages pass 64 MiB" \
    grep -q "a run's messages past 67108864 bytes" "$T/frontend.err"
check "with a non-zero exit status" test "${rc:-0}" -ne 0
check "before 80 MiB were sent" test "${sent:-0}" -lt $((80 * 1024 * 1024))
# Under ASan the heap costs more than its bytes: the bound is loose.
check "its peak resident memory stayed under 256 MiB" \
    test "${hwm:-999999}" -lt $((256 * 1024))
wgm_done
