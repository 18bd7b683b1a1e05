// Executors: each one's state as its heartbeats tell it. A draining executor shows the countdown to its
// completion deadline (when what is left is handed over); a gone one how it went.
"use strict";

WD.executors = (() => {
  let root = null;
  let receivedAt = 0;

  function mount(container) {
    root = WD.el("div", { "data-view": "executors" }, WD.versions.mount(), WD.el("div", { class: "executors", "data-executors": "" }));
    container.append(root);
  }

  function render(data) {
    if (!data) return;
    receivedAt = Date.now();
    WD.versions.render(root, data.versions);
    const cards = data.executors.map(card);
    root.querySelector("[data-executors]").replaceChildren(...(cards.length ? cards : [WD.el("p", { class: "muted" }, "No executor has registered.")]));
    tick();
  }

  function card(e) {
    const rows = [
      ["version", e.applicationVersion],
      ["heartbeat", WD.el("span", { "data-age": e.heartbeatAgeSeconds }, "")],
      ["started", WD.format.dateTime(e.startedAt)],
      ["concurrency", e.concurrency ?? "?"],
      ["queues", e.queues.join(", ")],
    ];
    const lines = [];
    if (e.state === "draining") {
      lines.push(WD.el("div", { "data-drain": "" }, "Draining: claims nothing new; hands over what is left in ",
        WD.el("span", { class: "countdown", "data-countdown": e.drainSecondsLeft ?? 0 }, WD.format.seconds(e.drainSecondsLeft)),
        WD.el("span", { class: "muted" }, ` (at ${WD.format.time(e.drainDeadline)})`)));
    } else if (e.goneBecause === "left") {
      lines.push(WD.el("div", { class: "muted", "data-gone": "left" },
        `Left at ${WD.format.time(e.stoppedAt)}` + (e.drainedInSeconds != null ? ` after a drain of ${WD.format.seconds(e.drainedInSeconds)}` : "")));
    } else if (e.goneBecause === "silent") {
      lines.push(WD.el("div", { class: "error", "data-gone": "silent" },
        `Silent for longer than its heartbeat timeout (${WD.format.seconds(e.heartbeatTimeoutSeconds)})` +
        (e.workflowsHeld ? `: ${e.workflowsHeld} workflow(s) await recovery by a survivor` : "")));
    }
    const inFlight = e.state === "gone" ? [] : e.inFlight;
    lines.push(WD.el("div", {}, `${e.inFlightCount} workflow${e.inFlightCount === 1 ? "" : "s"} in flight at its last heartbeat` +
      (e.workflowsHeld !== e.inFlightCount ? `; the database says it holds ${e.workflowsHeld} now` : "")));
    return WD.el("div", { class: `executor ${e.state}`, "data-executor": e.executorId, "data-state": e.state, style: `--swatch:${WD.colorOf(e.executorId)}` },
      WD.el("h3", {}, e.executorId, WD.badge(e.state)),
      WD.el("dl", {}, rows.map(([k, v]) => [WD.el("dt", {}, k), WD.el("dd", {}, v)])),
      lines,
      inFlight.length ? WD.el("ul", { "data-in-flight": "" }, inFlight.map(w => WD.el("li", { "data-workflow-id": w.workflowId },
        WD.el("strong", {}, w.name), " ", WD.runLink(w.runId, WD.el("code", {}, WD.format.shortId(w.workflowId))),
        ` · attempt ${w.attempt} · ${w.stepsDone} step${w.stepsDone === 1 ? "" : "s"} done`,
        w.currentStep ? ` · now ${w.currentStep}` : ""))) : null,
      e.inFlightCount > inFlight.length && inFlight.length ? WD.el("div", { class: "muted" }, `and ${e.inFlightCount - inFlight.length} more`) : null);
  }

  function tick() {
    if (!root) return;
    const elapsed = (Date.now() - receivedAt) / 1000;
    for (const node of root.querySelectorAll("[data-countdown]")) {
      node.textContent = WD.format.seconds(Math.max(0, Number(node.dataset.countdown) - elapsed));
    }
    for (const node of root.querySelectorAll("[data-age]")) {
      node.textContent = `${WD.format.seconds(Number(node.dataset.age) + elapsed)} ago`;
    }
  }

  return { mount, render, tick, path: () => "executors" };
})();
