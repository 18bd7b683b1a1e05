// Queues: each queue's limits as the claims read them (none: unlimited), what is enqueued and due, delayed
// (not_before still ahead), running against the global limit, starts within the rate period, how long the
// oldest due workflow has waited, and for a partitioned queue its deepest partitions. Counts are of
// workflows at every level; a queue's name leads to the runs enqueued on it.
"use strict";

WD.queues = (() => {
  let root = null;

  function mount(container) {
    root = WD.el("div", { "data-view": "queues" },
      WD.el("table", { class: "grid", "data-queues": "" },
        WD.el("thead", {}, WD.el("tr", {},
          WD.el("th", {}, "Queue"), WD.el("th", {}, "Limits"),
          WD.el("th", { class: "number" }, "Enqueued"), WD.el("th", { class: "number" }, "Delayed"),
          WD.el("th", { class: "number" }, "Running"), WD.el("th", { class: "number" }, "Waiting for children"),
          WD.el("th", { class: "number" }, "Starts in period"), WD.el("th", { class: "number" }, "Oldest due waited"))),
        WD.el("tbody")));
    container.append(root);
  }

  function limits(l) {
    if (!l || (l.globalConcurrency == null && l.executorConcurrency == null && l.rateLimit == null)) return "unlimited";
    const per = l.partitioned ? " per partition" : "";
    return [
      l.globalConcurrency != null ? `${l.globalConcurrency} at once${per}` : null,
      l.executorConcurrency != null ? `${l.executorConcurrency} per executor` : null,
      l.rateLimit != null ? `${l.rateLimit} starts / ${WD.format.seconds(l.ratePeriodSeconds)}${per}` : null,
    ].filter(Boolean).join(" · ");
  }

  const ofLimit = (count, limit) => limit != null ? `${count} / ${limit}` : `${count}`;

  function row(q) {
    const l = q.limits || {};
    const partitioned = !!l.partitioned;
    return WD.el("tr", { "data-queue": q.queue },
      WD.el("td", {}, WD.el("a", { href: `#/runs?queue=${encodeURIComponent(q.queue)}`, "data-runs-of": q.queue }, q.queue),
        q.claimedByLiveExecutor ? null : WD.el("div", { class: "muted" }, "no live executor claims it")),
      WD.el("td", { "data-limits": "" }, limits(q.limits)),
      WD.el("td", { class: "number", "data-enqueued": "" }, q.enqueued),
      WD.el("td", { class: "number", "data-delayed": "" }, q.delayed),
      WD.el("td", { class: "number", "data-running": "" }, partitioned ? q.running : ofLimit(q.running, l.globalConcurrency)),
      WD.el("td", { class: "number" }, q.waitingForChildren),
      WD.el("td", { class: "number", "data-starts": "" },
        q.startsInRatePeriod == null ? "" : partitioned ? q.startsInRatePeriod : ofLimit(q.startsInRatePeriod, l.rateLimit)),
      WD.el("td", { class: "number", "data-oldest": "" }, WD.format.seconds(q.oldestDueAgeSeconds)));
  }

  function partitions(q) {
    const l = q.limits;
    return WD.el("tr", { "data-partitions-of": q.queue },
      WD.el("td", { colspan: 8 },
        WD.el("div", { class: "muted" }, `${q.partitions} partition${q.partitions === 1 ? "" : "s"} with work` +
          (q.partitions > q.topPartitions.length ? `; the ${q.topPartitions.length} deepest:` : ":")),
        WD.el("ul", {}, q.topPartitions.map(p => WD.el("li", { "data-partition": p.partitionKey ?? "" },
          WD.el("code", {}, p.partitionKey ?? "(no key)"),
          ` · ${p.enqueued} enqueued · ${p.delayed} delayed · ${ofLimit(p.running, l.globalConcurrency)} running`,
          p.startsInRatePeriod != null ? ` · ${ofLimit(p.startsInRatePeriod, l.rateLimit)} starts in period` : "")))));
  }

  function render(data) {
    if (!data) return;
    const rows = data.queues.flatMap(q => q.limits && q.limits.partitioned && q.topPartitions.length ? [row(q), partitions(q)] : [row(q)]);
    root.querySelector("[data-queues] tbody").replaceChildren(...(rows.length ? rows
      : [WD.el("tr", {}, WD.el("td", { colspan: 8, class: "muted" }, "No queue is defined, holds work or is claimed."))]));
  }

  return { mount, render, path: () => "queues" };
})();
