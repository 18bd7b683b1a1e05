// Runs: the host's start form (its validation answers shown under each field), filters, and the newest runs
// with a progress bar each; a run that has not finished can be cancelled from its row. #/runs?queue=name
// (the queues page links it) opens the list filtered by that queue.
"use strict";

WD.runs = (() => {
  const filters = { status: "", from: "", to: "", search: "", queue: "" };
  let root = null;

  function mount(container, query) {
    if (query) filters.queue = new URLSearchParams(query).get("queue") || "";
    const form = WD.client.settings && WD.client.settings.startForm;
    root = WD.el("div", { "data-view": "runs" },
      form ? WD.startForm(form) : null,
      WD.el("form", { class: "filters", "data-filters": "", oninput: readFilters, onsubmit: e => e.preventDefault() },
        WD.el("label", {}, "Status", WD.el("select", { name: "status" },
          WD.el("option", { value: "" }, "any"),
          ["ENQUEUED", "RUNNING", "SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_EXCEEDED"].map(s => WD.el("option", { value: s, selected: filters.status === s }, s)))),
        WD.el("label", {}, "Created from", WD.el("input", { name: "from", type: "datetime-local", value: filters.from })),
        WD.el("label", {}, "Created before", WD.el("input", { name: "to", type: "datetime-local", value: filters.to })),
        WD.el("label", {}, "Queue", WD.el("input", { name: "queue", type: "search", value: filters.queue, placeholder: "any" })),
        WD.el("label", {}, "Id starts with", WD.el("input", { name: "search", type: "search", value: filters.search, placeholder: "run or sub-workflow id" })),
        WD.el("span", { class: "field-error", "data-filter-error": "" })),
      WD.el("table", { class: "grid", "data-runs": "" },
        WD.el("thead", {}, WD.el("tr", {},
          WD.el("th", {}, "Run"), WD.el("th", {}, "Workflow"), WD.el("th", {}, "Status"), WD.el("th", {}, "Progress"),
          WD.el("th", {}, "Created"), WD.el("th", {}, "Duration"), WD.el("th", {}, ""))),
        WD.el("tbody")));
    container.append(root);
  }

  function readFilters(event) {
    const data = new FormData(event.currentTarget);
    for (const name of Object.keys(filters)) filters[name] = data.get(name) || "";
    WD.refresh();
  }

  function path() {
    const query = new URLSearchParams();
    if (filters.status) query.set("status", filters.status);
    if (filters.from) query.set("from", new Date(filters.from).toISOString());
    if (filters.to) query.set("to", new Date(filters.to).toISOString());
    if (filters.search) query.set("search", filters.search.trim());
    if (filters.queue) query.set("queue", filters.queue.trim());
    return `runs?${query}`;
  }

  function render(data, failure) {
    const error = root.querySelector("[data-filter-error]");
    if (!data) {
      error.textContent = failure ? WD.client.describe(failure) : "";
      return;
    }
    error.textContent = "";
    const body = root.querySelector("[data-runs] tbody");
    const canAct = WD.client.settings.act.status === 200;
    body.replaceChildren(...data.runs.map(run => WD.el("tr", { "data-run-id": run.runId, "data-status": run.status },
      WD.el("td", {}, WD.runLink(run.runId)),
      WD.el("td", {}, run.workflowName),
      WD.el("td", {}, WD.badge(run.status), run.error ? WD.el("div", { class: "error", title: run.error }, run.error.slice(0, 80)) : null),
      WD.el("td", {}, WD.progress(run.progress, run.status)),
      WD.el("td", {}, WD.format.time(run.createdAt)),
      WD.el("td", {}, WD.format.between(run.createdAt, run.completedAt || data.now)),
      WD.el("td", {}, ["ENQUEUED", "RUNNING"].includes(run.status)
        ? WD.el("button", { type: "button", class: "danger", "data-cancel": run.runId, disabled: !canAct,
            title: canAct ? null : WD.client.settings.act.detail, onclick: () => WD.cancelRun(run.runId) }, "Cancel")
        : null))));
    if (data.runs.length === 0) body.append(WD.el("tr", {}, WD.el("td", { colspan: 7, class: "muted" }, "No runs match.")));
  }

  return { mount, render, path };
})();

WD.cancelRun = async function (runId) {
  const result = await WD.client.post(`runs/${runId}/cancel`);
  if (!result.ok) alert(`Cancel ${runId}: ${WD.client.describe(result)}`);
  WD.refresh();
};

// The host's start form: each field is sent as typed (a number when it reads as one), and the host's
// validation answers appear under the fields they name, so its rules live in one place.
WD.startForm = function (form) {
  const act = WD.client.settings.act;
  const node = WD.el("form", { class: "start", "data-start-form": "", novalidate: true },
    WD.el("strong", { style: "flex-basis:100%" }, form.title),
    form.fields.map(f => WD.el("label", {}, f.label,
      WD.el("input", { name: f.name, type: "text", inputmode: "numeric", value: f.default ?? "", placeholder: f.hint || "" }),
      WD.el("span", { class: "field-error", "data-error-for": f.name }))),
    WD.el("button", { type: "submit", disabled: act.status !== 200, title: act.status === 200 ? null : act.detail }, "Start run"),
    WD.el("output", { "data-start-result": "" }, act.status === 200 ? "" : act.detail));

  node.addEventListener("submit", async event => {
    event.preventDefault();
    const body = {};
    for (const field of form.fields) {
      const raw = node.elements[field.name].value.trim();
      if (raw === "") continue;
      const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
      const names = field.name.split(".");
      let target = body;
      for (const name of names.slice(0, -1)) target = target[name] = target[name] || {};
      target[names[names.length - 1]] = value;
    }
    for (const slot of node.querySelectorAll("[data-error-for]")) slot.textContent = "";
    const output = node.querySelector("[data-start-result]");
    const result = await WD.client.post("runs", body);
    if (result.ok) {
      output.className = "";
      output.replaceChildren("Started ", WD.runLink(result.body.runId, result.body.runId), ` (${result.body.status})`);
      output.dataset.runId = result.body.runId;
      WD.refresh();
      return;
    }
    // Errors go under the fields they name; the rest (or the whole answer, if it names none) below the form.
    const errors = (result.body && result.body.errors) || {};
    const unplaced = [];
    for (const [field, messages] of Object.entries(errors)) {
      const slot = node.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
      if (slot) slot.textContent = messages.join(" "); else unplaced.push(`${field}: ${messages.join(" ")}`);
    }
    output.className = "error";
    output.textContent = Object.keys(errors).length
      ? `${result.status} ${result.body.title || ""} ${unplaced.join("; ")}`.trim()
      : WD.client.describe(result);
  });
  return node;
};
