// Efterværn's service worker. Served by Flask at /sw.js (scope /) with VERSION and PRECACHE filled in.
// One small function per kind of request; see shared/DESIGN.md, "Service worker".
"use strict";

const VERSION = "__VERSION__";
const PREFIX = "eftervaern";
const STATIC_CACHE = `${PREFIX}-static-${VERSION}`;
const PAGES_CACHE = `${PREFIX}-pages-${VERSION}`;
const PRECACHE = __PRECACHE__;
const OFFLINE_PAGE = "/offline";
const REQUEST_TIMEOUT = 20000; // no request of the worker's own may hang: after this it counts as failed
const OUTBOX_LOCK = "eftervaern-outbox"; // the pages' send lock (static/js/outbox.js): one sender at a time
const OUTBOX_CHANNEL = "eftervaern-outbox"; // the pages hear of each send on it (static/js/outbox.js)
importScripts("/static/vendor/idb.umd.js"); // IndexedDB for Background Sync, as the pages use it
importScripts("/static/js/clock.js"); // the device's time with its offset, as the pages send it

self.addEventListener("install", (event) => {
  // cache: "reload" skips the HTTP cache, so a new version never precaches an old file.
  event.waitUntil(
    caches.open(STATIC_CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" })))
    )
  );
  // No skipWaiting here: a new version waits until the user accepts it, so a half-filled form is never
  // reloaded away. The page offers the update ("Ny version klar") and sends SKIP_WAITING.
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(
        keys
          .filter((key) => key.startsWith(`${PREFIX}-`) && key !== STATIC_CACHE && key !== PAGES_CACHE)
          .map((key) => caches.delete(key))
      )
    ).then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (!event.data) return;
  if (event.data.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data.type === "PREPARE_DAY") event.waitUntil(prepareDay(event.data.urls || [], event.ports[0]));
  if (event.data.type === "STOP_PREPARE") event.waitUntil(stopPreparing(event.ports[0]));
});

// fetch() with a deadline, for the requests the worker makes itself.
function fetchWithin(url, options) {
  return fetch(url, Object.assign({}, options, { signal: AbortSignal.timeout(REQUEST_TIMEOUT) }));
}

// --- Preparing the day ------------------------------------------------------------------------------
// The home page names the pages the field needs, most needed first and within a stated bound: the coming
// visits' forms, then the pages of the user's other active courses and their citizens; they are fetched
// now, while there is network, and kept with the other pages. Only the user's own caseload is named.
// A preparation stops when a newer one starts or the user logs out (STOP_PREPARE): a page fetched after
// the log-out's wipe must not be kept, nor may its redirect to the log-in page take that page's message.
let preparation = 0;
let preparing = Promise.resolve();

// Logging out: nothing more is fetched or kept, and the page hears back once the fetch under way has
// ended, so that no answer carrying the old session's cookie can arrive after the log-out.
async function stopPreparing(port) {
  preparation += 1;
  await preparing.catch(() => {});
  if (port) port.postMessage({ stopped: true });
}

function prepareDay(urls, port) {
  preparing = keepPages(urls, port);
  return preparing;
}

async function keepPages(urls, port) {
  const cache = await caches.open(PAGES_CACHE);
  const run = ++preparation;
  let kept = 0;
  let bytes = 0; // said on the home page: how much the device keeps
  for (const url of urls) {
    if (run !== preparation) break;
    if (new URL(url, self.location.origin).origin !== self.location.origin) continue;
    try {
      const response = await fetchWithin(url, { credentials: "same-origin", cache: "no-store", redirect: "manual" });
      if (response.type === "opaqueredirect") break; // the session ended: to the log-in page, kept nothing
      if (run === preparation && response.ok && isCacheablePage(new Request(url), response)) {
        bytes += (await response.clone().blob()).size;
        await cache.put(new Request(url), response);
        kept += 1;
      }
    } catch (error) {
      break; // the network went: what is kept so far stays
    }
  }
  if (port) port.postMessage({ kept, total: urls.length, bytes });
}

// --- Background Sync --------------------------------------------------------------------------------
// The network is back: an open page sends its outbox itself (static/js/outbox.js). With no page open, the
// worker sends what is pending, first in first out, and stops at the first answer that is not a success;
// the page handles those answers when it next opens.
self.addEventListener("sync", (event) => {
  if (event.tag === "eftervaern-outbox") event.waitUntil(syncOutbox());
});

async function deletePageCaches() {
  const keys = await caches.keys();
  await Promise.all(keys.filter((k) => k.startsWith(`${PREFIX}-pages-`)).map((k) => caches.delete(k)));
}

async function syncOutbox() {
  const windows = await self.clients.matchAll({ type: "window" });
  if (windows.length) {
    windows.forEach((client) => client.postMessage({ type: "FLUSH_OUTBOX" }));
    return;
  }
  // The same lock as the pages': a page that opens (or one the worker does not control) while the
  // worker sends waits, and then finds the entries gone, instead of sending them a second time.
  if (self.navigator.locks && self.navigator.locks.request) return self.navigator.locks.request(OUTBOX_LOCK, sendOutbox);
  return sendOutbox();
}

async function sendOutbox() {
  if (!self.indexedDB || !(await indexedDB.databases()).some((info) => info.name === "eftervaern")) return;
  const database = await idb.openDB("eftervaern");
  try {
    await sendEntries(database);
  } finally {
    database.close(); // an open connection would hold up the wipe at log-out
  }
}

async function sendEntries(database) {
  const entries = (await database.getAll("outbox"))
    .filter((e) => e.state === "pending")
    .sort((a, b) => a.createdAt - b.createdAt);
  if (!entries.length) return;
  // The token an entry was queued with belongs to the session of that moment; after a new log-in it is
  // stale. Ask for the present session's token (401 when logged out: the browser retries later).
  const tokenResponse = await fetchWithin("/api/v1/csrf-token", { credentials: "same-origin", headers: { "Accept": "application/json" } });
  if (tokenResponse.status === 401) {
    // Ended on the server (a lost phone): the pages kept here go now; the outbox waits for its user's
    // next log-in, and the next page wipes the rest (static/js/store.js, wipeEnded).
    const answer = await tokenResponse.json().catch(() => ({}));
    if (answer.error === "session_ended") await deletePageCaches();
  }
  if (!tokenResponse.ok) throw new Error(`csrf token answered ${tokenResponse.status}`);
  const { csrf_token: csrf } = await tokenResponse.json();
  const held = new Set(entries.map((e) => e.uuid));
  for (const entry of entries) {
    if (entry.dependsOn && held.has(entry.dependsOn)) break;
    const response = await fetchWithin(entry.url, {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrf,
        "Accept": "application/json",
        "Content-Type": entry.contentType,
        "X-Device-Time": self.eftervaernDeviceTime(),
      },
      body: entry.body,
    });
    if (!response.ok) throw new Error(`outbox entry answered ${response.status}`); // the browser retries
    const data = await response.json().catch(() => ({}));
    await noteSummary(data);
    // Only what was sent leaves: a newer version queued meanwhile (a page) stays.
    const current = await database.get("outbox", entry.uuid);
    if (current && current.createdAt === entry.createdAt) {
      await database.delete("outbox", entry.uuid);
      if (entry.draftKey) await database.delete("drafts", entry.draftKey);
    }
    held.delete(entry.uuid);
    tellPages(entry, data);
  }
}

// --- Summaries being made ---------------------------------------------------------------------------
// The last signature makes the server start the sealed summary; the device tracks it until it is ready
// (static/js/outbox.js, "Summaries being made"). The pages keep that list in localStorage, which a
// worker cannot reach: the worker notes what it learnt in a small database of its own, and the next page
// takes the notes over and asks on until each summary is ready.
const SUMMARIES_DB = "eftervaern-summaries"; // the same name and shape in static/js/outbox.js

function openSummaries() {
  return idb.openDB(SUMMARIES_DB, 1, { upgrade: (db) => db.createObjectStore("visits", { keyPath: "uuid" }) });
}

async function noteSummary(answer) {
  if (!answer || !answer.uuid || !answer.summary) return;
  const database = await openSummaries();
  try {
    await database.put("visits", { uuid: answer.uuid, summary: answer.summary, sentAt: Date.now() });
  } finally {
    database.close(); // an open connection would hold up the wipe at log-out
  }
}

// Pages this worker does not control (one opened before it took over) get no FLUSH_OUTBOX and may have
// the sent visit open, waiting for it: they hear of the send as they hear of another tab's
// (static/js/outbox.js listens on the same channel).
function tellPages(entry, data) {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(OUTBOX_CHANNEL);
  channel.postMessage({ type: "sent", uuid: entry.uuid, data, body: entry.body, page: entry.dependsOn ? null : entry.page || null });
  channel.close();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // never touch writes: the outbox owns them
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isNetworkOnly(request, url)) return; // the browser's own handling: network, no cache
  if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});

function isNetworkOnly(request, url) {
  return (
    url.pathname.startsWith("/api/") ||
    url.pathname === "/ping" ||
    url.pathname === "/sw.js" ||
    url.pathname.startsWith("/kalender/") ||
    request.headers.get("HX-Request") === "true"
  );
}

// Pages: the network first (they show personal data that changes), the last copy when offline, and the
// offline page when there is none. A page the server marks no-store is never kept (other roles' than the
// jobformidler's, signing links, the log-in).
async function navigation(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && isCacheablePage(request, response)) {
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    return (
      (await cache.match(request, { ignoreVary: true })) ||
      (await caches.match(OFFLINE_PAGE, { ignoreVary: true })) ||
      Response.error()
    );
  }
}

function isCacheablePage(request, response) {
  if (/no-store/.test(response.headers.get("Cache-Control") || "")) return false;
  const path = new URL(request.url).pathname;
  return !path.startsWith("/login") && !path.startsWith("/s/");
}

// Static files: the cache first; they change only with a new version, which brings a new cache.
async function staticFile(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC_CACHE)).put(request, response.clone());
  return response;
}
