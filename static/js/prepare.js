// "Forbered dagen": while there is network, the service worker fetches and keeps the pages the coming
// visits need, so they open, are filled in and signed with no network. Done by itself when the home page
// opens online (at most every half hour, or when the plan changed), and by the button at any time.
(function () {
  "use strict";
  const KEY = "eftervaern-prepared";
  const FRESH_FOR = 30 * 60 * 1000;
  const PREPARE_WITHIN = 3 * 60 * 1000;

  function remembered() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  function size(bytes) {
    const number = (value, digits) => value.toLocaleString("da-DK", { maximumFractionDigits: digits });
    return bytes >= 1e6 ? number(bytes / 1e6, 1) + " MB" : number(Math.max(1, Math.round(bytes / 1e3)), 0) + " kB";
  }

  function show(box, state) {
    const status = box.querySelector("[data-status]");
    if (!state) { status.textContent = box.dataset.msgNever; return; }
    const time = new Date(state.at).toLocaleTimeString("da-DK", { hour: "2-digit", minute: "2-digit" });
    status.textContent = box.dataset.msgReady.replace("{n}", String(state.kept)).replace("{total}", String(state.total))
      .replace("{t}", time).replace("{size}", size(state.bytes || 0));
    box.dataset.prepared = String(state.kept);
  }

  async function prepare(box, urls) {
    const button = box.querySelector("button");
    const status = box.querySelector("[data-status]");
    if (!navigator.onLine) { status.textContent = box.dataset.msgOffline; return; }
    button.disabled = true;
    status.textContent = box.dataset.msgWorking;
    try {
      const registration = await navigator.serviceWorker.ready;
      // Each page the worker fetches has its own deadline; this one bounds the whole, should the worker
      // itself be stopped before it answers (the button must not stay disabled).
      const answer = await Promise.race([
        new Promise(function (resolve) {
          const channel = new MessageChannel();
          channel.port1.onmessage = (event) => resolve(event.data);
          registration.active.postMessage({ type: "PREPARE_DAY", urls: urls }, [channel.port2]);
        }),
        new Promise((resolve) => setTimeout(() => resolve(null), PREPARE_WITHIN)),
      ]);
      if (!answer) { status.textContent = box.dataset.msgOffline; return; }
      const state = { at: Date.now(), kept: answer.kept, total: answer.total, bytes: answer.bytes, plan: urls.join(" ") };
      try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* storage may be disabled */ }
      show(box, state);
    } finally {
      button.disabled = false;
    }
  }

  function init() {
    const box = document.getElementById("prepare-day");
    if (!box || box.dataset.ready || !("serviceWorker" in navigator)) return;
    box.dataset.ready = "1";
    const urls = JSON.parse(box.dataset.urls || "[]");
    const state = remembered();
    show(box, state);
    box.querySelector("button").addEventListener("click", () => prepare(box, urls));
    const stale = !state || Date.now() - state.at > FRESH_FOR || state.plan !== urls.join(" ");
    if (navigator.onLine && stale && urls.length) prepare(box, urls);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:load", init);
})();
