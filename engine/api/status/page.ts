// The status page: one HTML document with its style and script inline (no build step, nothing
// fetched from elsewhere). It asks for a token once (kept in the tab's sessionStorage), shows
// what GET /v1/status reports every 5 s, draws throughput per minute as an SVG bar chart, and
// looks a meter up with GET /v1/meters/:id; with serve --nats, a Cluster card (workers, the
// partitions behind, one being retried first).
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>meterflow status</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; background: #f6f7f9; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1rem; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 1rem; min-width: 0; }
  .figure { font-size: 1.6rem; font-weight: 600; } .muted { color: #667085; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 2px 6px 2px 0; overflow-wrap: anywhere; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; width: 1%; padding: 2px 0 2px 6px; }
  #error, tr.retrying td { color: #b42318; } svg rect { fill: #2e6fdb; } form { display: flex; gap: .5rem; }
  [hidden] { display: none !important; } input { font: inherit; padding: 4px 6px; } pre { white-space: pre-wrap; margin: .5rem 0 0; }
</style>
</head>
<body>
<h1>meterflow status <span class="muted" id="updated"></span></h1>
<form id="login" hidden><input id="token" type="password" placeholder="API token (mft_...)" size="50"><button>Use token</button></form>
<p id="error" role="alert"></p>
<div class="grid">
  <section><h2>Throughput</h2><div class="figure" id="rate">-</div><div class="muted">readings in the last hour</div>
    <svg id="chart" width="100%" height="80" viewBox="0 0 600 80" preserveAspectRatio="none" aria-label="readings per minute"></svg></section>
  <section><h2>Decisions</h2><table id="decisions"></table></section>
  <section><h2>Held</h2><div class="figure" id="held-meters">-</div><div class="muted">meters with held readings</div><table id="held"></table></section>
  <section><h2>temp_bad</h2><div class="figure" id="temp-bad">-</div><div class="muted">meters flagged</div>
    <div class="muted" id="rules"></div></section>
  <section><h2>Recent alerts</h2><table id="alerts"></table></section>
  <section id="cluster" hidden><h2>Cluster</h2><div class="figure" id="workers">-</div><div class="muted" id="nats"></div><table id="partitions"></table></section>
  <section><h2>Meter</h2><form id="lookup"><input id="meter" placeholder="meter id"><button>Look up</button></form><pre id="meter-out"></pre></section>
</div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString("en");
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
let token = sessionStorage.getItem("meterflow-token");
async function api(path) {
  const res = await fetch(path, { headers: { authorization: "Bearer " + token } });
  const body = await res.json();
  if (res.status === 401) { sessionStorage.removeItem("meterflow-token"); token = null; $("login").hidden = false; }
  if (!res.ok) throw new Error(body.code + ": " + body.message);
  return body;
}
function rows(el, pairs) { el.innerHTML = pairs.map(([k, v]) => "<tr><td>" + esc(k) + "</td><td class=n>" + esc(fmt(v)) + "</td></tr>").join(""); }
function chart(points) {
  const max = Math.max(1, ...points.map((p) => p.readings)), w = 600 / points.length;
  $("chart").innerHTML = points.map((p, i) => {
    const h = Math.round((p.readings / max) * 78);
    return '<rect x="' + (i * w + 1) + '" y="' + (80 - h) + '" width="' + Math.max(1, w - 2) + '" height="' + h + '"><title>' + esc(p.minute) + ": " + esc(fmt(p.readings)) + "</title></rect>";
  }).join("");
}
// serve --nats: workers alive, and the partitions behind (a batch being retried first: its partition waits).
function cluster(c) {
  $("cluster").hidden = !c;
  if (!c) return;
  $("workers").textContent = c.workers === null ? "-" : fmt(c.workers);
  $("nats").textContent = c.workers === null ? "NATS unreachable: " + c.error : (c.workers === 1 ? "worker" : "workers") + " on stream " + c.stream;
  const behind = c.partitions.filter((p) => p.lag > 0 || p.redelivered > 0).sort((a, b) => b.redelivered - a.redelivered || b.lag - a.lag);
  $("partitions").innerHTML = behind.map((p) => "<tr" + (p.redelivered > 0 ? " class=retrying" : "") + "><td>partition " + p.partition
    + (p.redelivered > 0 ? " (retrying)" : "") + "</td><td>" + esc(p.owner ?? "no owner") + "</td><td class=n>" + esc(fmt(p.lag)) + "</td></tr>").join("")
    || (c.workers === null ? "" : "<tr><td class=muted>every partition caught up</td></tr>");
}
async function refresh() {
  if (!token) { $("login").hidden = false; return; }
  try {
    const s = await api("/v1/status");
    $("error").textContent = "";
    $("rate").textContent = fmt(s.throughput.reduce((n, p) => n + p.readings, 0));
    chart(s.throughput);
    rows($("decisions"), Object.entries(s.readings));
    $("held-meters").textContent = fmt(s.held.meters);
    rows($("held"), Object.entries(s.held.by_reason));
    $("temp-bad").textContent = fmt(s.temp_bad_meters);
    $("rules").textContent = "rules " + s.rules_version + ", " + fmt(s.batches) + " batches, " + s.store;
    $("alerts").innerHTML = s.alerts.map((a) => "<tr><td>" + esc(a.meter_id ?? "") + "</td><td>" + esc(a.rule ?? a.alert ?? "") + "</td><td>" + esc(a.end ?? "") + "</td></tr>").join("")
      || "<tr><td class=muted>none</td></tr>";
    cluster(s.cluster);
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.loaded = "true";
  } catch (e) { $("error").textContent = e.message; }
}
$("login").addEventListener("submit", (e) => {
  e.preventDefault(); token = $("token").value.trim(); sessionStorage.setItem("meterflow-token", token); $("login").hidden = true; refresh();
});
$("lookup").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    // A meter id is read as written (README): spaces around it are part of it, not trimmed.
    const id = $("meter").value;
    if (id === "") { $("meter-out").textContent = "give a meter id"; return; }
    const m = await api("/v1/meters/" + encodeURIComponent(id));
    const flag = m.temp_bad ? "temp_bad: " + m.temp_bad.reason + " (by " + m.temp_bad.by + ")" : "not temp_bad";
    const last = m.state && m.state.last_end ? "last reading " + m.state.last_value + " on " + m.state.last_end : "no reading yet";
    $("meter-out").textContent = m.meter_id + ": " + flag + "; " + last + "; version " + m.version + "\\n"
      + m.readings.slice(0, 5).map((r) => r.end + "  " + r.value + "  " + r.decision + (r.reasons ? " (" + r.reasons + ")" : "")).join("\\n");
  } catch (err) { $("meter-out").textContent = err.message; }
});
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
`;
