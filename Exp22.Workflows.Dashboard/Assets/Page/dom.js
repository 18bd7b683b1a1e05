// Small DOM and formatting helpers shared by every view. Plain JavaScript, no build step.
"use strict";

const WD = {};

WD.el = function (tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "style") node.style.cssText = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

WD.svg = function (tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value != null) node.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child != null) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

WD.format = {
  seconds(s) {
    if (s == null || !isFinite(s)) return "";
    if (s < 0) s = 0;
    if (s < 10) return `${s.toFixed(1)} s`;
    if (s < 60) return `${Math.round(s)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return Math.floor(s % 60) === 0 ? `${m} min` : `${m} m ${Math.floor(s % 60)} s`;
    return `${Math.floor(m / 60)} h ${m % 60} m`;
  },
  between(from, to) { return from && to ? WD.format.seconds((Date.parse(to) - Date.parse(from)) / 1000) : ""; },
  time(iso) { return iso ? new Date(iso).toLocaleTimeString() : ""; },
  dateTime(iso) { return iso ? new Date(iso).toLocaleString() : ""; },
  shortId(id) { return id ? id.slice(0, 8) : ""; },
  json(value) { return JSON.stringify(value, null, 2); },
};

WD.badge = text => WD.el("span", { class: `badge ${text}` }, text);

WD.progress = (progress, status) => WD.el("span", { class: "progress-cell", "data-percent": progress.percent },
  WD.el("span", { class: `progress ${status}` }, WD.el("div", { style: `width:${progress.percent}%` })),
  WD.el("span", { class: "progress-label" },
    progress.stepsTotal != null
      ? `${progress.stepsDone}/${progress.stepsTotal} steps · ${progress.percent}%`
      : `${progress.stepsDone} steps · ${progress.workflowsFinished}/${progress.workflows} workflows · ${progress.percent}%`));

// One colour per executor, the same on every page and after a reload: a hash of its id picks it.
WD.palette = ["#3b5bdb", "#f08c00", "#2f9e44", "#ae3ec9", "#1098ad", "#e03131", "#5c940d", "#d6336c"];
WD.colorOf = function (executorId) {
  let hash = 0;
  for (const c of executorId || "") hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return WD.palette[hash % WD.palette.length];
};

WD.runLink = (runId, text) => WD.el("a", { href: `#/runs/${runId}` }, text ?? WD.el("code", {}, WD.format.shortId(runId)));
