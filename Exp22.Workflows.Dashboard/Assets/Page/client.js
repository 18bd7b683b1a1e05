// Talks to the dashboard's JSON under ./api/. Every request carries the operator's credential when the host
// uses one (kept for this tab only); state changes are POSTs with the X-Workflows-Dashboard header, which
// another site's page cannot send (the server refuses POSTs without it).
"use strict";

WD.client = (() => {
  const storageKey = "workflows-dashboard:credential";
  let settings = null;

  function headers(extra = {}) {
    const all = { Accept: "application/json", ...extra };
    const credential = sessionStorage.getItem(storageKey);
    if (settings && settings.credentialHeader && credential) all[settings.credentialHeader] = credential;
    return all;
  }

  async function answer(response) {
    const body = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, body };
  }

  return {
    get settings() { return settings; },
    async loadSettings() {
      const response = await fetch("api/settings", { headers: headers(), cache: "no-store" });
      settings = (await answer(response)).body;
      return settings;
    },
    setCredential(value) {
      if (value) sessionStorage.setItem(storageKey, value); else sessionStorage.removeItem(storageKey);
    },
    async get(path) {
      return answer(await fetch(`api/${path}`, { headers: headers(), cache: "no-store" }));
    },
    async post(path, body) {
      return answer(await fetch(`api/${path}`, {
        method: "POST",
        headers: headers({ "Content-Type": "application/json", "X-Workflows-Dashboard": "1" }),
        body: JSON.stringify(body ?? {}),
      }));
    },
    // "title: field message; …" from problem details.
    describe(result) {
      const body = result.body || {};
      const errors = body.errors ? Object.entries(body.errors).map(([f, m]) => `${f}: ${m.join(" ")}`).join("; ") : "";
      return `${result.status} ${body.title || ""}${body.detail ? ` — ${body.detail}` : ""}${errors ? ` ${errors}` : ""}`.trim();
    },
  };
})();
