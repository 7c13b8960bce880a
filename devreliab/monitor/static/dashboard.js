// devreliab dashboard: receives a snapshot of the workspace over a WebSocket (/dashboard/ws) and draws it.
// Plain JavaScript and SVG, no library. Every chart is an <svg data-chart=...> whose data-* attributes carry
// what it shows (the tests read them). When the WebSocket cannot be opened, the page polls
// /dashboard/snapshot.json instead.
"use strict";

(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const W = 560;  // the viewBox width of a chart when its box has no width yet; otherwise the box's width
  const PAD = { left: 46, right: 10, top: 8, bottom: 20 };
  const token = new URLSearchParams(location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  let updates = 0;

  // -- formatting ---------------------------------------------------------------------------------------
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const fixed = (v, d) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(d > 0 ? 1 : 0) : v.toFixed(d));
  const fmtMs = (v) => (v >= 1000 ? fixed(v / 1000, 2) + " s" : fixed(v, 1) + " ms");
  const fmtBytes = (v) => {
    const units = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
    return fixed(v, i ? 1 : 0) + " " + units[i];
  };
  const fmtRate = (v) => fixed(v, 2) + "/s";
  const fmtPct = (v) => fixed(v * 100, 0) + "%";
  const fmtNum = (v) => (Math.abs(v) >= 1e6 ? fixed(v / 1e6, 1) + "M" : Math.abs(v) >= 1e4 ? fixed(v / 1e3, 0) + "k" : fixed(v, 0));
  const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const ago = (t, now) => {
    const s = Math.max(0, now - t);
    return s < 90 ? Math.round(s) + " s ago" : s < 5400 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
  };
  const $ = (id) => document.getElementById(id);

  // -- SVG charts ---------------------------------------------------------------------------------------
  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  // A line chart: series [{name, cls, points: [[t, v]...]}], marks [{t, value, series, score}],
  // lines [{value, cls, label}] (horizontal references such as a budget), over the time domain [t0, t1].
  let currentStep = 0;

  function lineChart(container, spec) {
    const h = spec.height || 150;
    spec.step = spec.step || currentStep;
    const W = Math.max(240, Math.round(container.clientWidth) || 560);  // 1 unit = 1 pixel: text stays legible
    const svg = el("svg", { viewBox: `0 0 ${W} ${h}`, role: "img", "aria-label": spec.label || "" });
    for (const [k, v] of Object.entries(spec.data || {})) svg.dataset[k] = v;
    const [t0, t1] = spec.domain;
    let ymax = spec.ymax || 0;
    for (const s of spec.series) for (const p of s.points) ymax = Math.max(ymax, p[1]);
    for (const l of spec.lines || []) ymax = Math.max(ymax, l.value);
    for (const m of spec.marks || []) ymax = Math.max(ymax, m.value);
    ymax = spec.fixedMax || niceMax(ymax * 1.05);
    const x = (t) => PAD.left + ((t - t0) / Math.max(1e-9, t1 - t0)) * (W - PAD.left - PAD.right);
    const y = (v) => h - PAD.bottom - (Math.max(0, v) / ymax) * (h - PAD.top - PAD.bottom);
    for (let i = 0; i <= 4; i += 1) {
      const v = (ymax * i) / 4;
      el("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }, svg);
      el("text", { x: PAD.left - 6, y: y(v) + 3, "text-anchor": "end" }, svg).textContent = spec.format(v);
    }
    const ticks = W < 420 ? 2 : 3;
    for (let i = 0; i <= ticks; i += 1) {
      const t = t0 + ((t1 - t0) * i) / ticks;
      el("text", { x: x(t), y: h - 5, "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" }, svg).textContent = clock(t);
    }
    el("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }, svg);
    for (const l of spec.lines || []) {
      el("line", { class: l.cls, x1: PAD.left, x2: W - PAD.right, y1: y(l.value), y2: y(l.value), "data-value": l.value }, svg);
      el("text", { x: W - PAD.right, y: y(l.value) - 4, "text-anchor": "end" }, svg).textContent = l.label;
    }
    for (const s of spec.series) {
      const pts = s.points.filter((p) => p[0] >= t0 - 1e-6);
      const path = el("path", {
        class: "line " + s.cls, "data-series": s.name, "data-count": pts.length,
        "data-last": pts.length ? pts[pts.length - 1][1] : "",
      }, svg);
      if (pts.length === 1) {  // a single point is drawn as a short tick, so it shows
        const px = x(pts[0][0]), py = y(pts[0][1]);
        path.setAttribute("d", `M${(px - 3).toFixed(1)},${py.toFixed(1)}h6`);
      } else {
        // a gap of more than a few buckets (no calls, or no process sampling) breaks the line
        const gap = 3 * (spec.step || 0);
        path.setAttribute("d", pts.map((p, i) => (i && !(gap && p[0] - pts[i - 1][0] > gap) ? "L" : "M") +
          x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(""));
      }
      const title = el("title", {}, path);
      title.textContent = s.name + (pts.length ? ": now " + spec.format(pts[pts.length - 1][1]) : "");
    }
    for (const m of spec.marks || []) {
      if (m.t < t0) continue;
      const c = el("circle", { class: "anomaly", cx: x(m.t), cy: y(m.value), r: 5, "data-series": m.series }, svg);
      el("title", {}, c).textContent = `anomaly in ${m.series} at ${clock(m.t)}: ${spec.format(m.value)}` +
        (m.score != null ? ` (${m.score > 0 ? "+" : ""}${Number(m.score).toFixed(1)} σ)` : "");
    }
    container.replaceChildren(svg);
    return svg;
  }

  // Horizontal bars: rows [{label, values: [{v, cls, name}]}] stacked per row; data attributes per row.
  function barChart(container, rows, format, data) {
    const W = Math.max(240, Math.round(container.clientWidth) || 560);
    const rowH = 20, labelW = Math.min(170, Math.round(W * 0.35)), h = Math.max(rowH, rows.length * rowH) + 4;
    const svg = el("svg", { viewBox: `0 0 ${W} ${h}`, role: "img" });
    for (const [k, v] of Object.entries(data || {})) svg.dataset[k] = v;
    const max = Math.max(1e-9, ...rows.map((r) => r.values.reduce((a, b) => a + b.v, 0)));
    rows.forEach((r, i) => {
      const g = el("g", { "data-label": r.label, "data-total": r.values.reduce((a, b) => a + b.v, 0) }, svg);
      const label = el("text", { class: "bar-label", x: 0, y: i * rowH + 14 }, g);
      const room = Math.floor(labelW / 6.5);
      label.textContent = r.label.length > room ? r.label.slice(0, room - 1) + "…" : r.label;
      el("title", {}, label).textContent = r.label + (r.note ? " " + r.note : "");
      let x0 = labelW;
      for (const v of r.values) {
        const w = (v.v / max) * (W - labelW - (r.note ? 170 : 90));
        const rect = el("rect", { class: v.cls, x: x0, y: i * rowH + 4, width: Math.max(v.v > 0 ? 1 : 0, w), height: rowH - 8, rx: 2 }, g);
        el("title", {}, rect).textContent = `${v.name}: ${format(v.v)}`;
        x0 += w;
      }
      el("text", { x: x0 + 6, y: i * rowH + 14 }, g).textContent = r.values.map((v) => format(v.v)).join(" / ") +
        (r.note ? "  " + r.note : "");
    });
    container.replaceChildren(svg);
  }

  function list(node, items, render) {
    node.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      render(li, item);
      return li;
    }));
  }

  // -- the sections ---------------------------------------------------------------------------------------
  function renderHealth(snap) {
    const h = snap.health;
    const card = $("health");
    card.dataset.status = h.status;
    card.dataset.reasons = h.reasons.length;
    const pill = $("health-status");
    pill.textContent = h.status;
    pill.className = "pill st-" + h.status;
    $("health-title").textContent = h.status === "ok" ? "Healthy" : h.status === "degraded" ? "Degraded" : "Failing";
    list($("reasons"), h.reasons, (li, r) => {
      li.dataset.status = r.status;
      li.innerHTML = `<span class="pill st-${esc(r.status)}">${esc(r.status)}</span> ${esc(r.reason)}` +
        `<div class="action">${esc(r.action)}</div>`;
    });
    if (!h.reasons.length) list($("reasons"), ["No problems: every rule passes."], (li, t) => { li.className = "muted"; li.textContent = t; });
    list($("forecasts"), h.forecasts.length ? h.forecasts : ["nothing worth saying yet"], (li, t) => { li.textContent = t; });
    list($("unusual"), h.unusual.length ? h.unusual : [null], (li, u) => {
      li.textContent = u ? `${u.metric} = ${fmtNum(u.value)} (process ${u.process}, ${u.score > 0 ? "+" : ""}${u.score.toFixed(1)} σ, since ${clock(u.since)})` : "nothing unusual";
    });
    const notes = [...h.notes];
    if (snap.problem) notes.unshift(snap.problem);
    list($("notes"), notes, (li, t) => { li.textContent = t; });
    const alive = snap.processes.filter((p) => p.alive).length;
    $("processes").textContent = `${alive} server process${alive === 1 ? "" : "es"} sampling`;
    $("root").textContent = snap.root;
    document.title = `devreliab · ${h.status}`;
  }

  function renderLatency(snap, domain) {
    const box = $("latency");
    const tools = Object.keys(snap.tools).filter((t) => snap.tools[t].totals.calls > 0);
    if (!tools.length) {
      box.innerHTML = '<p class="empty">No tool calls in the window yet.</p>';
      return;
    }
    const keep = new Set(tools);
    for (const child of [...box.children]) if (!keep.has(child.dataset.tool)) child.remove();
    for (const tool of tools) {
      const t = snap.tools[tool];
      let fig = box.querySelector(`.multiple[data-tool="${CSS.escape(tool)}"]`);
      if (!fig) {
        fig = document.createElement("figure");
        fig.className = "multiple";
        fig.dataset.tool = tool;
        fig.innerHTML = "<h3></h3><div></div>";
        box.appendChild(fig);
      }
      const last = (s) => (s.length ? s[s.length - 1][1] : null);
      const p95 = last(t.latency.p95);
      fig.querySelector("h3").innerHTML = `${esc(tool)}<span>${fmtNum(t.totals.calls)} calls` +
        (t.totals.errors ? `, ${fmtNum(t.totals.errors)} errors` : "") + (p95 != null ? ` · p95 ${fmtMs(p95)}` : "") + "</span>";
      lineChart(fig.querySelector("div"), {
        domain, format: fmtMs, height: 130, label: `latency of ${tool}`,
        data: { chart: "latency", tool, calls: t.totals.calls, errors: t.totals.errors, anomalies: t.anomalies.length },
        series: ["p50", "p95", "p99"].map((k) => ({ name: k, cls: "ser-" + k, points: t.latency[k] })),
        marks: t.anomalies.filter((m) => m.series.startsWith("p")),
      });
    }
  }

  function sumSeries(seriesList) {
    const acc = new Map();
    for (const s of seriesList) for (const [t, v] of s) acc.set(t, (acc.get(t) || 0) + v);
    return [...acc.entries()].sort((a, b) => a[0] - b[0]);
  }

  function renderThroughput(snap, domain) {
    const tools = Object.values(snap.tools);
    const calls = sumSeries(tools.map((t) => t.rate.calls));
    const errors = sumSeries(tools.map((t) => t.rate.errors));
    const totalCalls = tools.reduce((a, t) => a + t.totals.calls, 0);
    const totalErrors = tools.reduce((a, t) => a + t.totals.errors, 0);
    $("throughput-now").textContent = `${fmtNum(totalCalls)} calls, ${fmtNum(totalErrors)} errors in the window`;
    const marks = [];
    for (const t of tools) for (const m of t.anomalies) if (m.series === "calls" || m.series === "errors") marks.push(m);
    lineChart($("throughput"), {
      domain, format: fmtRate, label: "tool calls and errors per second",
      data: { chart: "throughput", calls: totalCalls, errors: totalErrors },
      series: [{ name: "calls", cls: "ser-calls", points: calls }, { name: "errors", cls: "ser-errors", points: errors }],
      marks: marks.map((m) => ({ ...m, value: 0 })),
    });
  }

  function renderBytes(snap, domain) {
    const names = Object.keys(snap.tools);
    const tin = sumSeries(names.map((n) => snap.tools[n].rate.bytes_in));
    const tout = sumSeries(names.map((n) => snap.tools[n].rate.bytes_out));
    const totalIn = names.reduce((a, n) => a + snap.tools[n].totals.bytes_in, 0);
    const totalOut = names.reduce((a, n) => a + snap.tools[n].totals.bytes_out, 0);
    $("bytes-now").textContent = `${fmtBytes(totalIn)} in, ${fmtBytes(totalOut)} out in the window`;
    lineChart($("bytes"), {
      domain, format: (v) => fmtBytes(v) + "/s", label: "bytes per second in and out",
      data: { chart: "bytes", in: totalIn, out: totalOut },
      series: [{ name: "in", cls: "ser-in", points: tin }, { name: "out", cls: "ser-out", points: tout }],
    });
    const rows = names.map((n) => ({ label: n, values: [
      { v: snap.tools[n].totals.bytes_in, cls: "fill-in", name: "in" },
      { v: snap.tools[n].totals.bytes_out, cls: "fill-out", name: "out" }] }));
    for (const [m, t] of Object.entries(snap.methods)) {
      rows.push({ label: m, values: [{ v: t.bytes_in, cls: "fill-in", name: "in" }, { v: t.bytes_out, cls: "fill-out", name: "out" }] });
    }
    rows.sort((a, b) => b.values[0].v + b.values[1].v - a.values[0].v - a.values[1].v);
    barChart($("bytes-bars"), rows.slice(0, 10), fmtBytes, { chart: "bytes-per-tool" });
  }

  function renderCache(snap, domain) {
    const c = snap.cache;
    $("cache-now").textContent = (c.hit_ratio_window != null ? `hit ratio ${fmtPct(c.hit_ratio_window)} · ` : "") +
      `${fmtBytes(c.bytes_held_now)} held` + (c.budget ? ` of ${fmtBytes(c.budget)} per process` : "");
    lineChart($("cache-ratio"), {
      domain, format: fmtPct, fixedMax: 1, height: 110, label: "content-cache hit ratio",
      data: { chart: "cache-ratio", ratio: c.hit_ratio_window == null ? "" : c.hit_ratio_window },
      series: [{ name: "hit ratio", cls: "ser-ratio", points: c.hit_ratio }],
    });
    const pids = Object.keys(c.bytes_held);
    lineChart($("cache-bytes"), {
      domain, format: fmtBytes, height: 130, label: "bytes held by the content cache against its budget",
      data: { chart: "cache-bytes", held: c.bytes_held_now, budget: c.budget },
      series: pids.map((pid, i) => ({ name: "pid " + pid, cls: "ser-" + (i % 6), points: c.bytes_held[pid] })),
      lines: c.budget ? [{ value: c.budget, cls: "budget", label: "budget " + fmtBytes(c.budget) }] : [],
      marks: c.anomalies,
    });
  }

  function renderMemory(snap, domain) {
    const pids = Object.keys(snap.memory.series);
    const now = pids.reduce((a, p) => { const s = snap.memory.series[p]; return a + (s.length ? s[s.length - 1][1] : 0); }, 0);
    $("memory-now").textContent = pids.length ? `${fmtBytes(now)} in ${pids.length} process${pids.length === 1 ? "" : "es"}` : "";
    lineChart($("memory"), {
      domain, format: fmtBytes, label: "resident memory per process",
      data: { chart: "memory", processes: pids.length },
      series: pids.map((pid, i) => ({ name: "pid " + pid, cls: "ser-" + (i % 6), points: snap.memory.series[pid] })),
      marks: snap.memory.anomalies,
    });
    const cpids = Object.keys(snap.cpu.series);
    lineChart($("cpu"), {
      domain, format: (v) => fixed(v, 0) + "%", height: 100, label: "CPU per process",
      data: { chart: "cpu" },
      series: cpids.map((pid, i) => ({ name: "pid " + pid + " CPU", cls: "ser-" + (i % 6), points: snap.cpu.series[pid] })),
      marks: snap.cpu.anomalies,
    });
  }

  function tableRows(body, rows) {
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const cell of cells) {
        const td = document.createElement("td");
        td.textContent = cell;
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  function renderAgents(snap) {
    const pct = (v) => (100 * v).toFixed(1) + " %";
    tableRows($("agent-rows"), (snap.agents || []).map((a) =>
      [a.agent, String(a.calls), String(a.errors), pct(a.error_rate), a.repeats ? String(a.repeats) : "–"]));
    tableRows($("tool-rows"), Object.entries(snap.tools || {}).map(([tool, t]) =>
      [tool, String(t.totals.calls), String(t.totals.errors), pct(t.error_rate || 0)]));
  }

  function renderConflicts(snap) {
    const c = snap.conflicts;
    $("conflicts").dataset.open = c.open;
    $("conflicts-count").textContent = c.open;
    if (!c.latest.length) {
      list($("conflict-list"), ["No open conflicts: every write merged or went through."], (li, t) => { li.className = "muted"; li.textContent = t; });
      return;
    }
    list($("conflict-list"), c.latest, (li, k) => {
      li.dataset.conflictId = k.id;
      li.innerHTML = `<span class="path">${esc(k.path)}</span><span class="when">${esc(ago(k.created, snap.time))}</span>` +
        `<span class="id">${esc(k.id)} · by ${esc(k.client)}</span>`;
    });
  }

  function renderQuality(snap) {
    const q = snap.quality;
    const card = $("quality");
    card.dataset.state = q.state;
    const gate = $("quality-gate");
    if (q.state !== "ready" && q.state !== "analysing") {
      gate.textContent = q.state === "error" ? "unavailable" : "analysing…";
      gate.className = "pill";
      $("quality-facts").innerHTML = q.problem ? `<dt>problem</dt><dd>${esc(q.problem)}</dd>` : "<dt>status</dt><dd>reading the analysis cache…</dd>";
      return;
    }
    card.dataset.findingsHigh = q.findings.high;
    card.dataset.gate = q.gate.passed ? "passed" : "failed";
    gate.textContent = q.gate.passed ? "gate passed" : `gate failed · ${q.gate.failing}`;
    gate.className = "pill " + (q.gate.passed ? "st-ok" : "st-failing");
    barChart($("findings-bars"), ["high", "medium", "low"].map((s) => ({ label: s, values: [{ v: q.findings[s], cls: "fill-" + s, name: s }] })),
      fmtNum, { chart: "findings" });
    list($("findings"), q.top_findings, (li, f) => {
      li.innerHTML = `<span class="pill st-${f.severity === "high" ? "failing" : f.severity === "medium" ? "degraded" : "ok"}">${esc(f.severity)}</span> ` +
        `<code>${esc(f.path)}:${esc(f.line)}</code> ${esc(f.test_id)}${f.cwe ? " (CWE-" + esc(f.cwe) + ")" : ""}: ${esc(f.message)}`;
    });
    barChart($("complexity-bars"), q.complexity.map((b) => ({ label: b.qualname, note: `${b.path}:${b.line}`, values: [{ v: b.complexity, cls: b.complexity >= q.gate.complexity_below ? "fill-high" : "fill-cc", name: "cyclomatic complexity" }] })),
      fmtNum, { chart: "complexity" });
    const facts = [
      ["Python files", `${q.files}` + (q.waiting ? ` (${q.waiting} waiting to be analysed)` : "")],
      ["mean maintainability", q.maintainability.mean == null ? "–" : q.maintainability.mean],
      [`files with MI ≤ ${q.gate.maintainability_above}`, q.maintainability.below],
      [`functions with CC ≥ ${q.gate.complexity_below}`, q.complex_functions],
      ["gate violations", q.gate.failing + (q.gate.baselined ? ` (+${q.gate.baselined} baselined)` : "")],
      ["files with errors", q.errors],
      ["summarised", `${ago(q.updated, snap.time)} in ${fixed(q.seconds * 1000, 0)} ms`],
    ];
    $("quality-facts").innerHTML = facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("");
  }

  // The time axis: the window, or less while the workspace has less history (so young data is not a sliver).
  function timeDomain(snap) {
    let first = snap.time;
    const visit = (points) => { if (points.length) first = Math.min(first, points[0][0]); };
    for (const t of Object.values(snap.tools)) for (const s of Object.values(t.latency)) visit(s);
    for (const s of Object.values(snap.memory.series)) visit(s);
    const start = Math.max(snap.time - snap.window_s, first - snap.step_s);
    return [Math.min(start, snap.time - 60), snap.time];
  }

  function render(snap) {
    if (snap.error) {  // the server could not build a snapshot: say so where the health goes
      $("health").dataset.status = "failing";
      $("health-title").textContent = "Dashboard error";
      list($("reasons"), [snap.error], (li, t) => { li.textContent = t; });
      return;
    }
    const domain = timeDomain(snap);
    currentStep = snap.step_s;
    for (const [name, fn] of [["health", renderHealth], ["latency", renderLatency], ["throughput", renderThroughput],
      ["bytes", renderBytes], ["cache", renderCache], ["memory", renderMemory], ["agents", renderAgents], ["conflicts", renderConflicts],
      ["quality", renderQuality]]) {
      try { fn(snap, domain); } catch (err) { console.error(`dashboard: cannot draw ${name}:`, err); }
    }
    updates += 1;
    document.body.dataset.updates = updates;
    $("updated").textContent = "Last update " + clock(snap.time) + ".";
  }

  // -- transport: WebSocket, else polling -------------------------------------------------------------------
  function setState(state, transport, text) {
    document.body.dataset.state = state;
    if (transport) document.body.dataset.transport = transport;
    $("connection").textContent = text;
  }

  let failures = 0;
  let interval = 1000;

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/dashboard/ws" + query;
    let opened = false;
    let socket;
    try { socket = new WebSocket(url); } catch (err) { poll(); return; }
    socket.onopen = () => { opened = true; failures = 0; setState("live", "websocket", "live"); };
    socket.onmessage = (event) => {
      const snap = JSON.parse(event.data);
      interval = snap.refresh_ms || interval;
      render(snap);
    };
    socket.onclose = () => {
      if (!opened) failures += 1;
      if (failures >= 2) { poll(); return; }  // no WebSocket here (a proxy, or no WebSocket library): poll
      setState("offline", null, "reconnecting…");
      setTimeout(connect, Math.min(10000, 500 * 2 ** failures));
    };
  }

  async function poll() {
    setState("connecting", "polling", "polling");
    for (;;) {
      try {
        const answer = await fetch("/dashboard/snapshot.json" + query, { cache: "no-store" });
        if (!answer.ok) throw new Error(`${answer.status} ${answer.statusText}`);
        const snap = await answer.json();
        interval = snap.refresh_ms || interval;
        render(snap);
        setState("live", "polling", "live (polling)");
      } catch (err) {
        setState("offline", "polling", "offline: " + err.message);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(interval, 1000)));
    }
  }

  connect();
})();
