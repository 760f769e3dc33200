// The outbox: completed visits wait here until the server has them. Being online only means it empties at
// once. Replay is first-in first-out, one at a time; only a 2xx removes an entry; 422 and 409 set the entry
// aside as "needs action" without blocking the rest, and so does a 400 (a request the server cannot read
// will not read better the next time); 401/403 stop and ask for a new log-in; anything else (network,
// a request that outlives its deadline, 5xx, 429) is retried with a growing, capped pause. Connectivity
// is judged by /ping, not by navigator.onLine alone. See shared/DESIGN.md, "Local-first visits".
(function () {
  "use strict";
  const MAX_PAUSE = 5 * 60 * 1000;
  const store = window.eftervaernStore;
  let flushing = null;
  let timer = null;
  let loginNeeded = false;
  // Other tabs of the app learn at once what this one sent (a visit open there is then saved, too).
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("eftervaern-outbox") : null;

  const request = (url, options) => window.eftervaernFetch(url, options);

  async function reachable() {
    try {
      const response = await request("/ping", { cache: "no-store", credentials: "same-origin" });
      return response.ok;
    } catch (e) {
      return false;
    }
  }

  // The session's CSRF token of this moment, asked for before each round of sends: the page's own may
  // be stale (the user logged in again in another tab). No session: null, and the user is asked to log
  // in at once, before any entry is tried.
  async function sessionToken() {
    try {
      const response = await request("/api/v1/csrf-token", { cache: "no-store", credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (response.status === 401 || response.status === 403) return { login: true, answer: await response.json().catch(() => ({})) };
      if (!response.ok) return { retry: true };
      return { token: (await response.json()).csrf_token };
    } catch (e) {
      return { retry: true };
    }
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  }

  async function askForLogIn(answer) {
    // Ended on the server (a lost phone): wipe what the device keeps, except what waits to be sent.
    if (answer && answer.error === "session_ended" && window.eftervaernWipeEnded) await window.eftervaernWipeEnded();
    loginNeeded = true;
    document.dispatchEvent(new CustomEvent("outbox:login"));
    return { stop: true };
  }

  async function send(entry, token) {
    let response;
    let data = {};
    try {
      response = await request(entry.url, {
        method: "PUT",
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": token,
          "Accept": "application/json",
          "Content-Type": entry.contentType,
          "X-Device-Time": window.eftervaernDeviceTime(),
        },
        body: entry.body,
      });
      data = await response.json().catch(() => ({}));
    } catch (e) {
      return { retry: true };
    }
    if (response.ok) {
      // Only what was sent leaves: a newer version of the visit queued meanwhile (another tab) stays.
      const current = await store.getEntry(entry.uuid).catch(() => null);
      if (current && current.createdAt === entry.createdAt) {
        await store.deleteEntry(entry.uuid);
        if (entry.draftKey) await store.deleteDraft(entry.draftKey).catch(() => {});
      }
      localStorage.setItem("eftervaern-last-sync", String(Date.now()));
      noteSummary(data);
      if (!entry.dependsOn && entry.page && data.url) remember(entry.page, data.url);
      // With the body sent: a tab with other content typed for the same visit keeps it (visit-form.js).
      document.dispatchEvent(new CustomEvent("outbox:sent", { detail: { uuid: entry.uuid, data, body: entry.body } }));
      if (channel) channel.postMessage({ type: "sent", uuid: entry.uuid, data, body: entry.body });
      return { sent: true };
    }
    if (response.status === 422 || response.status === 409) {
      Object.assign(entry, { state: "attention", status: response.status, errors: data.errors || {}, message: data.message || "" });
      await store.putEntry(entry);
      // Signatures given on the device for a visit the server refused were given for content that has to
      // change now: they go, and the signers sign the corrected visit.
      const given = (await store.allEntries()).filter((e) => e.dependsOn === entry.uuid);
      for (const signature of given) await store.deleteEntry(signature.uuid);
      entry.withdrawn = given.map((e) => e.role || e.uuid.split("/").pop());
      document.dispatchEvent(new CustomEvent("outbox:attention", { detail: { entry } }));
      return { attention: true };
    }
    if (response.status === 401 || response.status === 403) return askForLogIn(data);
    if (response.status === 400) {
      // Not retried blindly: kept, with the server's words, for the user to act on ("På enheden").
      Object.assign(entry, { state: "attention", status: 400, errors: data.errors || {}, message: data.message || "" });
      await store.putEntry(entry);
      document.dispatchEvent(new CustomEvent("outbox:attention", { detail: { entry } }));
      return { attention: true };
    }
    return { retry: true };
  }

  // --- Summaries being made ------------------------------------------------------------------------
  // A signed visit is not done until the server holds its sealed summary: the server makes it after
  // answering, and a killed server may have lost that work. The device remembers each signed visit whose
  // summary was still being made, asks again until it is ready (asking also makes the server queue a lost
  // one again), and until then does not say that nothing waits.
  const SUMMARIES = "eftervaern-summaries";

  function summaries() {
    try {
      return JSON.parse(localStorage.getItem(SUMMARIES) || "[]");
    } catch (e) {
      return [];
    }
  }

  function noteSummary(data) {
    if (!data || !data.uuid || !data.summary) return;
    const waiting = new Set(summaries());
    if (data.summary === "pending" || data.summary === "failed") waiting.add(data.uuid);
    else waiting.delete(data.uuid);
    localStorage.setItem(SUMMARIES, JSON.stringify([...waiting]));
  }

  // What the service worker sent by itself with no page open (Background Sync, service_worker/sw.js): it
  // notes each answer's summary state in a database of its own, as it cannot reach localStorage. The
  // page takes the notes over, so that a summary the worker's signature started is tracked like one this
  // page started; the last of them is also the last successful send.
  const WORKER_SUMMARIES = "eftervaern-summaries";

  async function adoptWorkerNotes() {
    if (!window.indexedDB || !indexedDB.databases || !window.idb) return;
    if (!(await indexedDB.databases()).some((info) => info.name === WORKER_SUMMARIES)) return;
    const database = await idb.openDB(WORKER_SUMMARIES, 1, {
      upgrade: (db) => db.createObjectStore("visits", { keyPath: "uuid" }),
    });
    try {
      const tx = database.transaction("visits", "readwrite");
      const notes = await tx.store.getAll();
      await tx.store.clear();
      await tx.done;
      notes.sort((a, b) => a.sentAt - b.sentAt).forEach(noteSummary);
      const last = Math.max(0, ...notes.map((n) => n.sentAt || 0));
      if (last > Number(localStorage.getItem("eftervaern-last-sync") || 0)) {
        localStorage.setItem("eftervaern-last-sync", String(last));
      }
    } finally {
      database.close(); // an open connection would hold up the wipe at log-out
    }
  }

  async function checkSummaries() {
    const waiting = summaries();
    if (!waiting.length) return;
    for (const uuid of waiting) {
      try {
        const response = await request("/api/v1/visits/" + encodeURIComponent(uuid), {
          credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" },
        });
        if (response.status === 404) noteSummary({ uuid, summary: "none" }); // not this user's any more
        else if (response.ok) noteSummary(await response.json());
      } catch (e) {
        break; // no network: ask again later
      }
    }
    if (summaries().length) schedule(5000);
  }

  async function flushOnce() {
    await adoptWorkerNotes().catch(() => {});
    const all = await store.allEntries();
    const entries = all.filter((e) => e.state === "pending");
    entries.sort((a, b) => a.createdAt - b.createdAt);
    if (!entries.length) return checkSummaries();
    if (!(await reachable())) return schedule(15000);
    const session = await sessionToken();
    if (session.login) return askForLogIn(session.answer);
    if (session.retry) return schedule(3000); // the server answered /ping: try again soon
    const held = new Set(all.map((e) => e.uuid));
    for (const entry of entries) {
      // A signature waits for its visit: while the visit is still on the device, so is the signature.
      if (entry.dependsOn && held.has(entry.dependsOn)) continue;
      if (entry.nextAttempt && entry.nextAttempt > Date.now()) return schedule(entry.nextAttempt - Date.now());
      const result = await send(entry, session.token);
      if (result.sent) held.delete(entry.uuid);
      if (result.stop) return;
      if (result.retry) {
        entry.attempts = (entry.attempts || 0) + 1;
        const pause = Math.min(MAX_PAUSE, 1000 * 2 ** entry.attempts);
        entry.nextAttempt = Date.now() + pause;
        await store.putEntry(entry);
        return schedule(pause); // first in, first out: the rest wait for this one
      }
    }
    await checkSummaries();
  }

  // One tab at a time sends: with the same visit open in two tabs, the second waits and then finds the
  // entry gone. The server's idempotency on the UUID is the safety net underneath.
  function exclusively(work) {
    if (navigator.locks && navigator.locks.request) return navigator.locks.request("eftervaern-outbox", work);
    return work();
  }

  // Logging out: nothing more is sent from this page (pwa.js wipes the device next).
  let stopped = false;
  function stop() {
    stopped = true;
    clearTimeout(timer);
  }

  function flush() {
    // Only a logged-in user's device has an outbox; the log-in page must not recreate a wiped database.
    if (stopped || !store || document.body.dataset.loggedIn === undefined) return Promise.resolve();
    if (!flushing) {
      loginNeeded = false;
      flushing = exclusively(flushOnce).finally(() => { flushing = null; render(); });
    }
    return flushing;
  }

  // Where the browser has Background Sync, it wakes the service worker when the network is back, even
  // with the app closed; the worker then asks an open page to send, or sends itself (service_worker/sw.js).
  async function registerSync() {
    try {
      const registration = await navigator.serviceWorker.ready;
      if (registration.sync) await registration.sync.register("eftervaern-outbox");
    } catch (e) { /* no Background Sync: "online", page loads and the timer still send */ }
  }

  async function add(entry) {
    // No CSRF token is kept with the entry: whoever sends it asks for the session's token of that moment.
    await store.putEntry(Object.assign({ createdAt: Date.now(), attempts: 0, state: "pending", nextAttempt: 0 }, entry));
    // Someone signed: the visit is locked in every tab that has it open (visit-form.js).
    if (entry.dependsOn && channel) channel.postMessage({ type: "signed", visit: entry.dependsOn });
    render();
    if ("serviceWorker" in navigator) registerSync();
    return flush();
  }

  async function pending(uuid) {
    const entry = await store.getEntry(uuid).catch(() => null);
    return entry || null;
  }

  // --- Planned visits completed here ----------------------------------------------------------------
  // A home page kept on the device for offline use was made before the visit was done: its "Start
  // besøget" would open an empty form for a visit already completed here. The device remembers which
  // forms it completed (wiped at log-out with the rest of the local storage) and says so instead.
  const COMPLETED_KEY = "eftervaern-completed";
  const COMPLETED_KEPT = 200;

  function completed() {
    try { return JSON.parse(localStorage.getItem(COMPLETED_KEY) || "{}"); } catch (e) { return {}; }
  }

  function remember(page, url) {
    const known = completed();
    delete known[page];
    known[page] = url;
    const pages = Object.keys(known);
    pages.slice(0, Math.max(0, pages.length - COMPLETED_KEPT)).forEach((old) => delete known[old]);
    try { localStorage.setItem(COMPLETED_KEY, JSON.stringify(known)); } catch (e) { /* storage may be disabled */ }
  }

  function markCompleted(entries) {
    const links = document.querySelectorAll("a[data-visit-start]");
    if (!links.length) return;
    const done = completed();
    // Still waiting: the form shows the visit as completed, with its signatures.
    entries.filter((e) => !e.dependsOn && e.page).forEach((e) => { done[e.page] = e.page; });
    links.forEach(function (link) {
      const page = link.getAttribute("href");
      if (!done[page]) return;
      link.href = done[page];
      link.textContent = link.dataset.msgDone;
      link.classList.remove("btn-primary");
      link.dataset.completed = "1";
    });
  }

  // --- The status line: what is on the device -------------------------------------------------------
  async function render() {
    const bar = document.getElementById("sync-status");
    if (!bar || !store || document.body.dataset.loggedIn === undefined) return;
    const entries = await store.allEntries().catch(() => []);
    markCompleted(entries);
    // Counted in visits: a visit's signatures travel with it and are not visits of their own.
    const visits = (state) => new Set(entries.filter((e) => e.state === state).map((e) => e.visit || e.uuid)).size;
    const waiting = visits("pending");
    const attention = visits("attention");
    // Contacts between visits travel the same way (static/js/contact-form.js) and are named as contacts.
    const contacts = entries.filter((e) => e.state === "pending" && e.kind === "contact").length;
    const last = Number(localStorage.getItem("eftervaern-last-sync") || 0);
    const parts = [navigator.onLine ? bar.dataset.online : bar.dataset.offline];
    parts.push(bar.dataset.waiting.replace("{n}", String(waiting - contacts)));
    if (contacts === 1 && bar.dataset.waitingContact) parts.push(bar.dataset.waitingContact);
    else if (contacts && bar.dataset.waitingContacts) parts.push(bar.dataset.waitingContacts.replace("{n}", String(contacts)));
    if (attention) parts.push(bar.dataset.attention.replace("{n}", String(attention)));
    if (last) parts.push(bar.dataset.last.replace("{t}", new Date(last).toLocaleTimeString("da-DK", { hour: "2-digit", minute: "2-digit" })));
    const making = summaries().length;
    if (making === 1) parts.push(bar.dataset.summary);
    else if (making) parts.push(bar.dataset.summaries.replace("{n}", String(making)));
    if (loginNeeded) parts.push(bar.dataset.login);
    bar.textContent = parts.join(" · ");
    // What waits, and why something was refused, is listed on "På enheden".
    if ((waiting || attention) && bar.dataset.deviceUrl && location.pathname !== bar.dataset.deviceUrl) {
      const more = document.createElement("a");
      more.href = bar.dataset.deviceUrl;
      more.textContent = bar.dataset.deviceLink;
      bar.append(" · ", more);
    }
    bar.dataset.waitingCount = String(waiting);
    bar.dataset.attentionCount = String(attention);
    bar.dataset.summariesCount = String(making);
    bar.classList.toggle("has-attention", attention > 0 || loginNeeded);
    bar.hidden = false;
  }

  window.eftervaernOutbox = { add, flush, render, pending, stop };
  if (channel) {
    channel.addEventListener("message", function (event) {
      if (event.data && event.data.type === "sent") {
        // Sent by another tab, or by the service worker with no page of its own open: what the sender
        // learnt is kept here too (the summary being made, the planned visit now done).
        const data = event.data.data || {};
        noteSummary(data);
        if (event.data.page && data.url) remember(event.data.page, data.url);
        const detail = { uuid: event.data.uuid, data, body: event.data.body };
        document.dispatchEvent(new CustomEvent("outbox:sent", { detail }));
        render();
      }
      if (event.data && event.data.type === "signed") {
        document.dispatchEvent(new CustomEvent("outbox:signed", { detail: { visit: event.data.visit } }));
        render();
      }
    });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "FLUSH_OUTBOX") flush();
    });
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  // What the device holds is shown at once; sending may wait for the lock (another tab, the worker).
  function start() {
    render();
    flush();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  setInterval(flush, 60000);
})();
