// What the device keeps, in IndexedDB: drafts of visits being typed, and the outbox of completed visits.
// Everything here belongs to the logged-in user and is wiped at log-out (pwa.js).
(function () {
  "use strict";
  const DB_NAME = "eftervaern";
  const DB_VERSION = 1;
  let opened = null;

  function db() {
    if (!opened) {
      opened = idb.openDB(DB_NAME, DB_VERSION, {
        upgrade(database) {
          database.createObjectStore("drafts", { keyPath: "key" });
          database.createObjectStore("outbox", { keyPath: "uuid" });
        },
      });
    }
    return opened;
  }

  window.eftervaernStore = {
    getDraft: async (key) => (await db()).get("drafts", key),
    putDraft: async (draft) => (await db()).put("drafts", draft),
    deleteDraft: async (key) => (await db()).delete("drafts", key),
    allEntries: async () => (await db()).getAll("outbox"),
    getEntry: async (uuid) => (await db()).get("outbox", uuid),
    putEntry: async (entry) => (await db()).put("outbox", entry),
    deleteEntry: async (uuid) => (await db()).delete("outbox", uuid),
  };
})();
