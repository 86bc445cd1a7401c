"""Live reload for `digest serve`: the event hub (Server-Sent Events), the browser script,
and its injection into served HTML. Nothing here is ever written into site/."""

from __future__ import annotations

import json
import queue
import re
import threading
from typing import Any

PREFIX = "/__digest/"
EVENTS_PATH = PREFIX + "events"
SCRIPT_PATH = PREFIX + "live.js"
WORKER_PATH = PREFIX + "worker.js"
STATUS_PATH = PREFIX + "status"


def sse_message(event: str, data: Any) -> bytes:
    """One Server-Sent Events message (JSON on a single data: line)."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


class Client:
    """One connected event stream: a bounded queue the publisher never blocks on."""

    def __init__(self, max_queue: int):
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=max_queue)
        self.dropped = False


class Hub:
    """Fan-out of build events to every open event stream (one queue per client)."""

    def __init__(self, max_queue: int = 256):
        self.max_queue = max_queue
        self._clients: set[Client] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> Client:
        client = Client(self.max_queue)
        with self._lock:
            self._clients.add(client)
        return client

    def unsubscribe(self, client: Client) -> None:
        with self._lock:
            self._clients.discard(client)

    def __len__(self) -> int:
        with self._lock:
            return len(self._clients)

    def publish(self, event: str, data: Any) -> int:
        """Queue an event for every client; returns how many got it."""
        msg = sse_message(event, data)
        with self._lock:
            clients = list(self._clients)
        sent = 0
        for c in clients:
            try:
                c.queue.put_nowait(msg)
                sent += 1
            except queue.Full:
                # A client that has not read 256 events is stuck (its socket write blocks);
                # drop it rather than grow without bound. Its handler ends on its next write
                # or at the socket timeout; EventSource reconnects and gets a fresh hello.
                c.dropped = True
                self.unsubscribe(c)
        return sent

    def close(self) -> None:
        """End every stream (server shutdown)."""
        with self._lock:
            clients, self._clients = list(self._clients), set()
        for c in clients:
            c.dropped = True
            try:
                c.queue.put_nowait(None)
            except queue.Full:
                pass


_BODY_END = re.compile(rb"</body\s*>", re.I)


def inject(html: bytes, build_id: str, status: int = 200) -> bytes:
    """Add the live-reload script before the last </body> (or at the end)."""
    tag = (f'<script src="{SCRIPT_PATH}" data-build="{build_id}" data-status="{status}">'
           f"</script>\n").encode()
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + b"\n" + tag
    at = ends[-1].start()
    return html[:at] + tag + html[at:]


# The page script. ES5-ish on purpose: it runs in whatever browser the user has open.
LIVE_JS = r"""/* digest serve: live reload and the build-error overlay (never in site/). */
(function () {
  "use strict";
  if (window.__digestLive) return;
  var me = document.currentScript;
  var state = {
    build: me ? me.getAttribute("data-build") : "",
    status: me ? Number(me.getAttribute("data-status")) : 200,
    reloading: false,
    dismissed: ""
  };
  window.__digestLive = state;
  var SCROLL_KEY = "digest-scroll:" + location.pathname;

  // Put the reader back where they were after a live reload.
  try {
    var saved = sessionStorage.getItem(SCROLL_KEY);
    if (saved !== null) {
      sessionStorage.removeItem(SCROLL_KEY);
      var xy = JSON.parse(saved);
      window.scrollTo(xy[0], xy[1]);
      addEventListener("load", function () { window.scrollTo(xy[0], xy[1]); });
    }
  } catch (e) {}

  function reload() {
    if (state.reloading) return;
    state.reloading = true;
    try { sessionStorage.setItem(SCROLL_KEY, JSON.stringify([scrollX, scrollY])); } catch (e) {}
    location.reload();
  }

  function shownHere(paths) {
    var p = location.pathname;
    try { p = decodeURIComponent(p); } catch (e) {}
    var mine = [p, p.charAt(p.length - 1) === "/" ? p + "index.html" : p + "/index.html"];
    for (var i = 0; i < paths.length; i++) {
      if (mine.indexOf(paths[i]) >= 0) return true;
    }
    return false;
  }

  // A CSS-only rebuild: fetch this page again, take its stylesheet links, swap ours to match.
  // (Stylesheets are fingerprinted, so the new file has a new name.)
  function swapStylesheets() {
    fetch(location.href, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("status " + r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var sel = 'link[rel~="stylesheet"]';
      var want = Array.prototype.map.call(doc.querySelectorAll(sel), function (l) {
        return l.getAttribute("href");
      });
      var have = Array.prototype.slice.call(document.querySelectorAll(sel));
      if (want.length !== have.length) return reload();
      have.forEach(function (old, i) {
        if (old.getAttribute("href") === want[i]) return;
        var fresh = old.cloneNode();
        fresh.setAttribute("href", want[i]);
        var done = function () { if (old.parentNode) old.parentNode.removeChild(old); };
        fresh.addEventListener("load", done);
        fresh.addEventListener("error", done);
        setTimeout(done, 3000);
        old.parentNode.insertBefore(fresh, old.nextSibling);  // no flash: old goes once new loads
      });
    }).catch(reload);
  }

  function showErrors(errors) {
    var box = document.getElementById("__digest-overlay");
    errors = errors || [];
    var key = JSON.stringify(errors);
    if (!errors.length || key === state.dismissed) {
      if (box) box.parentNode.removeChild(box);
      if (!errors.length) state.dismissed = "";
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "__digest-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,20,20,.72);padding:6vh 4vw;box-sizing:border-box;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;";
      (document.body || document.documentElement).appendChild(box);
    }
    box.textContent = "";
    var panel = document.createElement("div");
    panel.style.cssText = "max-width:60rem;margin:0 auto;background:#fff;color:#1a1a1a;" +
      "border-top:6px solid #c62828;border-radius:6px;padding:1.25rem 1.5rem;" +
      "box-shadow:0 10px 40px rgba(0,0,0,.4);white-space:pre-wrap;";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Dismiss");
    close.style.cssText = "float:right;font-size:1.5rem;line-height:1;border:0;background:none;" +
      "cursor:pointer;color:#555;";
    close.onclick = function () { state.dismissed = key; box.parentNode.removeChild(box); };
    panel.appendChild(close);
    var h = document.createElement("div");
    h.style.cssText = "font-weight:bold;color:#c62828;margin-bottom:.75rem;";
    h.textContent = "digest: the last save could not be built (" + errors.length +
      (errors.length === 1 ? " error)" : " errors)");
    panel.appendChild(h);
    errors.forEach(function (e) {
      var item = document.createElement("div");
      item.className = "__digest-error";
      item.style.cssText = "margin:.5rem 0 .9rem;";
      var where = document.createElement("div");
      where.style.fontWeight = "bold";
      where.textContent = e.path + (e.line ? ":" + e.line : "");
      var msg = document.createElement("div");
      msg.textContent = e.message;
      item.appendChild(where);
      item.appendChild(msg);
      if (e.hint) {
        var hint = document.createElement("div");
        hint.style.color = "#555";
        hint.textContent = "hint: " + e.hint;
        item.appendChild(hint);
      }
      panel.appendChild(item);
    });
    var foot = document.createElement("div");
    foot.style.cssText = "color:#555;border-top:1px solid #ddd;padding-top:.5rem;";
    foot.textContent = "The server keeps the last good build. Fix the file and save: " +
      "this message goes away by itself.";
    panel.appendChild(foot);
    box.appendChild(panel);
  }

  function onMessage(type, data) {
    if (type === "hello") {  // sent on every (re)connect: catch up on anything missed
      state.connected = true;
      showErrors(data.errors);
      if (data.build !== state.build) reload();
    } else if (type === "reload") {
      if (data.build === state.build) return;
      showErrors([]);
      // Reload only pages whose bytes changed (or were removed); a 404 page may now exist.
      if (data.all || state.status !== 200 || shownHere(data.paths || [])) reload();
      else state.build = data.build;
    } else if (type === "css") {
      if (data.build === state.build) return;
      state.build = data.build;
      showErrors([]);
      swapStylesheets();
    } else if (type === "errors") {
      showErrors(data.errors);
    }
  }
  window.__digestLive.onMessage = onMessage;

  var TYPES = ["hello", "reload", "css", "errors"];
  function direct() {
    var es = new EventSource("/__digest/events");
    TYPES.forEach(function (t) {
      es.addEventListener(t, function (e) { onMessage(t, JSON.parse(e.data)); });
    });
  }

  // Browsers open at most ~6 HTTP/1.1 connections per host: one event stream per tab
  // would stall the 7th tab. A SharedWorker holds one stream for all tabs.
  var worker = null;
  if (typeof SharedWorker === "function") {
    try {
      worker = new SharedWorker("/__digest/worker.js", { name: "digest-live" });
      worker.port.onmessage = function (e) { onMessage(e.data.type, e.data.data); };
      worker.onerror = function () { if (worker) { worker = null; direct(); } };
      worker.port.start();
      addEventListener("pagehide", function () {
        try { worker.port.postMessage("bye"); } catch (e) {}
      });
      addEventListener("pageshow", function (e) { if (e.persisted) reload(); });
    } catch (e) {
      worker = null;
    }
  }
  if (!worker) direct();
})();
"""

WORKER_JS = r"""/* digest serve: one event stream shared by every open tab of the preview. */
var ports = [];
var state = null;  // {build, errors} after the last event: what a newly opened tab needs
var source = null;
var TYPES = ["hello", "reload", "css", "errors"];

function start() {
  source = new EventSource("/__digest/events");
  TYPES.forEach(function (type) {
    source.addEventListener(type, function (e) {
      var data = JSON.parse(e.data);
      if (type === "hello") state = { build: data.build, errors: data.errors };
      else if (state && type === "errors") state.errors = data.errors;
      else if (state) { state.build = data.build; state.errors = []; }
      ports.forEach(function (p) { p.postMessage({ type: type, data: data }); });
    });
  });
}

onconnect = function (e) {
  var port = e.ports[0];
  ports.push(port);
  port.onmessage = function (m) {
    if (m.data === "bye") ports = ports.filter(function (p) { return p !== port; });
  };
  port.start();
  if (state) port.postMessage({ type: "hello", data: state });
  if (!source) start();
};
"""
