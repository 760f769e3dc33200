// The installable app on the page: the service worker, a polite update, persistent storage, and wiping
// what the device keeps when the user logs out.
(function () {
  "use strict";
  const body = document.body;

  // --- Wiping the device ------------------------------------------------------------------------------
  // Everything the device stores belongs to the logged-in jobformidler; it goes at log-out.
  async function wipeDevice() {
    if ("caches" in window) {
      const keys = await caches.keys();
      await Promise.all(keys.filter((k) => k.startsWith("eftervaern-")).map((k) => caches.delete(k)));
    }
    if (window.indexedDB && indexedDB.databases) {
      const dbs = await indexedDB.databases();
      await Promise.all(
        dbs.map((db) => new Promise((resolve) => {
          const request = indexedDB.deleteDatabase(db.name);
          request.onsuccess = request.onerror = request.onblocked = () => resolve();
        }))
      );
    }
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) { /* storage may be disabled */ }
  }
  window.eftervaernWipeDevice = wipeDevice;

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form.logout") || form.dataset.wiped) return;
    event.preventDefault();
    wipeDevice().finally(function () {
      form.dataset.wiped = "1";
      form.submit();
    });
  });
  // The server marks the first page after a log-out it made itself (e.g. an idle session), too.
  if (body.dataset.wipeDevice !== undefined) wipeDevice();

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
    });
  }
})();
