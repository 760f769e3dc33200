// What the device keeps, in IndexedDB: drafts of visits being typed, and the outbox of completed visits
// and their signatures. Everything here belongs to the logged-in user: it is wiped at log-out (pwa.js),
// and when another user logs in on the device (below). An expired session keeps it, so that the user's
// unsent visits go out after the next log-in; a session ended on the server keeps only those (wipeEnded).
(function () {
  "use strict";
  const DB_NAME = "eftervaern";
  const DB_VERSION = 1;
  const OWNER_KEY = "eftervaern-owner";
  let opened = null;
  let database = null; // the open connection, once there is one, for writes that cannot wait

  // Wiping the device: the user's personal data, that is the page copies, the databases and the local
  // storage. The app's own files (the service worker's static cache) hold nobody's data and stay: the
  // same worker version precaches them only once, at install, so without them the next user's visit
  // forms would have no scripts offline.
  async function wipeDevice() {
    if ("caches" in window) {
      const keys = await caches.keys();
      const personal = keys.filter((k) => k.startsWith("eftervaern-") && !k.startsWith("eftervaern-static-"));
      await Promise.all(personal.map((k) => caches.delete(k)));
    }
    // This page's own connection would hold the deletion up until the page goes (blocked).
    if (database) database.close();
    database = null;
    opened = null;
    if (window.indexedDB && indexedDB.databases) {
      const dbs = await indexedDB.databases();
      await Promise.all(
        dbs.map((info) => new Promise((resolve) => {
          const request = indexedDB.deleteDatabase(info.name);
          request.onsuccess = request.onerror = request.onblocked = () => resolve();
        }))
      );
    }
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) { /* storage may be disabled */ }
  }

  // A session ended on the server (log-out elsewhere, a new password, "Log ud på alle enheder" for a lost
  // phone): the personal data goes — the page copies, drafts, other databases, local storage — but not the
  // app's own files, and not the
  // outbox of completed visits and signatures not yet sent, the only copy of them. They are sent after
  // this user's next log-in; if someone else logs in here first, checkOwner() wipes them unshown.
  async function wipeEnded() {
    if ("caches" in window) {
      const keys = await caches.keys();
      const personal = keys.filter((k) => k.startsWith("eftervaern-") && !k.startsWith("eftervaern-static-"));
      await Promise.all(personal.map((k) => caches.delete(k)));
    }
    if (window.indexedDB && indexedDB.databases) {
      const dbs = await indexedDB.databases();
      await Promise.all(dbs.filter((info) => info.name !== DB_NAME).map((info) => new Promise((resolve) => {
        const request = indexedDB.deleteDatabase(info.name);
        request.onsuccess = request.onerror = request.onblocked = () => resolve();
      })));
      if (dbs.some((info) => info.name === DB_NAME)) {
        const connection = database || await idb.openDB(DB_NAME, DB_VERSION);
        await connection.clear("drafts");
        if (connection !== database) connection.close();
      }
    }
    try {
      const owner = localStorage.getItem(OWNER_KEY);
      localStorage.clear();
      sessionStorage.clear();
      if (owner) localStorage.setItem(OWNER_KEY, owner); // whose unsent visits these are
    } catch (e) { /* storage may be disabled */ }
  }

  // After a session ended on its own, only the page copies go: the user's unsent work stays.
  async function wipePages() {
    if (!("caches" in window)) return;
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k.startsWith("eftervaern-pages-")).map((k) => caches.delete(k)));
  }

  // Another user's unsent work must never be sent, or shown, under this user's session.
  async function checkOwner() {
    const user = document.body.dataset.user;
    if (!user) return;
    let owner = null;
    try { owner = localStorage.getItem(OWNER_KEY); } catch (e) { return; }
    if (owner && owner !== user) await wipeDevice();
    try { localStorage.setItem(OWNER_KEY, user); } catch (e) { /* storage may be disabled */ }
  }

  function db() {
    if (!opened) {
      opened = checkOwner().then(() =>
        idb.openDB(DB_NAME, DB_VERSION, {
          upgrade(upgrading) {
            upgrading.createObjectStore("drafts", { keyPath: "key" });
            upgrading.createObjectStore("outbox", { keyPath: "uuid" });
          },
          // Another page is deleting the database (another user has logged in on the device: wipeDevice).
          // The deletion, and every later open of the database, waits for this connection until it
          // closes: let go at once (the next use here opens it anew), or that page's store would hang.
          blocking() {
            if (database) database.close();
            database = null;
            opened = null;
          },
        }).then((connection) => { database = connection; return connection; })
      );
    }
    return opened;
  }

  // The visit's UUID for a form, made once per form and device: two tabs with the same form get the same
  // UUID (IndexedDB transactions run one at a time), so they can only ever make one visit.
  async function reserveUuid(key, fresh) {
    const tx = (await db()).transaction("drafts", "readwrite");
    const draft = await tx.store.get(key);
    if (draft) { await tx.done; return draft; }
    const reserved = { key: key, uuid: fresh, fields: null, savedAt: 0 };
    await tx.store.put(reserved);
    await tx.done;
    return reserved;
  }

  // A UUID made on the device for what it stores and sends (a visit, a contact): the server's idempotency
  // rests on it. crypto.randomUUID needs a secure context; the fallback is the same version-4 layout.
  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  window.eftervaernWipeDevice = wipeDevice;
  window.eftervaernWipePages = wipePages;
  window.eftervaernWipeEnded = wipeEnded;
  window.eftervaernStore = {
    newUuid,
    reserveUuid,
    getDraft: async (key) => (await db()).get("drafts", key),
    putDraft: async (draft) => (await db()).put("drafts", draft),
    // When the page is going away, a write has to be asked for before the handler returns, and committed
    // at once: a transaction still waiting for the event loop is dropped with the page.
    putDraftNow: function (draft) {
      if (!database) return window.eftervaernStore.putDraft(draft);
      const tx = database.transaction("drafts", "readwrite");
      tx.store.put(draft);
      if (tx.commit) tx.commit();
      return tx.done;
    },
    deleteDraft: async (key) => (await db()).delete("drafts", key),
    allEntries: async () => (await db()).getAll("outbox"),
    getEntry: async (uuid) => (await db()).get("outbox", uuid),
    putEntry: async (entry) => (await db()).put("outbox", entry),
    deleteEntry: async (uuid) => (await db()).delete("outbox", uuid),
  };
  // Opening the database at once also settles whose device this is before anything else reads it.
  if (document.body && document.body.dataset.loggedIn !== undefined) db().catch(() => {});
})();
