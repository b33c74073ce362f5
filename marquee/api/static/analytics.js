// The analytics page: reads /admin/analytics and /admin/experiments with the admin key (kept for this tab only,
// sent only to /admin/...), and draws everything with DOM nodes and inline SVG. Every text from the data goes in
// through textContent: queries are what users typed.
"use strict";

const KEY = "marquee.adminKey";
const LIMIT = 50; // rows per query table
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const pct = (v) => `${(100 * v).toFixed(1)}%`;

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

async function admin(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}` } });
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).error.message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

function status(text, error = false) {
  const node = $("status");
  node.textContent = text;
  node.classList.toggle("error", error);
}

function card(label, value, detail) {
  const box = el("div");
  box.append(el("dt", {}, label));
  const dd = el("dd");
  dd.append(el("span", { class: "value" }, value));
  if (detail) dd.append(el("small", {}, detail));
  box.append(dd);
  return box;
}

function interval(p) {
  return `${pct(p.wilson_95[0])}–${pct(p.wilson_95[1])} (n=${p.n})`;
}

function renderSummary(s) {
  const list = $("summary");
  list.replaceChildren(
    card("Searches", s.searches, `${s.distinct_queries} distinct queries`),
    card("No results", pct(s.zero_result_rate.value), interval(s.zero_result_rate)),
    card("CTR", pct(s.ctr.value), interval(s.ctr)),
    card("Abandonment", pct(s.abandonment.value), interval(s.abandonment)),
    card("Understood", pct(s.understood_share.value), "filters or preferences read"),
  );
}

function empty(container, text) {
  container.replaceChildren(el("p", { class: "empty" }, text));
}

function renderCtr(rows) {
  const box = $("ctr-chart");
  if (!rows.length) return empty(box, "No impressions in this window yet.");
  const w = 640, h = 200, pad = 28, step = (w - 2 * pad) / rows.length;
  const top = Math.max(...rows.map((r) => r.ctr), 0.05);
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "CTR by position" });
  svg.append(svgEl("line", { class: "axis", x1: pad, y1: h - pad, x2: w - pad, y2: h - pad }));
  rows.forEach((r, i) => {
    const bh = ((h - 2 * pad) * r.ctr) / top;
    const bar = svgEl("rect", { class: "bar", x: pad + i * step + step * 0.15, y: h - pad - bh, width: step * 0.7,
      height: Math.max(bh, 0), "data-position": r.position, "data-ctr": r.ctr });
    bar.append(svgEl("title", {}, `position ${r.position}: ${pct(r.ctr)} (${r.clicks} of ${r.impressions})`));
    svg.append(bar, svgEl("text", { x: pad + i * step + step / 2, y: h - pad + 14, "text-anchor": "middle" }, r.position));
  });
  svg.append(svgEl("text", { x: pad, y: pad - 10 }, `max ${pct(top)}`));
  box.replaceChildren(svg);
}

const COLOURS = ["#b3122e", "#2563eb", "#0f766e", "#a16207", "#7c3aed", "#475569"];

function renderLatency(series) {
  const box = $("latency-chart");
  const pipelines = Object.keys(series);
  if (!pipelines.length) return empty(box, "No searches in this window yet.");
  const starts = [...new Set(pipelines.flatMap((p) => series[p].map((b) => b.start)))].sort();
  const top = Math.max(...pipelines.flatMap((p) => series[p].map((b) => b.p99_ms)), 1);
  const w = 640, h = 220, pad = 36;
  const x = (start) => pad + (starts.length > 1 ? ((w - 2 * pad) * starts.indexOf(start)) / (starts.length - 1) : (w - 2 * pad) / 2);
  const y = (v) => h - pad - ((h - 2 * pad) * v) / top;
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "Latency per pipeline" });
  svg.append(svgEl("line", { class: "axis", x1: pad, y1: h - pad, x2: w - pad, y2: h - pad }),
    svgEl("text", { x: 2, y: pad - 8 }, `${top.toFixed(0)} ms`),
    svgEl("text", { x: pad, y: h - 8 }, starts[0]), svgEl("text", { x: w - pad, y: h - 8, "text-anchor": "end" }, starts[starts.length - 1]));
  const legend = el("div", { class: "legend" });
  pipelines.forEach((p, i) => {
    const colour = COLOURS[i % COLOURS.length];
    for (const stat of ["p50_ms", "p99_ms"]) {
      const points = series[p].map((b) => `${x(b.start).toFixed(1)},${y(b[stat]).toFixed(1)}`);
      const line = svgEl("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 2,
        "stroke-dasharray": stat === "p99_ms" ? "5 4" : "", "data-pipeline": p, "data-stat": stat });
      svg.append(line);
      for (const b of series[p]) {
        const dot = svgEl("circle", { cx: x(b.start), cy: y(b[stat]), r: 3, fill: colour });
        dot.append(svgEl("title", {}, `${p} ${stat.replace("_ms", "")} ${b.start}: ${b[stat]} ms over ${b.requests} requests`));
        svg.append(dot);
      }
    }
    const item = el("span", { style: `--swatch: ${colour}` }, `${p} (solid p50, dashed p99)`);
    legend.append(item);
  });
  box.replaceChildren(svg, legend);
}

function fillTable(id, rows, cells) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren();
  if (!rows.length) {
    const tr = el("tr");
    tr.append(el("td", { colspan: $(id).querySelectorAll("th").length }, "None in this window."));
    body.append(tr);
    return;
  }
  for (const row of rows) {
    const tr = el("tr");
    for (const [text, cls] of cells(row)) tr.append(el("td", cls ? { class: cls } : {}, text));
    body.append(tr);
  }
}

function reading(u) {
  const parts = [];
  if (u.text) parts.push(`text “${u.text}”`);
  for (const [field, values] of Object.entries((u.filters && u.filters.terms) || {})) parts.push(`${field}: ${values.join(", ")}`);
  for (const [field, range] of Object.entries((u.filters && u.filters.ranges) || {})) parts.push(`${field}: ${JSON.stringify(range)}`);
  if (u.prefer && u.prefer.length) parts.push(`prefers ${u.prefer.join(", ")}`);
  return parts.join("; ") || "nothing";
}

function renderQueries(data) {
  fillTable("top-queries", data.top_queries, (r) => [[r.query, "query"], [r.searches, "num"], [r.zero_results, "num"],
    [r.ctr.n ? pct(r.ctr.value) : "—", "num"]]);
  fillTable("zero-queries", data.zero_result_queries, (r) => [[r.query, "query"], [r.searches, "num"], [reading(r.understood)]]);
  fillTable("to-judge", data.to_judge, (r) => [[r.query, "query"], [r.searches, "num"], [pct(r.ctr), "num"],
    [r.mean_first_click === null ? "—" : r.mean_first_click.toFixed(1), "num"], [r.reasons.join(", ").replaceAll("_", " ")]]);
}

function interleavingPlot(report) {
  const total = report.wins + report.ties + report.losses;
  const w = 480, h = 34;
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": `wins ${report.wins}, ties ${report.ties}, losses ${report.losses}` });
  let x0 = 0;
  [["wins", report.wins, "#0f766e"], ["ties", report.ties, "#c8c8cf"], ["losses", report.losses, "#b3122e"]].forEach(([name, n, colour]) => {
    const width = total ? (w * n) / total : 0;
    const rect = svgEl("rect", { x: x0, y: 4, width, height: 18, fill: colour, "data-part": name, "data-count": n });
    rect.append(svgEl("title", {}, `${name}: ${n}`));
    svg.append(rect);
    x0 += width;
  });
  return svg;
}

function abPlot(report) {
  const arms = Object.entries(report.arms);
  const w = 480, rowH = 26, h = rowH * arms.length + 8;
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "CTR per arm with Wilson 95% intervals" });
  const x = (v) => 90 + (w - 110) * v;
  arms.forEach(([name, arm], i) => {
    const cy = 14 + i * rowH, [lo, hi] = arm.ctr.wilson_95;
    svg.append(svgEl("text", { x: 0, y: cy + 4 }, name),
      svgEl("line", { x1: x(lo), y1: cy, x2: x(hi), y2: cy, stroke: "#5f6368", "stroke-width": 2 }),
      svgEl("circle", { cx: x(arm.ctr.value), cy, r: 5, fill: COLOURS[i % COLOURS.length], "data-arm": name, "data-ctr": arm.ctr.value }));
  });
  return svg;
}

async function renderExperiments() {
  const box = $("experiments");
  const { experiments } = await (await admin("/admin/experiments")).json();
  if (!experiments.length) return empty(box, "No experiments yet (marquee experiments create).");
  const items = [];
  for (const exp of experiments.slice(0, 10)) {
    const report = await (await admin(`/admin/experiments/${encodeURIComponent(exp.id)}/report`)).json();
    const item = el("article", { class: "experiment", "data-experiment": exp.id });
    item.append(el("h3", {}, `${exp.id} · ${exp.kind} · ${exp.status}`));
    if (exp.description) item.append(el("p", { class: "hint" }, exp.description));
    item.append(el("p", { class: "verdict" }, report.verdict));
    const facts = report.kind === "interleaving"
      ? `${report.queries} queries, ${report.queries_with_clicks} with clicks; preference ${report.preference.toFixed(3)}, sign test p = ${report.sign_test_p.toPrecision(3)}`
      : `${report.queries} queries`;
    item.append(el("p", { class: "hint" }, `${facts}; horizon ${report.horizon.queries_per_arm_served} of ${report.horizon.queries_per_arm_needed} per arm${report.srm.mismatch ? "; sample-ratio mismatch!" : ""}`));
    item.append(report.kind === "interleaving" ? interleavingPlot(report) : abPlot(report));
    items.push(item);
  }
  box.replaceChildren(...items);
}

async function load() {
  if (!sessionStorage.getItem(KEY)) return;
  status("Loading…");
  try {
    const data = await (await admin(`/admin/analytics?days=${$("days").value}&limit=${LIMIT}`)).json();
    renderSummary(data.summary);
    renderCtr(data.ctr_by_position);
    renderLatency(data.latency);
    renderQueries(data);
    await renderExperiments();
    $("report").hidden = false;
    status(`Since ${data.window.since} (UTC).`);
  } catch (error) {
    $("report").hidden = true;
    status(`Could not load the analytics: ${error.message}`, true);
  }
}

async function download() {
  try {
    const text = await (await admin(`/admin/analytics/to-judge?days=${$("days").value}&limit=${LIMIT}`)).text();
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/tab-separated-values" })), download: "queries-to-judge.tsv" });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    status(`Could not export: ${error.message}`, true);
  }
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if ($("key").value) sessionStorage.setItem(KEY, $("key").value);
  $("key").value = "";
  load();
});
$("days").addEventListener("change", load);
$("export").addEventListener("click", download);
load();
