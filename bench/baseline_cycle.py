#!/usr/bin/env python3
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The baseline's cost of one check, in process, without the script.

What the Flask program does with the script's output each check:
json.loads of the text, then its own classify(), imported from
bench/baseline/main.py (not a copy), and for information its
log_changes() with the syslog call replaced by a counter.  CPU time
(time.process_time), median over the repetitions; "now" moves by 10 s
and back between two repetitions, as bench/cycle does.

usage: baseline_cycle.py [-n now] [-r reps] [--seedref DIR] file ...
       baseline_cycle.py -q [-n now] [--seedref DIR] file file ...

One line per file, key=value pairs, times in milliseconds.  With -q the
files are a sequence of runs 10 s apart (bench/gen -q, the first at
now): the first is the warm-up, each next one is loaded and classified
in turn and log_changes compares it with the one before; one "churn"
line, medians over the runs, with the process's VmRSS at the end and
VmHWM.
"""

import argparse
import os
import statistics
import sys
import time

NOW_STEP = 10


def load_seedref(path):
    sys.path.insert(0, path)
    import main  # noqa: E402  (the baseline program itself)
    return main


def one_check(main, text, prev, t, events):
    """One check of the baseline: json.loads, classify, log_changes, timed.

    Returns the document, the classification and the four durations
    (loads, classify, loads + classify, log_changes) in seconds.
    """
    t0 = time.process_time()
    wg = main.json.loads(text)
    t1 = time.process_time()
    new = main.classify(wg, t)
    t2 = time.process_time()
    del events[:]
    main.log_changes(prev, new, t, False)
    t3 = time.process_time()
    return wg, new, (t1 - t0, t2 - t1, t2 - t0, t3 - t2)


def record(lists, times):
    for v, d in zip(lists, times):
        v.append(d)


def bench(main, path, reps, now):
    with open(path) as f:
        text = f.read()
    events = []
    main.log_event = events.append
    prev = main.classify(main.json.loads(text), now)
    loads, classify, changes, total = [], [], [], []
    for r in range(reps):
        wg, prev, times = one_check(
            main, text, prev, now + (NOW_STEP if r % 2 == 0 else 0), events)
        record((loads, classify, total, changes), times)
    peers = sum(len(i.get("peers", {})) for i in wg.values())
    ms = lambda v: "%.3f" % (statistics.median(v) * 1e3)  # noqa: E731
    print("baseline file=%s bytes=%d peers=%d reps=%d loads_ms=%s "
          "classify_ms=%s total_ms=%s log_changes_ms=%s events=%d" % (
              path, len(text.encode()), peers, reps, ms(loads), ms(classify),
              ms(total), ms(changes), len(events)), flush=True)


def vm(key):
    """VmRSS or VmHWM of this process, in kB, or "-"."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split()[1]
    except OSError:
        pass
    return "-"


def churn(main, paths, now):
    events = []
    main.log_event = events.append
    with open(paths[0]) as f:
        prev = main.classify(main.json.loads(f.read()), now)
    loads, classify, changes, total, nevents, size = [], [], [], [], [], 0
    for r, path in enumerate(paths[1:], 1):
        with open(path) as f:
            text = f.read()
        size += len(text.encode())
        wg, prev, times = one_check(main, text, prev, now + NOW_STEP * r,
                                    events)
        record((loads, classify, total, changes), times)
        nevents.append(len(events))
    peers = sum(len(i.get("peers", {})) for i in wg.values())
    del text, wg
    ms = lambda v: "%.3f" % (statistics.median(v) * 1e3)  # noqa: E731
    print("baseline-churn first=%s docs=%d bytes=%d peers=%d reps=%d "
          "loads_ms=%s classify_ms=%s total_ms=%s log_changes_ms=%s "
          "events=%d rss_kb=%s hwm_kb=%s" % (
              paths[0], len(paths), size // len(total), peers, len(total),
              ms(loads), ms(classify), ms(total), ms(changes),
              statistics.median(nevents), vm("VmRSS"), vm("VmHWM")),
          flush=True)


def main_():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--now", type=int, default=int(time.time()))
    ap.add_argument("-r", "--reps", type=int, default=5)
    ap.add_argument("--seedref", default=os.path.join(here, "baseline"))
    ap.add_argument("-q", "--sequence", action="store_true",
                    help="the files are a sequence of runs (bench/gen -q)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    main = load_seedref(a.seedref)
    if a.sequence:
        if len(a.files) < 2:
            ap.error("-q needs two files or more")
        churn(main, a.files, a.now)
        return
    for path in a.files:
        bench(main, path, a.reps, a.now)


if __name__ == "__main__":
    main_()
