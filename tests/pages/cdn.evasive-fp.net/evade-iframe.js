// Evasion: take "clean" canvas functions from a fresh frame (and from a sandboxed frame
// without scripts) and call them on this page's canvas.
(function () {
  // The canvas fingerprint, through whichever functions the evasion chose.
  function fingerprint(fillText, setFill, toDataURL) {
    var canvas = document.createElement('canvas');
    canvas.width = 240;
    canvas.height = 40;
    var ctx = canvas.getContext('2d');
    ctx.font = '14px Arial';
    setFill.call(ctx, '#069');
    fillText.call(ctx, 'Cwm fjordbank glyphs vext quiz', 2, 15);
    setFill.call(ctx, 'rgba(102, 204, 0, 0.7)');
    fillText.call(ctx, 'Cwm fjordbank glyphs vext quiz', 4, 17);
    return toDataURL.call(canvas).length;
  }
  [null, 'allow-same-origin'].forEach(function (sandbox) {
    var w = evasion.frame(sandbox);
    var X = w.CanvasRenderingContext2D.prototype;
    fingerprint(X.fillText, Object.getOwnPropertyDescriptor(X, 'fillStyle').set,
                   w.HTMLCanvasElement.prototype.toDataURL);
  });
  evasion.report('iframe', false);
})();
