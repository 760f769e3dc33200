// The installable app on the page: the service worker, a polite update, persistent storage, and wiping
// what the device keeps when the user logs out.
(function () {
  "use strict";
  const body = document.body;

  // --- Wiping the device ------------------------------------------------------------------------------
  // Everything the device stores belongs to the logged-in jobformidler; it goes at log-out (store.js).
  const wipeDevice = window.eftervaernWipeDevice;

  // Visits not yet sent are the only copy: try to send them, and warn before they are wiped.
  async function unsentCount() {
    const store = window.eftervaernStore;
    const outbox = window.eftervaernOutbox;
    if (!store || !outbox) return 0;
    await outbox.flush().catch(() => {});
    const entries = await store.allEntries().catch(() => []);
    return new Set(entries.map((e) => e.visit || e.uuid)).size;
  }

  async function reachable() {
    try {
      return (await window.eftervaernFetch("/ping", { cache: "no-store", credentials: "same-origin" })).ok;
    } catch (e) {
      return false;
    }
  }

  // "Forbered dagen" fetches pages in the service worker; at log-out it stops, and the log-out waits
  // for its last fetch: an answer arriving after the log-out would set the old session's cookie again.
  function stopPreparing() {
    const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!worker) return Promise.resolve();
    return Promise.race([
      new Promise(function (resolve) {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve();
        worker.postMessage({ type: "STOP_PREPARE" }, [channel.port2]);
      }),
      new Promise((resolve) => setTimeout(resolve, 25000)), // a fetch's own deadline is 20 s
    ]);
  }

  // Log-out behaves the same every time. It needs the server: with no connection nothing is deleted and
  // the session stays (the browser could not end it anyway). With one, and the user's yes to deleting
  // what has not been sent, the outbox stops and its lock is held while the device is wiped, so that
  // neither this page, another tab nor the service worker sends what the user agreed to delete.
  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!form.matches("form.logout") || form.dataset.wiped) return;
    event.preventDefault();
    if (!(await reachable())) {
      window.alert(body.dataset.msgLogoutOffline);
      return;
    }
    const unsent = await unsentCount();
    if (unsent && !window.confirm(body.dataset.msgLogoutUnsent.replace("{n}", String(unsent)))) return;
    const outbox = window.eftervaernOutbox;
    if (outbox) outbox.stop();
    await stopPreparing();
    const wipe = () => wipeDevice().catch(() => {}).then(function () {
      form.dataset.wiped = "1";
      form.submit();
      return new Promise(() => {}); // held until the page goes: nobody sends in between
    });
    if (navigator.locks && navigator.locks.request) navigator.locks.request("eftervaern-outbox", wipe);
    else wipe();
  });
  // The server marks the first page after a log-out: everything goes after the user's own log-out; after a
  // session that ended by itself only the page copies go, and unsent visits wait for the next log-in.
  // A session ended on the server (a lost phone, say) keeps only what has not been sent (store.js).
  if (body.dataset.wipeDevice === "pages") window.eftervaernWipePages();
  else if (body.dataset.wipeDevice === "ended") window.eftervaernWipeEnded();
  else if (body.dataset.wipeDevice !== undefined) wipeDevice();

  // --- Service worker and updates ---------------------------------------------------------------------
  if (!("serviceWorker" in navigator)) return;
  let accepted = false;

  function offerUpdate(worker) {
    if (document.getElementById("update-banner")) return;
    const banner = document.createElement("div");
    banner.id = "update-banner";
    banner.className = "update-banner";
    banner.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = body.dataset.msgUpdate;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small";
    button.textContent = body.dataset.msgReload;
    button.addEventListener("click", function () {
      accepted = true;
      worker.postMessage({ type: "SKIP_WAITING" });
    });
    banner.append(text, button);
    body.prepend(banner);
  }

  navigator.serviceWorker.addEventListener("controllerchange", function () {
    // Only the user's own click reloads: a half-filled form is never taken away.
    if (accepted) window.location.reload();
  });

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
    if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
    registration.addEventListener("updatefound", function () {
      const worker = registration.installing;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
      });
    });
  });

  // Ask the browser not to evict what the device keeps (visits not yet sent); show a refusal.
  if (navigator.storage && navigator.storage.persist && body.dataset.loggedIn !== undefined) {
    navigator.storage.persisted().then(function (already) {
      return already || navigator.storage.persist();
    }).then(function (granted) {
      body.dataset.storagePersisted = granted ? "yes" : "no";
      // Refused: the browser may clear what the device keeps when space runs low. Say so where it matters.
      const note = document.getElementById("storage-note");
      if (note) note.hidden = granted;
    });
  }
})();
