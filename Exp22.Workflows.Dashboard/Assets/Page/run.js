// A run: its tree (run → sub-workflows → steps) on a timeline coloured by executor, each handover or
// recovery marked where it happened, and every step's attempt, tries, duration, output or error.
"use strict";

WD.run = (() => {
  const reasons = {
    handover: "handed over by a drain",
    recovery: "recovered from a silent executor",
    restart: "taken back by its executor's restart",
    release: "released after a database failure",
  };
  let root = null;
  let runId = null;
  let shown = null;
  const open = new Set();
  const resumable = ["CANCELLED", "ERROR", "MAX_RECOVERY_EXCEEDED"];

  function mount(container, id) {
    runId = id;
    shown = null;
    open.clear();
    root = WD.el("div", { "data-view": "run", "data-run-id": id }, WD.el("p", { class: "muted" }, "Loading run…"));
    container.append(root);
  }

  function flatten(node, depth, lanes) {
    lanes.push({ node, depth });
    for (const child of node.children) flatten(child, depth + 1, lanes);
    return lanes;
  }

  function render(data, failure) {
    if (!data) {
      root.replaceChildren(WD.el("p", { class: "error", "data-run-missing": "" }, failure ? WD.client.describe(failure) : "No such run."));
      return;
    }
    const { now, ...stable } = data;
    const json = JSON.stringify(stable);
    const running = !["SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_EXCEEDED"].includes(data.run.status);
    if (json === shown && !running) return;
    shown = json;

    const run = data.run;
    const lanes = flatten(run, 0, []);
    const start = Date.parse(run.startedAt || run.createdAt);
    const end = run.completedAt ? Date.parse(run.completedAt) : Date.parse(now);
    const span = Math.max(end - start, 1000);
    const place = (from, to) => {
      const left = Math.max(0, 100 * (Date.parse(from) - start) / span);
      const width = Math.max(0.3, 100 * (Date.parse(to) - Date.parse(from)) / span);
      return `left:${left}%;width:${Math.min(width, 100 - left)}%`;
    };
    const at = time => `left:${Math.min(100, Math.max(0, 100 * (Date.parse(time) - start) / span))}%`;
    const executors = [...new Set(lanes.flatMap(l => [...l.node.steps.map(s => s.executorId), l.node.executorId]).filter(Boolean))];
    const canAct = WD.client.settings.act.status === 200;

    root.replaceChildren(...[
      WD.el("div", { class: "run-head", "data-status": run.status },
        WD.el("h2", {}, `${run.workflowName} `, WD.el("code", {}, run.id)),
        WD.badge(run.status),
        WD.progress(run.progress, run.status),
        WD.el("span", { class: "muted" }, `${WD.format.between(run.createdAt, run.completedAt || now)} since created`),
        data.traceUrl ? WD.el("a", { href: data.traceUrl, target: "_blank", rel: "noopener", "data-trace-link": "" }, "Open its trace") : null,
        running ? WD.el("button", { type: "button", class: "danger", "data-cancel": run.id, disabled: !canAct,
          title: canAct ? null : WD.client.settings.act.detail, onclick: () => WD.cancelRun(run.id) }, "Cancel run") : null,
        resumable.includes(run.status) ? WD.el("button", { type: "button", "data-resume": run.id, disabled: !canAct,
          title: canAct ? null : WD.client.settings.act.detail, onclick: () => resume(run.id) }, "Resume") : null,
        running ? null : forkForm(run.id, canAct)),
      run.error ? errorBlock(run) : null,
      WD.el("div", { class: "legend" }, executors.map(e => WD.el("span", { style: `--swatch:${WD.colorOf(e)}` }, e))),
      WD.el("div", { class: "timeline", "data-timeline": "" },
        WD.el("div", { class: "time-axis" }, WD.el("div"),
          WD.el("div", {}, WD.el("span", {}, WD.format.time(new Date(start).toISOString())),
            WD.el("span", {}, WD.format.time(new Date(end).toISOString())))),
        lanes.map(({ node, depth }) => lane(node, depth, now, place, at))),
      WD.el("div", { class: "details" }, lanes.filter(l => l.node.steps.length || l.node.error).map(l => details(l.node))),
    ].filter(Boolean));
  }

  function lane(node, depth, now, place, at) {
    const label = node.childIndex == null ? node.workflowName : `${node.workflowName} #${node.childIndex}`;
    return WD.el("div", { class: "lane", "data-workflow-id": node.id, "data-status": node.status, "data-attempt": node.attempt },
      WD.el("div", { class: "lane-label", style: `padding-left:${depth * 16}px` },
        WD.el("strong", {}, label), " ", WD.badge(node.status), " ",
        WD.el("span", { class: "muted" },
          `${node.progress.stepsDone}${node.progress.stepsTotal != null ? `/${node.progress.stepsTotal}` : ""} steps · attempt ${node.attempt}` +
          (node.waitingForChildren ? " · waiting for its children" : node.executorId ? ` · ${node.executorId}` : "")),
        node.handovers.map(h => WD.el("div", { class: "handover-note", "data-handover": h.attempt },
          `attempt ${h.attempt}: ${h.fromExecutor} → ${h.toExecutor ?? "(not resumed yet)"}`,
          WD.el("span", { class: "muted" }, ` — ${reasons[h.reason] || h.reason} at ${WD.format.time(h.at)}`)))),
      WD.el("div", { class: "lane-track" },
        node.startedAt ? WD.el("div", { class: "life", style: place(node.startedAt, node.completedAt || now) }) : null,
        node.steps.map(step => WD.el("div", {
          class: `step ${step.status === "ERROR" ? "failed" : ""} ${step.tries > 1 ? "retried" : ""}`,
          "data-step": step.index, "data-executor": step.executorId,
          style: `${place(step.startedAt, step.completedAt)};background:${WD.colorOf(step.executorId)}`,
          title: `${step.name}: ${step.status} on ${step.executorId}, attempt ${step.attempt}, ${step.tries} ${step.tries === 1 ? "try" : "tries"}, ` +
            WD.format.between(step.startedAt, step.completedAt),
          onclick: () => { open.add(node.id); shown = null; WD.refresh(); },
        }, step.index)),
        node.handovers.map(h => WD.el("div", { class: "mark", style: at(h.at), title: `attempt ${h.attempt}: ${h.fromExecutor} → ${h.toExecutor ?? "?"}` },
          WD.el("span", {}, `attempt ${h.attempt}`)))));
  }

  async function resume(id) {
    const result = await WD.client.post(`runs/${id}/resume`);
    if (!result.ok) alert(`Resume ${id}: ${WD.client.describe(result)}`);
    shown = null;
    WD.refresh();
  }

  // The step number is the one the run's tree and table show; the engine's refusals appear next to it.
  function forkForm(id, canAct) {
    const act = WD.client.settings.act;
    const form = WD.el("form", { class: "fork", "data-fork-form": id, novalidate: true },
      WD.el("label", {}, "Fork from step ",
        WD.el("input", { name: "fromStep", type: "number", min: 1, step: 1, value: 1 })),
      WD.el("button", { type: "submit", disabled: !canAct, title: canAct ? null : act.detail }, "Fork"),
      WD.el("span", { class: "field-error", "data-error-for": "fromStep" }),
      WD.el("output", { "data-fork-result": "" }));
    form.addEventListener("submit", async event => {
      event.preventDefault();
      const raw = form.elements.fromStep.value.trim();
      const slot = form.querySelector("[data-error-for]");
      const output = form.querySelector("[data-fork-result]");
      slot.textContent = "";
      output.className = "";
      output.textContent = "";
      const result = await WD.client.post(`runs/${id}/fork`, { fromStep: /^-?\d+$/.test(raw) ? Number(raw) : raw });
      if (result.ok) {
        location.hash = `#/runs/${result.body.runId}`;
        return;
      }
      const messages = result.body && result.body.errors && result.body.errors.fromStep;
      if (messages) slot.textContent = messages.join(" ");
      else { output.className = "error"; output.textContent = WD.client.describe(result); }
    });
    return form;
  }

  function errorBlock(node) {
    return WD.el("div", { class: "error", "data-workflow-error": node.id },
      WD.el("strong", {}, node.error),
      node.errorDetail ? WD.el("pre", { class: "stack" }, node.errorDetail) : null);
  }

  function details(node) {
    const label = node.childIndex == null ? node.workflowName : `${node.workflowName} #${node.childIndex}`;
    const element = WD.el("details", { open: open.has(node.id) || node.steps.some(s => s.status === "ERROR"), "data-steps-of": node.id },
      WD.el("summary", {}, `${label}: ${node.steps.length} step${node.steps.length === 1 ? "" : "s"} `, WD.badge(node.status)),
      node.error ? errorBlock(node) : null,
      node.steps.length ? WD.el("table", { class: "grid" },
        WD.el("thead", {}, WD.el("tr", {},
          ["#", "Step", "Status", "Executor", "Attempt", "Tries", "Duration", "Output or error"].map(h => WD.el("th", {}, h)))),
        WD.el("tbody", {}, node.steps.map(step => WD.el("tr", { "data-step-row": step.index },
          WD.el("td", {}, step.index),
          WD.el("td", {}, step.name),
          WD.el("td", {}, WD.badge(step.status)),
          WD.el("td", {}, WD.el("span", { class: "legend" }, WD.el("span", { style: `--swatch:${WD.colorOf(step.executorId)}` }, step.executorId))),
          WD.el("td", {}, step.attempt),
          WD.el("td", {}, step.tries),
          WD.el("td", {}, WD.format.between(step.startedAt, step.completedAt)),
          WD.el("td", {}, step.error
            ? [WD.el("div", { class: "error" }, step.error), step.errorDetail ? WD.el("pre", { class: "stack" }, step.errorDetail) : null]
            : WD.el("pre", { class: "json" }, WD.format.json(step.output))))))) : null);
    element.addEventListener("toggle", () => { if (element.open) open.add(node.id); else open.delete(node.id); });
    return element;
  }

  return { mount, render, path: () => `runs/${runId}` };
})();
