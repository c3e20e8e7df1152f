// Canvas fingerprinting as Englehardt & Narayanan (CCS 2016) describe it: text in two
// colours on a canvas, read back as an image.
(function () {
  var canvas = document.createElement('canvas');
  canvas.width = 220;
  canvas.height = 40;
  var ctx = canvas.getContext('2d');
  ctx.textBaseline = 'top';
  ctx.font = '14px Arial';
  ctx.fillStyle = '#f60';
  ctx.fillRect(125, 1, 62, 20);
  ctx.fillStyle = '#069';
  ctx.fillText('Cwm fjordbank glyphs vext quiz', 2, 15);
  ctx.fillStyle = 'rgba(102, 204, 0, 0.7)';
  ctx.fillText('Cwm fjordbank glyphs vext quiz', 4, 17);
  var image = canvas.toDataURL();
  navigator.sendBeacon('http://cdn.fp-vendor.net/collect/canvas', image.slice(-64));
})();
