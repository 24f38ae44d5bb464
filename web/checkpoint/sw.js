// Keeps the checkpoint usable offline after its first load: the page, its scripts, the module
// and the configuration it names are cached on install; every request is answered from the
// cache first, then from the network (and cached).
const CACHE = "zkhealth-checkpoint-v1";

async function precache() {
  const cache = await caches.open(CACHE);
  const base = new URL("./", self.location.href);
  const config = new URL("../config/", base);
  const shell = [
    "./",
    "./index.html",
    "./checkpoint.js",
    "../style.css",
    "../qr-input.js",
    "../pkg/zkhealth_verifier.js",
    "../pkg/zkhealth_verifier_bg.wasm",
    "../config/checkpoint.json",
  ].map((p) => new URL(p, base).href);
  await cache.addAll(shell);
  const settings = await (await cache.match(new URL("checkpoint.json", config).href)).json();
  await cache.addAll(
    [settings.vk, settings.policy, settings.roots].map((p) => new URL(p, config).href),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  event.respondWith(
    caches.match(event.request, { ignoreSearch: true }).then(
      (hit) =>
        hit ??
        fetch(event.request).then(async (response) => {
          if (response.ok) {
            const cache = await caches.open(CACHE);
            await cache.put(event.request, response.clone());
          }
          return response;
        }),
    ),
  );
});
