#!/usr/bin/python3
# Copyright (c) 2026 The wgmond developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A few commands of the Chrome DevTools protocol, for test_page.sh, against
# a headless chromium started with --remote-debugging-port=0 and
# --user-data-dir=DIR (it writes its port to DIR/DevToolsActivePort).
# Each run connects to the browser's first page, does one thing, and goes.
#
#	cdp.py DIR open URL		load URL, wait for its load event
#	cdp.py DIR wait SECONDS EXPR	until EXPR (JavaScript) is true;
#					exit 1 and print its value if never
#	cdp.py DIR eval EXPR		print EXPR's value as JSON
#	cdp.py DIR shot FILE		a PNG of the page as it is
#	cdp.py DIR errors		console errors and CSP violations seen
#					since "open" (kept in window.__errs)
#
# Debian's python3-websocket; no other module outside the standard library.

import base64
import json
import sys
import time
import urllib.request

import websocket


def page_socket(d):
    for _ in range(100):
        try:
            port = open(d + "/DevToolsActivePort").read().split()[0]
            with urllib.request.urlopen(
                    "http://127.0.0.1:%s/json/list" % port) as r:
                pages = [t for t in json.load(r) if t["type"] == "page"]
            if pages:
                return websocket.create_connection(
                    pages[0]["webSocketDebuggerUrl"], suppress_origin=True,
                    timeout=30)
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.1)
    sys.exit("cdp: no browser page in " + d)


class Page:
    def __init__(self, d):
        self.ws = page_socket(d)
        self.n = 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method,
                                 "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.n:
                if "error" in m:
                    sys.exit("cdp: %s: %s" % (method, m["error"]))
                return m["result"]

    def wait_event(self, name, seconds):
        end = time.time() + seconds
        while time.time() < end:
            m = json.loads(self.ws.recv())
            if m.get("method") == name:
                return m
        sys.exit("cdp: no " + name)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            return {"exception": r["exceptionDetails"].get("text")}
        return r["result"].get("value")


# Runs before the page's own script: counts what the console and the
# Content-Security-Policy report, so that a test can say none came.
WATCH = """
window.__errs = [];
document.addEventListener("securitypolicyviolation", e =>
    window.__errs.push("csp: " + e.violatedDirective + " " + e.blockedURI));
window.addEventListener("error", e => window.__errs.push("error: " + e.message));
"""


def main(argv):
    d, cmd, args = argv[1], argv[2], argv[3:]
    p = Page(d)
    if cmd == "open":
        p.call("Page.enable")
        p.call("Page.addScriptToEvaluateOnNewDocument", source=WATCH)
        p.call("Page.navigate", url=args[0])
        p.wait_event("Page.loadEventFired", 30)
    elif cmd == "wait":
        end = time.time() + float(args[0])
        while True:
            v = p.eval(args[1])
            if v is True:
                return 0
            if time.time() > end:
                print("#   never true: %s; last value %r" % (args[1], v))
                return 1
            time.sleep(0.2)
    elif cmd == "eval":
        print(json.dumps(p.eval(args[0])))
    elif cmd == "shot":
        w, h = p.eval("[document.documentElement.scrollWidth, "
                      "document.documentElement.scrollHeight]")
        r = p.call("Page.captureScreenshot", format="png",
                   captureBeyondViewport=True,
                   clip={"x": 0, "y": 0, "width": w, "height": h,
                         "scale": 1})
        open(args[0], "wb").write(base64.b64decode(r["data"]))
    elif cmd == "errors":
        print(json.dumps(p.eval("window.__errs")))
    else:
        sys.exit("cdp: unknown command " + cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
