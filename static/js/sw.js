/* The station phone's service worker (docs/offline.md). Served at /sw.js by core/service_worker.py,
 * which puts CONFIG in front of this file: { offlineUrl, staticUrl, version }.
 *
 * It keeps two things, in one cache named after the version:
 * - the offline page (no personal data in it: forms and the waiting list, filled in by
 *   static/js/offline.js from IndexedDB), fetched again each time a signed-in page asks;
 * - the static files that page loads (styles, scripts, idb-keyval).
 * A page opened without a connection gets the offline page instead of the browser's error; every
 * other request goes to the network as before. Records are never sent from here: the page sends
 * them, with the session and CSRF token, to the ordinary forms.
 * Signing out (static/js/signout.js) deletes this cache and unregisters the worker.
 */
/* global CONFIG */
"use strict";

const CACHE = "rh-offline-" + CONFIG.version;

async function keepOfflineCopy() {
  const response = await fetch(CONFIG.offlineUrl, { credentials: "same-origin", cache: "no-store" });
  // Signed out, or not a station worker (a redirect to sign in, a 403): keep nothing.
  if (!response.ok || response.redirected) {
    return false;
  }
  const html = await response.clone().text();
  const cache = await caches.open(CACHE);
  await cache.put(CONFIG.offlineUrl, response);
  const prefix = CONFIG.staticUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp('(?:src|href)="(' + prefix + '[^"]+)"', "g");
  const assets = Array.from(new Set(Array.from(html.matchAll(pattern), (match) => match[1])));
  await Promise.all(
    assets.map(async (url) => {
      const asset = await fetch(url, { credentials: "same-origin" });
      if (asset.ok) {
        await cache.put(url, asset);
      }
    }),
  );
  return true;
}

self.addEventListener("install", (event) => {
  event.waitUntil(keepOfflineCopy().catch(() => false).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("rh-offline-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// Kept again when a page asks and the copy is older than half an hour (or the offline page itself asks).
async function copyIsFresh() {
  const copy = await caches.match(CONFIG.offlineUrl, { cacheName: CACHE });
  const made = copy && Date.parse(copy.headers.get("Date") || "");
  return Boolean(made) && Date.now() - made < 30 * 60 * 1000;
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "keep-offline-copy") {
    event.waitUntil(
      (event.data.force ? Promise.resolve(false) : copyIsFresh())
        .then((fresh) => (fresh ? true : keepOfflineCopy()))
        .catch(() => false)
        .then((kept) => event.source && event.source.postMessage({ type: "offline-copy", kept: kept })),
    );
  }
});

async function pageOrOfflineCopy(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const copy = await caches.match(CONFIG.offlineUrl, { cacheName: CACHE });
    return copy || Response.error();
  }
}

// The network first (a new release's files, with DEBUG's unhashed names too), the copy without one.
async function staticFile(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const copy = await caches.match(request, { cacheName: CACHE, ignoreSearch: true });
    return copy || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(pageOrOfflineCopy(request));
  } else if (url.pathname.startsWith(CONFIG.staticUrl)) {
    event.respondWith(staticFile(request));
  }
});
