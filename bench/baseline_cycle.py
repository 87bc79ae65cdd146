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

One line per file, key=value pairs, times in milliseconds.
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


def bench(main, path, reps, now):
    with open(path) as f:
        text = f.read()
    events = []
    main.log_event = events.append
    prev = main.classify(main.json.loads(text), now)
    loads, classify, changes, total = [], [], [], []
    for r in range(reps):
        t0 = time.process_time()
        wg = main.json.loads(text)
        t1 = time.process_time()
        new = main.classify(wg, now + (NOW_STEP if r % 2 == 0 else 0))
        t2 = time.process_time()
        del events[:]
        main.log_changes(prev, new, now, False)
        t3 = time.process_time()
        prev = new
        loads.append(t1 - t0)
        classify.append(t2 - t1)
        total.append(t2 - t0)
        changes.append(t3 - t2)
    peers = sum(len(i.get("peers", {})) for i in wg.values())
    ms = lambda v: "%.3f" % (statistics.median(v) * 1e3)  # noqa: E731
    print("baseline file=%s bytes=%d peers=%d reps=%d loads_ms=%s "
          "classify_ms=%s total_ms=%s log_changes_ms=%s events=%d" % (
              path, len(text.encode()), peers, reps, ms(loads), ms(classify),
              ms(total), ms(changes), len(events)), flush=True)


def main_():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--now", type=int, default=int(time.time()))
    ap.add_argument("-r", "--reps", type=int, default=5)
    ap.add_argument("--seedref", default=os.path.join(here, "baseline"))
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    main = load_seedref(a.seedref)
    for path in a.files:
        bench(main, path, a.reps, a.now)


if __name__ == "__main__":
    main_()
