// The outbox: completed visits wait here until the server has them. Being online only means it empties at
// once. Replay is first-in first-out, one at a time; only a 2xx removes an entry; 422 and 409 set the entry
// aside as "needs action" without blocking the rest; 401/403 stop and ask for a new log-in; anything else
// (network, 5xx, 429) is retried with a growing, capped pause. Connectivity is judged by /ping, not by
// navigator.onLine alone. See shared/DESIGN.md, "Local-first visits".
(function () {
  "use strict";
  const MAX_PAUSE = 5 * 60 * 1000;
  const store = window.eftervaernStore;
  let flushing = null;
  let timer = null;
  let loginNeeded = false;

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function reachable() {
    try {
      const response = await fetch("/ping", { cache: "no-store", credentials: "same-origin" });
      return response.ok;
    } catch (e) {
      return false;
    }
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  }

  async function send(entry) {
    let response;
    let data = {};
    try {
      response = await fetch(entry.url, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json", "Content-Type": entry.contentType },
        body: entry.body,
      });
      data = await response.json().catch(() => ({}));
    } catch (e) {
      return { retry: true };
    }
    if (response.ok) {
      await store.deleteEntry(entry.uuid);
      if (entry.draftKey) await store.deleteDraft(entry.draftKey).catch(() => {});
      localStorage.setItem("eftervaern-last-sync", String(Date.now()));
      document.dispatchEvent(new CustomEvent("outbox:sent", { detail: { uuid: entry.uuid, data } }));
      return { sent: true };
    }
    if (response.status === 422 || response.status === 409) {
      Object.assign(entry, { state: "attention", status: response.status, errors: data.errors || {}, message: data.message || "" });
      await store.putEntry(entry);
      document.dispatchEvent(new CustomEvent("outbox:attention", { detail: { entry } }));
      return { attention: true };
    }
    if (response.status === 401 || response.status === 403) {
      loginNeeded = true;
      document.dispatchEvent(new CustomEvent("outbox:login"));
      return { stop: true };
    }
    return { retry: true };
  }

  async function flushOnce() {
    const entries = (await store.allEntries()).filter((e) => e.state === "pending");
    entries.sort((a, b) => a.createdAt - b.createdAt);
    if (!entries.length) return;
    if (!(await reachable())) return schedule(15000);
    for (const entry of entries) {
      if (entry.nextAttempt && entry.nextAttempt > Date.now()) return schedule(entry.nextAttempt - Date.now());
      const result = await send(entry);
      if (result.stop) return;
      if (result.retry) {
        entry.attempts = (entry.attempts || 0) + 1;
        const pause = Math.min(MAX_PAUSE, 1000 * 2 ** entry.attempts);
        entry.nextAttempt = Date.now() + pause;
        await store.putEntry(entry);
        return schedule(pause); // first in, first out: the rest wait for this one
      }
    }
  }

  function flush() {
    // Only a logged-in user's device has an outbox; the log-in page must not recreate a wiped database.
    if (!store || document.body.dataset.loggedIn === undefined) return Promise.resolve();
    if (!flushing) {
      loginNeeded = false;
      flushing = flushOnce().finally(() => { flushing = null; render(); });
    }
    return flushing;
  }

  async function add(entry) {
    await store.putEntry(Object.assign({ createdAt: Date.now(), attempts: 0, state: "pending", nextAttempt: 0 }, entry));
    render();
    return flush();
  }

  // --- The status line: what is on the device -------------------------------------------------------
  async function render() {
    const bar = document.getElementById("sync-status");
    if (!bar || !store || document.body.dataset.loggedIn === undefined) return;
    const entries = await store.allEntries().catch(() => []);
    const waiting = entries.filter((e) => e.state === "pending").length;
    const attention = entries.filter((e) => e.state === "attention").length;
    const last = Number(localStorage.getItem("eftervaern-last-sync") || 0);
    const parts = [navigator.onLine ? bar.dataset.online : bar.dataset.offline];
    parts.push(bar.dataset.waiting.replace("{n}", String(waiting)));
    if (attention) parts.push(bar.dataset.attention.replace("{n}", String(attention)));
    if (last) parts.push(bar.dataset.last.replace("{t}", new Date(last).toLocaleTimeString("da-DK", { hour: "2-digit", minute: "2-digit" })));
    if (loginNeeded) parts.push(bar.dataset.login);
    bar.textContent = parts.join(" · ");
    bar.dataset.waitingCount = String(waiting);
    bar.dataset.attentionCount = String(attention);
    bar.classList.toggle("has-attention", attention > 0 || loginNeeded);
    bar.hidden = false;
  }

  window.eftervaernOutbox = { add, flush, render };
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", flush);
  else flush();
  setInterval(flush, 60000);
})();
