// Puts the Traces, Structured logs and Metrics views in the dashboard's tabs, and links a selected
// run's tree to its trace and logs. Loaded after dashboard.js (it uses its Dashboard object).
"use strict";
(() => {
  const show = (tab) => Dashboard.showTab(tab);
  let traces, logs;
  traces = exp22Telemetry.mountTraces(document.getElementById("telemetry-traces"), {
    showLogsOfTrace: (traceId) => { logs.filterByTrace(traceId); show("logs"); },
  });
  logs = exp22Telemetry.mountLogs(document.getElementById("telemetry-logs"), {
    openTrace: (traceId) => { show("traces"); traces.openTrace(traceId); },
  });
  exp22Telemetry.mountMetrics(document.getElementById("telemetry-metrics"));

  // The run tree is redrawn each second while the run goes on; the links are added back each time.
  const tree = document.getElementById("run-tree");
  if (!tree) return;
  new MutationObserver(() => {
    const runId = tree.dataset.runId;
    if (!runId || tree.querySelector(".tm-run-links")) return;
    const links = document.createElement("div");
    links.className = "tm-run-links";
    links.innerHTML = `<button type="button" class="tm-link" data-role="run-trace">Open this run's trace</button>
      · <button type="button" class="tm-link" data-role="run-logs">Structured logs of this run</button>`;
    links.querySelector("[data-role=run-trace]").addEventListener("click", () => { show("traces"); traces.openTraceOfRun(runId); });
    links.querySelector("[data-role=run-logs]").addEventListener("click", () => { logs.filterByRun(runId); show("logs"); });
    tree.prepend(links);
  }).observe(tree, { childList: true });
})();
