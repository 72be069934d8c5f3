// Registers the service worker (../../sw.js) that keeps this site's files in the browser's
// cache, so a second visit starts without downloading Pyodide and the page opens offline.
// Called by main.js once the page is ready, so installing it (which fetches every file the
// site ships, once) never competes with the first start. Its state is on <html> as
// data-offline: "installing", "ready" (every file cached: the next visit works offline),
// "unsupported" (no service workers here, e.g. a page not served over HTTPS or localhost)
// or "failed".

const root = document.documentElement;

export async function registerOffline() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) {
    root.dataset.offline = "unsupported";
    return;
  }
  root.dataset.offline = "installing";
  try {
    await navigator.serviceWorker.register(new URL("../../sw.js", import.meta.url), { updateViaCache: "none" });
    await navigator.serviceWorker.ready;
    root.dataset.offline = "ready";
  } catch (e) {
    root.dataset.offline = "failed";
    console.warn("offline cache not installed:", e?.message ?? e);
  }
}
