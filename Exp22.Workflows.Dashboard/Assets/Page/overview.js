// Overview: counts by status, workflows started and finished per second over the window, queue depths.
"use strict";

WD.overview = (() => {
  let minutes = 5;
  let root = null;

  function mount(container) {
    root = WD.el("div", { "data-view": "overview" },
      WD.el("div", { class: "cards", "data-statuses": "" }),
      WD.el("h2", {}, "Workflows started and finished per second ",
        WD.el("select", { "data-window": "", onchange: e => { minutes = Number(e.target.value); WD.refresh(); } },
          [1, 5, 15, 60].map(m => WD.el("option", { value: m, selected: m === minutes }, `last ${m} min`)))),
      WD.el("div", { class: "chart", "data-chart": "" }),
      WD.el("h2", {}, "Queues"),
      WD.el("table", { class: "grid", "data-queues": "" },
        WD.el("thead", {}, WD.el("tr", {},
          WD.el("th", {}, "Queue"), WD.el("th", { class: "number" }, "Enqueued"),
          WD.el("th", { class: "number" }, "Running"), WD.el("th", { class: "number" }, "Waiting for children"))),
        WD.el("tbody")));
    container.append(root);
  }

  function render(data) {
    if (!data) return;
    const window = WD.format.seconds(data.windowSeconds);
    root.querySelector("[data-statuses]").replaceChildren(...data.statuses.map(s => WD.el("div", { class: "card", "data-status": s.status },
      WD.el("div", { class: "figure" }, s.workflows),
      WD.el("div", {}, WD.badge(s.status)),
      WD.el("div", { class: "label" }, `${s.runs} run${s.runs === 1 ? "" : "s"}${s.withinWindow ? `, finished in the last ${window}` : ", now"}`))));
    root.querySelector("[data-chart]").replaceChildren(chart(data));
    const queues = data.queues.length ? data.queues : [{ queue: "(none active)", enqueued: 0, running: 0, waitingForChildren: 0 }];
    root.querySelector("[data-queues] tbody").replaceChildren(...queues.map(q => WD.el("tr", { "data-queue": q.queue },
      WD.el("td", {}, q.queue), WD.el("td", { class: "number" }, q.enqueued),
      WD.el("td", { class: "number" }, q.running), WD.el("td", { class: "number" }, q.waitingForChildren))));
  }

  function chart(data) {
    const width = 1000, height = 220, left = 44, bottom = 22, top = 10;
    const points = data.throughput;
    const perSecond = n => n / data.bucketSeconds;
    const started = points.map(p => perSecond(p.started));
    const finished = points.map(p => perSecond(p.succeeded + p.failed + p.cancelled));
    const failed = points.map(p => perSecond(p.failed));
    const peak = Math.max(1, ...started, ...finished);
    const magnitude = Math.pow(10, Math.floor(Math.log10(peak)));
    const max = Math.ceil(peak / magnitude) * magnitude;
    const x = i => left + (width - left - 8) * (points.length <= 1 ? 0 : i / (points.length - 1));
    const y = v => top + (height - top - bottom) * (1 - v / max);
    const line = (values, cls) => WD.svg("polyline", { class: cls, points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ") });
    const ticks = [0, max / 2, max];
    const labels = [0, Math.floor(points.length / 2), points.length - 1].filter(i => points[i]);
    const last = points[points.length - 1] || { started: 0, succeeded: 0, failed: 0, cancelled: 0 };
    return WD.el("div", {},
      WD.el("div", { class: "legend" },
        WD.el("span", { style: "--swatch:#3b5bdb" }, "started /s"),
        WD.el("span", { style: "--swatch:#2b8a3e" }, "finished /s"),
        WD.el("span", { style: "--swatch:#c92a2a" }, "failed /s"),
        WD.el("span", { class: "muted", "data-latest": "" },
          `latest ${WD.format.seconds(data.bucketSeconds)}: ${last.started} started, ${last.succeeded + last.failed + last.cancelled} finished`)),
      WD.svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "workflows started and finished per second" },
        ticks.map(t => [
          WD.svg("line", { class: "axis", x1: left, x2: width - 8, y1: y(t), y2: y(t) }),
          WD.svg("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end" }, Number.isInteger(t) ? t : t.toFixed(1)),
        ]),
        labels.map(i => WD.svg("text", { x: x(i), y: height - 4, "text-anchor": i === 0 ? "start" : i === points.length - 1 ? "end" : "middle" },
          WD.format.time(points[i].start))),
        line(started, "started"), line(finished, "finished"),
        WD.svg("polyline", { points: failed.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "), fill: "none", stroke: "#c92a2a", "stroke-width": 1.5 })));
  }

  return { mount, render, path: () => `overview?minutes=${minutes}` };
})();
