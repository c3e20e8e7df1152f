// Evasion: look for hooks with Function.prototype.toString (also one taken from a fresh
// frame), name, length and prototype; fingerprint only when nothing looks hooked.
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
  var C = HTMLCanvasElement.prototype, X = CanvasRenderingContext2D.prototype;
  var fillStyle = Object.getOwnPropertyDescriptor(X, 'fillStyle').set;
  var userAgent = Object.getOwnPropertyDescriptor(Navigator.prototype, 'userAgent').get;
  var expected = [[C.toDataURL, 'function toDataURL() { [native code] }'],
                  [X.fillText, 'function fillText() { [native code] }'],
                  [fillStyle, 'function set fillStyle() { [native code] }'],
                  [userAgent, 'function get userAgent() { [native code] }'],
                  [Function.prototype.toString, 'function toString() { [native code] }']];
  var watched = expected.some(function (pair) {
    return Function.prototype.toString.call(pair[0]) !== pair[1] || String(pair[0]) !== pair[1];
  });
  watched = watched || Function.prototype.toString.toString() !== 'function toString() { [native code] }';
  watched = watched || C.toDataURL.name !== 'toDataURL' || C.toDataURL.length !== 0 ||
    'prototype' in C.toDataURL || X.fillText.length !== 3;
  var foreign = evasion.frame().Function.prototype.toString;
  watched = watched || expected.some(function (pair) {
    return !/^function [\w ]*\(\) \{ \[native code\] \}$/.test(foreign.call(pair[0]));
  });
  evasion.report('tostring', watched);
  if (!watched) fingerprint(X.fillText, fillStyle, C.toDataURL);
})();
