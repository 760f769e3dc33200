// Efterværn's service worker. Served by Flask at /sw.js (scope /) with VERSION and PRECACHE filled in.
// One small function per kind of request; see shared/DESIGN.md, "Service worker".
"use strict";

const VERSION = "__VERSION__";
const PREFIX = "eftervaern";
const STATIC_CACHE = `${PREFIX}-static-${VERSION}`;
const PAGES_CACHE = `${PREFIX}-pages-${VERSION}`;
const PRECACHE = __PRECACHE__;
const OFFLINE_PAGE = "/offline";

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
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

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
// offline page when there is none.
async function navigation(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && isCacheablePage(request)) {
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

function isCacheablePage(request) {
  const path = new URL(request.url).pathname;
  return !path.startsWith("/login") && !path.startsWith("/s/") && !path.startsWith("/admin");
}

// Static files: the cache first; they change only with a new version, which brings a new cache.
async function staticFile(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC_CACHE)).put(request, response.clone());
  return response;
}
