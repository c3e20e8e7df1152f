// Canvas fingerprinting inside a cross-origin frame.
(function () {
  var canvas = document.createElement('canvas');
  canvas.width = 200;
  canvas.height = 30;
  var ctx = canvas.getContext('2d');
  ctx.font = '16px serif';
  ctx.fillStyle = '#123456';
  ctx.fillText('Sphinx of black quartz, judge my vow', 1, 20);
  ctx.fillStyle = '#abcdef';
  ctx.fillText('Sphinx of black quartz', 3, 22);
  new Image().src = 'http://frame.fp-iframe.net/collect/frame?c=' + canvas.toDataURL().length;
})();
