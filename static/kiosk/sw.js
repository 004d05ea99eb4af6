// The kiosk's service worker: the page and its files come from the network when the
// server is there (so a new version shows at once) and from this cache when it is
// briefly away, so a tablet can still open the kiosk. Requests to /api/ and every POST
// always go to the network: answers and feedback are never cached.

const CACHE = 'digits-kiosk-v4';
const SHELL = [
  '/kiosk',
  '/kiosk.webmanifest',
  '/static/palette.css',
  '/static/kiosk.css',
  '/static/feedback.css',
  '/static/look.css',
  '/static/js/kiosk.js',
  '/static/js/pad.js',
  '/static/js/api.js',
  '/static/js/attract.js',
  '/static/js/connection.js',
  '/static/js/feedback.js',
  '/static/js/look.js',
  '/static/kiosk/samples.json',
  '/static/kiosk/icon-192.png',
  '/static/kiosk/icon-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin
      || url.pathname.startsWith('/api/') || url.pathname === '/healthz') {
    return;   // the browser's own fetch
  }
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok && SHELL.includes(url.pathname)) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
    }
    return response;
  }).catch(() => caches.match(event.request, { ignoreSearch: true }).then((cached) => cached || Response.error())));
});
