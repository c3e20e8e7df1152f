// Fingerprinting in a dedicated worker, when the page asks for it: an OffscreenCanvas image
// and navigator properties.
onmessage = function () {
  var canvas = new OffscreenCanvas(240, 40);
  var ctx = canvas.getContext('2d');
  ctx.font = '14px Arial';
  ctx.fillStyle = '#f60';
  ctx.fillText('Sphinx of black quartz, judge my vow', 2, 15);
  ctx.fillStyle = '#069';
  ctx.fillText('Sphinx of black quartz, judge my vow', 4, 17);
  var props = [navigator.userAgent, navigator.platform, navigator.language, navigator.languages,
    navigator.hardwareConcurrency, Intl.DateTimeFormat().resolvedOptions().timeZone,
    new Date().getTimezoneOffset()];
  canvas.convertToBlob().then(function (blob) { postMessage(['site', blob.size, props.length]); });
};
