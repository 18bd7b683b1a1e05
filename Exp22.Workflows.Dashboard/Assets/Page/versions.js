// Application versions, on the executors page: each version with its live executors and its unfinished
// work. Work whose version has no live executor is stranded: no executor of another version will run it.
"use strict";

WD.versions = (() => {
  function mount() {
    return WD.el("section", { class: "versions", "data-versions": "", style: "display:block;margin-bottom:16px" });
  }

  function render(root, data) {
    const section = root.querySelector("[data-versions]");
    if (!data) return;
    const stranded = data.versions.filter(v => v.stranded);
    section.replaceChildren(
      WD.el("h2", {}, "Versions"),
      stranded.length
        ? WD.el("p", { class: "banner error", "data-stranded-summary": "" },
          `${stranded.reduce((n, v) => n + v.queued + v.running, 0)} workflow(s) of ${stranded.length} version(s) have no live executor: ` +
          "they wait until an executor of their version starts.")
        : null,
      data.versions.length
        ? WD.el("table", { class: "grid" },
          WD.el("thead", {}, WD.el("tr", {}, ["version", "executors", "queued", "running", ""].map((h, i) =>
            WD.el("th", { class: i === 2 || i === 3 ? "number" : "" }, h)))),
          WD.el("tbody", {}, data.versions.map(row)))
        : WD.el("p", { class: "muted" }, "No version has executors or unfinished work."));
  }

  function row(v) {
    const executors = [...v.executors, ...v.drainingExecutors.map(id => `${id} (draining)`)];
    return WD.el("tr", { "data-version": v.applicationVersion ?? "", "data-stranded": String(v.stranded) },
      WD.el("td", {}, v.applicationVersion === null ? WD.el("span", { class: "muted" }, "unpinned") : WD.el("code", {}, v.applicationVersion),
        v.latest ? WD.el("span", { class: "badge running", title: "what an enqueue without a version gets" }, "latest") : null),
      WD.el("td", {}, executors.length ? executors.join(", ") : WD.el("span", { class: "muted" }, "none live")),
      WD.el("td", { class: "number" }, String(v.queued)),
      WD.el("td", { class: "number" }, String(v.running)),
      WD.el("td", {}, v.stranded ? WD.el("span", { class: "badge ERROR" }, "stranded") : null));
  }

  return { mount, render };
})();
