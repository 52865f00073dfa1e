// The live run page's document (issue 14 §2): one static HTML text with its style and script inline, the same for
// every run, so the Content-Security-Policy names them by hash and allows nothing else (no external asset, no
// inline handler, no eval, no connection but to this server). The script reads the run id and the link's exp/sig
// from its own URL, opens the event stream (run-page-route.ts) and builds every element itself: all text from
// the run log (task text, agent messages, tool input, verify output, errors) is set with textContent, never
// parsed as HTML, and the only links it makes are the PR's and the run log's, and only http(s) ones.
//
// Readable with thousands of events: one collapsible section per task (the newest open, the rest closed until
// clicked); a closed section has no rows in the DOM, an open one the last ROW_CAP with "show all" for the rest;
// events are applied in batches (one DOM pass per ~50 ms whatever the rate).
import { createHash } from "node:crypto";

const STYLE = String.raw`
:root { color-scheme: light dark; --muted: #6a737d; --line: #d0d7de; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --run: #0969da; --bg2: rgba(127,127,127,.08); }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; }
header { position: sticky; top: 0; z-index: 1; background: Canvas; border-bottom: 1px solid var(--line); padding: 10px 16px; }
h1 { font-size: 17px; margin: 0 0 4px; font-weight: 600; }
h1 code { font-size: 15px; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; margin-left: 6px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; }
.st-running, .st-waiting { color: var(--run); } .st-succeeded, .st-done { color: var(--ok); } .st-skipped { color: var(--muted); }
.st-failed, .st-timeout, .st-stalled, .st-budget_exceeded { color: var(--bad); } .st-cancelled, .st-incomplete { color: var(--warn); }
#facts, #conn, .meta, .row .when, .dim { color: var(--muted); }
#stats { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 6px 0 0; }
#stats div { white-space: nowrap; } #stats b { font-weight: 600; font-variant-numeric: tabular-nums; }
#links a { margin-right: 14px; }
#notice:empty, #error:empty { display: none; }
#notice, #error { margin: 6px 0 0; padding: 4px 8px; border-left: 3px solid var(--warn); background: var(--bg2); white-space: pre-wrap; }
#error { border-color: var(--bad); }
main { padding: 8px 16px 40px; }
#tools { margin: 0 0 6px; } #tools button { margin-right: 6px; }
details.task { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
details.task > summary { cursor: pointer; padding: 6px 10px; list-style-position: inside; display: list-item; }
details.task[open] > summary { border-bottom: 1px solid var(--line); background: var(--bg2); }
.num { font-weight: 600; margin-right: 4px; } .mark { display: inline-block; width: 1.3em; text-align: center; }
.title { overflow-wrap: anywhere; } .meta { margin-left: 8px; font-size: 12px; font-variant-numeric: tabular-nums; }
.body { padding: 8px 10px; }
.facts span { margin-right: 14px; } .sha { font-family: ui-monospace, monospace; }
.files, .verify { margin: 6px 0; padding-left: 18px; }
.verify li { margin: 4px 0; } .verify .cmd { font-family: ui-monospace, monospace; }
pre, .text { white-space: pre-wrap; overflow-wrap: anywhere; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { margin: 4px 0; padding: 6px 8px; background: var(--bg2); border-radius: 4px; max-height: 24em; overflow: auto; }
.rows { list-style: none; margin: 6px 0; padding: 0; }
.row { padding: 2px 0; border-top: 1px dotted var(--line); display: grid; grid-template-columns: 5.5em 7em 1fr; gap: 6px; }
.row .kind { font-weight: 600; overflow-wrap: anywhere; } .row.tool .kind { color: var(--run); }
.row.note .kind { color: var(--warn); }
.summary { margin: 6px 0; padding: 4px 8px; border-left: 3px solid var(--ok); background: var(--bg2); }
.err { color: var(--bad); white-space: pre-wrap; overflow-wrap: anywhere; }
`;

// Plain ES2020 for the browser; no backticks and no dollar-brace in it (it lives in a template literal).
const SCRIPT = String.raw`
(function () {
  "use strict";
  var ROW_CAP = 200;
  var FLUSH_MS = 50;
  var params = new URLSearchParams(location.search);
  var query = "exp=" + encodeURIComponent(params.get("exp") || "") + "&sig=" + encodeURIComponent(params.get("sig") || "");
  var base = location.pathname.replace(/\/+$/, "");
  var runId = decodeURIComponent(base.slice(base.lastIndexOf("/") + 1));
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  var run = {
    status: "waiting", startTs: null, prevMs: 0, durationMs: null, finished: false, tasksTotal: null,
    tasksDone: null, costUsd: null, tokens: null, prUrl: null, error: null, facts: {}, truncated: null,
  };
  var tasks = new Map();
  var order = [];
  var autoOpen = null;
  var lastSeq = -1;
  var lastId = null;
  var skew = 0;
  var queue = [];
  var dirty = new Set();
  var headerDirty = true;
  var flushTimer = null;
  var eventsSeen = 0;

  var STATUS_MARK = { done: "\u2714", skipped: "\u21b7", failed: "\u2718", timeout: "\u23f1", stalled: "\u23f8", cancelled: "\u2298" };

  function task(index) {
    var t = tasks.get(index);
    if (!t) {
      t = { index: index, text: "", status: null, startTs: null, durationMs: null, costUsd: null, usage: null,
        error: null, sha: null, filesChanged: null, files: null, summary: null, verify: [], rows: [],
        section: null, rendered: 0, rowsEl: null, showAll: false, userOpen: null, wantOpen: false };
      tasks.set(index, t);
      order.push(index);
      order.sort(function (a, b) { return a - b; });
    }
    return t;
  }

  function num(n) { return typeof n === "number" && isFinite(n) ? n : 0; }
  function fmtInt(n) { return Math.round(num(n)).toLocaleString("en-US"); }
  function fmtUsd(n) { n = num(n); return "$" + (n < 1 ? n.toFixed(4) : n.toFixed(2)); }
  function fmtDur(ms) {
    ms = Math.max(0, num(ms));
    if (ms < 1000) return Math.round(ms) + "ms";
    var s = Math.floor(ms / 1000);
    if (s < 60) return (ms / 1000).toFixed(1) + "s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + "m " + (s % 60) + "s";
    return Math.floor(m / 60) + "h " + (m % 60) + "m";
  }
  function clock(ts) { var d = new Date(ts); return isNaN(d.getTime()) ? "" : d.toTimeString().slice(0, 8); }
  function str(v) { return typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v); }
  function httpUrl(u) {
    try { var p = new URL(String(u)); return p.protocol === "https:" || p.protocol === "http:" ? p.href : null; }
    catch (e) { return null; }
  }

  // ---- applying events to the state (no DOM here) ----
  function apply(e) {
    if (!e || typeof e !== "object" || typeof e.type !== "string") return;
    if (typeof e.seq === "number") { if (e.seq <= lastSeq) return; lastSeq = e.seq; }
    eventsSeen++;
    var t;
    switch (e.type) {
      case "run.started":
        if (run.finished) { run.prevMs += num(run.durationMs); }
        run.status = "running"; run.finished = false; run.startTs = Date.parse(e.ts);
        run.tasksTotal = e.tasksTotal; run.facts = { playbook: e.playbook, repo: e.repo, branch: e.branch, agent: e.agent, model: e.model };
        if (e.trigger) run.facts.trigger = e.trigger;
        headerDirty = true;
        break;
      case "task.started":
        t = task(e.index);
        t.text = str(e.text); t.status = null; t.error = null; t.verify = []; t.startTs = Date.parse(e.ts);
        t.durationMs = null;
        if (autoOpen !== null && autoOpen !== e.index) dirty.add(autoOpen);
        autoOpen = e.index;
        t.rows.push({ kind: "note", label: "started", text: "", ts: e.ts });
        dirty.add(e.index); headerDirty = true;
        break;
      case "agent.message":
        t = task(e.index);
        t.rows.push({ kind: "msg", label: str(e.role) || "message", text: str(e.text), ts: e.ts });
        dirty.add(e.index);
        break;
      case "agent.tool":
        t = task(e.index);
        t.rows.push({ kind: "tool", label: str(e.name) || "tool", text: str(e.input), ts: e.ts });
        dirty.add(e.index);
        break;
      case "agent.usage":
        t = task(e.index);
        t.usage = { input: num(e.inputTokens), output: num(e.outputTokens), cacheRead: num(e.cacheReadTokens),
          cacheWrite: num(e.cacheWriteTokens), costUsd: num(e.costUsd) };
        dirty.add(e.index); headerDirty = true;
        break;
      case "task.verify":
        t = task(e.index);
        t.verify = t.verify.filter(function (v) { return v.command !== e.command; });
        t.verify.push({ command: str(e.command), exitCode: e.exitCode, durationMs: e.durationMs, outputTail: str(e.outputTail) });
        t.rows.push({ kind: "note", label: "verify", text: str(e.command) + " \u2192 exit " + str(e.exitCode), ts: e.ts });
        dirty.add(e.index);
        break;
      case "task.committed":
        t = task(e.index);
        t.sha = str(e.sha); t.filesChanged = e.filesChanged; t.files = Array.isArray(e.files) ? e.files : null;
        t.rows.push({ kind: "note", label: "commit", text: str(e.sha).slice(0, 12) + " (" + num(e.filesChanged) + " files)", ts: e.ts });
        dirty.add(e.index);
        break;
      case "task.finished":
        t = task(e.index);
        if (e.status === "skipped" && t.status) break;
        t.status = str(e.status); t.durationMs = e.durationMs; t.costUsd = e.costUsd;
        if (e.error !== undefined) t.error = str(e.error);
        if (e.filesChanged !== undefined) t.filesChanged = e.filesChanged;
        if (e.summary !== undefined) t.summary = str(e.summary);
        t.rows.push({ kind: "note", label: "finished", text: str(e.status) + (e.error ? ": " + str(e.error) : ""), ts: e.ts });
        dirty.add(e.index); headerDirty = true;
        break;
      case "run.finished":
        var again = run.finished || run.costUsd !== null;
        run.status = str(e.status); run.finished = true;
        run.tasksTotal = e.tasksTotal; run.tasksDone = e.tasksDone;
        run.costUsd = (again ? num(run.costUsd) : 0) + num(e.costUsd);
        var tk = e.tokens || {};
        var prev = again && run.tokens ? run.tokens : { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
        run.tokens = { input: prev.input + num(tk.input), output: prev.output + num(tk.output),
          cacheRead: prev.cacheRead + num(tk.cacheRead), cacheWrite: prev.cacheWrite + num(tk.cacheWrite) };
        run.durationMs = num(e.durationMs);
        run.totalMs = run.prevMs + run.durationMs;
        if (e.prUrl) run.prUrl = str(e.prUrl);
        run.error = e.error ? str(e.error) : null;
        headerDirty = true;
        break;
      case "log.truncated":
        run.truncated = e;
        headerDirty = true;
        break;
      default:
        break;
    }
  }

  // ---- rendering ----
  function schedule() { if (flushTimer === null) flushTimer = setTimeout(flush, FLUSH_MS); }
  function receive(e) { queue.push(e); schedule(); }

  function flush() {
    flushTimer = null;
    var batch = queue; queue = [];
    for (var i = 0; i < batch.length; i++) apply(batch[i]);
    if (headerDirty) { renderHeader(); headerDirty = false; }
    var list = Array.from(dirty); dirty.clear();
    for (var j = 0; j < list.length; j++) renderTask(tasks.get(list[j]));
    document.body.setAttribute("data-events", String(eventsSeen));
  }

  function liveTotals() {
    var cost = 0, tin = 0, tout = 0, done = 0;
    tasks.forEach(function (t) {
      cost += t.costUsd !== null && t.costUsd !== undefined ? num(t.costUsd) : t.usage ? t.usage.costUsd : 0;
      if (t.usage) { tin += t.usage.input; tout += t.usage.output; }
      if (t.status === "done") done++;
    });
    return { cost: cost, tin: tin, tout: tout, done: done };
  }

  function elapsedMs() {
    if (run.finished) return run.totalMs;
    if (run.startTs === null || isNaN(run.startTs)) return null;
    return run.prevMs + Math.max(0, Date.now() + skew - run.startTs);
  }

  function renderHeader() {
    var st = $("status");
    st.textContent = run.status;
    st.className = "badge st-" + run.status.replace(/[^a-z_]/g, "");
    document.body.setAttribute("data-run-status", run.status);
    var f = run.facts, parts = [];
    if (f.playbook) parts.push("playbook " + f.playbook);
    if (f.repo) parts.push("repo " + f.repo);
    if (f.branch) parts.push("branch " + f.branch);
    if (f.agent) parts.push("agent " + f.agent + (f.model ? " (" + f.model + ")" : ""));
    if (f.trigger && f.trigger.actor) parts.push("requested by " + str(f.trigger.actor));
    $("facts").textContent = parts.join("  \u00b7  ");
    var live = liveTotals();
    var total = run.tasksTotal !== null && run.tasksTotal !== undefined ? run.tasksTotal : order.length;
    var done = run.finished && run.tasksDone !== null ? run.tasksDone : live.done;
    $("tasks-done").textContent = done + "/" + total + " done";
    if (run.finished) {
      $("tokens").textContent = fmtInt(run.tokens.input) + " in / " + fmtInt(run.tokens.output) + " out" +
        (run.tokens.cacheRead || run.tokens.cacheWrite ? " (cache " + fmtInt(run.tokens.cacheRead) + " read, " + fmtInt(run.tokens.cacheWrite) + " written)" : "");
      $("cost").textContent = fmtUsd(run.costUsd);
    } else {
      $("tokens").textContent = fmtInt(live.tin) + " in / " + fmtInt(live.tout) + " out";
      $("cost").textContent = fmtUsd(live.cost);
    }
    tick();
    var links = $("links");
    links.textContent = "";
    var pr = run.prUrl && httpUrl(run.prUrl);
    if (pr) { var a = el("a", "", "Pull request"); a.href = pr; a.rel = "noreferrer noopener"; links.appendChild(a); }
    var log = el("a", "", "Run log (JSONL)"); log.href = base + ".jsonl?" + query; links.appendChild(log);
    $("error").textContent = run.error ? "Error: " + run.error : "";
    $("notice").textContent = run.truncated
      ? "The shared log took no more of this run's events after this point (" + str(run.truncated.reason) +
        "): the worker's own file has the rest; the run log link returns it when this server has that file."
      : "";
  }

  function tick() {
    var ms = elapsedMs();
    $("elapsed").textContent = ms === null ? "\u2013" : fmtDur(ms);
    if (autoOpen !== null) {
      var t = tasks.get(autoOpen);
      if (t && !t.status && !run.finished && t.section) t.metaEl.textContent = meta(t);
    }
  }

  function meta(t) {
    var p = [];
    if (t.status) p.push(t.status);
    else if (!run.finished && t.index === autoOpen) p.push("running");
    else p.push("not finished");
    if (t.durationMs !== null && t.durationMs !== undefined) p.push(fmtDur(t.durationMs));
    else if (!t.status && !run.finished && t.index === autoOpen && t.startTs) p.push(fmtDur(Date.now() + skew - t.startTs));
    var cost = t.costUsd !== null && t.costUsd !== undefined ? t.costUsd : t.usage ? t.usage.costUsd : null;
    if (cost !== null) p.push(fmtUsd(cost));
    if (t.sha) p.push(t.sha.slice(0, 7));
    if (t.filesChanged === 0) p.push("changed no file");
    p.push(t.rows.length + (t.rows.length === 1 ? " event" : " events"));
    return p.join(" \u00b7 ");
  }

  function stateOf(t) { return t.status || (!run.finished && t.index === autoOpen ? "running" : "incomplete"); }

  function renderTask(t) {
    if (!t) return;
    if (!t.section) {
      var d = el("details", "task");
      d.setAttribute("data-index", String(t.index));
      var s = el("summary");
      t.markEl = el("span", "mark"); t.numEl = el("span", "num", "#" + (t.index + 1));
      t.titleEl = el("span", "title"); t.metaEl = el("span", "meta");
      s.appendChild(t.markEl); s.appendChild(t.numEl); s.appendChild(t.titleEl); s.appendChild(t.metaEl);
      d.appendChild(s);
      t.body = el("div", "body");
      d.appendChild(t.body);
      d.addEventListener("toggle", function () {
        if (d.open !== t.wantOpen) { t.userOpen = d.open; t.wantOpen = d.open; }
        if (d.open) renderBody(t); else clearBody(t);
      });
      t.section = d;
      var at = order.indexOf(t.index), next = null;
      for (var k = at + 1; k < order.length && !next; k++) { var n = tasks.get(order[k]); if (n && n.section) next = n.section; }
      $("tasks").insertBefore(d, next);
    }
    var st = stateOf(t);
    t.section.setAttribute("data-status", st);
    t.markEl.textContent = STATUS_MARK[t.status] || (st === "running" ? "\u25b6" : "\u2026");
    t.markEl.className = "mark st-" + st;
    t.titleEl.textContent = t.text || "(task " + (t.index + 1) + ")";
    t.metaEl.textContent = meta(t);
    var open = t.userOpen !== null ? t.userOpen : t.index === autoOpen;
    if (open !== t.section.open) { t.wantOpen = open; t.section.open = open; }
    else if (open) renderBody(t);
  }

  function clearBody(t) { t.body.textContent = ""; t.rowsEl = null; t.rendered = 0; }

  function renderBody(t) {
    if (!t.rowsEl) {
      t.body.textContent = "";
      t.factsEl = el("div"); t.body.appendChild(t.factsEl);
      t.moreEl = el("button", "showall"); t.moreEl.type = "button";
      t.moreEl.addEventListener("click", function () { t.showAll = true; clearBody(t); renderBody(t); });
      t.body.appendChild(t.moreEl);
      t.rowsEl = el("ol", "rows"); t.body.appendChild(t.rowsEl);
      t.rendered = t.showAll ? 0 : Math.max(0, t.rows.length - ROW_CAP);
    }
    renderFacts(t);
    var frag = document.createDocumentFragment();
    for (; t.rendered < t.rows.length; t.rendered++) frag.appendChild(rowEl(t.rows[t.rendered]));
    t.rowsEl.appendChild(frag);
    if (!t.showAll) while (t.rowsEl.childNodes.length > ROW_CAP) t.rowsEl.removeChild(t.rowsEl.firstChild);
    var hidden = t.rows.length - t.rowsEl.childNodes.length;
    t.moreEl.hidden = hidden <= 0;
    t.moreEl.textContent = "Show all " + t.rows.length + " events (" + hidden + " earlier hidden)";
  }

  function rowEl(r) {
    var li = el("li", "row " + r.kind);
    li.appendChild(el("span", "when", clock(r.ts)));
    li.appendChild(el("span", "kind", r.label));
    li.appendChild(el("span", "text", r.text));
    return li;
  }

  function renderFacts(t) {
    var f = t.factsEl;
    f.textContent = "";
    var line = el("div", "facts");
    line.appendChild(el("span", "", "Status: " + stateOf(t)));
    if (t.durationMs !== null && t.durationMs !== undefined) line.appendChild(el("span", "", "Time: " + fmtDur(t.durationMs)));
    var cost = t.costUsd !== null && t.costUsd !== undefined ? t.costUsd : t.usage ? t.usage.costUsd : null;
    if (cost !== null) line.appendChild(el("span", "", "Cost: " + fmtUsd(cost)));
    if (t.usage) line.appendChild(el("span", "", "Tokens: " + fmtInt(t.usage.input) + " in / " + fmtInt(t.usage.output) + " out"));
    if (t.sha) { var c = el("span", "", "Commit: "); c.appendChild(el("span", "sha", t.sha)); line.appendChild(c); }
    if (t.filesChanged !== null && t.filesChanged !== undefined) line.appendChild(el("span", "", t.filesChanged === 0 ? "Changed no file" : t.filesChanged + " files changed"));
    f.appendChild(line);
    if (t.error) f.appendChild(el("div", "err", "Error: " + t.error));
    if (t.files && t.files.length) {
      var ul = el("ul", "files");
      for (var i = 0; i < t.files.length; i++) {
        var x = t.files[i] || {};
        var li = el("li");
        li.appendChild(el("span", "sha", str(x.path)));
        if (x.added !== undefined || x.deleted !== undefined) li.appendChild(el("span", "dim", "  +" + num(x.added) + " \u2212" + num(x.deleted)));
        ul.appendChild(li);
      }
      f.appendChild(ul);
    }
    if (t.verify.length) {
      var vl = el("ul", "verify");
      for (var j = 0; j < t.verify.length; j++) {
        var v = t.verify[j];
        var vi = el("li");
        var ok = v.exitCode === 0;
        vi.appendChild(el("span", ok ? "st-done" : "st-failed", ok ? "\u2714 " : "\u2718 "));
        vi.appendChild(el("span", "cmd", v.command));
        vi.appendChild(el("span", "dim", "  exit " + str(v.exitCode) + ", " + fmtDur(v.durationMs)));
        if (v.outputTail) vi.appendChild(el("pre", "", v.outputTail));
        vl.appendChild(vi);
      }
      f.appendChild(vl);
    }
    if (t.summary) f.appendChild(el("div", "summary text", t.summary));
  }

  function setConn(state, text) {
    document.body.setAttribute("data-conn", state);
    $("conn").textContent = text;
  }

  // ---- the stream ----
  var es = null;
  var stopped = false;
  function connect() {
    var url = base + "/events?" + query + (lastId ? "&after=" + encodeURIComponent(lastId) : "");
    es = new EventSource(url);
    es.onopen = function () { setConn("live", "Live: new events appear as the run writes them."); };
    es.onmessage = function (m) {
      if (m.lastEventId) lastId = m.lastEventId;
      var e;
      try { e = JSON.parse(m.data); } catch (err) { return; }
      receive(e);
    };
    es.addEventListener("hello", function (m) {
      try { var h = JSON.parse(m.data); if (typeof h.now === "number") skew = h.now - Date.now(); } catch (err) { /* none */ }
    });
    es.addEventListener("end", function (m) {
      stop();
      var why = "";
      try { why = JSON.parse(m.data).reason; } catch (err) { /* none */ }
      setConn("ended", why === "file" ? "The whole log (from this server's file)."
        : why === "truncated" ? "The shared log ends here: the run log link has the rest when this server has the worker's file."
        : "The run has ended: this is its whole log.");
    });
    es.addEventListener("expired", function () { stop(); setConn("expired", "This link has expired: ask Maestro for /maestro status to get a fresh one."); });
    es.addEventListener("busy", function () { setConn("busy", "The server follows too many runs right now; reconnecting in a moment\u2026"); });
    es.onerror = function () {
      if (stopped) return;
      if (es.readyState === 2) {
        // The server refused the stream (not a drop): find out why before trying again.
        setConn("down", "Disconnected; retrying\u2026");
        fetch(base + "/events?" + query, { method: "HEAD" }).then(function (r) {
          if (r.status === 403 || r.status === 404) { stop(); setConn("refused", "The server refused this link (" + r.status + "): it may have expired."); }
          else setTimeout(function () { if (!stopped) connect(); }, 5000);
        }, function () { setTimeout(function () { if (!stopped) connect(); }, 5000); });
      } else setConn("reconnecting", "Connection lost; reconnecting\u2026");
    };
  }
  function stop() { stopped = true; if (es) es.close(); }

  $("run-id").textContent = runId;
  document.title = "Maestro run " + runId;
  function openAll(open) {
    order.forEach(function (i) {
      var t = tasks.get(i);
      if (t && t.section) { t.userOpen = open; if (t.section.open !== open) { t.wantOpen = open; t.section.open = open; } }
    });
  }
  $("expand").addEventListener("click", function () { openAll(true); });
  $("collapse").addEventListener("click", function () { openAll(false); });
  renderHeader();
  setInterval(tick, 1000);
  setConn("connecting", "Connecting\u2026");
  connect();
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

export const RUN_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Maestro run</title>
<style>${STYLE}</style>
</head>
<body data-conn="connecting" data-run-status="waiting" data-events="0">
<header>
<h1>Maestro run <code id="run-id"></code><span id="status" class="badge">waiting</span></h1>
<div id="facts"></div>
<div id="stats">
<div>Elapsed <b id="elapsed">–</b></div>
<div>Tasks <b id="tasks-done">–</b></div>
<div>Tokens <b id="tokens">–</b></div>
<div>Cost <b id="cost">–</b></div>
<div id="links"></div>
</div>
<div id="error"></div>
<div id="notice"></div>
<div id="conn"></div>
</header>
<main>
<div id="tools"><button type="button" id="expand">Expand all</button><button type="button" id="collapse">Collapse all</button></div>
<div id="tasks"></div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** Only the page's own style and script (by hash), and EventSource/fetch to this server. */
export const RUN_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
