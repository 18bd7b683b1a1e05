// The page's shell: hash routes (#/, #/runs, #/runs/{id}, #/executors, #/queues), the credential field, and the live
// loop. Live means short polling: the current view asks again one second after its last answer (and not
// while the tab is hidden), so any API replica can answer any request and no connection outlives a request.
"use strict";

(() => {
  const pollInterval = 1000;
  const views = [
    { pattern: /^#\/runs\/([0-9a-fA-F-]{36})$/, page: "runs", view: WD.run },
    { pattern: /^#\/runs(?:\?(.*))?$/, page: "runs", view: WD.runs },
    { pattern: /^#\/executors$/, page: "executors", view: WD.executors },
    { pattern: /^#\/queues$/, page: "queues", view: WD.queues },
    { pattern: /^(#\/?)?$/, page: "overview", view: WD.overview },
  ];
  const container = document.getElementById("page");
  const live = document.getElementById("live");
  const banner = document.getElementById("access");
  let current = null;
  let generation = 0;
  let timer = null;
  let lastAnswer = null;

  function route() {
    const hash = location.hash;
    const match = views.map(v => ({ ...v, m: hash.match(v.pattern) })).find(v => v.m) || views[views.length - 1];
    for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === match.page);
    current = { view: match.view, params: match.m ? match.m.slice(1) : [] };
    generation++;
    container.replaceChildren();
    current.view.mount(container, ...current.params);
    poll();
  }

  function setLive(text, ok) {
    live.textContent = text;
    live.className = `live ${ok ? "ok" : "lost"}`;
  }

  async function poll() {
    clearTimeout(timer);
    const mine = generation;
    const settings = WD.client.settings;
    if (!settings || settings.view.status !== 200 || document.hidden) {
      timer = setTimeout(poll, pollInterval);
      return;
    }
    try {
      const result = await WD.client.get(current.view.path(...current.params));
      if (mine !== generation) return;
      if (result.ok) {
        lastAnswer = Date.now();
        setLive("live", true);
        current.view.render(result.body);
      } else if (result.status === 401 || result.status === 403) {
        await checkAccess();
      } else if (result.status === 503) {
        setLive("database unavailable, retrying", false);
      } else {
        current.view.render(null, result);
      }
    } catch (e) {
      if (mine === generation) setLive("server unreachable, retrying", false);
    }
    if (mine === generation) timer = setTimeout(poll, pollInterval);
  }

  async function checkAccess() {
    let settings;
    try {
      settings = await WD.client.loadSettings();
    } catch (e) {
      setLive("server unreachable, retrying", false);
      setTimeout(checkAccess, 2000);
      return;
    }
    const form = document.getElementById("credential");
    const needsCredential = settings.credentialHeader && (settings.view.status === 401 || settings.act.status === 401);
    form.hidden = !settings.credentialHeader;
    form.querySelector("[data-credential-name]").textContent = settings.credentialHeader || "";
    banner.hidden = settings.view.status === 200;
    banner.className = `banner ${settings.view.status === 403 ? "error" : ""}`;
    banner.textContent = settings.view.status === 200 ? "" :
      settings.view.detail + (needsCredential ? ` Enter it above (${settings.credentialHeader}).` : "");
    if (settings.view.status !== 200) setLive(settings.view.status === 401 ? "credential needed" : "not allowed", false);
  }

  document.getElementById("credential").addEventListener("submit", async event => {
    event.preventDefault();
    WD.client.setCredential(event.target.elements.credential.value);
    event.target.elements.credential.value = "";
    await checkAccess();
    route();
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  window.addEventListener("hashchange", route);
  // Countdowns and ages move between answers, from the figures of the last one.
  setInterval(() => {
    if (current && current.view.tick) current.view.tick();
    if (lastAnswer && Date.now() - lastAnswer > 5000 && live.classList.contains("ok")) setLive("no answer for 5 s", false);
  }, 200);

  WD.refresh = poll;
  checkAccess().then(route);
})();
