// The Exp22 dashboard: plain JavaScript, no build step. Live data arrives over Server-Sent Events:
// /api/events (resources, executor drains, runs) and /api/resources/{name}/logs (console lines).
"use strict";

const Dashboard = (() => {
  const tabHandlers = {};
  let currentTab = "resources";

  function showTab(name) {
    currentTab = name;
    for (const button of document.querySelectorAll("#tabs button")) {
      button.classList.toggle("active", button.dataset.tab === name);
    }
    for (const panel of document.querySelectorAll("[data-panel]")) {
      panel.hidden = panel.dataset.panel !== name;
    }
    (tabHandlers[name] || []).forEach(handler => handler());
  }

  document.getElementById("tabs").addEventListener("click", event => {
    const tab = event.target.closest("button[data-tab]");
    if (tab) showTab(tab.dataset.tab);
  });

  return {
    showTab,
    get currentTab() { return currentTab; },
    // A tab's script runs its handler each time the tab is shown.
    onTab(name, handler) { (tabHandlers[name] = tabHandlers[name] || []).push(handler); },
  };
})();

const format = {
  duration(ms) {
    if (ms == null || ms < 0) return "";
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${(ms / 1000).toFixed(s < 10 ? 1 : 0)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} m ${s % 60} s`;
    return `${Math.floor(m / 60)} h ${m % 60} m`;
  },
  time(iso) { return iso ? new Date(iso).toLocaleTimeString() : ""; },
  shortId(id) { return id ? id.slice(0, 8) : ""; },
};

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "style") node.style.cssText = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Rebuilds only the rows whose data changed, so a button under the pointer is not replaced every second.
function syncRows(body, items, keyOf, build) {
  const existing = new Map([...body.children].map(row => [row.dataset.key, row]));
  const rows = items.map(item => {
    const key = keyOf(item);
    const json = JSON.stringify(item);
    const row = existing.get(key);
    if (row && row.dataset.json === json) return row;
    const fresh = build(item);
    fresh.dataset.key = key;
    fresh.dataset.json = json;
    return fresh;
  });
  rows.forEach((row, index) => {
    if (body.children[index] !== row) body.insertBefore(row, body.children[index] || null);
  });
  while (body.children.length > rows.length) body.lastChild.remove();
}

function badge(text) {
  return element("span", { class: `badge ${text}` }, text);
}

// ---------------------------------------------------------------- live feed
const state = { resources: [], runs: [], lastStatus: {}, selectedRun: null };

function connect() {
  const connection = document.getElementById("connection");
  const events = new EventSource("/api/events");
  events.onopen = () => { connection.textContent = "live"; connection.className = "connection live"; };
  events.onerror = () => { connection.textContent = "reconnecting…"; connection.className = "connection lost"; };
  events.addEventListener("resources", e => {
    state.resources = JSON.parse(e.data);
    for (const r of state.resources) {
      if (r.status) state.lastStatus[r.name] = r.status;
    }
    renderResources();
    renderExecutors();
    fillConsoleChoices();
  });
  events.addEventListener("runs", e => {
    state.runs = JSON.parse(e.data);
    document.getElementById("runs-unavailable").hidden = true;
    renderRuns();
  });
  events.addEventListener("runs-unavailable", e => {
    const note = document.getElementById("runs-unavailable");
    note.textContent = "The API is not answering yet: " + JSON.parse(e.data).error;
    note.hidden = false;
  });
}

// ---------------------------------------------------------------- resources
const commandsFor = {
  start: s => ["NotStarted", "Exited", "FailedToStart"].includes(s),
  stop: s => ["Running", "Starting", "Waiting"].includes(s),
  restart: s => s === "Running",
};

async function runCommand(name, command) {
  const response = await fetch(`/api/resources/${encodeURIComponent(name)}/commands/${command}`, { method: "POST" });
  if (!response.ok) alert(`${command} ${name}: ${response.status} ${await response.text()}`);
}

function renderResources() {
  const body = document.querySelector("#resources tbody");
  const rows = state.resources.map(r => ({ ...r, status: undefined }));
  syncRows(body, rows, r => r.name, r => element("tr", { "data-resource": r.name, "data-state": r.state },
    element("td", {}, element("strong", {}, r.name), r.message ? element("div", { class: "message" }, r.message) : null),
    element("td", {}, r.type),
    element("td", {}, badge(r.state), r.exitCode != null ? element("span", { class: "muted" }, ` exit ${r.exitCode}`) : null),
    element("td", {}, r.state === "Running" ? badge(r.health) : element("span", { class: "muted" }, "–")),
    element("td", {}, r.pid ?? ""),
    element("td", {}, r.endpoints.map(url => url.startsWith("http")
      ? element("div", {}, element("a", { href: url, target: "_blank" }, url))
      : element("div", { class: "muted" }, url))),
    element("td", { "data-uptime": r.startedAt && ["Running", "Stopping"].includes(r.state) ? r.startedAt : null }),
    element("td", {},
      Object.keys(commandsFor).map(command => element("button", {
        type: "button", class: "command", "data-command": command, "data-resource": r.name,
        disabled: !commandsFor[command](r.state), onclick: () => runCommand(r.name, command),
      }, command[0].toUpperCase() + command.slice(1))),
      element("button", { type: "button", class: "command", onclick: () => openConsole(r.name) }, "Logs")),
  ));
  const now = Date.now();
  for (const cell of body.querySelectorAll("[data-uptime]")) {
    cell.textContent = format.duration(now - Date.parse(cell.dataset.uptime));
  }
}

// An executor's card: its /status while it runs (draining, in-flight workflows, the countdown to the
// completion timeout), and how its drain ended once it has exited.
function renderExecutors() {
  const cards = Object.keys(state.lastStatus).map(name => {
    const resource = state.resources.find(r => r.name === name);
    const status = resource && resource.status ? resource.status : state.lastStatus[name];
    const alive = resource && ["Running", "Stopping"].includes(resource.state);
    const draining = alive && status.state === "draining";
    const lines = [];
    if (draining && status.drainDeadline) {
      const left = Date.parse(status.drainDeadline) - Date.now();
      lines.push(element("div", {}, "hands over what is left in ",
        element("span", { class: "countdown", "data-countdown": "" }, format.duration(Math.max(0, left)))));
    }
    if (!alive && resource) {
      const drained = status.drainStartedAt && resource.stoppedAt
        ? `, drained in ${format.duration(Date.parse(resource.stoppedAt) - Date.parse(status.drainStartedAt))}` : "";
      lines.push(element("div", { class: "muted" }, `${resource.state}${resource.exitCode != null ? ` with code ${resource.exitCode}` : ""}${drained}`));
    }
    const inFlight = alive ? status.inFlight : [];
    lines.push(element("div", {}, `${inFlight.length} workflow${inFlight.length === 1 ? "" : "s"} in flight (concurrency ${status.concurrency})`));
    return element("div", { class: `executor ${draining ? "draining" : ""}`, "data-executor": name, "data-state": alive ? status.state : "exited" },
      element("h3", {}, name, element("span", { class: "muted" }, status.executorId), badge(alive ? status.state : (resource ? resource.state : "gone"))),
      lines,
      inFlight.length ? element("ul", {}, inFlight.map(w => element("li", {},
        `${w.name} ${format.shortId(w.workflowId)} · attempt ${w.attempt} · ${w.stepsDone} steps done${w.currentStep ? ` · now ${w.currentStep}` : ""}`))) : null);
  });
  for (const container of document.querySelectorAll("[data-executors]")) {
    container.replaceChildren(...cards.map(card => card.cloneNode(true)));
  }
}

// ---------------------------------------------------------------- console
let logStream = null;

function fillConsoleChoices() {
  const select = document.getElementById("console-resource");
  const names = state.resources.map(r => r.name);
  if ([...select.options].map(o => o.value).join() === names.join()) return;
  const selected = select.value;
  select.replaceChildren(...names.map(n => element("option", { value: n }, n)));
  if (names.includes(selected)) select.value = selected;
}

function openConsole(name) {
  fillConsoleChoices();
  document.getElementById("console-resource").value = name;
  Dashboard.showTab("console");
}

function followConsole() {
  const name = document.getElementById("console-resource").value;
  const output = document.getElementById("console-lines");
  if (logStream && logStream.resource === name) return;
  if (logStream) logStream.close();
  output.replaceChildren();
  if (!name) return;
  logStream = new EventSource(`/api/resources/${encodeURIComponent(name)}/logs`);
  logStream.resource = name;
  logStream.addEventListener("lines", e => {
    for (const line of JSON.parse(e.data)) {
      const cls = line.isError ? "err" : line.text.startsWith("[apphost]") ? "apphost" : null;
      output.append(element("span", { class: cls }, line.text + "\n"));
    }
    while (output.childNodes.length > 5000) output.firstChild.remove();
    if (document.getElementById("console-follow").checked) output.scrollTop = output.scrollHeight;
  });
}

document.getElementById("console-resource").addEventListener("change", followConsole);
Dashboard.onTab("console", followConsole);

// ---------------------------------------------------------------- runs
const finished = ["SUCCESS", "ERROR", "CANCELLED"];

document.getElementById("run-form").addEventListener("submit", async event => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = {
    subWorkflows: Number(form.get("subWorkflows")),
    stepsPerWorkflow: Number(form.get("stepsPerWorkflow")),
  };
  if (form.get("stepDelayMin") !== "" || form.get("stepDelayMax") !== "") {
    body.stepDelayMs = { min: Number(form.get("stepDelayMin")), max: Number(form.get("stepDelayMax")) };
  }
  const result = document.getElementById("run-form-result");
  const response = await fetch("/api/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (response.ok) {
    result.className = "";
    result.textContent = `Run ${answer.runId} ${answer.status}`;
    result.dataset.runId = answer.runId;
    selectRun(answer.runId);
  } else {
    result.className = "error";
    const errors = answer.errors ? Object.entries(answer.errors).map(([field, messages]) => `${field}: ${messages.join(" ")}`).join("; ") : "";
    result.textContent = `${response.status} ${answer.title || ""} ${errors}`;
  }
});

function renderRuns() {
  const body = document.querySelector("#runs tbody");
  const now = Date.now();
  const rows = state.runs.map(run => ({ ...run, selected: run.runId === state.selectedRun, now: run.completedAt ? null : now }));
  syncRows(body, rows, run => run.runId, run => {
    const total = run.stepsTotal;
    const percent = finished.includes(run.status) && run.status === "SUCCESS" ? 100 : total ? Math.round(100 * run.stepsDone / total) : 0;
    const end = run.completedAt ? Date.parse(run.completedAt) : now;
    return element("tr", {
      "data-run-id": run.runId, "data-status": run.status, class: run.runId === state.selectedRun ? "selected" : null,
      onclick: () => selectRun(run.runId),
    },
      element("td", {}, element("code", {}, format.shortId(run.runId))),
      element("td", {}, badge(run.status)),
      element("td", {},
        element("div", { class: `progress ${run.status}` }, element("div", { style: `width:${percent}%` })),
        element("span", { class: "progress-label" }, `${run.stepsDone}/${total ?? "?"} steps`)),
      element("td", {}, format.time(run.createdAt)),
      element("td", {}, format.duration(end - Date.parse(run.createdAt))));
  });
}

// The selected run's tree, refreshed each second until it has finished.
let treeTimer = null;

function selectRun(runId) {
  state.selectedRun = runId;
  renderRuns();
  clearTimeout(treeTimer);
  loadTree();
}

async function loadTree() {
  const runId = state.selectedRun;
  if (!runId) return;
  const response = await fetch(`/api/runs/${runId}`);
  if (response.ok && runId === state.selectedRun) {
    const run = await response.json();
    renderTree(run);
    if (finished.includes(run.status)) return;
  }
  treeTimer = setTimeout(loadTree, 1000);
}

const palette = ["#3b5bdb", "#f08c00", "#2f9e44", "#ae3ec9", "#1098ad", "#e03131"];
const executorColors = {};
function colorOf(executorId) {
  if (!(executorId in executorColors)) executorColors[executorId] = palette[Object.keys(executorColors).length % palette.length];
  return executorColors[executorId];
}

function renderTree(run) {
  const tree = document.getElementById("run-tree");
  tree.hidden = false;
  tree.dataset.runId = run.runId;
  tree.dataset.status = run.status;
  const start = Date.parse(run.startedAt || run.createdAt);
  const end = run.completedAt ? Date.parse(run.completedAt) : Date.now();
  const span = Math.max(end - start, 1000);
  const position = (from, to) => {
    const left = 100 * (Date.parse(from) - start) / span;
    const width = 100 * (Date.parse(to) - Date.parse(from)) / span;
    return `left:${Math.max(0, left)}%;width:${Math.max(0.3, width)}%`;
  };

  const executors = new Set();
  const lanes = (run.subWorkflows || []).map(sub => {
    const stepExecutors = [...new Set(sub.steps.map(s => s.executorId))];
    stepExecutors.forEach(e => executors.add(e));
    const handedOver = sub.attempt > 1 || stepExecutors.length > 1;
    return element("div", { class: "lane", "data-sub-workflow": sub.index, "data-status": sub.status },
      element("div", { class: "lane-label" },
        element("strong", {}, `sub-workflow ${sub.index}`), " ", badge(sub.status), " ",
        element("span", { class: "muted" }, `${sub.progress.stepsDone}/${sub.progress.stepsTotal ?? "?"} · ${sub.executorId ?? "unclaimed"}`),
        handedOver ? element("div", { class: "handover" },
          `handed over: attempt ${sub.attempt}, ran on ${stepExecutors.join(" → ") || sub.executorId}`) : null),
      element("div", { class: "lane-track" },
        sub.steps.map(step => element("div", {
          class: `step ${step.tries > 1 ? "retried" : ""}`,
          style: `${position(step.startedAt, step.completedAt)};background:${colorOf(step.executorId)}`,
          title: `step ${step.index} ${step.name}: ${step.status} on ${step.executorId} (attempt ${step.attempt}, ${step.tries} tries), ` +
            format.duration(Date.parse(step.completedAt) - Date.parse(step.startedAt)),
        }, step.index))));
  });

  tree.replaceChildren(
    element("h3", {}, `Run ${run.runId} `, badge(run.status), " ",
      element("span", { class: "muted" }, `${run.progress.stepsDone}/${run.progress.stepsTotal ?? "?"} steps · ${format.duration(end - start)}`)),
    element("div", { class: "legend" }, [...executors].map(e => element("span", { style: `--swatch:${colorOf(e)}` }, e))),
    ...lanes);
}

// ---------------------------------------------------------------- start
Dashboard.onTab("resources", renderResources);
Dashboard.onTab("runs", renderRuns);
setInterval(() => { renderExecutors(); if (Dashboard.currentTab === "resources") renderResources(); }, 1000);
connect();
