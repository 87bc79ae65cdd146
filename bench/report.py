#!/usr/bin/env python3
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The figures, the plot and RESULTS.md of a benchmark run.

    bench/report.py RAW OUT
    bench/report.py -m RAW      the /metrics figures alone, on stdout
    bench/report.py -c RAW      the cycle with churn alone, on stdout

bench/run measures and leaves in RAW what it measured, as it was read:
  figures       "name<TAB>value" lines: what it read (cycle lines, sizes,
                times in seconds or microseconds, CPU ticks, the machine)
                and cfg.* (the run's sizes and durations)
  commands      the commands, as run, one a line
  parts         "part<TAB>ok | skip WHY | fail WHY" lines, in order
  wrk-KEY.txt   wrk's output, KEY a server, a size and for wgmond and nginx a
                round (wgmond.1000.2; base.1000)
  rss-KEY.txt   VmRSS samples: a line per instant, a column per process
                and their sum last (rss-churn-N.txt: the live daemon
                running the churn sequence of N peers)
  perf-report.txt  perf report --stdio, when the profile ran
This computes the figures (medians, rates, ratios, MiB), writes
OUT/results.png with gnuplot and OUT/RESULTS.md, and prints one line,
"plot ok", "plot skip WHY" or "plot fail WHY", for bench/run.
"""

import os
import re
import shutil
import subprocess
import sys


def read_pairs(path):
    pairs = []
    with open(path, encoding="utf-8", errors="replace") as fp:
        for line in fp:
            line = line.rstrip("\n")
            if line:
                k, _, v = line.partition("\t")
                pairs.append((k, v))
    return pairs


def num(v):
    """v as a number, or None for "-", "" and what is no number."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def cpu_source(run, runs):
    """How the CPU times of live processes were read, and how exact."""
    if run.f("cpusrc") == "sched":
        return ("the CPU time the scheduler summed for each process "
                "(/proc/PID/sched, se.sum_exec_runtime, nanoseconds)")
    hz = num(run.f("hz")) or 100
    return ("utime+stime from /proc/PID/stat (clock ticks of 1/%d s, so a "
            "figure is good to about %s ms per cycle)"
            % (hz, fmt(1000 / hz / (runs or 1), digits=1)))


def ratio(a, b, digits=2):
    x, y = num(a), num(b)
    if x is None or y is None or y == 0:
        return "-"
    return "%.*f" % (digits, x / y)


def mib(kb):
    x = num(kb)
    return "-" if x is None else "%.1f" % (x / 1024)


def cmp_ge(a, b):
    x, y = num(a), num(b)
    if x is None or y is None:
        return "-"
    return "1" if x >= y else "0"


def verdict(ok):
    return {"-": "no figure", "1": "**met**"}.get(ok, "**missed**")


def median(values):
    v = sorted(float(x) for x in values)
    if not v:
        return None
    if len(v) % 2:
        return v[len(v) // 2]
    return round((v[len(v) // 2 - 1] + v[len(v) // 2]) / 2, 3)


def fmt(x, scale=1.0, digits=1):
    return "-" if x is None else "%.*f" % (digits, x * scale)


def kv(line, key):
    """The value of key=value in a line of such pairs, or "-"."""
    m = re.findall(r" %s=(\S*)" % re.escape(key), " " + (line or ""))
    return m[-1] if m and m[-1] else "-"


def to_ms(v):
    """wrk's 1.23us, 4.56ms, 7.89s or 1.00m in milliseconds."""
    m = re.match(r"([0-9.]+)(\w*)", v or "")
    if not m:
        return None
    n = float(m.group(1))
    return n * {"us": 0.001, "s": 1000.0, "m": 60000.0}.get(m.group(2), 1.0)


class Run:
    def __init__(self, raw):
        self.raw = raw
        self.F = dict(read_pairs(os.path.join(raw, "figures")))
        self.parts = read_pairs(os.path.join(raw, "parts"))
        with open(os.path.join(raw, "commands"), encoding="utf-8") as fp:
            self.commands = fp.read().splitlines()
        self.wrk_all()
        self.times()
        self.memory()
        self.churn()

    def f(self, k):
        v = self.F.get(k, "")
        return v if v != "" else "-"

    def cfg(self, k):
        return self.F["cfg." + k]

    def sizes(self, k):
        return self.cfg(k).split()

    def file(self, name):
        p = os.path.join(self.raw, name)
        if not os.path.exists(p):
            return None
        with open(p, encoding="utf-8", errors="replace") as fp:
            return fp.read()

    def wrk(self, key):
        out = self.file("wrk-%s.txt" % key)
        if out is None:
            return
        F = self.F
        for line in out.splitlines():
            w = line.split()
            if line.startswith("Requests/sec:"):
                F[key + ".rps"] = w[1]
            elif w[:1] == ["50%"]:
                F[key + ".p50"] = fmt(to_ms(w[1]), digits=3)
            elif w[:1] == ["99%"]:
                F[key + ".p99"] = fmt(to_ms(w[1]), digits=3)
            elif "requests in" in line:
                F[key + ".requests"] = w[0]
        # The server's CPU time during the run (bench/run's wrk_run).
        t, n, hz = (num(F.get("cpu." + key)), num(F.get(key + ".requests")),
                    num(F.get("hz")))
        if t is not None and n and hz:
            F[key + ".cpuus"] = "%.0f" % (t * 1e6 / hz / n)
        sock = re.search(r"^  Socket errors:(.*)$", out, re.M)
        non2xx = re.search(r"Non-2xx.*?(\d+)\s*$", out, re.M)
        errors = sum(int(x) for x in re.findall(r"\d+", sock.group(1))) \
            if sock else 0
        F[key + ".errors"] = str(errors + (int(non2xx.group(1))
                                           if non2xx else 0))

    def wrk_all(self):
        rounds = self.F.get("cfg.raw_rounds", "")
        for n in self.sizes("raw_sizes"):
            self.wrk("base.%s" % n)
            if rounds:
                self.raw_rounds(n, int(rounds))
            else:       # a run from before the rounds
                self.wrk("wgmond.%s" % n)
                self.wrk("nginx.%s" % n)

    def raw_rounds(self, n, rounds):
        """The round of the median wgmond / nginx ratio stands for size n,
        the first where no round has both; the errors are those of all
        rounds."""
        F = self.F
        ratios = []
        errors = {"wgmond": 0, "nginx": 0}
        for r in range(1, rounds + 1):
            for server in errors:
                key = "%s.%s.%s" % (server, n, r)
                self.wrk(key)
                errors[server] += int(F.get(key + ".errors", "0"))
            w = F.get("wgmond.%s.%s.rps" % (n, r))
            x = F.get("nginx.%s.%s.rps" % (n, r))
            if w and x and float(x) > 0:
                ratios.append((float(w) / float(x), r))
        F["raw.%s.ratios" % n] = " ".join("%.2f" % q for q, _ in ratios)
        mid = sorted(ratios)[(len(ratios) - 1) // 2][1] if ratios else 1
        for server in errors:
            for m in ("rps", "p50", "p99", "requests", "cpuus"):
                v = F.get("%s.%s.%s.%s" % (server, n, mid, m))
                if v is not None:
                    F["%s.%s.%s" % (server, n, m)] = v
            F["%s.%s.errors" % (server, n)] = str(errors[server])

    def median_of(self, key, scale):
        t = self.F.get(key, "").split()
        return fmt(median(t), scale) if t else "-"

    def times(self):
        F = self.F
        F["script.ms"] = self.median_of("script.us", 0.001)
        F["gz.fetch"] = self.median_of("gz.fetch.s", 1000)
        for k in ("6", "1"):
            F["gz.ms" + k] = fmt(num(F.get("gz.us" + k)), 0.001)
        for n in self.sizes("metrics_sizes"):
            p = "met.%s." % n
            for gz in ("plain", "gzip"):
                F[p + gz] = self.median_of(p + gz + ".s", 1000)
            F[p + "render"] = kv(F.get(p + "renderline"), "render_metrics_ms")
            ticks, runs = num(F.get(p + "ticks")), num(F.get(p + "runs"))
            if ticks is not None and runs and num(F.get("hz")):
                F[p + "cpu"] = fmt(ticks * 1000 / num(F["hz"]) / runs)
        kb = num(F.get("memkb"))
        F["mem"] = "-" if kb is None else "%.1f GiB" % (kb / 1048576)

    def rss(self, key):
        """Lowest and highest sample of each column of rss-KEY.txt."""
        text = self.file("rss-%s.txt" % key)
        rows = [[int(x) for x in line.split()]
                for line in (text or "").splitlines() if line.strip()]
        if not rows:
            return []
        cols = list(zip(*rows))
        return [(str(min(c)), str(max(c))) for c in cols]

    def memory(self):
        F = self.F
        for n in self.sizes("mem_sizes"):
            r = self.rss("wgmond-%s" % n)
            if len(r) == 3:
                for (lo, hi), name in zip(r, ("coll", "front", "sum")):
                    F["mem.%s.%s" % (name, n)] = lo
                    F["mem.%smax.%s" % (name, n)] = hi
            r = self.rss("baseline-%s" % n)
            if r:
                F["mem.base.%s" % n], F["mem.basemax.%s" % n] = r[0]

    def churn(self):
        """Per churn size: the live daemon's CPU per cycle and its RSS."""
        F = self.F
        hz = num(F.get("hz"))
        for n in self.sizes("churn_sizes") if "cfg.churn_sizes" in F else []:
            p = "churn.%s." % n
            runs = num(F.get(p + "runs"))
            for who in ("coll", "front"):
                ticks = num(F.get(p + who + "ticks"))
                if ticks is not None and runs and hz:
                    F[p + who + "ms"] = "%.2f" % (ticks * 1000 / hz / runs)
            ticks = num(F.get(p + "baseliveticks"))
            bruns = num(F.get(p + "baseliveruns"))
            if ticks is not None and bruns and hz:
                F[p + "baselivems"] = "%.2f" % (ticks * 1000 / hz / bruns)
            c, f = num(F.get(p + "collms")), num(F.get(p + "frontms"))
            if c is not None and f is not None:
                F[p + "bothms"] = "%.2f" % (c + f)
            r = self.rss("churn-%s" % n)
            if len(r) == 3:
                F[p + "steady"], F[p + "high"] = r[2]
            hc, hf = num(F.get(p + "collhwm")), num(F.get(p + "fronthwm"))
            if hc is not None and hf is not None:
                F[p + "peak"] = "%d" % (hc + hf)

    def cf(self, n, k):
        return kv(self.F.get("cycle.%s" % n), k)

    def bf(self, n, k):
        return kv(self.F.get("base.%s" % n), k)


def plot(run, out):
    """results.png: the cycle and /raw figures; returns the part's status."""
    F, raw = run.F, run.raw
    with open(os.path.join(raw, "cycle.dat"), "w") as fp:
        for n in run.sizes("cycle_sizes"):
            fp.write("%s %s %s %s %s\n" % (n, run.cf(n, "total_ms"),
                     run.cf(n, "parse_ms"), run.cf(n, "yajl_ms"),
                     run.bf(n, "total_ms")))
    with open(os.path.join(raw, "raw.dat"), "w") as fp:
        for n in run.sizes("raw_sizes"):
            fp.write("%s %s %s %s\n" % (n, run.f("wgmond.%s.rps" % n),
                     run.f("nginx.%s.rps" % n), run.f("base.%s.rps" % n)))
    if shutil.which("gnuplot") is None:
        return "skip gnuplot not installed"
    script = PLOT % {"out": os.path.join(out, "results.png"), "raw": raw,
                     "date": F["date"], "nproc": F["nproc"],
                     "duration": run.cfg("duration")}
    p = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True)
    if p.returncode != 0:
        why = (p.stdout + p.stderr).strip().splitlines()
        return "fail gnuplot: %s" % (why[0] if why else "exit %d" %
                                     p.returncode)
    return "ok"


PLOT = """\
set terminal pngcairo size 1200,500 font ",10"
set output "%(out)s"
set datafile missing "-"
set multiplot layout 1,2 title "wgmond benchmarks, %(date)s, %(nproc)s cores"
set logscale xy
set grid
set key top left
set xlabel "peers"
set ylabel "CPU time per cycle (ms)"
set title "one collection cycle (median)"
plot "%(raw)s/cycle.dat" using 1:2 with linespoints title "wgmond: whole cycle (parse to free)", \\
     "" using 1:3 with linespoints title "wgmond: parse only", \\
     "" using 1:4 with linespoints title "yajl, empty callbacks (floor)", \\
     "" using 1:5 with linespoints title "baseline: json.loads+classify"
set ylabel "requests/s"
set title "GET /raw, wrk -t2 -c32 -d%(duration)ss"
set key bottom left
plot "%(raw)s/raw.dat" using 1:2 with linespoints title "wgmond", \\
     "" using 1:3 with linespoints title "nginx (static file)", \\
     "" using 1:4 with linespoints title "baseline (Flask, gunicorn)"
unset multiplot
"""


def profile(run):
    """perf report's lines, the startup and the harness left out."""
    text = run.file("perf-report.txt") or ""
    rows = []
    for line in text.splitlines():
        if not re.match(r"^ +[0-9]", line) or "] 0x" in line or \
                "] 0000" in line or re.search(
                    r"\] (main|_start|__libc_start[a-z_]*|bench_doc) ",
                    line):
            continue
        w = line.split()
        inl = " (inlined)" if len(w) > 4 and w[4] == "(inlined)" else ""
        rows.append("%8s %8s  %s%s" % (w[0], w[1], w[3] if len(w) > 3
                                        else "", inl))
    return rows[:40]


def head(run, w):
    f = run.f
    w("# wgmond benchmarks")
    w("")
    w("Written by `bench/run` (`make bench`); do not edit by hand.")
    w("Figures are from one run: compare within it, not across machines.")
    w("")
    w("- date: %s" % f("date"))
    w("- machine: %s cores, %s, %s; %s" % (f("nproc"), f("cpu"), f("mem"),
                                           f("kernel")))
    w("- software: %s" % f("versions"))
    w("- wgmond: `%s`, built with the GNUmakefile's flags (-O2 -g, no "
      "sanitizers)" % f("cfg.describe"))
    w("- documents: `bench/gen -i 2 -p N/2` (two interfaces), handshakes "
      "relative to the run's start:")
    for n in run.sizes("all_sizes"):
        w("  - %s peers, %s bytes of JSON: %s" % (n, f("bytes.%s" % n),
                                                 f("gen.%s" % n)))
    w("")


def targets(run, w):
    f, cf, big = run.f, run.cf, run.cfg("big")
    w("## Targets")
    w("")
    w("| target | figure | verdict |")
    w("|---|---|---|")
    for n in run.sizes("raw_sizes"):
        r = ratio(f("wgmond.%s.rps" % n), f("nginx.%s.rps" % n))
        limit = 0.9 if int(n) <= 10 else 1
        w("| /raw >= %sx nginx requests/s at %s peers (issue 12) | %s x | "
          "%s |" % (limit, n, r, verdict(cmp_ge(r, limit))))
    w("| *issue 12's targets for the cycle and memory: the section Cycle "
      "with churn; those of earlier issues follow* | | |")
    r = ratio(cf(big, "total_ms"), cf(big, "yajl_ms"))
    w("| collector CPU for a %s-peer cycle <= 2x bare yajl, in process | %s x (%s ms "
      "vs %s ms) | %s |" % (big, r, cf(big, "total_ms"), cf(big, "yajl_ms"),
                           verdict(cmp_ge(2, r))))
    r = ratio(f("mem.sum.%s" % big), f("mem.base.%s" % big), 3)
    w("| RSS of both processes at %s peers <= 1/3 of the baseline's (between "
      "runs) | %s (%s MiB vs %s MiB) | %s |" % (
          big, r, mib(f("mem.sum.%s" % big)), mib(f("mem.base.%s" % big)),
          verdict(cmp_ge(0.3334, r))))
    r = ratio(f("mem.summax.%s" % big), f("mem.basemax.%s" % big), 3)
    w("| the same at the peak seen (during a run) | %s (%s MiB vs %s MiB) | "
      "%s |" % (r, mib(f("mem.summax.%s" % big)),
                mib(f("mem.basemax.%s" % big)), verdict(cmp_ge(0.3334, r))))
    w("")


def cycle(run, w):
    cf, bf, big = run.cf, run.bf, run.cfg("big")
    w("## Cycle: the collector's CPU time per run")
    w("")
    w("`build/bench/cycle` (bench/cycle.c) runs the daemon's own functions in one process, CPU time (CLOCK_PROCESS_CPUTIME_ID), median over the repetitions:")
    w("parse (parse_new, parse_feed in 64 KiB chunks, parse_finish: the document parsed in place into the last run's snapshot, as the daemon does, each peer found where the last document listed it and written over, its old values logged where they differ; the repetitions of one document find every peer as it was), classify (cycle_run's one walk down the snapshot's peers, each beside its values before the parse: names, statuses, events, and the delta against the previous run packed into an imsgbuf on a socketpair as the walk goes; \"now\" moves 10 s and back between runs, which changes no status now that a handshake's age is carried on the monotonic clock: the churn section has the events), diff (initial_status, the first run's only),")
    w("encode (the delta's last message queued: since the walk packs it, next to nothing), free (imsgbuf_clear: the messages are built but not written; events_clear, the peers that left freed and the parse's log emptied (parse_done), the trim: the allowed IPs dropped; the collector trims the heap only when a run shrinks a lot or leaves more free than in use).")
    w("The floor is yajl over the same bytes with callbacks that only return 1. The baseline is `bench/baseline_cycle.py`: json.loads and classify() imported from bench/baseline/main.py (log_changes, which wgmond's diff corresponds to, is listed apart).")
    w("")
    w("| peers | JSON bytes | reps | parse | classify | diff | encode | free | **wgmond cycle** | yajl floor | **cycle / floor** | parse / floor | baseline loads | baseline classify | **baseline loads+classify** | baseline log_changes | **baseline / wgmond** | render_raw (frontend) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in run.sizes("cycle_sizes"):
        c = [cf(n, k) for k in ("bytes", "reps", "parse_ms", "classify_ms",
                                "diff_ms", "encode_ms", "free_ms")]
        w("| %s | %s | **%s** | %s | **%s** | %s | %s | %s | **%s** | %s | "
          "**%s** | %s |" % (
              n, " | ".join(c), cf(n, "total_ms"), cf(n, "yajl_ms"),
              ratio(cf(n, "total_ms"), cf(n, "yajl_ms")),
              ratio(cf(n, "parse_ms"), cf(n, "yajl_ms")), bf(n, "loads_ms"),
              bf(n, "classify_ms"), bf(n, "total_ms"),
              bf(n, "log_changes_ms"),
              ratio(bf(n, "total_ms"), cf(n, "total_ms")),
              cf(n, "render_raw_ms")))
    w("")
    w("All times in milliseconds. Per run the collector also queues %s imsgs, %s bytes, for the frontend at %s peers (about %s bytes per peer); events per diff at %s peers: %s (baseline: %s). Peak RSS of the cycle process at %s peers: %s MiB. /raw rendered: %s bytes." % (
        cf(big, "imsgs"), cf(big, "imsg_bytes"), big,
        ratio(cf(big, "imsg_bytes"), big, 0), big,
        cf(big, "events"), bf(big, "events"), big,
        mib(cf(big, "maxrss_kb")), cf(big, "raw_bytes")))
    w("")


CHURN_TARGETS = (
    # (what, figure key, limit, "le" or "ge", where the issue sets it)
    ("collector CPU per cycle <= 2x the bare yajl parse", "coll_parse", 2,
     "le", "100k"),
    ("frontend CPU per cycle <= 1x the bare yajl parse", "front_parse", 1,
     "le", "100k"),
    ("both processes >= 3x faster than the baseline's cycle", "speedup", 3,
     "ge", "1k, 10k and 100k"),
    ("the same, the baseline measured live as wgmond is", "speedup_live", 3,
     "ge", "not the issue's measure: an addition"),
    ("peak RSS of both <= 1/3 of the baseline's peak", "peak_ratio",
     1 / 3, "le", "100k"),
    ("steady RSS of both <= 1/4 of the baseline's steady", "steady_ratio",
     0.25, "le", "100k"),
)


def churn_figures(run, n):
    """The churn figures and ratios of size n, by name."""
    f, p = run.f, "churn.%s." % n
    cl, bl = run.F.get(p + "cycle"), run.F.get(p + "base")
    g = {"inproc": kv(cl, "total_ms"), "parse": kv(cl, "parse_ms"),
         "yajl": kv(cl, "yajl_ms"), "events": kv(cl, "events"),
         "bytes": kv(cl, "bytes"), "reps": kv(cl, "reps"),
         "single": run.cf(n, "total_ms"), "single_yajl": run.cf(n, "yajl_ms"),
         "base": kv(bl, "total_ms"), "base_events": kv(bl, "events"),
         "base_rss": kv(bl, "rss_kb"), "base_hwm": kv(bl, "hwm_kb"),
         "coll": f(p + "collms"), "front": f(p + "frontms"),
         "both": f(p + "bothms"), "runs": f(p + "runs"),
         "steady": f(p + "steady"), "high": f(p + "high"),
         "peak": f(p + "peak"), "collhwm": f(p + "collhwm"),
         "fronthwm": f(p + "fronthwm"), "baselive": f(p + "baselivems"),
         "baselive_rss": f(p + "baseliverss"),
         "baselive_hwm": f(p + "baselivehwm"),
         "livefloor": f(p + "livefloor")}
    # The live daemon against the floor taken beside its runs, where the
    # run has it: the in-process floor was measured minutes apart.
    floor = g["livefloor"] if num(g["livefloor"]) else g["yajl"]
    g["floor"] = floor
    g["inproc_parse"] = ratio(g["inproc"], g["yajl"])
    g["coll_parse"] = ratio(g["coll"], floor)
    g["front_parse"] = ratio(g["front"], floor)
    g["speedup"] = ratio(g["base"], g["both"])
    g["speedup_live"] = ratio(g["baselive"], g["both"])
    # A process under one clock tick in all its runs: a bound, not a
    # figure.
    tick = 1000 / (num(run.f("hz")) or 100) / (num(g["runs"]) or 1)
    for who, key in (("coll", "coll_parse"), ("front", "front_parse")):
        if num(g[who]) == 0 and num(floor):
            g[key] = "< %.2f" % (tick / num(floor))
    for key, base in (("speedup", "base"), ("speedup_live", "baselive")):
        if num(g["both"]) == 0 and num(g[base]) is not None:
            g[key] = "> %.2f" % (num(g[base]) / tick)
    g["steady_ratio"] = ratio(g["steady"], g["base_rss"], 3)
    g["peak_ratio"] = ratio(g["peak"], g["base_hwm"], 3)
    return g


def churn_verdict(value, limit, how):
    if value[:2] in ("> ", "< "):
        bound = num(value[2:])
        known = bound >= limit if how == "ge" else bound <= limit
        return verdict("1" if known else "-")
    if num(value) is None:
        return verdict("-")
    ok = num(value) <= limit if how == "le" else num(value) >= limit
    return verdict("1" if ok else "0")


def churn(run, w):
    if "cfg.churn_sizes" not in run.F:
        return
    sizes = run.sizes("churn_sizes")
    w("## Cycle with churn")
    w("")
    w("A sequence of %s documents per size, `bench/gen -q` (seq-000 is the document of the sections above), runs 10 s apart in their timestamps: from one run to the next the transfer counters of every peer with a recent handshake grow, about a twelfth of those re-handshake, 0.1 %% of the peers (at least one) go and as many come, 0.1 %% of the endpoints roam." % run.cfg("churn_docs"))
    w("In process: `build/bench/cycle -q` feeds the documents in order (the first a warm-up), so that each diff sees the churn: parse to free as in the section above, and the bare yajl parse of the same documents; median over the runs. Baseline: `bench/baseline_cycle.py -q`, json.loads + classify() over the same sequence, median; its RSS is that process's (the baseline's module, imported with Flask, no gunicorn): VmRSS after the last run and VmHWM.")
    w("Live: wgmond (built without sanitizers) at `-i 1` (`-i 5` past 10,000 peers), its script printing the next document at each run; after 2 runs, %s of the collector and of the frontend over %s runs (\"run done\" lines of `-d -v`), no client (it is found ready by /healthz, which renders no body: the section Memory has the frontend with /raw and /status asked for). After each of those runs, in the quiet before the next, the bare yajl parse of the document it read (`build/bench/cycle -y`, median of 3): the live daemon's CPU is compared with the mean of these, since the speed of a shared machine can change by half between two measurements a minute apart (seen here: the same in-process parse took 42 ms and 61 ms in two runs of `cycle -q` five seconds apart). Steady RSS: the lowest sum of both processes' VmRSS, sampled every 0.2 s during those runs; peak: the sum of their VmHWM. The daemon's clock moves 1 s (or 5 s) a run while the documents' timestamps move 10 s: a handshake ahead of its clock counts as age 0, connected, so the live runs see fewer status changes than the runs in process; the work of the counters, handshakes, peers and endpoints that change is the same. Baseline, live: the Flask program itself under gunicorn, at wgmond's interval, its script printing the same sequence; %s of its worker over %s runs from its 3rd, so that like wgmond's it counts running the script through sudo and reading its output, not only json.loads + classify. The issue's target compares with the baseline in process; the comparison with it live is an addition." % (
        cpu_source(run, int(run.cfg("churn_runs"))), run.cfg("churn_runs"),
        "the same CPU time", run.cfg("churn_runs")))
    w("")
    w("| peers | JSON bytes | runs in process / live | events per run | **collector, live** | **frontend, live** | **both, live** | bare yajl parse, beside the live runs | cycle in process, churn | cycle in process, one document | bare yajl parse, in process | **baseline** | **baseline, live** | cycle in process / parse | RSS both steady / high / peak (MiB) | baseline RSS / peak (MiB) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        g = churn_figures(run, n)
        w("| %s | %s | %s / %s | %s (baseline %s) | **%s** | **%s** | **%s** | %s | %s | %s | %s | **%s** | **%s** | %s | %s / %s / %s | %s / %s |" % (
            n, g["bytes"], g["reps"], g["runs"], g["events"],
            g["base_events"], g["coll"], g["front"], g["both"],
            g["livefloor"], g["inproc"],
            g["single"], g["yajl"], g["base"], g["baselive"],
            g["inproc_parse"],
            mib(g["steady"]), mib(g["high"]), mib(g["peak"]),
            mib(g["base_rss"]), mib(g["base_hwm"])))
    w("")
    w("CPU times in milliseconds per cycle.")
    w("")
    w("| peers | target (issue 12; where it sets it) | figure | verdict |")
    w("|---|---|---|---|")
    for n in sizes:
        g = churn_figures(run, n)
        for what, key, limit, how, where in CHURN_TARGETS:
            detail = {
                "coll_parse": "%s ms vs %s ms" % (g["coll"], g["floor"]),
                "front_parse": "%s ms vs %s ms" % (g["front"], g["floor"]),
                "speedup": "%s ms vs %s ms" % (g["base"], g["both"]),
                "speedup_live": "%s ms vs %s ms" % (g["baselive"],
                                                    g["both"]),
                "peak_ratio": "%s MiB vs %s MiB" % (mib(g["peak"]),
                                                    mib(g["base_hwm"])),
                "steady_ratio": "%s MiB vs %s MiB" % (mib(g["steady"]),
                                                      mib(g["base_rss"])),
            }[key]
            w("| %s | %s (%s) | %s x (%s) | %s |" % (
                n, what, where, g[key], detail,
                churn_verdict(g[key], limit, how)))
    w("")


def churn_lines(run):
    for n in run.sizes("churn_sizes"):
        g = churn_figures(run, n)
        print("bench: churn %s peers: live collector %s ms, frontend %s ms, "
              "both %s ms per cycle over %s runs; in process %s ms (one "
              "document %s ms), bare parse %s ms (beside the live runs "
              "%s ms); baseline %s ms, live "
              "%s ms; collector/parse %s, frontend/parse %s, baseline/both "
              "%s, live %s; "
              "RSS both steady %s MiB, high %s MiB, peak %s MiB; baseline "
              "%s MiB, peak %s MiB: steady %s, peak %s" % (
                  n, g["coll"], g["front"], g["both"], g["runs"],
                  g["inproc"], g["single"], g["yajl"], g["livefloor"],
                  g["base"],
                  g["baselive"], g["coll_parse"], g["front_parse"],
                  g["speedup"], g["speedup_live"],
                  mib(g["steady"]), mib(g["high"]), mib(g["peak"]),
                  mib(g["base_rss"]), mib(g["base_hwm"]),
                  g["steady_ratio"], g["peak_ratio"]))


def script(run, w):
    big = run.cfg("big")
    st, ct = run.f("script.ms"), run.cf(big, "total_ms")
    s, c = num(st), num(ct)
    share = "-" if s is None or c is None else "%.0f %%" % (100 * c / (s + c))
    w("## Script: tools/wg-json over the fake %s-peer dump" % big)
    w("")
    w("`bench/fake-wg` stands in for wg(8) first on PATH and prints the dump made by bench/gen; tools/wg-json runs for real (its output is byte-identical to `bench/gen -j`: %s)." % run.f("script.same"))
    w("")
    w("| peers | tools/wg-json (wall, median of runs) | collector cycle (CPU) | collector's share of script + cycle |")
    w("|---|---|---|---|")
    w("| %s | %s ms | %s ms | %s |" % (big, st, ct, share))
    w("")
    w("The real run adds sudo and bash start-up (a few ms) and overlaps parsing with the script's output as it streams in.")
    w("")


def raw(run, w):
    f = run.f
    w("## GET /raw")
    w("")
    rounds = run.F.get("cfg.raw_rounds", "1")
    w("`wrk -t2 -c32 -d%ss --latency --timeout 30s` on 127.0.0.1, one server loaded at a time, wrk on the same 2 cores." % run.cfg("duration"))
    w("wgmond: `-i 60` so the script does not run during the measurement. nginx: one worker, access_log off, sendfile on, serving as a static file the body that wgmond's /raw returned (curl).")
    w("Both are up together and loaded in turn, wgmond then nginx, %s round(s): the figures are those of the round whose wgmond / nginx ratio is the median (the lower of the middle two), the errors those of all rounds, and the column \"each round\" has every round's ratio in order." % rounds)
    w("Baseline: gunicorn with bench/baseline/gunicorn.conf.py (one sync worker), WIREGUARD_MONITOR_CHECK_INTERVAL=60, serving its document with jsonify on every request, as the real program does (its body holds the private and preshared keys, which wgmond's does not).")
    w("")
    w("| peers | body wgmond / baseline (bytes) | wgmond req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | baseline req/s | p50 ms | p99 ms | **wgmond / nginx** | **wgmond / baseline** | errors w/n/b | wgmond / nginx, each round | server CPU per request, us: wgmond / nginx |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in run.sizes("raw_sizes"):
        k = {s: "%s.%s." % (s, n) for s in ("wgmond", "nginx", "base")}
        lat = " | ".join(f(k[s] + m) for s in ("wgmond", "nginx", "base")
                         for m in ("rps", "p50", "p99"))
        w("| %s | %s / %s | %s | **%s** | **%s** | %s/%s/%s | %s | %s / %s |" % (
            n, f("rawbytes.%s" % n), f("baserawbytes.%s" % n), lat,
            ratio(f(k["wgmond"] + "rps"), f(k["nginx"] + "rps")),
            ratio(f(k["wgmond"] + "rps"), f(k["base"] + "rps"), 1),
            f(k["wgmond"] + "errors"), f(k["nginx"] + "errors"),
            f(k["base"] + "errors"), f("raw.%s.ratios" % n),
            f(k["wgmond"] + "cpuus"), f(k["nginx"] + "cpuus")))
    w("")
    w("errors: wrk's socket errors (connect, read, write, timeout) plus non-2xx responses. Server CPU per request: the CPU time of wgmond's frontend, or of nginx's worker, during the wrk run of that round, over its requests. wrk shares the 2 cores with the server, and with bodies of 100 KB and more its own receiving bounds the requests per second: a server that spends less per request leaves wrk more.")
    w("")


def compression(run, w):
    f = run.f
    w("## Compression: /raw at %s peers" % run.cfg("big"))
    w("")
    w("wgmond supports Accept-Encoding: gzip: **%s** (a request with `Accept-Encoding: gzip` got %s bytes%s)." % (
        f("gz.supported"), f("gz.wire"),
        ", uncompressed, no Content-Encoding" if f("gz.supported") == "no"
        else ""))
    w("")
    w("| body | bytes | ratio | time |")
    w("|---|---|---|---|")
    w("| as served | %s | 1 | fetch %s ms (curl time_total, median of 3) |"
      % (f("gz.plain"), f("gz.fetch")))
    w("| gzip -6 | %s | %s | %s ms to compress (gzip(1), once per snapshot if cached) |" % (
        f("gz.size6"), ratio(f("gz.size6"), f("gz.plain"), 3), f("gz.ms6")))
    w("| gzip -1 | %s | %s | %s ms to compress |" % (
        f("gz.size1"), ratio(f("gz.size1"), f("gz.plain"), 3), f("gz.ms1")))
    w("")


def metrics(run, w):
    f = run.f
    w("## GET /metrics")
    w("")
    w("Size and scrape time with one snapshot (wgmond `-i 60`, curl time_total, median of 5); the render of /metrics alone: `build/bench/cycle -m`, the CPU time of metrics_render_peers (the per-peer part, rendered once per snapshot) on the same document, in process, median of 5; the frontend's CPU time per snapshot (%s, over %s runs at `-i 1`, `-i 5` past 10,000 peers, the script alternating two documents so that every snapshot is new, no client): with no client the frontend applies each run and renders nothing, since it puts a body together when one is asked for:" % (
        cpu_source(run, int(run.cfg("metrics_runs"))), run.cfg("metrics_runs")))
    w("")
    w("| peers | bytes | lines (series) | gzip bytes | **render of /metrics** | frontend CPU per snapshot | scrape | scrape, gzip |")
    w("|---|---|---|---|---|---|---|---|")
    for n in run.sizes("metrics_sizes"):
        p = "met.%s." % n
        w("| %s | %s | %s (%s) | %s | **%s ms** | %s ms | %s ms | %s ms |" % (
            n, f(p + "bytes"), f(p + "lines"), f(p + "series"),
            f(p + "gzbytes"), f(p + "render"), f(p + "cpu"), f(p + "plain"),
            f(p + "gzip")))
    w("")


def memory(run, w):
    f = run.f
    iv = run.cfg("mem_interval")
    w("## Memory")
    w("")
    w("VmRSS after at least 3 runs (wgmond `-i %s`; the baseline WIREGUARD_MONITOR_CHECK_INTERVAL=%s and about 3 checks) and two GETs of /raw (and /status for wgmond), sampled every 0.2 s for %s s:" % (iv, iv, run.cfg("mem_window")))
    w("the lowest sample (between runs: what the process keeps) and the highest (during a run), in MiB; the sum of both wgmond processes is taken at the same instant. In brackets VmHWM, the peak since start.")
    w("")
    w("| peers | wgmond runs | collector low / high (HWM) | frontend low / high (HWM) | **wgmond both, low** / high | baseline worker low / high (HWM) | (gunicorn master) | **wgmond / baseline, low** | high / high |")
    w("|---|---|---|---|---|---|---|---|---|")
    for n in run.sizes("mem_sizes"):
        def m(k):
            return mib(f("mem.%s.%s" % (k, n)))
        w("| %s | %s | %s / %s (%s) | %s / %s (%s) | **%s** / %s | %s / %s (%s) | %s | **%s** | %s |" % (
            n, f("mem.runs.%s" % n), m("coll"), m("collmax"), m("collhwm"),
            m("front"), m("frontmax"), m("fronthwm"), m("sum"), m("summax"),
            m("base"), m("basemax"), m("basehwm"), m("basemaster"),
            ratio(f("mem.sum.%s" % n), f("mem.base.%s" % n), 3),
            ratio(f("mem.summax.%s" % n), f("mem.basemax.%s" % n), 3)))
    w("")


def clients(run, w):
    f = run.f
    w("## Many clients")
    w("")
    w("wgmond at %s peers; %s TCP connections from one python3 process held %s s: idle (connect, send nothing), then slow (a request header sent a byte a second, never finished). The frontend bounds itself to about 256 connections (RLIMIT_NOFILE %d) with a 10 s timeout; the kernel's listen backlog is 128." % (
        run.cfg("client_size"), run.cfg("clients"), run.cfg("hold"),
        256 + 16))
    w("Probes: `curl --max-time 12` of /raw during the hold; \"after\": one more once the clients are gone.")
    w("")
    w("| clients | frontend RSS before | max RSS | max fds open | client side at the end | /raw during | /raw after | 'connection limit reached' logs | frontend alive |")
    w("|---|---|---|---|---|---|---|---|---|")
    for mode in ("idle", "slow"):
        p = "cl.%s." % mode
        summary = re.sub(r"^clients ", "", f(p + "summary"))
        w("| %s | %s MiB | %s MiB | %s | %s | %s | %s | %s | %s |" % (
            mode, mib(f(p + "rss0")), mib(f(p + "maxrss")), f(p + "maxfd"),
            summary, f(p + "probes"), f(p + "after"), f(p + "limit"),
            f(p + "alive")))
    w("")
    w("Client side: pending = handshake not completed (SYN dropped: backlog full), open = connected (accepted, or waiting in the backlog), closed = closed by the server; first_close_s = when the first one was.")
    w("")


def tail(run, w, parts):
    big = run.cfg("big")
    rows = profile(run)
    if rows:
        w("## Profile of the %s-peer cycle" % big)
        w("")
        w("`perf record --call-graph dwarf` of `build/bench/cycle -x` (the cycle only: no floor, no render), 3 repetitions plus the warm-up; inclusive (children) and self share of samples per function:")
        w("")
        w("```")
        w("%8s %8s  %s" % ("children", "self", "function"))
        for r in rows:
            w(r)
        w("```")
        w("")
    w("## Commands")
    w("")
    w("$W is the run's temporary directory (mktemp -d, root, 0755); PORT a free loopback port.")
    w("")
    w("```")
    for c in run.commands:
        w(c)
    w("```")
    w("")
    w("## Parts")
    w("")
    for name, status in parts:
        w("- %s: %s" % (name, status))


def metrics_lines(run):
    for n in run.sizes("metrics_sizes"):
        def f(k):
            return run.f("met.%s.%s" % (n, k))
        print("bench: metrics %s peers: %s bytes, %s lines (%s series), %s "
              "gzip; render %s ms CPU; frontend %s ms CPU per snapshot; "
              "scrape %s ms, %s ms gzip" % (
                  n, f("bytes"), f("lines"), f("series"), f("gzbytes"),
                  f("render"), f("cpu"), f("plain"), f("gzip")))


def raw_lines(run):
    """Every round of GET /raw, as bench/run --raw prints them."""
    rounds = int(run.cfg("raw_rounds"))
    for n in run.sizes("raw_sizes"):
        for r in range(1, rounds + 1):
            def f(server, m):
                return run.F.get("%s.%s.%s.%s" % (server, n, r, m)) or "?"
            w, x = num(f("wgmond", "rps")), num(f("nginx", "rps"))
            print("raw %s peers, round %d: wgmond %s req/s, nginx %s req/s, "
                  "ratio %s; server CPU per request, us: wgmond %s, "
                  "nginx %s" % (n, r, f("wgmond", "rps"), f("nginx", "rps"),
                                "%.2f" % (w / x) if w is not None and x else "?",
                                f("wgmond", "cpuus"), f("nginx", "cpuus")))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench/report.py RAW OUT | -m RAW | -c RAW | -r RAW")
    if sys.argv[1] == "-r":
        raw_lines(Run(sys.argv[2]))
        return
    if sys.argv[1] == "-m":
        metrics_lines(Run(sys.argv[2]))
        return
    if sys.argv[1] == "-c":
        churn_lines(Run(sys.argv[2]))
        return
    raw_dir, out = sys.argv[1:]
    run = Run(raw_dir)
    status = plot(run, out)
    parts = run.parts + [("plot", status)]
    lines = []
    for section in (head, targets, cycle, churn, script, raw, compression, metrics,
                    memory, clients):
        section(run, lines.append)
    tail(run, lines.append, parts)
    tmp = os.path.join(out, "RESULTS.md.tmp")
    with open(tmp, "w", encoding="utf-8") as fp:
        fp.write("\n".join(lines) + "\n")
    os.rename(tmp, os.path.join(out, "RESULTS.md"))
    print("plot " + status)


if __name__ == "__main__":
    main()
