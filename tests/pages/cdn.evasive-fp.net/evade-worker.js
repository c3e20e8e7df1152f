// Evasion: fingerprint in workers, out of the page's reach: a worker script from the site,
// and a blob worker made from a string.
(function () {
  var code = "var c = new OffscreenCanvas(240, 40); var x = c.getContext('2d');" +
    "x.font = '14px Arial'; x.fillStyle = '#069'; x.fillText('Cwm fjordbank glyphs vext quiz', 2, 15);" +
    "x.fillStyle = 'rgba(102, 204, 0, 0.7)'; x.fillText('Cwm fjordbank glyphs vext quiz', 4, 17);" +
    "c.convertToBlob().then(function (b) { postMessage(['blob', b.size, navigator.hardwareConcurrency]); });";
  var blobWorker = new Worker(URL.createObjectURL(new Blob([code], {type: 'text/javascript'})));
  blobWorker.onmessage = function (e) {
    navigator.sendBeacon('http://cdn.evasive-fp.net/collect/worker', String(e.data));
  };
  var siteWorker = new Worker('/workers/fp-worker.js');
  siteWorker.onmessage = function (e) {
    navigator.sendBeacon('http://cdn.evasive-fp.net/collect/worker', String(e.data));
  };
  setTimeout(function () { siteWorker.postMessage('go'); }, 300);
})();
