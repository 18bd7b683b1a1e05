// The dashboard's Traces, Structured logs and Metrics views over /api/telemetry. Plain DOM and SVG,
// no libraries: the dashboard ships without a CDN or a build step. Each view can be mounted on its own
// (the dashboard's tabs) or together on /telemetry/ (mountPage).
"use strict";
window.exp22Telemetry = (() => {
  const api = "/api/telemetry";
  const refreshMs = 2000;
  const engineMeterPrefix = "exp22.";

  const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const getJson = async (path) => {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.json();
  };
  // Colours in order of first appearance, so the api and two executors always look different.
  const palette = ["#3b5bdb", "#f08c00", "#2f9e44", "#ae3ec9", "#1098ad", "#e03131", "#5c940d", "#d6336c", "#495057", "#7048e8"];
  const colors = new Map();
  const colorOf = (text) => {
    if (!colors.has(text)) colors.set(text, palette[colors.size % palette.length]);
    return colors.get(text);
  };
  const chip = (text) => `<span class="tm-chip" style="background:${colorOf(text)}">${esc(text)}</span>`;
  const time = (ms) => {
    const d = new Date(ms);
    return d.toLocaleTimeString("en-GB", { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
  };
  const duration = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);
  const query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : "";
  };
  const details = (attributes) =>
    `<dl>${Object.entries(attributes || {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`;

  // Several views share the resource list for their filters.
  async function fillResources(select) {
    const resources = (await getJson(`${api}/resources`)) || [];
    const current = select.value;
    const names = resources.map((r) => r.name);
    // Resources take the first colours in name order, so every view paints one resource alike.
    names.forEach(colorOf);
    const wanted = ["", ...names].join("\n");
    if (select.dataset.names !== wanted) {
      select.innerHTML = `<option value="">all resources</option>` + names.map((n) => `<option>${esc(n)}</option>`).join("");
      select.dataset.names = wanted;
      select.value = names.includes(current) ? current : "";
    }
  }

  // Polls while the view is on screen, never two requests at once.
  function poll(element, work) {
    let busy = false;
    const tick = async () => {
      if (busy || element.offsetParent === null) return;
      busy = true;
      try { await work(); } catch (e) { console.warn(e); } finally { busy = false; }
    };
    tick();
    return setInterval(tick, refreshMs);
  }

  // ---------------------------------------------------------------- traces
  function mountTraces(root, hooks = {}) {
    root.innerHTML = `
      <div class="tm-list">
        <div class="tm-filters">
          <label>Resource <select name="resource"></select></label>
          <label>Run id <input name="runId" size="38" placeholder="any run"></label>
          <span class="tm-muted" data-role="count"></span>
        </div>
        <table class="tm-table" data-role="traces"><thead><tr>
          <th>Start</th><th>Trace</th><th>Resources</th><th>Spans</th><th>Duration</th></tr></thead><tbody></tbody></table>
      </div>
      <div class="tm-trace" hidden></div>`;
    const list = root.querySelector(".tm-list");
    const view = root.querySelector(".tm-trace");
    const resource = root.querySelector("[name=resource]");
    const runId = root.querySelector("[name=runId]");
    const body = root.querySelector("[data-role=traces] tbody");
    let openTraceId = null;

    async function refreshList() {
      await fillResources(resource);
      const traces = (await getJson(`${api}/traces${query({ resource: resource.value, runId: runId.value.trim(), limit: 200 })}`)) || [];
      root.querySelector("[data-role=count]").textContent = `${traces.length} trace(s)`;
      body.innerHTML = traces.length === 0
        ? `<tr><td colspan="5" class="tm-empty">No traces yet. Trigger a run; its trace appears within seconds.</td></tr>`
        : traces.map((t) => `
          <tr class="tm-clickable" data-trace="${esc(t.traceId)}">
            <td class="tm-mono">${time(t.startMs)}</td>
            <td><span class="${t.hasError ? "tm-error" : ""}">${esc(t.rootName)}</span> <span class="tm-muted tm-mono">${esc(t.traceId.slice(0, 8))}</span></td>
            <td>${t.resources.map(chip).join("")}</td>
            <td>${t.spanCount}</td>
            <td>${duration(t.durationMs)}</td>
          </tr>`).join("");
    }

    body.addEventListener("click", (e) => {
      const row = e.target.closest("tr[data-trace]");
      if (row) openTrace(row.dataset.trace);
    });
    runId.addEventListener("change", refreshList);
    resource.addEventListener("change", refreshList);

    async function refreshTrace() {
      const trace = await getJson(`${api}/traces/${openTraceId}`);
      if (!trace) {
        view.innerHTML = `<p class="tm-empty">Trace ${esc(openTraceId)} is not (or no longer) kept. <button class="tm-link" data-role="back">Back to traces</button></p>`;
        return;
      }
      renderWaterfall(view, trace, hooks);
    }

    async function openTrace(traceId) {
      openTraceId = traceId;
      list.hidden = true;
      view.hidden = false;
      view.dataset.traceId = traceId;
      await refreshTrace();
    }

    function closeTrace() {
      openTraceId = null;
      view.hidden = true;
      list.hidden = false;
      refreshList();
    }

    view.addEventListener("click", (e) => {
      if (e.target.closest("[data-role=back]")) closeTrace();
      const logs = e.target.closest("[data-role=trace-logs]");
      if (logs && hooks.showLogsOfTrace) hooks.showLogsOfTrace(openTraceId);
      const row = e.target.closest(".tm-span-row");
      if (row) {
        const next = row.nextElementSibling;
        if (next && next.classList.contains("tm-details")) next.hidden = !next.hidden;
      }
    });

    // Spans keep arriving for a while after a run (batched exports from several processes).
    poll(root, () => (openTraceId ? refreshTrace() : refreshList()));

    async function openTraceOfRun(id) {
      const traces = (await getJson(`${api}/traces${query({ runId: id, limit: 1 })}`)) || [];
      if (traces.length > 0) await openTrace(traces[0].traceId);
      else { runId.value = id; closeTrace(); }
    }

    return { openTrace, openTraceOfRun, closeTrace };
  }

  // Parents before children, siblings by start time; spans whose parent is elsewhere start the list.
  function spanTree(spans) {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const children = new Map();
    const roots = [];
    for (const s of spans) {
      if (s.parentSpanId && byId.has(s.parentSpanId)) {
        if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
        children.get(s.parentSpanId).push(s);
      } else roots.push(s);
    }
    const ordered = [];
    const visit = (s, depth) => {
      ordered.push({ span: s, depth });
      for (const c of (children.get(s.spanId) || []).sort((a, b) => a.startMs - b.startMs)) visit(c, depth + 1);
    };
    for (const r of roots.sort((a, b) => a.startMs - b.startMs)) visit(r, 0);
    return ordered;
  }

  function renderWaterfall(view, trace, hooks) {
    const spans = trace.spans;
    const start = Math.min(...spans.map((s) => s.startMs));
    const end = Math.max(...spans.map((s) => s.endMs));
    const total = Math.max(end - start, 0.001);
    const resources = [...new Set(spans.map((s) => s.resource))].sort();
    resources.forEach(colorOf);
    const open = new Set([...view.querySelectorAll(".tm-details:not([hidden])")].map((d) => d.dataset.span));
    const pct = (ms) => ((ms - start) / total) * 100;
    const rows = spanTree(spans).map(({ span: s, depth }) => {
      const left = pct(s.startMs);
      const width = Math.max((s.durationMs / total) * 100, 0.15);
      const label = left + width > 80 ? `right:${100 - left + 0.5}%` : `left:${left + width + 0.5}%`;
      const events = s.events.map((e) => `<span class="tm-span-event" style="left:${pct(e.timeMs)}%" title="${esc(e.name)}"></span>`).join("");
      return `
        <div class="tm-span-row" data-span="${esc(s.spanId)}" data-span-name="${esc(s.name)}" data-resource="${esc(s.resource)}">
          <div class="tm-span-name" style="padding-left:${6 + depth * 14}px" title="${esc(s.name)}">
            ${chip(s.resource)} <span class="${s.status === "Error" ? "tm-error" : ""}">${esc(s.name)}</span>
          </div>
          <div class="tm-span-track">
            <div class="tm-span-bar ${s.status === "Error" ? "tm-bar-error" : ""}" style="left:${left}%;width:${width}%;background:${colorOf(s.resource)}"></div>
            ${events}
            <span class="tm-span-label" style="${label}">${duration(s.durationMs)}</span>
          </div>
        </div>
        <div class="tm-details" data-span="${esc(s.spanId)}" ${open.has(s.spanId) ? "" : "hidden"}>
          <dl><dt>span</dt><dd>${esc(s.spanId)} (${esc(s.kind)}, ${esc(s.scope)}) ${s.statusMessage ? "— " + esc(s.statusMessage) : ""}</dd>
              <dt>start</dt><dd>${time(s.startMs)} (+${duration(s.startMs - start)})</dd></dl>
          ${details(s.attributes)}
          ${s.events.map((e) => `<div><b>event ${esc(e.name)}</b> at +${duration(e.timeMs - start)}${details(e.attributes)}</div>`).join("")}
        </div>`;
    }).join("");
    view.innerHTML = `
      <div class="tm-trace-head">
        <button class="tm-link" data-role="back">&larr; Traces</button>
        <h2>${esc(spanTree(spans)[0]?.span.name ?? "trace")}</h2>
        <span class="tm-mono">${esc(trace.traceId)}</span>
        <span>${spans.length} spans, ${duration(total)}</span>
        <span>${resources.map(chip).join("")}</span>
        ${hooks.showLogsOfTrace ? `<button class="tm-link" data-role="trace-logs">Structured logs of this trace</button>` : ""}
      </div>
      <div class="tm-waterfall">${rows}</div>`;
  }

  // ---------------------------------------------------------------- logs
  function mountLogs(root, hooks = {}) {
    root.innerHTML = `
      <div class="tm-filters">
        <label>Resource <select name="resource"></select></label>
        <label>Level <select name="level">
          <option value="">any</option><option>Debug</option><option>Information</option><option>Warning</option><option>Error</option><option>Critical</option>
        </select></label>
        <label>Run id <input name="runId" size="38" placeholder="any run"></label>
        <label>Text <input name="text" size="20"></label>
        <span class="tm-chip" data-role="trace-filter" style="background:#1d232b" hidden></span>
        <span class="tm-muted" data-role="count"></span>
      </div>
      <table class="tm-table"><thead><tr><th>Time</th><th>Resource</th><th>Level</th><th>Message</th><th>Trace</th></tr></thead><tbody></tbody></table>`;
    const resource = root.querySelector("[name=resource]");
    const level = root.querySelector("[name=level]");
    const runId = root.querySelector("[name=runId]");
    const text = root.querySelector("[name=text]");
    const traceChip = root.querySelector("[data-role=trace-filter]");
    const body = root.querySelector("tbody");
    let traceId = "";
    const open = new Set();

    async function refresh() {
      await fillResources(resource);
      const logs = (await getJson(`${api}/logs${query({
        resource: resource.value, level: level.value, runId: runId.value.trim(), text: text.value.trim(), traceId, limit: 500,
      })}`)) || [];
      root.querySelector("[data-role=count]").textContent = `${logs.length} record(s), newest first`;
      body.innerHTML = logs.length === 0
        ? `<tr><td colspan="5" class="tm-empty">No log records match.</td></tr>`
        : logs.map((l) => `
          <tr class="tm-clickable" data-seq="${l.sequence}" data-resource="${esc(l.resource)}" data-level="${esc(l.level)}">
            <td class="tm-mono">${time(l.timeMs)}</td>
            <td>${chip(l.resource)}</td>
            <td class="tm-level-${esc(l.level)}">${esc(l.level)}</td>
            <td>${esc(l.message)} <span class="tm-muted">${esc(l.category.split(".").pop())}</span></td>
            <td>${l.traceId ? `<button class="tm-link tm-mono" data-trace="${esc(l.traceId)}">${esc(l.traceId.slice(0, 8))}</button>` : ""}</td>
          </tr>
          <tr class="tm-details" data-details="${l.sequence}" ${open.has(String(l.sequence)) ? "" : "hidden"}><td colspan="5">
            <dl><dt>category</dt><dd>${esc(l.category)}</dd><dt>span</dt><dd>${esc(l.spanId ?? "")}</dd></dl>${details(l.attributes)}</td></tr>`).join("");
    }

    function filterByTrace(id) {
      traceId = id || "";
      traceChip.hidden = !traceId;
      traceChip.innerHTML = traceId ? `trace ${esc(traceId.slice(0, 8))} <button title="Clear">&times;</button>` : "";
      refresh();
    }

    traceChip.addEventListener("click", () => filterByTrace(""));
    for (const input of [resource, level, runId, text]) input.addEventListener("change", refresh);
    body.addEventListener("click", (e) => {
      const link = e.target.closest("[data-trace]");
      if (link) {
        if (hooks.openTrace) hooks.openTrace(link.dataset.trace);
        return;
      }
      const row = e.target.closest("tr[data-seq]");
      if (row) {
        const seq = row.dataset.seq;
        if (open.has(seq)) open.delete(seq); else open.add(seq);
        const detailRow = body.querySelector(`[data-details="${seq}"]`);
        if (detailRow) detailRow.hidden = !open.has(seq);
      }
    });
    poll(root, refresh);

    return {
      filterByTrace,
      filterByRun(id) { runId.value = id; refresh(); },
    };
  }

  // ---------------------------------------------------------------- metrics
  function mountMetrics(root) {
    root.innerHTML = `
      <div class="tm-filters">
        <label>Resource <select name="resource"></select></label>
        <label><input type="checkbox" name="all"> all instruments (not only the engine's)</label>
        <span class="tm-muted">Counters show their running total, histograms the mean of each export interval.</span>
      </div>
      <div class="tm-charts"></div>`;
    const resource = root.querySelector("[name=resource]");
    const all = root.querySelector("[name=all]");
    const charts = root.querySelector(".tm-charts");

    async function refresh() {
      await fillResources(resource);
      const instruments = (await getJson(`${api}/metrics${query({ resource: resource.value })}`)) || [];
      const names = [...new Map(instruments
        .filter((i) => all.checked || i.name.startsWith(engineMeterPrefix))
        .map((i) => [i.name, i])).values()];
      if (names.length === 0) {
        charts.innerHTML = `<p class="tm-empty">No ${all.checked ? "" : "engine "}metrics yet: they arrive with the executors' first export.</p>`;
        return;
      }
      const series = await Promise.all(names.map((i) => getJson(`${api}/metrics/${encodeURIComponent(i.name)}${query({ resource: resource.value })}`)));
      charts.innerHTML = names.map((instrument, n) => chart(instrument, series[n] || [])).join("");
    }

    for (const input of [resource, all]) input.addEventListener("change", refresh);
    poll(root, refresh);
    return { refresh };
  }

  function seriesLabel(s) {
    const attributes = Object.entries(s.attributes).map(([k, v]) => `${k.replace(/^exp22\./, "")}=${v}`).join(" ");
    return `${s.resource}${attributes ? " " + attributes : ""}`;
  }

  // A histogram's points are cumulative: the mean of an interval is Δsum / Δcount, and intervals with
  // no measurement have no mean. The oldest point kept stands for everything before it.
  function plotted(s) {
    if (s.type !== "Histogram") return s.points.map((p) => ({ t: p.timeMs, v: p.value }));
    const out = [];
    let previous = { count: 0, sum: 0 };
    for (const point of s.points) {
      const count = point.count - previous.count;
      if (count > 0) out.push({ t: point.timeMs, v: (point.sum - previous.sum) / count });
      previous = point;
    }
    return out;
  }

  function chart(instrument, series) {
    const width = 440, height = 160, padLeft = 48, padBottom = 18;
    const lines = series.map((s) => ({ label: seriesLabel(s), points: plotted(s) })).filter((l) => l.points.length > 0);
    const all = lines.flatMap((l) => l.points);
    const head = `<h3>${esc(instrument.name)}</h3><p>${esc(instrument.description)} ${instrument.unit ? `(${esc(instrument.unit)})` : ""} — ${esc(instrument.type)}</p>`;
    if (all.length === 0) return `<div class="tm-chart" data-metric="${esc(instrument.name)}">${head}<p>Waiting for points…</p></div>`;
    const t0 = Math.min(...all.map((p) => p.t)), t1 = Math.max(...all.map((p) => p.t));
    const vMax = Math.max(...all.map((p) => p.v), 0), vMin = Math.min(...all.map((p) => p.v), 0);
    const span = vMax - vMin || 1;
    const x = (t) => padLeft + ((t - t0) / Math.max(t1 - t0, 1)) * (width - padLeft - 4);
    const y = (v) => 4 + (1 - (v - vMin) / span) * (height - padBottom - 8);
    const fmt = (v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2).replace(/\.?0+$/, "") : v.toPrecision(3));
    const paths = lines.map((l) => {
      const d = l.points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
      const last = l.points[l.points.length - 1];
      // Few points make a short or empty line: mark each one.
      const dots = l.points.length > 3 ? "" : l.points.map((p) => `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="3" fill="${colorOf(l.label)}"/>`).join("");
      return `<path d="${d}" fill="none" stroke="${colorOf(l.label)}" stroke-width="1.8"><title>${esc(l.label)}: ${fmt(last.v)}</title></path>${dots}`;
    }).join("");
    const axis = `
      <line x1="${padLeft}" y1="${y(vMin)}" x2="${width - 4}" y2="${y(vMin)}" stroke="#c4cbd4"/>
      ${vMax > vMin ? `<text x="${padLeft - 4}" y="${y(vMax) + 8}" text-anchor="end" font-size="10" fill="#6b7683">${fmt(vMax)}</text>` : ""}
      <text x="${padLeft - 4}" y="${y(vMin)}" text-anchor="end" font-size="10" fill="#6b7683">${fmt(vMin)}</text>
      <text x="${padLeft}" y="${height - 3}" font-size="10" fill="#6b7683">${time(t0).slice(0, 8)}</text>
      <text x="${width - 4}" y="${height - 3}" text-anchor="end" font-size="10" fill="#6b7683">${time(t1).slice(0, 8)}</text>`;
    const legend = lines.map((l) => `<span style="--c:${colorOf(l.label)}">${esc(l.label)}: <b>${fmt(l.points[l.points.length - 1].v)}</b></span>`).join("");
    return `<div class="tm-chart" data-metric="${esc(instrument.name)}">${head}
      <svg viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="${esc(instrument.name)}">${axis}${paths}</svg>
      <div class="tm-legend">${legend}</div></div>`;
  }

  // ---------------------------------------------------------------- the /telemetry/ page
  // Hash routes: #traces, #traces/<traceId>, #run/<runId> (that run's trace), #logs, #logs/run/<runId>, #metrics.
  function mountPage(doc) {
    const tabs = [...doc.querySelectorAll("[data-tab]")];
    const show = (name) => {
      for (const t of tabs) t.setAttribute("aria-selected", String(t.dataset.tab === name));
      for (const p of doc.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== name;
    };
    let traces, logs;
    traces = mountTraces(doc.getElementById("tm-traces"), {
      showLogsOfTrace: (id) => { location.hash = "logs"; logs.filterByTrace(id); },
    });
    logs = mountLogs(doc.getElementById("tm-logs"), {
      openTrace: (id) => { location.hash = `traces/${id}`; },
    });
    mountMetrics(doc.getElementById("tm-metrics"));
    for (const t of tabs) t.addEventListener("click", () => { location.hash = t.dataset.tab; });

    const route = () => {
      const [tab, ...rest] = (location.hash.replace(/^#/, "") || "traces").split("/");
      if (tab === "run" && rest[0]) { show("traces"); traces.openTraceOfRun(rest[0]); return; }
      if (tab === "traces") { show("traces"); if (rest[0]) traces.openTrace(rest[0]); else traces.closeTrace(); return; }
      if (tab === "logs") { show("logs"); if (rest[0] === "run" && rest[1]) logs.filterByRun(rest[1]); return; }
      show(tabs.some((t) => t.dataset.tab === tab) ? tab : "traces");
    };
    window.addEventListener("hashchange", route);
    route();
  }

  return { mountTraces, mountLogs, mountMetrics, mountPage };
})();
