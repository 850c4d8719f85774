// SPDX-License-Identifier: Apache-2.0
// The dashboard page: one document, no external resources. Every value from
// the run is inserted as text (textContent), never as markup; the plot is
// loaded as an image from a blob, so its SVG cannot run script.
#include "web/dashboard.hpp"

namespace asyncbo::web {

const char* dashboard_page() {
  return R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>asyncbo</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
header { background: #263238; color: #fff; padding: 10px 16px; display: flex; gap: 18px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 17px; margin: 0; }
#state { padding: 1px 8px; border-radius: 9px; background: #43a047; font-weight: 600; }
#state.completed { background: #1e88e5; } #state.failed { background: #e53935; }
#state.interrupted { background: #fb8c00; } #state.offline { background: #757575; }
main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 1fr); gap: 12px; padding: 12px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px 12px; overflow: auto; }
section h2 { font-size: 14px; margin: 0 0 6px; color: #455a64; }
.wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 2px 8px 2px 0; border-bottom: 1px solid #eceff1; white-space: nowrap; }
th { color: #607d8b; font-weight: 600; }
.bar { height: 8px; background: #cfd8dc; border-radius: 4px; width: 220px; display: inline-block; }
.bar > div { height: 8px; background: #66bb6a; border-radius: 4px; width: 0; }
.busy { color: #2e7d32; font-weight: 600; } .idle { color: #90a4ae; }
.fail { color: #c62828; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dt { color: #607d8b; } dd { margin: 0; font-variant-numeric: tabular-nums; }
#plot { max-width: 100%; }
</style>
</head>
<body>
<header>
  <h1>asyncbo</h1><span id="title"></span><span id="state">connecting</span>
  <span>evaluations <b id="done">0</b> / <b id="total">?</b></span>
  <span class="bar"><div id="progress"></div></span>
  <span>elapsed <b id="elapsed">-</b></span><span>ETA <b id="eta">-</b></span>
  <span id="message"></span>
</header>
<main>
  <section>
    <h2>Result so far</h2>
    <dl>
      <dt>best value</dt><dd id="best">-</dd>
      <dt>best point</dt><dd id="best-x">-</dd>
      <dt>recommended</dt><dd id="rec">-</dd>
      <dt>regret (best)</dt><dd id="regret">-</dd>
      <dt>ok / failed / retried</dt><dd id="counts">-</dd>
      <dt>asks</dt><dd id="asks">-</dd>
      <dt>ask latency</dt><dd id="ask-ms">-</dd>
      <dt>dispatch latency</dt><dd id="dispatch-ms">-</dd>
    </dl>
  </section>
  <section>
    <h2>Evaluators <span id="busy"></span></h2>
    <table id="evaluators"><thead><tr><th>evaluator</th><th>node</th><th>state</th><th>point</th><th>running</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Plot</h2>
    <img id="plot" alt="convergence plot">
  </section>
  <section>
    <h2>Queue and pending points</h2>
    <table id="queue"><thead><tr><th>kind</th><th>id</th><th>point</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Latest failures</h2>
    <table id="failures"><thead><tr><th>id</th><th>status</th><th>reason</th><th>worker</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Latest observations</h2>
    <table id="observations"><thead><tr><th>seq</th><th>id</th><th>attempt</th><th>status</th><th>value</th><th>point</th><th>worker</th><th>time</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const headers = token ? { "Authorization": "Bearer " + token } : {};
const $ = id => document.getElementById(id);
const fmt = v => v === null || v === undefined ? "-" :
  (typeof v === "number" ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(4) : +v.toPrecision(6)) : String(v));
const secs = s => s === null || s === undefined ? "-" :
  s < 60 ? s.toFixed(1) + " s" : s < 3600 ? (s / 60).toFixed(1) + " min" : (s / 3600).toFixed(2) + " h";
const point = x => x ? Object.entries(x).map(([k, v]) => k + "=" + fmt(v)).join(", ") : "-";
function rows(table, list, cells) {
  const body = $(table).tBodies[0];
  const fresh = document.createElement("tbody");
  for (const item of list) {
    const tr = document.createElement("tr");
    const c = cells(item);
    tr.className = c.cls || "";
    for (const v of c.values) { const td = document.createElement("td"); td.textContent = v; tr.appendChild(td); }
    fresh.appendChild(tr);
  }
  body.replaceWith(fresh);
}
async function get(path, as) {
  const r = await fetch(path, { headers, cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return as === "blob" ? r.blob() : r.json();
}
let next = 0, recent = [], plotted = -1, plotUrl = null, over = false;
async function tick() {
  try {
    const [st, ev, obs] = await Promise.all([get("api/status"), get("api/evaluators"),
                                             get("api/observations?since=" + next)]);
    $("title").textContent = st.title;
    $("state").textContent = st.state; $("state").className = st.state;
    $("message").textContent = st.message || "";
    const e = st.evaluations;
    $("done").textContent = e.ok; $("total").textContent = e.total;
    $("progress").style.width = (e.total ? Math.min(100, 100 * e.ok / e.total) : 0) + "%";
    $("elapsed").textContent = secs(st.elapsed_s); $("eta").textContent = secs(st.eta_s);
    $("best").textContent = st.best ? fmt(st.best.value) + "  (id " + st.best.id + ")" : "-";
    $("best-x").textContent = st.best ? point(st.best.x) : "-";
    $("rec").textContent = st.recommended ? "mean " + fmt(st.recommended.mean) + " at " + point(st.recommended.x)
                                          : (st.recommended_mean !== null ? "posterior mean " + fmt(st.recommended_mean) : "-");
    $("regret").textContent = st.best_regret !== null && st.best_regret !== undefined ? fmt(st.best_regret) : "-";
    $("counts").textContent = e.ok + " / " + e.failed + " / " + e.retried;
    $("asks").textContent = st.asks + (st.ask_outstanding ? " (one running)" : "");
    $("ask-ms").textContent = "last " + fmt(st.latency_ms.last_ask) + " ms, median " + fmt(st.latency_ms.median_ask) + " ms";
    $("dispatch-ms").textContent = "median " + fmt(st.latency_ms.median_dispatch) + " ms";
    $("busy").textContent = "(" + st.evaluators.busy + " of " + st.evaluators.total + " busy)";
    rows("evaluators", ev.evaluators, v => ({ cls: "evaluator " + (v.busy ? "busy" : "idle"),
      values: [v.name, v.node, v.busy ? "busy" : "idle", v.busy ? "#" + v.id + " " + point(v.x) : "", v.busy ? secs(v.running_s) : ""] }));
    rows("queue", st.pending.map(p => ["pending", p]).concat(st.queue.map(q => ["queued", { x: q }])),
      ([k, p]) => ({ values: [k, p.id === undefined ? "" : p.id, point(p.x)] }));
    rows("failures", st.failures, f => ({ cls: "fail", values: [f.id, f.status, f.reason, f.worker] }));
    recent = recent.concat(obs.observations).slice(-15);
    next = obs.next;
    rows("observations", recent.slice().reverse(), o => ({ cls: o.status === "ok" ? "" : "fail",
      values: [o.seq, o.id, o.attempt, o.status, o.value === undefined ? "" : fmt(o.value), point(o.x), o.worker, secs(o.end_s)] }));
    const key = e.records * 2 + (st.recommended ? 1 : 0);
    if (key !== plotted) {
      const blob = await get("plot.svg", "blob");
      const url = URL.createObjectURL(blob);
      $("plot").onload = () => { $("plot").dataset.loaded = String(key); if (plotUrl) URL.revokeObjectURL(plotUrl); plotUrl = url; };
      $("plot").src = url;
      plotted = key;
    }
    over = st.state !== "running";
  } catch (err) {
    $("state").textContent = over ? $("state").textContent : "offline";
    if (!over) $("state").className = "offline";
    $("message").textContent = String(err.message || err);
  }
  if (!over) setTimeout(tick, 500);
}
tick();
</script>
</body>
</html>
)PAGE";
}

} // namespace asyncbo::web
