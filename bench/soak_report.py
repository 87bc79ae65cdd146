#!/usr/bin/env python3
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/soak's verdict: reads what bench/soak left in DIR (daemon.log,
# record, samples.tsv, clients.json, meta.json), writes DIR/REPORT.md and
# DIR/soak.png, prints the criteria and last PASS or FAIL; exit status 0
# on PASS.
#
# The events owed are computed from bench/soak-churn's record, one line per
# run, in the order the runs finished (the collector runs one at a time):
# the first N lines, N the runs the daemon logged as done or failed, the
# others being cut short by the stop.  A failed run owes collect_error with
# its error and keeps the last good state; the first good run after it
# owes collect_recovered; a good run owes the difference from the last good
# run, as collector/events.c computes it (initial_status for the first).
#
#   soak_report.py DIR

import collections
import json
import os
import subprocess
import sys

# Warm-up: the first 10% of the run, at least 20 seconds, and until the
# 1024th event, when the frontend's ring of events for /events is full
# (frontend/sse.c): until then it grows by design, by each event's line.
WARMUP_FRACTION = 0.10
WARMUP_MIN = 20
RING = 1024
RSS_RANGE_KIB = 1024        # after warm-up: max - min of RSS
RSS_DRIFT_KIB = 512         # and |least-squares slope x duration|
# A run holds the read ends of two pipes, and while it starts their write
# ends and /dev/null too (collector/script.c).
FD_RANGE_COLLECTOR = 5
# The frontend's fds are compared late in the clients' pauses
# (soak_clients.py): its own and the /events stream, which is open or not.
FD_RANGE_FRONTEND = 1
QUIET_SETTLE = 1.5          # seconds into a pause: a sweep has run since
ERRORS = {"timeout": "timeout", "garbage": "parse", "exit": "exit",
          "too_large": "too_large"}
KINDS = ["initial_status", "status_change", "new_peer", "peer_removed",
         "collect_error", "collect_recovered"]


def visible(s):
    return "disconnected" if s == "inactive" else s


def read_record(path):
    runs = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if w[0] == "fail":
                runs.append(("fail", int(w[1]), w[2]))
            else:
                peers = {}
                for p in w[2:]:
                    ifn, key, st = p.split(":")
                    peers[(ifn, key)] = st
                runs.append(("ok", int(w[1]), peers))
    return runs


def diff(old, new):
    ev = []
    for k in sorted(set(old) | set(new)):
        if k not in old:
            ev.append(("new_peer",) + k + (new[k],))
        elif k not in new:
            ev.append(("peer_removed",) + k + (old[k],))
        elif visible(old[k]) != visible(new[k]):
            ev.append(("status_change",) + k + (visible(new[k]),
                                                visible(old[k])))
    return ev


def expected(runs):
    ev = []
    last, failing = None, False
    for kind, _, what in runs:
        if kind == "fail":
            ev.append(("collect_error", ERRORS[what]))
            failing = True
            continue
        if failing:
            ev.append(("collect_recovered",))
        failing = False
        if last is None:
            ev += [("initial_status",) + k + (s,)
                   for k, s in sorted(what.items()) if s != "inactive"]
        else:
            ev += diff(last, what)
        last = what
    return ev


def as_tuple(e):
    n = e["event"]
    if n == "collect_error":
        return (n, e["error"])
    if n == "collect_recovered":
        return (n,)
    k = (n, e["interface"], e["peer"])
    if n == "status_change":
        return k + (e["new_status"], e["old_status"])
    if n == "peer_removed":
        return k + (e["old_status"],)
    return k + (e["status"],)


def read_log(path):
    ev, finished, other = [], 0, collections.Counter()
    ring_full = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith('{"event":'):
                e = json.loads(line)
                ev.append(as_tuple(e))
                if len(ev) == RING:
                    ring_full = e["timestamp"]
            elif "run done" in line or "run failed" in line:
                finished += 1
            elif "not reading" in line or "dropped" in line:
                other[line.strip()[:100]] += 1
    return ev, finished, other, ring_full


def read_samples(path):
    rows = collections.defaultdict(list)
    with open(path) as f:
        next(f)
        for line in f:
            w = line.split("\t")
            if len(w) != 9:
                continue
            rows[w[1]].append((float(w[0]), int(w[3]), int(w[4]),
                               int(w[5]) + int(w[6]), int(w[7]) + int(w[8])))
    return rows


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx \
        else 0.0


def proc_stats(rows, t0, warm, runs, hz, quiet):
    after = [r for r in rows if r[0] - t0 >= warm]
    if len(after) < 2:
        return None
    ts = [r[0] for r in after]
    rss = [r[1] for r in after]
    fds = [r[2] for r in after]
    qfds = [r[2] for r in after if quiet(r[0])]
    dur = ts[-1] - ts[0]
    s = slope(ts, rss)
    return {"samples": len(rows), "rss_first": rows[0][1],
            "rss_start": rss[0], "rss_end": rss[-1], "rss_min": min(rss),
            "rss_max": max(rss), "slope": s, "drift": s * dur,
            "fd_min": min(fds), "fd_max": max(fds),
            "qfd_min": min(qfds, default=0), "qfd_max": max(qfds, default=0),
            "qfd_n": len(qfds),
            "cpu_s": (rows[-1][3] - rows[0][3]) / hz,
            "child_cpu_s": (rows[-1][4] - rows[0][4]) / hz,
            "cpu_ms_run": 1000.0 * (rows[-1][3] - rows[0][3]) / hz /
            max(runs, 1)}


def plot(d, rows, t0, warm, quiet):
    for role, rs in rows.items():
        with open(os.path.join(d, "samples-%s.dat" % role), "w") as f:
            for r in rs:
                f.write("%.1f %.3f %d %s\n" % (r[0] - t0, r[1] / 1024.0,
                                               r[2], r[2] if quiet(r[0])
                                               else "-"))
    gp = """set terminal pngcairo size 1200,700 font ",10"
set output "{d}/soak.png"
set datafile missing "-"
set multiplot layout 2,1 title "wgmond soak: RSS and open fds, 1-second samples"
set grid
set key bottom right
set xlabel "seconds (warm-up: left of the dashed line)"
set arrow from {w},graph 0 to {w},graph 1 nohead dashtype 2
set ylabel "RSS (MiB)"
plot "{d}/samples-collector.dat" using 1:2 with lines title "collector", \\
     "{d}/samples-frontend.dat" using 1:2 with lines title "frontend"
set ylabel "open fds"
set key below horizontal
plot "{d}/samples-collector.dat" using 1:3 with lines title "collector", \\
     "{d}/samples-frontend.dat" using 1:3 with lines title "frontend", \\
     "{d}/samples-frontend.dat" using 1:4 with points pt 7 ps 0.6 \\
     title "frontend, in the clients' pauses"
unset multiplot
""".format(d=d, w=warm)
    r = subprocess.run(["gnuplot"], input=gp, text=True,
                       capture_output=True)
    return r.returncode == 0, r.stderr.strip()


def kib(v):
    return "%d KiB (%.2f MiB)" % (v, v / 1024.0)


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "meta.json")))
    runs = read_record(os.path.join(d, "record"))
    logged, finished, other, ring_full = read_log(os.path.join(d, "daemon.log"))
    runs = runs[:finished]
    want = expected(runs)
    rows = read_samples(os.path.join(d, "samples.tsv"))
    try:
        clients = json.load(open(os.path.join(d, "clients.json")))
    except (OSError, ValueError):
        clients = None
    hz = os.sysconf("SC_CLK_TCK")

    crit = []
    crit.append(("the daemon ran to the end and exited 0",
                 meta["alive"] == 1 and meta["exit_status"] == 0))
    crit.append(("the record and the log agree on the runs",
                 finished > 0 and len(runs) == finished))
    cw, cl = collections.Counter(want), collections.Counter(logged)
    per = {k: (sum(v for e, v in cw.items() if e[0] == k),
               sum(v for e, v in cl.items() if e[0] == k)) for k in KINDS}
    lost, extra = cw - cl, cl - cw
    crit.append(("no event lost or extra: expected == logged, each event",
                 not lost and not extra))
    t0 = min(r[0][0] for r in rows.values()) if rows else 0
    dur = meta["seconds"]
    warm = max(WARMUP_FRACTION * dur, WARMUP_MIN)
    if ring_full is not None:
        warm = max(warm, ring_full + 1 - t0)
    stats = {}
    if clients:
        per_, q = clients["period"], clients["quiet"]
        def quiet(t):
            return t % per_ >= per_ - q + QUIET_SETTLE
    else:
        def quiet(t):
            return False
    for role in ("collector", "frontend"):
        st = proc_stats(rows.get(role, []), t0, warm, finished, hz, quiet)
        stats[role] = st
        ok = st is not None and st["rss_max"] - st["rss_min"] <= \
            RSS_RANGE_KIB and abs(st["drift"]) < RSS_DRIFT_KIB
        crit.append(("%s RSS flat after warm-up: max-min <= %d KiB, "
                     "|slope x duration| < %d KiB" % (role, RSS_RANGE_KIB,
                                                    RSS_DRIFT_KIB), ok))
    st = stats["collector"]
    crit.append(("collector fds flat after warm-up: max-min <= %d" %
                 FD_RANGE_COLLECTOR, st is not None and
                 st["fd_max"] - st["fd_min"] <= FD_RANGE_COLLECTOR))
    st = stats["frontend"]
    crit.append(("frontend fds flat after warm-up in the clients' pauses: "
                 "max-min <= %d, at least one sample" %
                 FD_RANGE_FRONTEND, st is not None and st["qfd_n"] >= 1 and
                 st["qfd_max"] - st["qfd_min"] <= FD_RANGE_FRONTEND))
    crit.append(("every HTTP request answered, every gzip body whole",
                 clients is not None and clients["errors"] == 0 and
                 clients["bad_gzip"] == 0))
    plotted, perr = plot(d, rows, t0, warm, quiet)
    verdict = all(ok for _, ok in crit)

    fails = collections.Counter(w for k, _, w in runs if k == "fail")
    out = []
    p = out.append
    p("# wgmond soak: %s" % ("PASS" if verdict else "FAIL"))
    p("")
    p("Written by `bench/soak` (`make soak`); do not edit by hand.")
    p("")
    p("- commit `%s`, binary `%s`%s" % (meta["commit"], meta["binary"],
      " (sanitizers: RSS is ASan's)" if meta["sanitized"] else
      " (no sanitizers)"))
    p("- `wgmond %s`" % meta["flags"].replace(
        meta["flags"].split(" -s ")[1], "churn"))
    p("- duration %d s (planned %d), warm-up the first %d s; %d runs "
      "finished, %d of them failed: %s" % (dur, meta["planned_seconds"],
                                           warm, finished, sum(fails.values()),
                                           ", ".join("%s %d" % (ERRORS[k], v)
                                                     for k, v in
                                                     sorted(fails.items()))))
    p("- events read from the daemon's standard error (-d); the ring of "
      "/events %s" % ("full at %d s" % (ring_full + 1 - t0) if ring_full
                      is not None else "never full (fewer than %d events)" %
                      RING))
    p("")
    p("## Criteria")
    p("")
    for name, ok in crit:
        p("- %s: %s" % ("PASS" if ok else "FAIL", name))
    p("")
    p("## Events")
    p("")
    p("| event | expected | logged |")
    p("|---|---:|---:|")
    for k in KINDS:
        p("| %s | %d | %d |" % (k, per[k][0], per[k][1]))
    p("| all | %d | %d |" % (len(want), len(logged)))
    for name, c in (("lost", lost), ("extra", extra)):
        if c:
            p("")
            p("%s (first 10):" % name)
            for e in list(c.elements())[:10]:
                p("- `%s`" % " ".join(e))
    if other:
        p("")
        p("The daemon said:")
        for line, n in other.items():
            p("- %d x `%s`" % (n, line))
    p("")
    p("## Processes")
    p("")
    p("| | collector | frontend |")
    p("|---|---:|---:|")
    rowsdef = [("RSS at the first sample", "rss_first", kib),
               ("RSS after warm-up", "rss_start", kib),
               ("RSS at the end", "rss_end", kib),
               ("RSS min after warm-up", "rss_min", kib),
               ("RSS max after warm-up", "rss_max", kib),
               ("RSS slope after warm-up", "slope",
                lambda v: "%.3f KiB/s" % v),
               ("slope x duration", "drift", lambda v: "%.0f KiB" % v),
               ("open fds after warm-up, min", "fd_min", str),
               ("open fds after warm-up, max", "fd_max", str),
               ("open fds in the clients' pauses, min", "qfd_min", str),
               ("open fds in the clients' pauses, max", "qfd_max", str),
               ("samples in the clients' pauses", "qfd_n", str),
               ("CPU (user+system)", "cpu_s", lambda v: "%.1f s" % v),
               ("CPU per run", "cpu_ms_run", lambda v: "%.2f ms" % v),
               ("CPU of reaped children (sudo, the script)", "child_cpu_s",
                lambda v: "%.1f s" % v)]
    for label, key, fmt in rowsdef:
        p("| %s | %s |" % (label, " | ".join(
            fmt(stats[r][key]) if stats[r] else "-"
            for r in ("collector", "frontend"))))
    p("")
    if plotted:
        p("![RSS and fds over time](soak.png)")
    else:
        p("No plot: gnuplot: %s" % perr[:200])
    if clients:
        p("")
        p("## Clients")
        p("")
        ans = collections.Counter()
        for k, v in clients["answers"].items():
            ans[k.split()[0] + " " + k.split()[-1]] += v
        p("%d requests answered, %d transport errors %s, %d gzip bodies "
          "that did not decompress; /events: %d connections, %d events, "
          "%d gaps, %d errors." % (sum(ans.values()), clients["errors"],
                                   json.dumps(clients["error_kinds"]),
                                   clients["bad_gzip"],
                                   clients["sse_connects"],
                                   clients["sse_events"], clients["sse_gaps"],
                                   clients["sse_errors"]))
        p("")
        p("| path status | answers |")
        p("|---|---:|")
        for k in sorted(ans):
            p("| %s | %d |" % (k, ans[k]))
    with open(os.path.join(d, "REPORT.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    for name, ok in crit:
        print("%s: %s" % ("PASS" if ok else "FAIL", name))
    print("events expected/logged: " + ", ".join(
        "%s %d/%d" % (k, per[k][0], per[k][1]) for k in KINDS))
    print("report: %s" % os.path.join(d, "REPORT.md"))
    print("PASS" if verdict else "FAIL")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
