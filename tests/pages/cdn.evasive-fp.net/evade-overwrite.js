// Evasion: delete or overwrite the page's canvas functions and Function.prototype.toString
// with copies from a fresh frame, then fingerprint through the page's usual API.
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
  var w = evasion.frame();
  delete CanvasRenderingContext2D.prototype.fillText;
  Object.defineProperty(CanvasRenderingContext2D.prototype, 'fillText',
    Object.getOwnPropertyDescriptor(w.CanvasRenderingContext2D.prototype, 'fillText'));
  Object.defineProperty(CanvasRenderingContext2D.prototype, 'fillStyle',
    Object.getOwnPropertyDescriptor(w.CanvasRenderingContext2D.prototype, 'fillStyle'));
  HTMLCanvasElement.prototype.toDataURL = w.HTMLCanvasElement.prototype.toDataURL;
  Function.prototype.toString = w.Function.prototype.toString;
  var X = CanvasRenderingContext2D.prototype;
  fingerprint(X.fillText, Object.getOwnPropertyDescriptor(X, 'fillStyle').set,
                 HTMLCanvasElement.prototype.toDataURL);
  evasion.report('overwrite', false);
})();
