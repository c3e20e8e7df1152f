self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener("message", function () {
  fetch("/collect/from-service-worker", {method: "POST", body: "sw-body"});
});
