// Every kind of request a page can make, each to its own URL so tests can find it.
function sendAll() {
  fetch("http://tracker.aivet-third.net/collect/fetch-post", {
    method: "POST", mode: "no-cors",
    headers: {"Content-Type": "text/plain"},
    body: JSON.stringify({kind: "fetch", n: 1}),
  });
  var xhr = new XMLHttpRequest();
  xhr.open("GET", "http://api.aivet-test.com/collect/xhr?x=1");
  xhr.send();
  navigator.sendBeacon("http://tracker.aivet-third.net/collect/beacon", "beacon-body");
  new Image().src = "http://pixel.aivet-third.net/collect/pixel.gif?id=1";
  fetch("/redirect?to=/collect/after-redirect");
  fetch("/cookie");
  var ws = new WebSocket("ws://ws.aivet-test.com/ws");
  ws.onopen = function () { ws.send("client-hello"); };
  var worker = new Worker("/js/worker.js");
  worker.postMessage("go");
}
sendAll();
