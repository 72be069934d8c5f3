// The service worker: a second visit starts from this browser's cache, and the page opens
// with no network at all. Registered by js/shell/offline.js once the page is ready.
//
// The build writes offline-manifest.json: {version, files: {path: sha256}} for every file
// the site ships (tools/dist.py). Every file is cached under its path *and* its sha256
// (`pyodide/pyodide.asm.wasm?sha256=...`), and served cache-first: a file whose content
// has not changed is never fetched again, and a file that changed has a new key, so it can
// never be served stale. The manifest itself is fetched from the network at each
// navigation (one small request; the cached copy when offline), so a reload after a new
// build (or a `build.py serve` after an edit) gets the new files at once, and every
// request of one page load is answered from one manifest. When a new manifest arrives,
// the entries it no longer lists are deleted: a new build replaces the old one's files.
// Requests for paths the manifest does not list go to the network untouched.

const CACHE = "cnn-explorer-v1";   // bump when the way entries are stored changes
const MANIFEST = "offline-manifest.json";
const MANIFEST_TIMEOUT_MS = 4000; // a network that hangs counts as offline
const SCOPE = new URL(self.registration.scope);

let manifest = null; // the one the current page loads use

function keyOf(path, sha256) {
  return new URL(`${path}?sha256=${sha256}`, SCOPE).href;
}

function pathOf(request) {
  const url = new URL(request.url);
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return null;
  const path = decodeURIComponent(url.pathname.slice(SCOPE.pathname.length));
  return path === "" || path.endsWith("/") ? path + "index.html" : path;
}

async function hexSha256(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Fetch `path` from the network; `keep` settles once its bytes are stored under their key
 * (only if they have the manifest's sha256: a file rebuilt since is passed on, not kept).
 * @returns {Promise<{response: Response, keep: Promise<void> | null}>}
 */
async function fetchAndKeep(cache, path, sha256) {
  const response = await fetch(new URL(path, SCOPE).href, { cache: "no-cache" });
  if (!response.ok || response.type !== "basic") return { response, keep: null };
  const copy = response.clone();
  const keep = copy.arrayBuffer().then(async (body) => {
    if ((await hexSha256(body)) !== sha256) return; // changed on the server since: not kept
    const headers = new Headers(copy.headers);
    headers.delete("content-encoding"); // the body is stored decoded,
    headers.delete("vary"); // and under a key of its own, which no request header changes
    headers.set("content-length", String(body.byteLength));
    await cache.put(keyOf(path, sha256), new Response(body, { status: 200, headers }));
  });
  return { response, keep };
}

async function storedManifest() {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(new URL(MANIFEST, SCOPE).href);
  return hit ? hit.json() : null;
}

async function networkManifest() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), MANIFEST_TIMEOUT_MS);
  try {
    const response = await fetch(new URL(MANIFEST, SCOPE).href, { cache: "no-store", signal: controller.signal });
    if (!response.ok) return null;
    const fresh = await response.clone().json();
    const cache = await caches.open(CACHE);
    await cache.put(new URL(MANIFEST, SCOPE).href, response);
    return fresh;
  } catch {
    return null; // offline
  } finally {
    clearTimeout(timer);
  }
}

/** Delete every entry the manifest does not list (the files of older builds). */
async function prune(current) {
  const cache = await caches.open(CACHE);
  const wanted = new Set(Object.entries(current.files).map(([p, h]) => keyOf(p, h)));
  wanted.add(new URL(MANIFEST, SCOPE).href);
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
}

async function refreshManifest() {
  const fresh = await networkManifest();
  if (fresh) {
    const changed = !manifest || manifest.version !== fresh.version;
    manifest = fresh;
    if (changed) await prune(fresh);
  } else {
    manifest ??= await storedManifest();
  }
  return manifest;
}

/** Cache every listed file that is not cached yet (first visit; after a new build). */
async function precache(current = null) {
  current ??= await refreshManifest();
  if (!current) throw new Error(`${MANIFEST} could not be fetched`);
  const cache = await caches.open(CACHE);
  for (const [path, sha256] of Object.entries(current.files)) {
    if (await cache.match(keyOf(path, sha256))) continue;
    const { response, keep } = await fetchAndKeep(cache, path, sha256);
    if (!keep) throw new Error(`${path}: HTTP ${response.status}`);
    await keep;
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function respond(event, path) {
  let current;
  if (event.request.mode === "navigate") {
    const before = manifest?.version;
    current = await refreshManifest();
    // A new build (or a restarted worker): fetch what is missing in the background, so
    // the next visit works offline even for the files this one loads only on demand.
    if (current && current.version !== before) event.waitUntil(precache(current).catch(() => {}));
  } else {
    current = manifest ??= await storedManifest();
  }
  const sha256 = current?.files?.[path];
  if (!sha256) return fetch(event.request);
  const cache = await caches.open(CACHE);
  const hit = await cache.match(keyOf(path, sha256));
  if (hit) {
    // HEAD (the worker asks for sizes) is answered from the GET entry's headers.
    return event.request.method === "HEAD" ? new Response(null, { status: hit.status, headers: hit.headers }) : hit;
  }
  if (event.request.method !== "GET") return fetch(event.request);
  const { response, keep } = await fetchAndKeep(cache, path, sha256);
  if (keep) event.waitUntil(keep.catch(() => {}));
  return response;
}

self.addEventListener("fetch", (event) => {
  const { method } = event.request;
  if (method !== "GET" && method !== "HEAD") return;
  const path = pathOf(event.request);
  if (path === null || path === MANIFEST) return; // the network, as without a service worker
  event.respondWith(respond(event, path));
});
